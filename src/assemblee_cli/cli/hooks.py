"""The server's guards, `assemblee hook pre-receive` and `assemblee hook post-receive`: git runs
them on every push, and the push waits for them. They need neither typer nor rich (a sixth of a
second to import, on every push): the entry point runs them from here directly, and the
command-line group (cli/integrity.py, for `--help` and the options) calls the same functions."""

from __future__ import annotations

import sys
from typing import Any

HOOKS = ("pre-receive", "post-receive")


def is_hook(argv: list[str]) -> bool:
    """Whether `argv` is exactly one guard, as a hook script calls it (no option)."""
    return len(argv) == 2 and argv[0] == "hook" and argv[1] in HOOKS


def run_hook(name: str) -> int:
    """Run the guard `name` (one of HOOKS) in the current directory; its exit code."""
    return pre_receive() if name == "pre-receive" else post_receive()


def pre_receive() -> int:
    """Refuse the push (1) when one of its updates breaks a rule, each said on stderr."""
    from pathlib import Path

    from assemblee_cli.store.history import open_shared
    from assemblee_cli.usecases.hook import pre_receive as refusals

    problems = refusals(open_shared(Path(".")), sys.stdin.read().splitlines(), clock())
    for problem in problems:
        sys.stderr.write(f"assemblee : refusé — {problem}\n")
    return 1 if problems else 0


def post_receive() -> int:
    """Record the receipt of each commit pushed, at the server's time."""
    from pathlib import Path

    from assemblee_cli.store.history import open_shared
    from assemblee_cli.usecases.hook import post_receive as record

    record(open_shared(Path(".")), sys.stdin.read().splitlines(), clock())
    return 0


def clock() -> Any:
    """The clock of the command. A simulated one (ASSEMBLEE_NOW) is also the date of the
    commits the command makes, so that they agree with the dates it records."""
    from assemblee_cli.usecases.common import current_time, dated_commits

    now = current_time()
    dated_commits(now)
    return now
