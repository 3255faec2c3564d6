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
    ],
)
def test_a_forbidden_import_breaks_a_contract(
    tmp_path: Path, module: str, line: str, contract: str
) -> None:
    result = lint(copy_with(tmp_path, module, line))
    assert result.returncode != 0
    broken = [row for row in result.stdout.splitlines() if row.endswith("BROKEN")]
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
