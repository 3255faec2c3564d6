"""The store outside an assembly's repository: the person's git identity and global settings,
a source code social read, and the first commit of a new one (git/setup.py runs git)."""

from __future__ import annotations

from pathlib import Path

from assemblee_cli.git import setup
from assemblee_cli.git.setup import global_config, has_history
from assemblee_cli.store.assembly import TRUNK


def person_identity(folder: Path) -> tuple[str, str] | None:
    """(name, email) of the person's git identity, as seen from `folder`; None when unset."""
    return setup.author_identity(folder)


def read_source(source: str, destination: Path) -> str | None:
    """The last commit of a code social (a path or an address) copied into `destination`;
    its id, or None when `source` is not a git repository that can be read."""
    return setup.shallow_clone(source, destination)


def first_commit(folder: Path, paths: list[str], message: str) -> None:
    """Make `folder` (a new folder, or an empty repository) a repository whose main branch
    has one commit: `paths` of its files."""
    if (folder / ".git").exists():
        setup.point_head_at(folder, TRUNK)
    else:
        setup.init_repository(folder, TRUNK)
    setup.commit_paths(folder, paths, message)


__all__ = ["first_commit", "global_config", "has_history", "person_identity", "read_source"]
