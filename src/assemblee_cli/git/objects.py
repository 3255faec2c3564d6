"""Commits built in memory, stored by git in one go.

Closing fifty proposals makes a hundred commits and as many trees: building each with git's
plumbing (a temporary index, `write-tree`, `commit-tree`, `merge-tree`) starts nine processes a
proposal. Here, trees are edited in memory from the objects read through the persistent
`cat-file`, blobs, trees and commits get their ids by git's own formula (the SHA-1 of
`TYPE SIZE\\0CONTENT`), and `flush` hands them to git, which recomputes and checks every
id: one `unpack-objects` process fed a pack of whole objects when they are few (stored as
separate objects, as `git commit` stores them), one pack (git/pack.py) whose big trees are
deltas when they weigh more than PACK_ABOVE. Signed commits are left to
`git commit-tree -S`.

A tree is kept as git stores it (its bytes), with the offset of each entry found by one scan
the first time an entry is looked up; an edit splices the few entries it changes into those
bytes. A `proposals/` folder of ten thousand files is then never parsed entry by entry nor
rebuilt for each of the hundred commits of a `close`, and the offsets an edited tree carries
are pieces of the earlier ones, not a list shifted entry by entry (`_carried_starts`)."""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assemblee_cli.errors import AssembleeError, GitError
from assemblee_cli.git.repo import TREE_MODE, ZERO, Change, GitRepo, Identity

PACK_ABOVE = 1 << 20  # bytes of new objects above which they are written as one pack
DELTA_ABOVE = 4096  # a tree at least this long is stored as a delta in that pack
MAX_DEPTH = 50  # deltas of deltas, at most (git's own default for its packs)
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

    def encoded(self) -> bytes:
        return self.mode.encode() + b" " + self.name + b"\0" + bytes.fromhex(self.sha)


# One entry of a tree object: `MODE NAME\0` and the 20 bytes of the id.
_ENTRY = re.compile(rb"[0-7]+ [^\0]+\0.{20}", re.S)
_TREE = re.compile(rb"(?:[0-7]+ [^\0]+\0.{20})*", re.S)


class _Tree:
    """A tree object's bytes, read in place: entries are found by binary search in git's
    order (the offset of each entry is found by one scan, on the first look-up), and
    `edited` splices a few changed entries into the bytes."""

    __slots__ = ("_carried", "_starts", "data")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self._starts: Offsets | None = None
        # Made by `edited`: the offsets of the tree it was made from, and its splices.
        self._carried: tuple[Offsets, list[tuple[int, int, bytes, bytes]]] | None = None

    @property
    def starts(self) -> Offsets:
        if self._starts is None and self._carried is not None:
            self._starts = _carried_starts(*self._carried)
            self._carried = None
        if self._starts is None:
            if not self.data:
                self._starts = []
            elif _TREE.fullmatch(self.data) is None:
                raise GitError("Un arbre git est illisible.")
            else:
                self._starts = [m.start() for m in _ENTRY.finditer(self.data)]
        return self._starts

    def _end(self, index: int) -> int:
        starts = self.starts
        return starts[index + 1] if index + 1 < len(starts) else len(self.data)

    def _at(self, index: int) -> _Raw:
        start = self.starts[index]
        space = self.data.index(b" ", start)
        nul = self.data.index(b"\0", space)
        return _Raw(
            self.data[start:space].decode(),
            self.data[space + 1 : nul],
            self.data[nul + 1 : nul + 21].hex(),
        )

    def _key(self, index: int) -> bytes:
        """The name git sorts entry `index` by: a folder's name ends with "/"."""
        start = self.starts[index]
        space = self.data.index(b" ", start)
        name = self.data[space + 1 : self.data.index(b"\0", space)]
        return name + b"/" if self.data[start:space] == TREE_MODE.encode() else name

    def _position(self, key: bytes) -> int:
        return bisect_left(range(len(self.starts)), key, key=self._key)

    def _find(self, name: bytes) -> int | None:
        for key in (name, name + b"/"):
            index = self._position(key)
            if index < len(self.starts) and self._key(index) == key:
                return index
        return None

    def get(self, name: bytes) -> _Raw | None:
        index = self._find(name) if self.data else None
        return None if index is None else self._at(index)

    def starting(self, prefix: bytes, limit: int | None = None) -> list[Entry]:
        found: list[Entry] = []
        index = self._position(prefix) if self.data else 0
        while index < len(self.starts) and self._key(index).startswith(prefix):
            if limit is not None and len(found) >= limit:
                break
            raw = self._at(index)
            found.append((raw.name.decode("utf-8", errors="replace"), raw.mode))
            index += 1
        return found

    def span(self, name: bytes, raw: _Raw | None) -> tuple[int, int] | None:
        """Where `edited({name: raw})` splices its one piece: the bytes of the entry it
        replaces or removes, or the empty span where `raw` goes in; None when it takes two
        pieces (a file where a folder of that name is, or the reverse)."""
        index = self._find(name) if self.data else None
        if index is not None:
            if raw is None or raw.sort_key == self._key(index):
                return self.starts[index], self._end(index)
            return None
        if raw is None:
            return 0, 0
        position = self._position(raw.sort_key)
        at = self.starts[position] if position < len(self.starts) else len(self.data)
        return at, at

    def edited(self, changes: Mapping[bytes, _Raw | None]) -> _Tree:
        """This tree with each name set to an entry, or removed (None). The offsets of its
        entries are carried over, not found again by a scan."""
        splices: list[tuple[int, int, bytes, bytes]] = []  # (start, end, key, new bytes)
        starts = self.starts
        for name, raw in changes.items():
            index = self._find(name) if self.data else None
            if index is not None:
                start, end = starts[index], self._end(index)
                if raw is not None and raw.sort_key == self._key(index):
                    splices.append((start, end, raw.sort_key, raw.encoded()))
                    continue
                splices.append((start, end, b"", b""))
            if raw is not None:
                index = self._position(raw.sort_key)
                at = starts[index] if index < len(starts) else len(self.data)
                splices.append((at, at, raw.sort_key, raw.encoded()))
        # By position; at one position, the entries inserted there (in git's order) come
        # before the one replaced or removed there.
        splices.sort(key=lambda item: (item[0], item[1], item[2]))
        pieces: list[bytes] = []
        cursor = 0
        for start, end, _key, data in splices:
            pieces.append(self.data[cursor:start])
            pieces.append(data)
            cursor = end
        pieces.append(self.data[cursor:])
        tree = _Tree(b"".join(pieces))
        tree._carried = (starts, splices)  # its offsets, worked out if it is ever looked in
        return tree


def _carried_starts(starts: Offsets, splices: list[tuple[int, int, bytes, bytes]]) -> Offsets:
    """The offsets of the entries of a tree made by `_Tree.edited`: those of the tree it was
    made from (`starts`), moved by its `splices`, without a scan of its bytes. They are
    pieces of the earlier offsets, each moved by a shift (_Pieces), rather than a new list:
    a folder of ten thousand files edited a hundred times by a `close` is not shifted entry
    by entry each time."""
    pieces: list[_Piece] = []
    copied = shift = 0
    for start, end, _key, data in splices:
        upto = bisect_left(starts, start, lo=copied)
        pieces += _pieces_of(starts, copied, upto, shift)
        if data:
            pieces.append(([start + shift], 0, 1, 0))
        copied = bisect_left(starts, end, lo=upto)
        shift += len(data) - (end - start)
    pieces += _pieces_of(starts, copied, len(starts), shift)
    made = _Pieces(pieces)
    return made.flat() if len(made.pieces) > _MOST_PIECES else made


# (values, lo, hi, shift): the offsets values[lo:hi], each moved by shift.
_Piece = tuple[list[int], int, int, int]
# Beyond this many pieces, the offsets are made into one list again (once in so many edits).
_MOST_PIECES = 64


