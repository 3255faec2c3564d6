"""Helpers shared by the integrity tests: reading proposal records, tampering with plain git
the way a member could, checking that a repository is sound."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

OPEN = "2026-11-26T10:00:00+01:00"  # a Thursday
NEXT_DAY = "2026-11-27T10:00:00+01:00"
MONDAY = "2026-11-30T10:00:00+01:00"
DEADLINE = "2026-12-01T10:00:00+01:00"  # 72 h of working days after OPEN
AFTER = "2026-12-02T10:00:00+01:00"

VALEURS = "sections/03-valeurs.md"
DROITS = "sections/04-droits.md"
QUALITES = "sections/02-qualites.md"
EDIT_VALEURS = (VALEURS, "## Valeurs clés\n\n[à compléter]", "## Valeurs clés\n\nLe soin.")
EDIT_DROITS = (DROITS, "# Droits d'accès\n\n[à compléter]", "# Droits d'accès\n\nOuverts.")
EDIT_QUALITES = (
    QUALITES,
    "# Qualités de l'assemblée\n\n[à compléter]",
    "# Qualités de l'assemblée\n\nLa patience.",
)

TIMEOUT = 180


def split_record(text: str) -> tuple[dict[str, Any], str]:
    """(frontmatter, body) of a proposal file."""
    assert text is not None, "fichier de proposition absent"
    _, front, body = text.split("---\n", 2)
    return yaml.safe_load(front), body


def record(text: str | None) -> dict[str, Any]:
    assert text is not None, "fichier de proposition absent"
    return split_record(text)[0]


def dump_record(data: Mapping[str, Any], body: str) -> str:
    header = yaml.safe_dump(dict(data), sort_keys=False, allow_unicode=True)
    return f"---\n{header}---\n{body}"


def no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    for stream in (proc.stdout or "", proc.stderr or ""):
        assert "Traceback" not in stream, stream
        assert "Erreur interne" not in stream, stream


def cli(
    cwd: Path,
    *args: str,
    env: Mapping[str, str] | None = None,
    now: str | None = None,
    timeout: float = TIMEOUT,
    extra: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`python -m assemblee_cli ARGS` with a timeout; never a traceback."""
    environment = dict(os.environ if env is None else env)
    environment.pop("ASSEMBLEE_NOW", None)
    if now is not None:
        environment["ASSEMBLEE_NOW"] = now
    environment.update(extra or {})
    proc = subprocess.run(
        [sys.executable, "-m", "assemblee_cli", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    no_traceback(proc)
    return proc


def git_run(
    cwd: Path, *args: str, env: Mapping[str, str] | None = None, timeout: float = TIMEOUT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args],
        cwd=cwd,
        env=None if env is None else dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def git_ok(cwd: Path, *args: str, env: Mapping[str, str] | None = None) -> str:
    proc = git_run(cwd, *args, env=env)
    assert proc.returncode == 0, f"git {' '.join(args)} a échoué :\n{proc.stderr}"
    return proc.stdout


def branch_of(assembly: Any, number: int) -> str:
    """The remote branch `proposition/NNNN-…` of proposal `number`."""
    prefix = f"refs/heads/proposition/{number:04d}-"
    [ref] = [r for r in assembly.remote_refs() if r.startswith(prefix)]
    return ref.removeprefix("refs/heads/")


def name_of(branch: str) -> str:
    return branch.removeprefix("proposition/")


def tamper(
    assembly: Any,
    who: str,
    branch: str,
    change: Callable[[dict[str, Any]], None],
    message: str = "Modification à la main",
    *,
    push: bool = True,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str] | None:
    """What a member can do with plain git: check out the proposal branch, edit the record
    (`change` mutates the frontmatter), commit as themselves and push. Returns the push."""
    clone = assembly.path(who)
    git_ok(clone, "fetch", "-q", "origin")
    git_ok(clone, "switch", "-q", "-C", branch, f"origin/{branch}")
    path = clone / "proposals" / f"{name_of(branch)}.md"
    data, body = split_record(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(dump_record(data, body), encoding="utf-8")
    git_ok(clone, "commit", "-q", "-am", message)
    result = None
    if push:
        result = git_run(clone, "push", "origin", f"{branch}:{branch}", env=env)
    git_ok(clone, "switch", "-q", "main")
    return result


def vote_entry(
    member: str, choice: str, when: str, version: str, reason: str | None = None
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "membre": member,
        "choix": choice,
        "tour": 1,
        "date": when,
        "version_texte": version,
    }
    if reason:
        entry["raison"] = reason
    return entry


def assert_sound(repo: Path, env: Mapping[str, str] | None = None) -> None:
    """`git fsck` finds nothing and every ref resolves to an object."""
    fsck = git_run(repo, "fsck", "--no-dangling", "--no-progress", env=env)
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr
    refs = git_ok(repo, "for-each-ref", "--format=%(refname)", env=env).split()
    for ref in refs:
        proc = git_run(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", env=env)
        assert proc.returncode == 0, f"{ref} ne désigne pas un commit dans {repo}"
