"""Shared fixtures: one sealed world for every test, and real assemblies to run the command line
on (a bare shared remote and one clone per member). The helpers they use are in tests/helpers.py.

Sealing (automatic, for every test): HOME, XDG_CONFIG_HOME and XDG_CACHE_HOME point at a temporary
folder with its own global git configuration (init.defaultBranch=main and an identity), the system git
configuration is ignored, the git template directory is empty, and every variable that could leak
a date, an identity, a repository or a clock (GIT_*, ASSEMBLEE_*) is removed. The session fails if
anything wrote to the developer's real HOME.

The base assembly is built once per session (init, roster, remote, clones), its objects packed, and
copied for each test (copy_repositories: the object files hard-linked, the rest copied), then each
clone's `origin` is pointed at the copied remote."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.helpers import (
    Assembly,
    build_assembly,
    copy_assembly,
    leaky_variables,
    pack_repositories,
    sealed_environ,
    write_global_gitconfig,
)

TESTS = Path(__file__).resolve().parent
REAL_HOME = Path(os.environ.get("HOME", str(Path.home()))).resolve()
# What the tool or git could write in a HOME: checked before and after the session.
WATCHED_IN_HOME = (
    ".gitconfig",
    ".config/git",
    ".config/assemblee",
    ".cache/assemblee",
    ".ssh",
    ".local/share/assemblee",
)


def _home_snapshot() -> dict[str, tuple[int, int]]:
    seen: dict[str, tuple[int, int]] = {}
    for name in WATCHED_IN_HOME:
        top = REAL_HOME / name
        paths = [top, *top.rglob("*")] if top.is_dir() else [top]
        for path in paths:
            if path.exists():
                stat = path.stat()
                seen[str(path)] = (stat.st_mtime_ns, stat.st_size)
    return seen


@pytest.fixture(scope="session", autouse=True)
def real_home_untouched() -> Iterator[None]:
    """Fails the session if a test (or the tool it ran) wrote to the developer's real HOME."""
    before = _home_snapshot()
    yield
    after = _home_snapshot()
    changed = sorted(
        path for path in before.keys() | after.keys() if before.get(path) != after.get(path)
    )
    assert not changed, f"les tests ont écrit dans le vrai HOME : {changed}"


@pytest.fixture(autouse=True)
def sealed_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HOME in a temporary folder with a global gitconfig; no GIT_* or ASSEMBLEE_* variable
    (so no ASSEMBLEE_NOW, no GIT_AUTHOR_DATE…) unless a test sets one. Returns HOME."""
    home = tmp_path_factory.mktemp("home")
    write_global_gitconfig(home)
    for key in leaky_variables():
        monkeypatch.delenv(key)
    for key, value in sealed_environ(home, {}).items():
        monkeypatch.setenv(key, value)
    return home


@pytest.fixture(scope="session")
def session_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A sealed environment for session-scoped fixtures that run commands."""
    home = tmp_path_factory.mktemp("session-home")
    write_global_gitconfig(home)
    return sealed_environ(home)


@pytest.fixture(scope="session")
def assembly_template(
    tmp_path_factory: pytest.TempPathFactory, session_env: dict[str, str]
) -> Path:
    """The base assembly, built once per session; tests get copies (see `assembly`)."""
    folder = tmp_path_factory.mktemp("assembly-template")
    build_assembly(folder, session_env)
    return folder


# -- where the tool runs ----------------------------------------------------------------------
#
# A command in a subprocess costs some 0.8 s of CPU (mostly imports), in this process some
# 0.05 s. The tiers below test what the tool decides, not the process boundary: their tests are
# marked `in_process`, so their assemblies (`assembly`, `copy_template`) run the tool in the
# test's process (run_in_process). The command-line contract (exit codes, streams, signals,
# concurrent processes) keeps real processes: tests/cli (every command at least once, through
# the real entry point), the modules listed, and the close that test_interruptions kills.
IN_PROCESS_TIERS = ("e2e", "integrity", "publication", "scenarios", "store", "usecases", "web")
REAL_PROCESSES = (
    "e2e/test_json_contract.py",  # one JSON document on stdout, exit codes 0/1/2, stderr
    "web/test_load.py",  # command-line votes from threads while the web page votes
)


def in_process(request: pytest.FixtureRequest) -> bool:
    """Whether the test is marked `in_process`: its Assembly runs the tool in the test's own
    process (run_in_process) rather than in a subprocess."""
    return request.node.get_closest_marker("in_process") is not None


def _runs_in_process(path: Path) -> bool:
    relative = _relative(path)
    return relative.split("/", 1)[0] in IN_PROCESS_TIERS and relative not in REAL_PROCESSES


# The longest modules start first, so that pytest -n 2 does not end with one worker alone on
# them (longest first; the order of the others, and within a module, is unchanged).
LONGEST_FIRST = (
    "integrity/test_stress.py",
    "web/test_load.py",
    "cli/test_demo.py",
    "scenarios/test_a_year.py",
    "formats/test_yamlio.py",
    "store/test_history_index.py",
    "web/test_browser.py",
    "web/test_memory.py",
    "cli/test_every_command.py",
)


def _relative(path: Path) -> str:
    return path.relative_to(TESTS).as_posix() if path.is_relative_to(TESTS) else str(path)


def _start_rank(item: pytest.Item) -> int:
    relative = _relative(item.path)
    return LONGEST_FIRST.index(relative) if relative in LONGEST_FIRST else len(LONGEST_FIRST)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _runs_in_process(item.path):
            item.add_marker(pytest.mark.in_process)
    items.sort(key=_start_rank)  # stable: each module's tests stay together and in order


@pytest.fixture()
def assembly(
    assembly_template: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Assembly]:
    """A fresh copy of the base assembly: alice (author, the `init` identity), bob, carol
    (secretariat), dave, and eve who is not a member; all share `remote.git`."""
    copy = copy_assembly(assembly_template, tmp_path / "assembly")
    copy.in_process = in_process(request)
    yield copy


@pytest.fixture(scope="session")
def story_template(
    tmp_path_factory: pytest.TempPathFactory, assembly_template: Path, session_env: dict[str, str]
) -> Callable[[str, Callable[[Assembly], None]], Path]:
    """`story_template(label, story)`: a copy of the base assembly on which `story(assembly)`
    has been played, once; for a module whose tests all start from the same state (copy it
    with `copy_template`). The story is a setup: it runs the tool in process."""

    def build(label: str, story: Callable[[Assembly], None]) -> Path:
        folder = tmp_path_factory.mktemp(label) / "assembly"
        setup = copy_assembly(assembly_template, folder, env=session_env)
        setup.in_process = True
        story(setup)
        pack_repositories(folder, session_env)
        return folder

    return build


@pytest.fixture()
def copy_template(tmp_path: Path, request: pytest.FixtureRequest) -> Callable[..., Assembly]:
    """`copy_template(template, label="assembly")`: a fresh Assembly copied from a template
    folder, run in the sealed environment of the test (in process when the test is marked so)."""

    def make(template: Path, label: str = "assembly") -> Assembly:
        copy = copy_assembly(template, tmp_path / label)
        copy.in_process = in_process(request)
        return copy

    return make


@pytest.fixture(scope="session")
def copy_of() -> Any:
    """`copy_of(template, target, env=None)`: an Assembly copied from a template folder."""
    return copy_assembly


# The session's headless Chromium (tests/web/browser.py): one launch per worker, shared by the
# web pages' tests and the export's.
from tests.web.browser import chromium  # noqa: E402, F401