def _pieces_of(starts: Offsets, lo: int, hi: int, shift: int) -> list[_Piece]:
    """Offsets lo to hi (excluded) of `starts`, moved by `shift`, as pieces."""
    if hi <= lo:
        return []
    if isinstance(starts, list):
        return [(starts, lo, hi, shift)]
    return starts.between(lo, hi, shift)


class _Pieces:
    """A tree's entry offsets made of pieces of other lists (see `_carried_starts`): indexed
    like the list they stand for, each look-up a binary search among the pieces."""

    __slots__ = ("firsts", "pieces")

    def __init__(self, pieces: list[_Piece]) -> None:
        self.pieces = [piece for piece in pieces if piece[2] > piece[1]]
        self.firsts: list[int] = []  # the index of each piece's first offset
        count = 0
        for _values, lo, hi, _shift in self.pieces:
            self.firsts.append(count)
            count += hi - lo
        self.firsts.append(count)

    def __len__(self) -> int:
        return self.firsts[-1]

    def __getitem__(self, index: int) -> int:
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        which = bisect_right(self.firsts, index) - 1
        values, lo, _hi, shift = self.pieces[which]
        return values[lo + index - self.firsts[which]] + shift

    def between(self, lo: int, hi: int, shift: int) -> list[_Piece]:
        """Offsets lo to hi (excluded), moved by `shift`, as pieces of the same lists."""
        found: list[_Piece] = []
        which = bisect_right(self.firsts, lo) - 1
        while which < len(self.pieces) and self.firsts[which] < hi:
            values, start, end, moved = self.pieces[which]
            first = self.firsts[which]
            found.append(
                (
                    values,
                    start + max(lo - first, 0),
                    start + min(hi - first, end - start),
                    moved + shift,
                )
            )
            which += 1
        return found

    def flat(self) -> list[int]:
        """Every offset, in order, as one list."""
        flat: list[int] = []
        for values, lo, hi, shift in self.pieces:
            flat += values[lo:hi] if shift == 0 else [value + shift for value in values[lo:hi]]
        return flat


# The offsets of a tree's entries: found by a scan, or carried from the tree it was made from.
Offsets = list[int] | _Pieces


def _listed(offsets: Offsets) -> list[int]:
    return offsets if isinstance(offsets, list) else offsets.flat()


def commit_parents(data: bytes) -> list[str]:
    """The parents named in a commit object's content, in order."""
    head = data.split(b"\n\n", 1)[0].decode(errors="replace")
    return [line[7:] for line in head.splitlines() if line.startswith("parent ")]


def object_id(kind: str, data: bytes) -> str:
    return hashlib.sha1(f"{kind} {len(data)}\0".encode() + data).hexdigest()


