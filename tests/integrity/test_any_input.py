"""No input breaks the assembly (issue 12, point 5): random bytes as a title or a reason,
random clocks (any date of the calendar, any offset, or noise), random bytes as a proposal file
pushed by hand. Whatever comes in, every command answers with 0, 1 or 2 — never the internal
error (exit 3) — and the assembly keeps working for everyone afterwards.

One assembly for all examples (building one per example would take too long). The examples
run the tool in the test's process (call_in_process: the same bytes as arguments and clock, the
same exit codes and streams, without an interpreter start per command); what checks that the
assembly still works afterwards runs it in subprocesses, as members do."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from tests.helpers import (
    EDIT_DROITS,
    EDIT_VALEURS,
    MONDAY,
    NEXT_DAY,
    OPEN,
    TIMEOUT,
    call_in_process,
    git,
)

BRANCH = "proposition/0002-droits"
PATH = "proposals/0002-droits.md"
EXAMPLES = settings(
    max_examples=12,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],  # no shrinking: each example runs git
)


@pytest.fixture(scope="module")
def template(
    tmp_path_factory: pytest.TempPathFactory, assembly_template: Path, session_env: Any, copy_of
) -> Path:
    """n°1 (values) and n°2 (rights, whose file gets random bytes), both open."""
    folder = tmp_path_factory.mktemp("any-input") / "assembly"
    a = copy_of(assembly_template, folder, env=session_env)
    a.propose_edit("alice", "Valeurs", EDIT_VALEURS, now=OPEN)
    a.propose_edit("alice", "Droits", EDIT_DROITS, now=OPEN)
    return folder


def run(
    cwd: Path, args: list[bytes], now: bytes | None = None, *, in_process: bool = True
) -> subprocess.CompletedProcess[bytes]:
    """The tool with these bytes as arguments and as its clock (NEXT_DAY by default), in this
    process or in a subprocess."""
    env: dict[str, str | bytes] = {k: v for k, v in os.environ.items() if k != "ASSEMBLEE_NOW"}
    env["ASSEMBLEE_NOW"] = now if now is not None else NEXT_DAY.encode()
    if in_process:
        proc = call_in_process(cwd, args, env)
    else:
        proc = subprocess.run(
            [sys.executable.encode(), b"-m", b"assemblee_cli", *args],
            cwd=cwd,
            env={os.fsencode(key): os.fsencode(value) for key, value in env.items()},
            capture_output=True,
            timeout=TIMEOUT,
            check=False,
        )
    text = proc.stdout + proc.stderr
    assert proc.returncode in (0, 1, 2), (args, now, text.decode(errors="replace"))
    assert b"Traceback" not in text and b"Erreur interne" not in text, text
    return proc


def still_works(a: Any) -> None:
    """After anything: the others still read the assembly (real processes)."""
    for who, args in (("carol", [b"status"]), ("dave", [b"show", b"1"])):
        proc = run(a.path(who), args, in_process=False)
        assert proc.returncode == 0, proc.stderr.decode(errors="replace")


ARG_BYTES = st.binary(min_size=1, max_size=30).filter(lambda b: b"\x00" not in b)
OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


def clock_texts() -> st.SearchStrategy[bytes]:
    instants = st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=OFFSETS
    ).map(lambda d: d.isoformat().encode())
    near = st.datetimes(
        min_value=datetime(2026, 11, 26, 10),
        max_value=datetime(2026, 12, 1, 8),
        timezones=st.just(UTC),
    ).map(lambda d: d.isoformat().encode())
    return st.one_of(instants, near, ARG_BYTES)


def test_random_titles_reasons_and_clocks_never_break_the_assembly(copy_template, template):
    a = copy_template(template)

    @EXAMPLES
    @given(title=ARG_BYTES, reason=ARG_BYTES, clock=clock_texts())
    def example(title: bytes, reason: bytes, clock: bytes) -> None:
        run(a.path("bob"), [b"vote", b"1", b"blocage", b"-r", reason])
        run(a.path("bob"), [b"propose", title])
        for args in ([b"status"], [b"show", b"1"], [b"close", b"--dry-run"], [b"agenda"]):
            run(a.path("carol"), args, now=clock)

    example()
    still_works(a)
    proc = run(a.path("dave"), [b"verify"], in_process=False)
    assert proc.returncode in (0, 1)


def test_random_proposal_files_never_break_the_others(copy_template, template):
    a = copy_template(template)
    bob = a.path("bob")
    original = a.remote_branch(BRANCH)
    git(bob, "fetch", "-q", "origin")

    @EXAMPLES
    @given(
        content=st.one_of(
            st.binary(max_size=400),
            st.builds(
                lambda when, raw: (
                    (
                        "---\nid: 2\ntitre: Droits\ntours:\n- numero: 1\n  echeance: '"
                        + when
                        + "'\n---\n"
                    ).encode()
                    + raw
                ),
                clock_texts().map(lambda b: b.decode(errors="replace")),
                st.binary(max_size=40),
            ),
        )
    )
    def example(content: bytes) -> None:
        git(bob, "switch", "-q", "-C", "hasard", original)
        (bob / PATH).write_bytes(content)
        git(bob, "commit", "-q", "--allow-empty", "-am", "Au hasard")
        git(bob, "push", "-q", "-f", "origin", f"HEAD:refs/heads/{BRANCH}")
        for who, args in (
            ("carol", [b"status"]),
            ("dave", [b"show", b"2"]),
            ("alice", [b"close", b"--dry-run"]),
        ):
            run(a.path(who), args, now=MONDAY.encode())
        proc = run(a.path("carol"), [b"vote", b"1", b"d-accord"], now=MONDAY.encode())
        assert proc.returncode == 0, proc.stderr.decode(errors="replace")

    example()
    git(bob, "switch", "-q", "main")
    still_works(a)
