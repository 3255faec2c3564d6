"""Helpers of the command-line tests: plain git, and the tool in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

NOW = "2026-11-26T10:00:00+01:00"


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def cli(cwd: Path, *args: str, now: str | None = NOW) -> subprocess.CompletedProcess[str]:
    """`assemblee ARGS` in a subprocess (ASSEMBLEE_NOW=`now` unless None); never a traceback."""
    env = dict(os.environ)
    env.pop("ASSEMBLEE_NOW", None)
    if now:
        env["ASSEMBLEE_NOW"] = now
    proc = subprocess.run(
        [sys.executable, "-m", "assemblee_cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc
