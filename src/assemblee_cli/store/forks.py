"""Where each branch forked from `main`, and what it changes since: worked out at a cost that
follows the branches, not the history, and indexed under `.git/assemblee/index/`.

A branch's fork (`Fork`) depends on two commits only, the trunk and the branch's tip: it is
kept in `fourches-v1.json` for the trunk it was worked out against, tip by tip. A command that
finds the trunk unchanged and the tips known starts no git process for it; a new tip that is a
known tip plus votes (commits that change only the branch's own proposal file: a fetch that
brought votes, one's own vote just pushed, a vote redone after a refused push) is derived
from the known fork in memory (`extend_forks`), other new tips are worked out alone; a trunk
that moved (a `close`) starts the file again. Like the history index, the file starts with
the digest of its content, is replaced atomically, and anything wrong with it (missing, cut
short, edited, another format, another trunk) only means working the forks out again: the
answer is the same with it, without it (`ASSEMBLEE_SANS_CACHE=1`) or after damage.

Working a fork out: one `rev-list` of the branches' own commits (as before), then what each
branch changes since its fork point, without ever reading `proposals/` entry by entry (ten
thousand files after years): one `diff-tree` of the top folder of each pair, and one of the
text's folders and the other top-level names that differ (git does not open the folders it is
not given). For `proposals/`, a check by tree id: the fork point's `proposals/` tree with the
branch's own proposal file spliced in must have exactly the tip's tree id; then that file is
the only change there. When a branch asked for changes more there (another proposal's file, a
file renamed: never the tool's doing), the second `diff-tree` lists `proposals/` too, as before
this index: the same processes, the old cost."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assemblee_cli.formats.proposalfile import PROPOSALS_DIR
from assemblee_cli.git.objects import FILE_MODE, ObjectWriter
from assemblee_cli.git.repo import ZERO, Change, GitRepo
from assemblee_cli.store.cache import read_json, write_json
from assemblee_cli.store.index import disabled

FORMAT = 1
EMPTY_VERSION = hashlib.sha1(b"").hexdigest()[:12]
_TREE_MODE = "040000"  # a folder's mode, as diff-tree writes it
_NO_MODE = "000000"
TEXT_FOLDERS = ("codesocial", "sections")  # always diffed (see `changes_since`)


@dataclass(frozen=True)
class Fork:
    """A branch compared with the trunk: whether it forked from one commit only (no criss-cross:
    a merge may then be worked out from it), its own commits (not on the trunk), and the files
    it changes since it forked."""

    tip: str
    single_base: bool
    own: frozenset[str]
    changes: tuple[Change, ...]
    # (fork point's, tip's) `proposals/` trees when the tip's is the other with the branch's
    # own file only (checked by tree id): a draft then makes it rather than reading it.
    folders: tuple[str, str] | None = None

    @property
    def text_paths(self) -> list[str]:
        """The changed files of the text (the proposal files aside)."""
        return sorted(c.path for c in self.changes if not c.path.startswith(f"{PROPOSALS_DIR}/"))

    @property
    def text_version(self) -> str:
        """The fingerprint of the proposed text (`version_of`), read from the changes (no
        process)."""
        return version_of(
            {
                c.path: None if c.new_sha == ZERO else c.new_sha
                for c in self.changes
                if not c.path.startswith(f"{PROPOSALS_DIR}/")
            }
        )

    def as_json(self) -> list[Any]:
        return [
            self.single_base,
            sorted(self.own),
            [
                [c.status, c.path, c.old_sha, c.new_sha, c.old_mode, c.new_mode]
                for c in self.changes
            ],
            list(self.folders) if self.folders else None,
        ]

    @classmethod
    def from_json(cls, tip: str, data: Any) -> Fork:
        single, own, changes, folders = data
        if not isinstance(single, bool) or not all(isinstance(c, str) for c in own):
            raise ValueError
        made = tuple(Change(*(str(field) for field in change)) for change in changes)
        if any(len(change) != 6 for change in changes):
            raise ValueError
        pair = None if folders is None else (str(folders[0]), str(folders[1]))
        return cls(tip, single, frozenset(own), made, pair)


def version_of(blobs: Mapping[str, str | None]) -> str:
    """The fingerprint of a proposed text: its changed files and their blobs (None: deleted)."""
    if not blobs:
        return EMPTY_VERSION
    lines = [f"{path} {blobs[path] or '-'}" for path in sorted(blobs)]
    return hashlib.sha1("\n".join(lines).encode()).hexdigest()[:12]


class ForkIndex:
    """The forks known for one trunk, kept in the private folder."""

    def __init__(self, repo: GitRepo) -> None:
        self.path = repo.git_dir / "assemblee" / "index" / f"fourches-v{FORMAT}.json"

    def load(self, trunk: str) -> dict[str, Fork]:
        """The forks known against `trunk` (none when disabled, damaged or for another)."""
        if disabled():
            return {}
        data = read_json(self.path)
        try:
            if data["format"] != FORMAT or data["tronc"] != trunk:
                return {}
            return {str(tip): Fork.from_json(str(tip), v) for tip, v in data["fourches"].items()}
        except (KeyError, TypeError, ValueError, AttributeError):
            return {}

    def save(self, trunk: str, forks: Mapping[str, Fork]) -> None:
        if disabled():
            return
        write_json(
            self.path,
            {
                "format": FORMAT,
                "tronc": trunk,
                "fourches": {tip: fork.as_json() for tip, fork in sorted(forks.items())},
            },
        )


def work_out(
    repo: GitRepo,
    trunk: str,
    tips: Sequence[str],
    names: Mapping[str, str],
    blobs: Callable[[Sequence[str]], Mapping[str, str | None]],
) -> dict[str, Fork]:
    """The fork of each of `tips` against `trunk` (see the module's documentation). `names`
    gives the proposal of a tip that is a branch's (its file is checked by tree id); `blobs`
    resolves `commit:path` expressions (those the caller has already read cost nothing)."""
    graph = repo.commits_between(tips, exclude=trunk)
    found: list[tuple[str, str | None, frozenset[str]]] = []
    for tip in tips:
        own: set[str] = set()
        bases: set[str] = set()
        stack = [tip] if tip in graph else []
        while stack:
            commit = stack.pop()
            if commit in own:
                continue
            own.add(commit)
            for parent in graph[commit]:
                if parent in graph:
                    stack.append(parent)
                else:
                    bases.add(parent)  # on the trunk: where the branch forked
        if tip not in graph:
            found.append((tip, tip, frozenset()))  # already part of the trunk
        elif len(bases) == 1:
            found.append((tip, bases.pop(), frozenset(own)))
        else:
            found.append((tip, None, frozenset(own)))
    pairs = [(base or repo.merge_base(trunk, tip) or trunk, tip) for tip, base, _own in found]
    folders: dict[int, tuple[str, str]] = {}
    changes = changes_since(repo, pairs, [names.get(tip) for tip in tips], blobs, folders)
    return {
        tip: Fork(tip, base is not None, own, tuple(diff), folders.get(index))
        for index, ((tip, base, own), diff) in enumerate(zip(found, changes, strict=True))
    }


EXTEND_LIMIT = 64  # commits walked back from a new tip to one whose fork is known


def extend_forks(
    objects: ObjectWriter,
    tips: Sequence[str],
    known: Mapping[str, Fork],
    names: Mapping[str, str],
    blobs: Callable[[Sequence[str]], Mapping[str, str | None]],
) -> dict[str, Fork]:
    """The forks of those of `tips` that are a known tip a few commits further (the votes
    cast since), each of these commits with one parent, and that change nothing but the
    branch's own proposal file since: the known fork with that file's new version, worked
    out in memory from the commits and trees. The others are left out, to be worked out as
    usual (`work_out`). `known`: forks worked out against the same trunk; `names`: the
    proposal of a tip that is a branch's (only a branch with a known tip is walked back: a
    new branch is not); `blobs`: the blob each `commit:path` names, for all the new tips at
    once (the command looks them up anyway, to read the proposal files)."""
    walked: dict[str, tuple[Fork, list[str], str]] = {}  # tip -> (known fork, chain, commit)
    files = {c.path for fork in known.values() for c in fork.changes}
    for tip in tips:
        name = names.get(tip)
        if name is None or f"{PROPOSALS_DIR}/{name}.md" not in files:
            continue
        found = _walked_back(objects, tip, known)
        if found is not None:
            walked[tip] = found
    own = {tip: _own_file(base) for tip, (base, chain, _c) in walked.items() if chain}
    specs = {tip: f"{tip}:{change.path}" for tip, change in own.items() if change is not None}
    found_blobs = blobs(list(specs.values())) if specs else {}
    derived: dict[str, Fork] = {}
    for tip, (base, chain, commit) in walked.items():
        if not chain:
            derived[tip] = base
            continue
        change = own[tip]
        new_blob = found_blobs.get(specs[tip]) if tip in specs else None
        if change is None or new_blob is None:
            continue
        fork = _extended(objects, tip, commit, base, chain, change, new_blob)
        if fork is not None:
            derived[tip] = fork
    return derived


def _walked_back(
    objects: ObjectWriter, tip: str, known: Mapping[str, Fork]
) -> tuple[Fork, list[str], str] | None:
    """The known fork `tip` descends from by commits with one parent each (at most
    EXTEND_LIMIT of them), those commits, and the known tip."""
    chain: list[str] = []
    commit = tip
    while commit not in known:
        if len(chain) >= EXTEND_LIMIT:
            return None
        parents = objects.parents_of(commit)
        if len(parents) != 1:
            return None
        chain.append(commit)
        commit = parents[0]
    return known[commit], chain, commit


def _own_file(base: Fork) -> Change | None:
    """The change a fork makes to its branch's own proposal file, when a tip further on can
    be derived from it (a single fork point, its own commits known, that file only changed
    in `proposals/`, and still there)."""
    own_files = [c for c in base.changes if c.path.startswith(f"{PROPOSALS_DIR}/")]
    if not base.single_base or not base.own or base.folders is None or len(own_files) != 1:
        return None
    return own_files[0] if own_files[0].new_sha != ZERO else None


def _extended(
    objects: ObjectWriter,
    tip: str,
    commit: str,
    base: Fork,
    chain: list[str],
    file_change: Change,
    new_blob: str,
) -> Fork | None:
    """`base` (the fork of `commit`) carried to `tip`, `chain` commits further, when they
    change only the branch's own file, whose version at `tip` is `new_blob`. Checked by tree
    ids: `commit`'s root with the tip's `proposals/` must be the tip's root, and the known
    `proposals/` tree with that file's new version spliced in (found by its bytes, not by a
    scan of thousands of entries) must be the tip's; the tip's folder is never read."""
    assert base.folders is not None
    old_root, new_root = objects.tree_of(commit), objects.tree_of(tip)
    old_folder = objects.entry(old_root, PROPOSALS_DIR)
    new_folder = objects.entry(new_root, PROPOSALS_DIR)
    if (
        old_folder is None
        or new_folder is None
        or old_folder[1] != base.folders[1]
        or new_folder[0] != old_folder[0]
        or objects.id_with(old_root, {PROPOSALS_DIR: new_folder}) != new_root
    ):
        return None  # the commits since change more than `proposals/`
    name = file_change.path.removeprefix(f"{PROPOSALS_DIR}/")
    old_file = (file_change.new_mode, file_change.new_sha)
    new_file = (file_change.new_mode, new_blob)
    if objects.id_with_replaced(old_folder[1], name, old_file, new_file) != new_folder[1]:
        return None  # or more than the branch's own file there
    at_fork = None if file_change.old_sha == ZERO else (file_change.old_mode, file_change.old_sha)
    changes = [c for c in base.changes if c is not file_change]
    if new_file != at_fork:
        changes = _placed(changes, _change(file_change.path, at_fork, new_file))
    return Fork(
        tip, True, base.own | frozenset(chain), tuple(changes), (base.folders[0], new_folder[1])
    )


def changes_since(
    repo: GitRepo,
    pairs: Sequence[tuple[str, str]],
    names: Sequence[str | None],
    blobs: Callable[[Sequence[str]], Mapping[str, str | None]],
    folders: dict[int, tuple[str, str]] | None = None,
) -> list[list[Change]]:
    """What `repo.changes_many(pairs)` gives (the same changes, in the same order), without
    reading `proposals/` entry by entry when a pair changes there only its proposal `name`;
    `folders` then receives, for such a pair, its two `proposals/` trees."""
    if not pairs:
        return []
    tops = repo.changes_many(pairs, recursive=False)
    # The proposal files: by tree id when the pair changes `proposals/` (a folder on both sides).
    specs = {
        index: f"{pairs[index][1]}:{PROPOSALS_DIR}/{name}.md"
        for index, name in enumerate(names)
        if name
    }
    found = blobs(list(specs.values())) if specs else {}
    objects = ObjectWriter(repo)
    spliced: dict[int, Change] = {}
    unsure = False
    for index, top in enumerate(tops):
        folder = next((c for c in top if c.path == PROPOSALS_DIR), None)
        if folder is None:
            continue
        if index not in specs or not folder.old_mode == folder.new_mode == _TREE_MODE:
            unsure = True
            break
        file = specs[index].rpartition("/")[2]
        old = objects.entry(folder.old_sha, file)
        new_sha = found.get(specs[index])
        new = None if new_sha is None else ((old or (FILE_MODE, ""))[0], new_sha)
        if objects.id_with(folder.old_sha, {file: new}) != folder.new_sha:
            unsure = True
            break
        if old != new:
            spliced[index] = _change(f"{PROPOSALS_DIR}/{file}", old, new)
        if folders is not None:
            folders[index] = (folder.old_sha, folder.new_sha)
    # One `diff-tree` of the other top-level names that differ (the text's folders always,
    # so that the processes are the same whatever the branches change), and of `proposals/`
    # too, for every pair, when one of them changes there more than its own file.
    others = {c.path for top in tops for c in top if c.path != PROPOSALS_DIR}
    others |= set(TEXT_FOLDERS)
    if unsure:
        return repo.changes_many(pairs, paths=sorted({*others, PROPOSALS_DIR}))
    deep = repo.changes_many(pairs, paths=sorted(others))
    for index, change in spliced.items():
        deep[index] = _placed(deep[index], change)
    return deep


def _change(path: str, old: tuple[str, str] | None, new: tuple[str, str] | None) -> Change:
    """The change of one file as `diff-tree` writes it."""
    if old is None:
        assert new is not None
        return Change("A", path, ZERO, new[1], _NO_MODE, new[0])
    if new is None:
        return Change("D", path, old[1], ZERO, old[0], _NO_MODE)
    return Change("M", path, old[1], new[1], old[0], new[0])


def _placed(changes: list[Change], change: Change) -> list[Change]:
    """`changes` with `change` in git's order (the paths' bytes)."""
    key = change.path.encode()
    at = 0
    while at < len(changes) and changes[at].path.encode() < key:
        at += 1
    return [*changes[:at], change, *changes[at:]]
