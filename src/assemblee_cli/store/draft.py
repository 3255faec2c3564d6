"""A draft: the commits of one write of the assembly (a proposal's record, a decision, the
merges of `close`), made in memory and stored together by `flush`. The use cases build them
here, from the assembly's commits, without being handed the git repository; the objects are
made by git/objects.py (ids by git's own formula, stored in one process)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from assemblee_cli.formats.codesocial import ROSTER_PATH, merge_roster_additions
from assemblee_cli.git.objects import Entry, ObjectWriter
from assemblee_cli.git.repo import Change, GitRepo, Identity, MergeResult

# Files whose conflicts the tool resolves when it safely can: path -> (base, ours, theirs) ->
# the merged content, or None (a conflict for people).
RESOLVERS = {ROSTER_PATH: merge_roster_additions}


class Draft:
    """Trees and commits made in memory on top of the assembly's commits."""

    def __init__(
        self, repo: GitRepo, derived: dict[str, tuple[str, dict[str, Entry | None]]] | None = None
    ) -> None:
        self._repo = repo
        self._objects = ObjectWriter(repo)
        if derived is not None:  # trees the assembly knows how to make from others (forks)
            self._objects.derived = derived
        self._made: set[str] = set()  # commits made in this draft

    def tree_of(self, commit: str) -> str:
        """The tree of a commit (of the repository, or made in this draft)."""
        return self._objects.tree_of(commit)

    def entry(self, tree: str, path: str) -> Entry | None:
        """(mode, id) of `path` in `tree`, or None when there is nothing there."""
        return self._objects.entry(tree, path)

    def with_files(self, tree: str, files: Mapping[str, bytes | None]) -> str:
        """`tree` with files written (path → content) or removed (None)."""
        return self._objects.with_files(tree, files)

    def edit(self, tree: str, changes: Mapping[str, Entry | None]) -> str:
        """`tree` with each path set to an entry (as found by `entry`), or removed (None)."""
        return self._objects.edit(tree, changes)

    def commit(
        self, tree: str, parents: Sequence[str], message: str, author: Identity | None = None
    ) -> str:
        """A commit by the current identity, now; `author` names someone else as its author."""
        sha = self._objects.commit(tree, parents, message, author=author)
        self._made.add(sha)
        return sha

    def merge(
        self,
        ours: str,
        theirs: str,
        changes: Sequence[Change] | None,
        overrides: Mapping[str, Entry] | None = None,
    ) -> MergeResult:
        """The tree of the merge of commit `theirs` (a branch) into `ours` (the trunk), or its
        conflicts. In memory from `changes`, the branch's files since its one fork point (plus
        `overrides`), when the trunk still has each of them as it was there; otherwise (or
        when `changes` is None: the fork point is not the merge base) by `git merge-tree`, one
        process, after storing the commits of this draft it reads."""
        if changes is not None:
            tree = self._objects.clean_merge(self.tree_of(ours), changes, overrides or {})
            if tree is not None:
                return MergeResult(tree, ())
        return self._merge_tree(ours, theirs)

    def _merge_tree(self, ours: str, theirs: str) -> MergeResult:
        if ours in self._made or theirs in self._made:
            self.flush()  # git merge-tree reads the commits made so far
        merged = self._repo.merge_tree(ours, theirs)
        if merged.partial is None or not set(merged.conflicts) & RESOLVERS.keys():
            return merged
        return self._resolved(ours, theirs, merged)

    def _resolved(self, ours: str, theirs: str, merged: MergeResult) -> MergeResult:
        """`merged` with the conflicts the tool resolves itself (RESOLVERS) resolved: the
        merged tree when none is left, else the others, with the tree so far."""
        base = self._repo.merge_base(ours, theirs)
        files: dict[str, bytes | None] = {}
        for path in merged.conflicts:
            resolve = RESOLVERS.get(path)
            if resolve is None or base is None:
                continue
            old, mine, other = (self._repo.read(f"{c}:{path}") for c in (base, ours, theirs))
            if old is not None and mine is not None and other is not None:
                resolved = resolve(old, mine, other)
                if resolved is not None:
                    files[path] = resolved
        if not files or merged.partial is None:
            return merged
        tree = self.with_files(merged.partial, files)
        left = tuple(path for path in merged.conflicts if path not in files)
        return MergeResult(None if left else tree, left, tree if left else None)

    def conflicts(
        self, ours: str, theirs: str, changes: Sequence[Change] | None
    ) -> tuple[str, ...]:
        """The files in conflict when merging `theirs` into `ours` (empty: it merges cleanly),
        as `merge` finds them, without making the merged tree when it is clean in memory."""
        if changes is not None and self._objects.merges_cleanly(self.tree_of(ours), changes):
            return ()
        merged = self._merge_tree(ours, theirs)
        return () if merged.tree is not None else tuple(merged.conflicts)

    def flush(self) -> None:
        """Hand every object made so far to git (which checks each id)."""
        self._objects.flush()


__all__ = ["Change", "Draft", "Entry", "MergeResult"]
