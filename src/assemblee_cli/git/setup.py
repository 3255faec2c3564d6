"""git outside an assembly's repository: making a new one, cloning a source, reading the
person's identity and global configuration. Named questions; git runs only here and in repo.py."""

from __future__ import annotations

import subprocess
from pathlib import Path

from assemblee_cli.errors import AssembleeError


def _run(cwd: Path | None, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)


def run_git(cwd: Path, *args: str) -> str:
    """Run one git command in `cwd`; its output, or a French refusal naming the command."""
    proc = _run(cwd, *args)
    if proc.returncode != 0:
        detail = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "erreur inconnue"
        raise AssembleeError(f"git {args[0]} a échoué : {detail}")
    return proc.stdout


def author_identity(cwd: Path) -> tuple[str, str] | None:
    """(name, email) of the git identity in `cwd`, or None when it is not configured."""
    proc = _run(cwd, "var", "GIT_AUTHOR_IDENT")
    ident = proc.stdout.strip()
    if proc.returncode != 0 or "<" not in ident or "<>" in ident:
        return None
    name, _, rest = ident.partition("<")
    email = rest.partition(">")[0].strip()
    return name.strip() or email, email


def has_history(path: Path) -> bool:
    """Whether the git repository in `path` has a commit."""
    return _run(path, "rev-parse", "--verify", "-q", "HEAD").returncode == 0


def shallow_clone(source: str, destination: Path) -> str | None:
    """Clone the last commit of `source` (a path or an address) into `destination`; its commit,
    or None when `source` is not a git repository that can be read."""
    if _run(None, "clone", "--quiet", "--depth", "1", source, str(destination)).returncode != 0:
        return None
    return run_git(destination, "rev-parse", "HEAD").strip()


def init_repository(path: Path, branch: str) -> None:
    """A new, empty repository in `path` whose first branch is `branch`."""
    run_git(path, "init", "--quiet", f"--initial-branch={branch}")


def point_head_at(path: Path, branch: str) -> None:
    """Make `branch` the current branch of the (empty) repository in `path`."""
    run_git(path, "symbolic-ref", "HEAD", f"refs/heads/{branch}")


def commit_paths(path: Path, paths: list[str], message: str) -> None:
    """Add `paths` of the working tree in `path` to the index and commit them."""
    run_git(path, "add", *paths)
    run_git(path, "commit", "--quiet", "-m", message)


def global_config() -> dict[str, str]:
    """The person's global git configuration (key → last value), in one process. The
    repository's own configuration is deliberately not read."""
    try:
        proc = subprocess.run(
            ["git", "config", "--global", "--null", "--list"], capture_output=True, check=False
        )
    except OSError:
        return {}
    if proc.returncode != 0:
        return {}
    values: dict[str, str] = {}
    for item in proc.stdout.decode("utf-8", errors="replace").split("\0"):
        key, _, value = item.partition("\n")
        if key:
            values[key.lower()] = value
    return values