class ObjectWriter:
    """Blobs, trees and commits made in memory and written by `flush`."""

    def __init__(self, repo: GitRepo) -> None:
        self.repo = repo
        self._pending: dict[str, tuple[str, bytes]] = {}
        self._trees: dict[str, _Tree] = {}
        self._commit_trees: dict[str, str] = {}
        # Trees known to equal another tree with some entries of its own level changed: made
        # from it (a splice) rather than read, when that tree is read already (see `derive`).
        self.derived: dict[str, tuple[str, dict[str, Entry | None]]] = {}
        self._bases: dict[str, str] = {}  # a tree made here -> the tree it was edited from

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

    def parents_of(self, commit: str) -> list[str]:
        """The parents of a commit (of the repository, or made here)."""
        return commit_parents(self._read(commit, "commit"))

    def _tree(self, tree: str) -> _Tree:
        known = self._trees.get(tree)
        if known is None:
            recipe = self.derived.get(tree)
            if recipe is not None and tree not in self._pending:
                source, changes = recipe
                made = self._tree(source).edited(
                    {
                        name.encode(): None if e is None else _Raw(e[0], name.encode(), e[1])
                        for name, e in changes.items()
                    }
                )
                if object_id("tree", made.data) == tree:  # else: read it, as any other
                    known = self._trees[tree] = made
                    return known
            known = self._trees[tree] = _Tree(self._read(tree, "tree"))
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
            found = self._tree(current).get(folder)
            if found is None or not found.is_tree:
                return None
            current = found.sha
        leaf = self._tree(current).get(name)
        return None if leaf is None else (leaf.mode, leaf.sha)

    def names_starting(self, tree: str, prefix: str, limit: int | None = None) -> list[Entry]:
        """(name, mode) of the entries of `tree` whose name starts with `prefix` (the first
        `limit` of them), found by binary search (a folder of ten thousand files is not listed
        to find a few)."""
        return self._tree(tree).starting(prefix.encode(), limit)

    def id_with(self, tree: str, changes: Mapping[str, Entry | None]) -> str:
        """The id `tree` would have with each name of its own level set to an entry, or
        removed (None), without making the tree: to check what another tree holds from its id
        alone (a splice and one hash, however long the tree)."""
        base = self._tree(tree)
        edits = {
            name.encode(): None if entry is None else _Raw(entry[0], name.encode(), entry[1])
            for name, entry in changes.items()
        }
        span = base.span(*next(iter(edits.items()))) if len(edits) == 1 else None
        if span is None:
            return object_id("tree", base.edited(edits).data)
        # One piece (a branch's proposal file): the bytes around it are hashed in place.
        [raw] = edits.values()
        start, end = span
        data = memoryview(base.data)
        inserted = b"" if raw is None else raw.encoded()
        size = len(base.data) - (end - start) + len(inserted)
        digest = hashlib.sha1(f"tree {size}\0".encode())
        digest.update(data[:start])
        digest.update(inserted)
        digest.update(data[end:])
        return digest.hexdigest()

    def id_with_replaced(self, tree: str, name: str, old: Entry, new: Entry) -> str | None:
        """The id `tree` would have with its entry `name`, `old`, replaced by `new` (both
        files), or None when `old` is not found there. The entry is found by a search for its
        bytes (mode, name and id), not by the offsets of every entry: a folder of ten thousand
        files is not scanned. The caller compares the id with the one it expects, which also
        settles any doubt about where the bytes were found."""
        data = self._tree(tree).data
        before = _Raw(old[0], name.encode(), old[1]).encoded()
        start = data.find(before)
        if start < 0:
            return None
        after = _Raw(new[0], name.encode(), new[1]).encoded()
        digest = hashlib.sha1(f"tree {len(data) - len(before) + len(after)}\0".encode())
        view = memoryview(data)
        digest.update(view[:start])
        digest.update(after)
        digest.update(view[start + len(before) :])
        return digest.hexdigest()

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

    def _edit(
        self, tree: str | None, changes: Mapping[bytes, Entry | None], build: bool = True
    ) -> str | None:
        """The edited tree's id (None: empty). Not `build`: only whether the edit can be made
        (PathConflict), without making or hashing the trees (ZERO stands for them)."""
        base = self._tree(tree) if tree is not None else _Tree(b"")
        mine: dict[bytes, _Raw | None] = {}  # what this level changes, by name

        def current(name: bytes) -> _Raw | None:
            return mine[name] if name in mine else base.get(name)

        below: dict[bytes, dict[bytes, Entry | None]] = {}
        for path, entry in changes.items():
            head, slash, rest = path.partition(b"/")
            if slash:
                below.setdefault(head, {})[rest] = entry
            elif entry is None:
                mine[head] = None
            else:
                existing = current(head)
                if existing is not None and existing.is_tree:
                    raise PathConflict(path.decode(errors="replace"))
                mine[head] = _Raw(entry[0], head, entry[1])
        for head, sub in below.items():
            existing = current(head)
            if existing is not None and not existing.is_tree:
                raise PathConflict(head.decode(errors="replace"))
            subtree = self._edit(existing.sha if existing else None, sub, build)
            mine[head] = None if subtree is None else _Raw(TREE_MODE, head, subtree)
        if not build:
            return ZERO
        made = base.edited(mine) if mine else base
        if not made.data:
            return None
        sha = self._add("tree", made.data)
        self._trees.setdefault(sha, made)
        if tree is not None and tree != sha:
            self._bases.setdefault(sha, tree)
        return sha

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
        """Hand every object made so far to git (which checks each id): one by one when they
        are few, else as one pack whose big trees are deltas against the trees they were
        edited from (git/pack.py)."""
        if not self._pending:
            return
        if sum(len(data) for _kind, data in self._pending.values()) < PACK_ABOVE:
            self.repo.write_objects([(k, d, sha) for sha, (k, d) in self._pending.items()])
        else:
            self.repo.write_pack(self._packed(), list(self._pending))
        self._pending.clear()
        self._bases.clear()

    def _packed(self) -> bytes:
        """The pending objects as one pack. A big tree edited from another tree of this pack
        is a delta against it (one changed region: cheap to find); one edited from a tree of
        the repository is a delta against the first such tree (the anchor), entry by entry:
        `index-pack --fix-thin` then adds one base to the pack (the anchor), not one per
        branch. Chains of deltas stay shorter than MAX_DEPTH."""
        from assemblee_cli.git.pack import PackEntry, delta, delta_by_pieces, pack, pieces_of

        entries: list[PackEntry] = []
        depths: dict[str, int] = {}
        anchor: tuple[str, bytes, dict[bytes, int]] | None = None
        for sha, (kind, data) in self._pending.items():
            base = self._bases.get(sha)
            known = self._trees.get(base) if base is not None else None
            depths[sha] = 0
            if base is None or known is None or len(data) < DELTA_ABOVE:
                entries.append(PackEntry(kind, data, sha))
            elif base in self._pending and depths[base] < MAX_DEPTH:
                depths[sha] = depths[base] + 1
                entries.append(PackEntry(kind, data, sha, base, delta(known.data, data)))
            else:
                if anchor is None:
                    anchor = (base, known.data, pieces_of(known.data, _listed(known.starts)))
                made = _listed(self._trees[sha].starts)
                instructions = delta_by_pieces(anchor[1], anchor[2], data, made)
                depths[sha] = 1
                entries.append(PackEntry(kind, data, sha, anchor[0], instructions))
        return pack(entries)

    # -- merging -----------------------------------------------------------------------------

    def clean_merge(
        self, ours: str, changes: Sequence[Change], overrides: Mapping[str, Entry | None]
    ) -> str | None:
        """The tree of a merge with nothing to reconcile: `changes` are the branch's files
        (from the fork point to its tip, plus `overrides`), and `ours` (the trunk's tree) has
        each of them as it was at the fork point. Then the merge is the trunk's tree with the
        branch's files, exactly what git's three-way merge gives. None when a file changed on
        both sides, or a path crosses a file: the caller asks `git merge-tree`."""
        return self._merged(ours, changes, overrides, build=True)

    def merges_cleanly(self, ours: str, changes: Sequence[Change]) -> bool:
        """Whether `clean_merge` makes a tree, without making it: a merge into a trunk whose
        `proposals/` has ten thousand files is not copied and hashed to learn that it is
        clean."""
        return self._merged(ours, changes, {}, build=False) is not None

    def _merged(
        self,
        ours: str,
        changes: Sequence[Change],
        overrides: Mapping[str, Entry | None],
        build: bool,
    ) -> str | None:
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
            if not build:
                return self._edit(ours, {p.encode(): e for p, e in wanted.items()}, build=False)
            return self.edit(ours, wanted)
        except PathConflict:
            return None


def _side(mode: str, sha: str) -> Entry | None:
    return None if sha == ZERO else (mode, sha)


def _with_person(ident: str, person: Identity) -> str:
    """A `Name <email> time zone` line with another person's name and email."""
    when = ident.rpartition(">")[2]
    name = " ".join(person.name.replace("<", "").replace(">", "").split()) or person.email
    email = person.email.replace("<", "").replace(">", "").strip()
    return f"{name} <{email}>{when}"
