"""Commits built in memory, stored by git in one go.

Closing fifty proposals makes a hundred commits and as many trees: building each with git's
plumbing (a temporary index, `write-tree`, `commit-tree`, `merge-tree`) starts nine processes a
proposal. Here, trees are edited in memory from the objects read through the persistent
`cat-file`, blobs, trees and commits get their ids by git's own formula (the SHA-1 of
`TYPE SIZE\\0CONTENT`), and `flush` hands them to git, one `hash-object -w` process per type,
which recomputes and checks every id. Signed commits are left to `git commit-tree -S`."""

from __future__ import annotations

import bisect
import hashlib
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assemblee_cli.errors import AssembleeError, GitError
from assemblee_cli.git.repo import ZERO, Change, GitRepo, Identity

TREE_MODE = "40000"
FILE_MODE = "100644"

# (mode, id) of a tree entry, as `diff-tree` and tree objects give them.
Entry = tuple[str, str]


class PathConflict(Exception):
    """An edit would put a file where a folder is, or inside a file."""


@dataclass(frozen=True)
class _Raw:
    mode: str
    name: bytes
    sha: str

    @property
    def is_tree(self) -> bool:
        return self.mode == TREE_MODE

    @property
    def sort_key(self) -> bytes:
        # git orders a folder as if its name ended with "/"
        return self.name + b"/" if self.is_tree else self.name


def object_id(kind: str, data: bytes) -> str:
    return hashlib.sha1(f"{kind} {len(data)}\0".encode() + data).hexdigest()


