"""The number of git processes a command starts does not grow with the repository.

Repositories are built by benchmarks/generate.py (the package's own functions, one
`git fast-import`): a small one and one ten times larger (decided proposals, open proposals,
votes per proposal), with one proposal past its deadline, and a third like the larger one with
ten. Each command runs once with GIT_TRACE, and its git processes are counted by
benchmarks/bench.py's rule (one `trace: built-in: git …` line per process); the commands that
write (`vote`, `close`) run in a copy. This is a count, not a timing: the timings belong to
benchmarks/bench.py.
"""

from __future__ import annotations

import contextlib
import copy as copy_module
import importlib.util
import json
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from tests.helpers import copy_repositories, run_in_process

from assemblee_cli.store.index import forget_memory

ROOT = Path(__file__).resolve().parents[2]


def _load(name: str) -> ModuleType:
    """A module of benchmarks/, which is not a package."""
    spec = importlib.util.spec_from_file_location(
        f"assemblee_benchmarks_{name}", ROOT / "benchmarks" / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


generate = _load("generate")
bench = _load("bench")

# GitPython runs `git version` twice when it is first imported, once per interpreter: imported
# here, so that no count depends on which test a worker of pytest -n runs first.
importlib.import_module("git")

SMALL = {"decided": 5, "open_count": 3, "votes": 3}
LARGE = {"decided": 50, "open_count": 30, "votes": 30}


class Assembly:
    """A generated repository and a sealed environment to run the tool in it."""

    def __init__(self, folder: Path, due: int, check_all: bool, **size: int) -> None:
        self.summary: Any = generate.generate(
            folder / "depot", due=due, check_all=check_all, **size
        )
        self.repo = Path(self.summary.repo)
        self.env = generate.sealed_env(
            folder / "home", self.summary.secretary_name, self.summary.secretary_email
        )
        self.env["ASSEMBLEE_NOW"] = self.summary.now
        # The parsed-header cache saves one `cat-file --batch` when every file read is already
        # cached; counts are compared without it, so that they depend on the repository only.
        self.env["ASSEMBLEE_SANS_CACHE"] = "1"
        self.trace = folder / "trace.txt"

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """The tool in this repository, run in the test's process (the git processes it starts
        are what is counted, not the interpreter) as a new process would run it: with nothing
        kept in memory from an earlier command (forget_memory)."""
        forget_memory()
        proc = run_in_process(self.repo, *args, now=self.env["ASSEMBLEE_NOW"], env=self.env)
        assert proc.returncode == 0, proc.stderr
        return proc

    def traced(self, *args: str) -> str:
        """The GIT_TRACE of one run of the tool."""
        self.trace.unlink(missing_ok=True)
        self.env["GIT_TRACE"] = str(self.trace)
        try:
            self.run(*args)
        finally:
            del self.env["GIT_TRACE"]
        return self.trace.read_text(errors="replace")

    def git_processes(self, *args: str) -> int:
        return bench.count_git_processes(self.traced(*args))

    def longest_git_command(self, *args: str) -> int:
        """The number of arguments of the longest git command line of one run."""
        return max(
            len(shlex.split(line.split("trace: built-in: ", 1)[1]))
            for line in self.traced(*args).splitlines()
            if "trace: built-in: git" in line
        )

    @contextlib.contextmanager
    def scratch_copy(self) -> Iterator[Assembly]:
        """The same assembly in a copy of the repository, for a command that writes."""
        folder = Path(tempfile.mkdtemp(prefix="assemblee-copie-"))
        try:
            copy = copy_module.copy(self)
            copy.repo = folder / "depot"
            copy_repositories(self.repo, copy.repo)
            copy.env = dict(self.env)
            copy.trace = folder / "trace.txt"
            yield copy
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def args(self, command: str) -> list[str]:
        """The command line for one of the measured commands, in this repository."""
        open_with_text = next(n for n in self.summary.open if n in self.summary.with_text)
        return {
            "status": ["status", "--offline"],
            "show-decided": ["show", "1", "--offline"],
            "show-open": ["show", str(open_with_text), "--offline"],
            "close-dry-run": ["close", "--dry-run", "--offline"],
            "close": ["close", "--offline"],
            "verify": ["verify", "--offline"],
            "agenda": ["agenda", "--offline"],
            "export": ["export", "--format", "md", "--offline"],
            "vote": [
                "vote",
                str(open_with_text),
                "pas-d-accord",
                "--raison",
                "Trop tôt.",
                "--offline",
            ],
        }[command]


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Assembly:
    return Assembly(tmp_path_factory.mktemp("small"), due=1, check_all=True, **SMALL)


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Assembly:
    return Assembly(tmp_path_factory.mktemp("large"), due=1, check_all=False, **LARGE)


@pytest.fixture(scope="module")
def large_many_due(tmp_path_factory: pytest.TempPathFactory) -> Assembly:
    return Assembly(tmp_path_factory.mktemp("large-due"), due=10, check_all=False, **LARGE)


def test_the_generated_repositories_are_what_the_tool_reads(
    small: Assembly, large: Assembly
) -> None:
    for assembly, size in ((small, SMALL), (large, LARGE)):
        data = json.loads(assembly.run("status", "--offline", "--json").stdout)
        assert data["erreurs"] == []
        assert len(data["ouvertes"]) == size["open_count"]
        assert len(assembly.summary.decided) == size["decided"]
        # an open proposal has its votes, all counted (cast on the current text)
        shown = json.loads(
            assembly.run("show", str(assembly.summary.open[0]), "--offline", "--json").stdout
        )
        assert len(shown["votes"]) == size["votes"]
        assert all(vote["compte"] for vote in shown["votes"]), shown["votes"]


@pytest.mark.parametrize(
    "command",
    ["status", "show-decided", "show-open", "close-dry-run", "verify", "agenda", "export"],
)
def test_git_processes_do_not_grow_with_the_repository(
    small: Assembly, large: Assembly, command: str
) -> None:
    counted_small = small.git_processes(*small.args(command))
    counted_large = large.git_processes(*large.args(command))
    assert counted_small > 0
    assert counted_large == counted_small, (
        f"{command}: {counted_small} git processes on the small repository, "
        f"{counted_large} on the one ten times larger"
    )


def test_a_vote_starts_as_many_git_processes_on_a_larger_repository(
    small: Assembly, large: Assembly
) -> None:
    counted = []
    for assembly in (small, large):
        with assembly.scratch_copy() as copy:
            counted.append(copy.git_processes(*copy.args("vote")))
    assert counted[0] > 0 and counted[1] == counted[0], counted


@pytest.mark.parametrize("command", ["close-dry-run", "close"])
def test_close_with_ten_times_more_due_proposals(
    small: Assembly, large_many_due: Assembly, command: str
) -> None:
    """Closing ten due proposals starts as many git processes as closing one: the commits are
    made in memory and stored in one go (merges with nothing to reconcile included)."""
    counted = []
    for assembly in (small, large_many_due):
        with assembly.scratch_copy() as copy:
            counted.append(copy.git_processes(*copy.args(command)))
            if command == "close":
                # every due proposal was decided (a blocked one waits for its next round)
                after = json.loads(copy.run("status", "--offline", "--json").stdout)
                still = {p["id"]: p["statut"] for p in after["ouvertes"]}
                assert all(still.get(n, "décidée") != "ouverte" for n in copy.summary.due), still
    assert counted[1] == counted[0], (
        f"{command}: {counted[0]} git processes for one due proposal, {counted[1]} for ten"
    )


@pytest.mark.parametrize("command", ["status", "show-decided", "agenda", "export", "close-dry-run"])
def test_git_processes_with_the_history_index_cold_and_warm(
    small: Assembly, large: Assembly, command: str
) -> None:
    """With the history index (and the header cache) on, a command starts as many git
    processes on the larger repository, whether the index is made (cold) or read (warm)."""
    counted = []
    for assembly in (small, large):
        with assembly.scratch_copy() as copy:
            del copy.env["ASSEMBLEE_SANS_CACHE"]
            shutil.rmtree(copy.repo / ".git" / "assemblee", ignore_errors=True)
            cold = copy.git_processes(*copy.args(command))
            warm = copy.git_processes(*copy.args(command))
            counted.append((cold, warm))
    assert counted[1] == counted[0], f"{command}: (froid, chaud) {counted[0]} puis {counted[1]}"


@pytest.mark.parametrize("target", ["section", "codesocial/regles.yml"])
def test_blame_starts_as_many_git_processes_cold_warm_and_once_main_has_moved_on(
    small: Assembly, large: Assembly, target: str
) -> None:
    """`blame` of a section that decisions wrote and of a file with a single commit: without
    its index, with it cold, warm, and once main has a new commit (the index extended, not
    rebuilt). A file written by direct commits only needs one process less from scratch: the
    section is one that a decision wrote at both sizes."""
    if target == "section":
        written = "Ajouté par la proposition"
        target = next(
            f"sections/{path.name}"
            for path in sorted((small.repo / "sections").glob("*.md"))
            if written in path.read_text(encoding="utf-8")
        )
        assert written in (large.repo / target).read_text(encoding="utf-8")
    counted = []
    for assembly in (small, large):
        with assembly.scratch_copy() as copy:
            args = ("blame", target, "--offline")
            disabled = copy.git_processes(*args)  # the perf tests run with ASSEMBLEE_SANS_CACHE
            del copy.env["ASSEMBLEE_SANS_CACHE"]
            cold, warm = copy.git_processes(*args), copy.git_processes(*args)
            section = copy.repo / "sections" / "02-qualites.md"
            section.write_text(section.read_text() + "\nUn ajout direct.\n", encoding="utf-8")
            for command in (["add", "-A"], ["commit", "-q", "-m", "Ajout direct"]):
                subprocess.run(["git", *command], cwd=copy.repo, env=copy.env, check=True)
            moved, warm_again = copy.git_processes(*args), copy.git_processes(*args)
            counted.append((disabled, cold, warm, moved, warm_again))
    assert counted[1] == counted[0], counted
    disabled, cold, warm, moved, warm_again = counted[0]
    assert cold == disabled and warm < moved <= cold and warm_again == warm, counted[0]


def test_the_benchmark_runs_on_tiny_sizes(tmp_path: Path) -> None:
    """Not a timing: benchmarks/bench.py works (named sizes, --reuse, --only, the tables), on
    two tiny repositories; and what it reads from a repository generated without a summary
    (the secretariat, the open proposals not due) is what the generator's summary says."""
    proc = subprocess.run(
        [
            *(sys.executable, str(ROOT / "benchmarks" / "bench.py"), "--runs", "1"),
            *("--size", "A=2:3:2:1", "--size", "B=4:3:2:1", "--reuse", str(tmp_path)),
            *("--only", "status"),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "| B/A chaud | B/A froid |" in proc.stdout
    rows = [line for line in proc.stdout.splitlines() if line.startswith("| status |")]
    assert len(rows) == 2 and not any("erreur" in row for row in rows), proc.stdout
    summary = json.loads((tmp_path / "B.json").read_text(encoding="utf-8"))
    name, email, _now, candidates = bench._describe(tmp_path / "B", bench.Size.parse("4:3:2:1"))
    assert (name, email) == (summary["secretary_name"], summary["secretary_email"])
    assert sorted(candidates) == sorted(summary["open"])
    assert candidates[0] in summary["with_text"] or not summary["with_text"]


def test_an_incremental_verify_starts_as_many_git_processes_on_a_larger_repository(
    small: Assembly, large: Assembly
) -> None:
    """After a full verify, one more vote: the next verify checks only that vote, with as many
    git processes on the repository ten times larger (what it proved is kept in .git/)."""
    counted = []
    for assembly in (small, large):
        with assembly.scratch_copy() as copy:
            copy.env.pop("ASSEMBLEE_SANS_CACHE")  # what verify proved is what is measured
            copy.run("verify", "--offline")
            copy.run(*copy.args("vote"))
            counted.append(copy.git_processes("verify", "--offline"))
            full = json.loads(copy.run("verify", "--offline", "--tout", "--json").stdout)
            assert full["anomalies"] == []
    assert counted[0] > 0 and counted[1] == counted[0], counted


def test_verify_gives_git_no_longer_command_lines_on_a_larger_repository(
    small: Assembly, large: Assembly
) -> None:
    """The refs verify reads go to git on its standard input, not on its command line, whose
    length is bounded by the system (about 50 000 commits): the longest command line of a
    full verify, and of an incremental one after a vote, is as long with ten times more
    branches and archives."""
    longest = []
    for assembly in (small, large):
        with assembly.scratch_copy() as copy:
            copy.env.pop("ASSEMBLEE_SANS_CACHE")
            full = copy.longest_git_command("verify", "--offline", "--tout")
            copy.run(*copy.args("vote"))
            longest.append((full, copy.longest_git_command("verify", "--offline")))
    assert longest[1] == longest[0], longest
