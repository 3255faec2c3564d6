"""Heavy libraries are imported only by the commands that use them: `--help` starts with typer
alone (and, printed again, with nothing but the page kept), and `status` (the command members
run most) does without the holidays calendar (once its dates are kept), the markdown and
iCalendar libraries, and pydantic (which typer 0.29 and later import to check every parameter:
about 100 ms a command; pyproject.toml keeps typer below 0.29)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HEAVY = {"git", "yaml", "rich", "holidays", "pydantic", "markdown_it", "icalendar"}
WEB = {"starlette", "jinja2", "uvicorn", "multipart", "python_multipart"}  # serve and site only


def imported(cwd: Path, *args: str) -> set[str]:
    """Top-level packages imported by `assemblee ARGS` (from `python -X importtime`)."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "assemblee_cli", *args],
        cwd=cwd,
        env=dict(os.environ),
        input="",
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    names = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    assert "assemblee_cli" in names
    return names


def test_help_imports_no_heavy_library(sealed_env: Path, tmp_path: Path) -> None:
    assert imported(tmp_path, "--help") & (HEAVY | WEB) == set()


def test_help_printed_again_imports_no_typer(sealed_env: Path, tmp_path: Path) -> None:
    """The page typer printed is kept (cli/quick_help.py): the next `--help` imports neither
    typer nor what the page would not need (typing, re, json, hashlib, pathlib)."""
    assert "typer" in imported(tmp_path, "--help")
    names = imported(tmp_path, "--help")
    assert names & {"typer", "typing", "re", "json", "hashlib", "pathlib", *HEAVY} == set()


def test_status_imports_only_what_it_uses(assembly) -> None:  # type: ignore[no-untyped-def]
    names = imported(assembly.path("bob"), "status", "--offline")
    assert {"git", "yaml", "rich"} <= names
    assert names & {"holidays", "pydantic", "markdown_it", "icalendar", *WEB} == set()


def test_links_and_votes_import_no_web_library(assembly, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The web stack is imported by `serve` and `site` only."""
    monkeypatch.setenv("ASSEMBLEE_NOW", "2026-11-02T10:00:00+01:00")
    assembly.ok("alice", "propose", "Sans texte")
    for args in (("links", "1", "--offline"), ("vote", "1", "d-accord", "--offline")):
        assert imported(assembly.path("alice"), *args) & WEB == set()


def test_deadlines_from_kept_holidays_import_no_holidays_library(assembly, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A command that computes a deadline asks the `holidays` library once per person (and
    library version); then the dates kept in the user's cache folder answer."""
    monkeypatch.setenv("ASSEMBLEE_NOW", "2026-11-02T10:00:00+01:00")
    assembly.ok("alice", "propose", "Sans texte")
    alice = assembly.path("alice")
    monkeypatch.setenv("ASSEMBLEE_SANS_CACHE", "1")
    assert "holidays" in imported(alice, "status", "--offline")  # an open round: its deadline
    monkeypatch.delenv("ASSEMBLEE_SANS_CACHE")
    imported(alice, "status", "--offline")  # keeps the holidays
    for args in (("status", "--offline"), ("show", "1", "--offline"), ("calendar",)):
        assert "holidays" not in imported(alice, *args), args


def test_the_guards_import_neither_typer_nor_rich(assembly) -> None:  # type: ignore[no-untyped-def]
    """git runs `hook pre-receive` and `hook post-receive` on every push, and the push waits:
    the entry point runs them without the command-line group (cli/hooks.py). Given through
    typer (an option before them), they still run."""
    for name in ("pre-receive", "post-receive"):
        assert imported(assembly.remote, "hook", name) & {"typer", "rich", *WEB} == set(), name
        assert "typer" in imported(assembly.remote, "-C", str(assembly.remote), "hook", name)
