"""Helpers of the command-line tests: plain git, and the tool in a subprocess."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.conftest import run_cli

NOW = "2026-11-26T10:00:00+01:00"


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def cli(cwd: Path, *args: str, now: str | None = NOW) -> subprocess.CompletedProcess[str]:
    """`assemblee ARGS` in a subprocess (ASSEMBLEE_NOW=`now` unless None); never a traceback."""
    env = dict(os.environ)
    env.pop("ASSEMBLEE_NOW", None)
    return run_cli(cwd, *args, now=now or None, env=env)