class ObjectWriter:
    """Blobs, trees and commits made in memory and written by `flush`."""

    def __init__(self, repo: GitRepo) -> None:
        self.repo = repo
        self._pending: dict[str, tuple[str, bytes]] = {}
        self._trees: dict[str, dict[bytes, _Raw]] = {}
        self._commit_trees: dict[str, str] = {}
        # A tree's raw content, its entries' sort keys and where each entry starts: a large
        # folder (years of `proposals/`) is then edited by splicing its bytes, not rebuilt.
        self._layouts: dict[str, tuple[bytes, list[bytes], list[int]] | None] = {}

    # -- reading (the objects made here, or the repository's) --------------------------------

    def tree_of(self, commit: str) -> str:
        known = self._commit_trees.get(commit)
        if known is not None:
            return known
        data = self._read(commit, "commit")
        first = data.split(b"\n", 1)[0].decode()
        if not first.startswith("tree "):
            raise GitError(f"Le commit {commit[:10]} est illisible.")
        self._commit_trees[commit] = first[5:]
        return first[5:]

    def _entries(self, tree: str) -> dict[bytes, _Raw]:
        known = self._trees.get(tree)
        if known is None:
            known = _parse_tree(self._read(tree, "tree"))
            self._trees[tree] = known
        return known

    def _read(self, sha: str, kind: str) -> bytes:
        pending = self._pending.get(sha)
        if pending is not None:
            return pending[1]
        found = self.repo.read_object(sha)
        if found is None or found[1] != kind:
            raise GitError(f"L'objet git {sha[:10]} ({kind}) est introuvable.")
        return found[2]

    def entry(self, tree: str, path: str) -> Entry | None:
        """(mode, id) of `path` in `tree`, or None when there is nothing there."""
        *folders, name = path.encode().split(b"/")
        current = tree
        for folder in folders:
            found = self._entries(current).get(folder)
            if found is None or not found.is_tree:
                return None
            current = found.sha
        leaf = self._entries(current).get(name)
        return None if leaf is None else (leaf.mode, leaf.sha)

    # -- making objects ----------------------------------------------------------------------

    def _add(self, kind: str, data: bytes) -> str:
        sha = object_id(kind, data)
        self._pending.setdefault(sha, (kind, data))
        return sha

    def blob(self, data: bytes) -> str:
        return self._add("blob", data)

    def edit(self, tree: str | None, changes: Mapping[str, Entry | None]) -> str:
        """A tree equal to `tree` (None: empty) with each path set to an entry, or removed
        (None). Folders left empty disappear. Raises PathConflict when a path goes through a
        file."""
        return self._edit(tree, {p.encode(): e for p, e in changes.items()}) or self._add(
            "tree", b""
        )

    def _edit(self, tree: str | None, changes: Mapping[bytes, Entry | None]) -> str | None:
        original = self._entries(tree) if tree is not None else {}
        entries = dict(original)
        below: dict[bytes, dict[bytes, Entry | None]] = {}
        for path, entry in changes.items():
            head, slash, rest = path.partition(b"/")
            if slash:
                below.setdefault(head, {})[rest] = entry
            elif entry is None:
                entries.pop(head, None)
            else:
                existing = entries.get(head)
                if existing is not None and existing.is_tree:
                    raise PathConflict(path.decode(errors="replace"))
                entries[head] = _Raw(entry[0], head, entry[1])
        for head, sub in below.items():
            existing = entries.get(head)
            if existing is not None and not existing.is_tree:
                raise PathConflict(head.decode(errors="replace"))
            subtree = self._edit(existing.sha if existing else None, sub)
            if subtree is None:
                entries.pop(head, None)
            else:
                entries[head] = _Raw(TREE_MODE, head, subtree)
        if not entries:
            return None
        touched = {path.partition(b"/")[0] for path in changes}
        spliced = self._spliced(tree, original, entries, touched) if tree is not None else None
        if spliced is not None:
            sha = self._add("tree", spliced)
            self._trees.setdefault(sha, entries)
            return sha
        ordered = sorted(entries.values(), key=lambda e: e.sort_key)
        data = b"".join(
            e.mode.encode() + b" " + e.name + b"\0" + bytes.fromhex(e.sha) for e in ordered
        )
        sha = self._add("tree", data)
        self._trees.setdefault(sha, {e.name: e for e in ordered})
        return sha

    def _layout(self, tree: str) -> tuple[bytes, list[bytes], list[int]] | None:
        """`tree`'s content, its sort keys in order and the offset of each entry (plus the
        end); None when its entries are not in git's order (then it is rebuilt, sorted)."""
        if tree in self._layouts:
            return self._layouts[tree]
        data = self._read(tree, "tree")
        keys: list[bytes] = []
        starts: list[int] = []
        index = 0
        while index < len(data):
            space = data.index(b" ", index)
            nul = data.index(b"\0", space)
            name = data[space + 1 : nul]
            keys.append(name + b"/" if data[index:space] == TREE_MODE.encode() else name)
            starts.append(index)
            index = nul + 21
        starts.append(len(data))
        ordered = all(a < b for a, b in itertools.pairwise(keys))
        found = (data, keys, starts) if ordered else None
        self._layouts[tree] = found
        return found

    def _spliced(
        self,
        tree: str,
        original: Mapping[bytes, _Raw],
        entries: Mapping[bytes, _Raw],
        touched: set[bytes],
    ) -> bytes | None:
        """The content of `tree` with `entries` in place of `original` (which differ only by
        the `touched` names), made by replacing,
        inserting or removing only the entries that changed (a few among thousands). None when
        an entry changes kind (its place in the order changes) or the tree is not in order."""
        changed = [n for n in touched if original.get(n) != entries.get(n)]
        if len(changed) * 8 > len(original):
            return None  # a small folder, or many changes: rebuilt as before
        layout = self._layout(tree)
        if layout is None:
            return None
        data, keys, starts = layout
        edits = []
        for name in changed:
            old, new = original.get(name), entries.get(name)
            if old is not None and new is not None and old.is_tree != new.is_tree:
                return None
            entry = new or old
            assert entry is not None
            record = (
                None
                if new is None
                else new.mode.encode() + b" " + new.name + b"\0" + bytes.fromhex(new.sha)
            )
            edits.append((entry.sort_key, old is not None, record))
        edits.sort(key=lambda edit: edit[0])
        pieces = []
        position = 0
        for key, existed, record in edits:
            at = bisect.bisect_left(keys, key)
            if existed and (at >= len(keys) or keys[at] != key):
                return None
            pieces.append(data[position : starts[at]])
            if record is not None:
                pieces.append(record)
            position = starts[at + 1] if existed else starts[at]
        pieces.append(data[position:])
        return b"".join(pieces)

    def with_files(self, tree: str, files: Mapping[str, bytes | None]) -> str:
        """`tree` with files written (path → content) or removed (None); a file keeps its
        mode (an executable stays executable)."""
        entries: dict[str, Entry | None] = {}
        for path, content in files.items():
            if content is None:
                entries[path] = None
            else:
                mode = (self.entry(tree, path) or (FILE_MODE, ""))[0]
                entries[path] = (mode if mode.startswith("100") else FILE_MODE, self.blob(content))
        try:
            return self.edit(tree, entries)
        except PathConflict as exc:
            raise AssembleeError(
                f"Impossible d'écrire {exc} : un fichier et un dossier portent ce nom."
            ) from None

    def commit(
        self, tree: str, parents: Sequence[str], message: str, author: Identity | None = None
    ) -> str:
        """A commit by the current git identity, now (as `git commit-tree` makes it); `author`
        names someone else as its author (the current identity stays its committer)."""
        if self.repo.signs:
            self.flush()
            sha = self.repo.commit_tree(tree, parents, message, author=author)
        else:
            mine, committer = self.repo.commit_idents()
            line = mine if author is None else _with_person(mine, author)
            head = f"tree {tree}\n" + "".join(f"parent {p}\n" for p in parents)
            data = f"{head}author {line}\ncommitter {committer}\n\n{message}".encode()
            sha = self._add("commit", data)
        self._commit_trees[sha] = tree
        return sha

    def flush(self) -> None:
        """Hand every object made so far to git (which checks each id)."""
        if self._pending:
            self.repo.write_objects([(k, d, sha) for sha, (k, d) in self._pending.items()])
            self._pending.clear()

    # -- merging -----------------------------------------------------------------------------

    def clean_merge(
        self, ours: str, changes: Sequence[Change], overrides: Mapping[str, Entry | None]
    ) -> str | None:
        """The tree of a merge with nothing to reconcile: `changes` are the branch's files
        (from the fork point to its tip, plus `overrides`), and `ours` (the trunk's tree) has
        each of them as it was at the fork point. Then the merge is the trunk's tree with the
        branch's files, exactly what git's three-way merge gives. None when a file changed on
        both sides, or a path crosses a file: the caller asks `git merge-tree`."""
        wanted: dict[str, Entry | None] = {}
        before: dict[str, Entry | None] = {}
        if any("\ufffd" in change.path for change in changes):
            return None  # a file name that is not UTF-8: its bytes were not kept
        for change in changes:
            before[change.path] = _side(change.old_mode, change.old_sha)
            wanted[change.path] = _side(change.new_mode, change.new_sha)
        for path, entry in overrides.items():
            before.setdefault(path, None)
            wanted[path] = entry
        for path, old in before.items():
            if self.entry(ours, path) != old:
                return None
        try:
            return self.edit(ours, wanted)
        except PathConflict:
            return None


def _side(mode: str, sha: str) -> Entry | None:
    return None if sha == ZERO else (mode, sha)


def _parse_tree(data: bytes) -> dict[bytes, _Raw]:
    entries: dict[bytes, _Raw] = {}
    index = 0
    while index < len(data):
        space = data.index(b" ", index)
        nul = data.index(b"\0", space)
        name = data[space + 1 : nul]
        entries[name] = _Raw(data[index:space].decode(), name, data[nul + 1 : nul + 21].hex())
        index = nul + 21
    return entries


def _with_person(ident: str, person: Identity) -> str:
    """A `Name <email> time zone` line with another person's name and email."""
    when = ident.rpartition(">")[2]
    name = " ".join(person.name.replace("<", "").replace(">", "").split()) or person.email
    email = person.email.replace("<", "").replace(">", "").strip()
    return f"{name} <{email}>{when}"
