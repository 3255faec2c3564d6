"""The layers of ARCHITECTURE.md hold, and the contracts that check them do bite: a copy of the
package with one forbidden import fails `lint-imports`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "assemblee_cli"
LINT = Path(sys.executable).with_name("lint-imports")


def lint(source_root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(source_root)}
    return subprocess.run(
        [str(LINT), "--no-cache", str(ROOT / "pyproject.toml")],
        capture_output=True,
        text=True,
        env=env,
        cwd=source_root,
        check=False,
    )


def copy_with(tmp_path: Path, module: str, line: str) -> Path:
    copy = tmp_path / "src"
    shutil.copytree(PACKAGE, copy / "assemblee_cli", ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / "assemblee_cli" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}  # noqa\n", encoding="utf-8")
    return copy


def test_the_package_keeps_every_contract() -> None:
    result = lint(ROOT / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("core/tally.py", "from assemblee_cli.store import assembly", "Layers"),
        ("store/reading.py", "from assemblee_cli.usecases import status", "Layers"),
        ("usecases/vote.py", "from assemblee_cli.cli import app", "Layers"),
        ("usecases/status.py", "import subprocess", "Only git/ runs git"),
        ("formats/yamlio.py", "import git", "Only git/ runs git"),
        ("render/json.py", "import rich", "Only the skins"),
        ("core/lifecycle.py", "import yaml", "The core is pure"),
        ("usecases/common.py", "from assemblee_cli.usecases import vote", "No import cycle"),
        ("usecases/vote.py", "from assemblee_cli.git import repo", "Use cases and skins ask"),
        ("web/pages.py", "from assemblee_cli.git.repo import Identity", "Use cases and skins ask"),
    ],
)
def test_a_forbidden_import_breaks_a_contract(
    tmp_path: Path, module: str, line: str, contract: str
) -> None:
    result = lint(copy_with(tmp_path, module, line))
    assert result.returncode != 0
    # "… BROKEN", or "… BROKEN (3 ignored imports)" for a contract with ignore_imports
    broken = [row for row in result.stdout.splitlines() if " BROKEN" in row]
    assert any(row.startswith(contract) for row in broken), result.stdout


def test_no_private_name_is_imported_from_another_module() -> None:
    """A name shared between modules is public, in the module where it belongs."""
    import ast

    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("assemblee_cli"):
                found += [
                    f"{path.relative_to(PACKAGE)}: {node.module}.{alias.name}"
                    for alias in node.names
                    if alias.name.startswith("_") and not alias.name.endswith("__")
                ]
    assert found == []


def test_git_arguments_are_spelled_only_in_the_adapter() -> None:
    """Outside git/, git is asked named questions (`repo.blame_commits(…)`), never given raw
    arguments (`repo.out("log", …)`)."""
    import re

    raw = re.compile(r"\brepo\.(out|run)\(")
    found = [
        f"{path.relative_to(PACKAGE)}:{number}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.relative_to(PACKAGE).parts[0] != "git"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if raw.search(line)
    ]
    assert found == []


# -- use cases and skins ask the store, never git (issue 10: no GitRepo handed to use cases) --

ABOVE_THE_STORE = ("usecases", "cli", "web", "render")


def reaches_git(package: Path) -> dict[str, list[str]]:
    """For each module of the layers above the store that reaches git: the lines where it
    touches an attribute named `repo` (an Assembly's GitRepo, or anything's) or imports from
    `assemblee_cli.git` (absolute or relative)."""
    import ast

    def is_git(name: str) -> bool:
        return name == "assemblee_cli.git" or name.startswith("assemblee_cli.git.")

    found: dict[str, list[str]] = {}
    for layer in ABOVE_THE_STORE:
        for path in sorted((package / layer).rglob("*.py")):
            module = path.relative_to(package).as_posix()
            owner = ["assemblee_cli", *Path(module).parent.parts]
            lines = []
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names: list[str] = []
                if isinstance(node, ast.Attribute) and node.attr == "repo":
                    lines.append(f"{node.lineno}: .repo")
                elif isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom):
                    base = owner[: len(owner) - node.level + 1] if node.level else []
                    source = ".".join([*base, *filter(None, [node.module])])
                    names = [source, *(f"{source}.{alias.name}" for alias in node.names)]
                if any(map(is_git, names)):
                    lines.append(f"{node.lineno}: import from assemblee_cli.git")
            if lines:
                found[module] = lines
    return found


def test_use_cases_and_skins_ask_the_store_never_git() -> None:
    """Above the store, git is out of reach: no `assembly.repo`, no `assemblee_cli.git`."""
    assert reaches_git(PACKAGE) == {}


@pytest.mark.parametrize(
    ("module", "line"),
    [
        ("usecases/vote.py", "assembly.repo.identity()"),
        ("usecases/common.py", "from assemblee_cli.git.objects import ObjectWriter"),
        ("cli/app.py", "from assemblee_cli.git import repo"),
        ("web/pages.py", "import assemblee_cli.git.repo"),
        ("render/json.py", "from ..git.repo import Identity"),
        ("usecases/close.py", "from .. import git"),
    ],
)
def test_reaching_git_above_the_store_is_caught(tmp_path: Path, module: str, line: str) -> None:
    copy = copy_with(tmp_path, module, line) / "assemblee_cli"
    assert module in reaches_git(copy), line
