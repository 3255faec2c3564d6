"""Which commit of main's first-parent line last wrote each line of a file on main: the
provenance `blame` shows, kept in an index that follows main.

From scratch (three or four git processes, whose work grows with the whole history; see
`from_scratch`): `git blame` names the commit that last wrote each line. A commit on main's
first-parent line is either a proposal's merge (its message carries the line
`Assemblee-Proposition: NNNN-slug`) or a direct commit (init, hand edits). A commit off that
line came in with the first merge of main whose second parent reaches it: walking the graph
from each merge, oldest first, assigns every such commit to the merge that introduced it.

The index (`.git/assemblee/provenance/`, one entry per file, keyed by the commit of main it was
computed at) keeps each line's content and the commit of main that wrote it. When main has
moved on, the entry is extended rather than rebuilt, with two git processes whose work follows
the new commits only: `git log NEW --not OLD` (the new commits, their parents and messages) and
`git blame OLD..NEW` (which stops where a line is older than OLD and says where). A line older
than OLD keeps the answer recorded at OLD; a new commit is assigned to the merge that introduced
it by the same walk, over the new commits only (every commit of OLD was introduced by a commit
of main up to OLD, so the walk stops there). Whenever that reasoning does not hold (main
rewritten or foreign: OLD no longer on its first-parent line; a line traced to a commit the
index says nothing of, or to a renamed file) the file is computed from scratch. A missing,
unreadable or damaged entry is computed from scratch as well, and `ASSEMBLEE_SANS_CACHE=1`
turns the index off: it changes how fast the answer comes, never the answer.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import deque
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assemblee_cli.errors import GitError
from assemblee_cli.git.repo import GitRepo
from assemblee_cli.store.assembly import Assembly
from assemblee_cli.store.cache import write_atomically
from assemblee_cli.store.index import trailer_names

FORMAT = "v1"
# How far back main's first-parent line is followed, from the indexed commit, to check that a
# line `git blame` stopped at lies in the stretch where the file did not change (beyond it, the
# file is computed from scratch).
MAX_STRETCH = 400
_SHA = re.compile(r"[0-9a-f]{40}")


@dataclass(frozen=True)
class CommitMeta:
    sha: str
    parents: tuple[str, ...]
    time: datetime
    author: str
    message: str

    @property
    def subject(self) -> str:
        return self.message.strip().split("\n", 1)[0]

    @property
    def trailer(self) -> str | None:
        return next(iter(trailer_names(self.message)), None)


@dataclass(frozen=True)
class Provenance:
    """A file at a commit of main: its lines, the commit of main's first-parent line that last
    wrote each, and what is known of those commits (all of them, but in a shallow clone)."""

    lines: list[str]
    writers: list[str]
    commits: dict[str, CommitMeta]


def introducing_commits(parents: Mapping[str, Sequence[str]], tip: str) -> dict[str, str]:
    """Every commit reachable from `tip` → the commit of main's first-parent line that brought
    it (itself when it is on that line). `parents` (commit → its parents) may hold only the
    commits since an older commit of main: the walk stops at the others (they came with that
    older commit)."""
    line: list[str] = []
    sha: str | None = tip
    while sha is not None and sha in parents:
        line.append(sha)
        first = parents[sha]
        sha = first[0] if first else None
    owner = {sha: sha for sha in line}
    for merge in reversed(line):  # oldest first
        queue = deque(parents[merge][1:])
        while queue:
            current = queue.popleft()
            if current in owner or current not in parents:
                continue
            owner[current] = merge
            queue.extend(parents[current])
    return owner


def _described(
    records: Iterable[tuple[str, tuple[str, ...], int, str, str]],
) -> dict[str, CommitMeta]:
    return {
        sha: CommitMeta(sha, parents, datetime.fromtimestamp(stamp, UTC), author, message)
        for sha, parents, stamp, author, message in records
    }


def from_scratch(repo: GitRepo, tip: str, path: str) -> Provenance:
    """The provenance of `path` at `tip` (a commit of main) computed from the whole history.

    `git blame` names the commit that wrote each line; `git blame --first-parent` the commit
    of main's first-parent line that brought it. Where both name the same commit, that commit
    is on main's line, hence its own introducer: a file written by direct commits only (the
    rules, the roster) needs nothing more. Otherwise `git rev-list --parents` gives the graph
    for the walk. Last, one `git log` says what the writers are."""
    blamed = repo.blame_commits(tip, path)
    brought = repo.blame_commits(tip, path, first_parent=True)
    on_line = {
        sha for (sha, _), (mainline, _) in zip(blamed, brought, strict=False) if sha == mainline
    }
    owner = {sha: sha for sha in on_line}
    reachable: Container[str] = on_line
    if len(brought) != len(blamed) or any(sha not in on_line for sha, _content in blamed):
        graph = repo.parents_graph(tip)
        owner, reachable = introducing_commits(graph, tip), graph
    writers = [owner.get(sha, sha) for sha, _content in blamed]
    known = sorted(sha for sha in set(writers) if sha in reachable)
    return Provenance(
        [content for _sha, content in blamed], writers, _described(repo.describe_commits(known))
    )


def provenance_of(assembly: Assembly, tip: str, path: str) -> Provenance:
    """`provenance` of `path` at `tip` (a commit of main), as the use cases ask it."""
    return provenance(assembly.repo, tip, path)


def provenance(repo: GitRepo, tip: str, path: str) -> Provenance:
    """The provenance of `path` at `tip`, from the index when it can answer (extended to `tip`
    when main has moved on since), from scratch otherwise; the index is kept up to date."""
    index = ProvenanceIndex(repo.git_dir)
    if index.disabled or not _SHA.fullmatch(tip):
        return from_scratch(repo, tip, path)
    entry = index.read(path)
    if entry is not None and entry[0] == tip:
        return entry[1]
    found = None
    if entry is not None:
        try:
            found = _extend(repo, entry[0], entry[1], tip, path)
        except GitError:  # the indexed commit is gone (a foreign or pruned history)
            found = None
    if found is None:
        found = from_scratch(repo, tip, path)
    index.write(path, tip, found)
    return found


def _extend(repo: GitRepo, old: str, known: Provenance, tip: str, path: str) -> Provenance | None:
    """The provenance at `tip` from the one at `old`, or None when it cannot be worked out
    from it (then the caller starts from scratch)."""
    commits = _described(repo.commit_log(tip, since=old))
    sha: str | None = tip
    while sha is not None and sha in commits:
        parents = commits[sha].parents
        sha = parents[0] if parents else None
    if sha != old:  # main rewritten, or `old` is not on its first-parent line
        return None
    owner = introducing_commits({sha: meta.parents for sha, meta in commits.items()}, tip)
    blamed = repo.blame_since(tip, old, path)
    same_as_old = _unchanged_stretch(repo, old, path, {b.commit for b in blamed if b.boundary})
    writers: list[str] = []
    for line in blamed:
        if not line.boundary:
            if line.commit not in owner:
                return None
            writers.append(owner[line.commit])
        elif line.path == path and line.commit in same_as_old and line.line <= len(known.writers):
            writers.append(known.writers[line.line - 1])
        else:
            return None
    metas = {**known.commits, **commits}
    kept = {sha: metas[sha] for sha in set(writers) if sha in metas}
    return Provenance([line.content for line in blamed], writers, kept)


def _unchanged_stretch(repo: GitRepo, old: str, path: str, wanted: set[str]) -> set[str]:
    """Those of `wanted` that are `old` or lie on its first-parent line with `path` as it is in
    `old` all the way (the blame of the file there is the one recorded at `old`). Read through
    the persistent cat-file process, one commit at a time, only as far back as needed."""
    found = {old} & wanted
    missing = wanted - found
    if not missing:
        return found
    blob = repo.resolve(f"{old}:{path}")
    current = old
    for _step in range(MAX_STRETCH):
        parent = _first_parent(repo, current)
        if parent is None or blob is None or repo.resolve(f"{parent}:{path}") != blob:
            break
        current = parent
        if current in missing:
            found.add(current)
            missing.discard(current)
            if not missing:
                break
    return found


def _first_parent(repo: GitRepo, commit: str) -> str | None:
    """The first parent of `commit` (None for a root commit), read from the raw object."""
    data = repo.read(commit) or b""
    lines = data.split(b"\n", 2)
    if len(lines) > 1 and lines[1].startswith(b"parent "):
        return lines[1][7:].decode(errors="replace").strip()
    return None


class ProvenanceIndex:
    """One JSON file per file of main, under `.git/assemblee/provenance/v1/`. Any failure to
    read or write it is ignored (the answer is then computed from scratch)."""

    def __init__(self, git_dir: Path) -> None:
        self.folder = git_dir / "assemblee" / "provenance" / FORMAT
        self.disabled = os.environ.get("ASSEMBLEE_SANS_CACHE") == "1"

    def _path(self, path: str) -> Path:
        return self.folder / f"{hashlib.sha1(path.encode()).hexdigest()}.json"

    def read(self, path: str) -> tuple[str, Provenance] | None:
        """(the commit of main it was computed at, the provenance), or None."""
        try:
            entry = json.loads(self._path(path).read_text(encoding="utf-8"))
            return _decode(entry, path)
        except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
            return None

    def write(self, path: str, tip: str, found: Provenance) -> None:
        """Atomically (a reader never sees half an entry; two writers, the last one wins)."""
        write_atomically(self._path(path), json.dumps(_encode(path, tip, found)))


def _encode(path: str, tip: str, found: Provenance) -> dict[str, Any]:
    order = list(dict.fromkeys(found.writers))
    number = {sha: index for index, sha in enumerate(order)}
    return {
        "fichier": path,
        "commit": tip,
        "lignes": found.lines,
        "auteurs": [number[sha] for sha in found.writers],
        "commits": [
            [sha]
            + (
                [
                    list(meta.parents),
                    int(meta.time.timestamp()),
                    meta.author,
                    meta.message,
                ]
                if (meta := found.commits.get(sha)) is not None
                else []
            )
            for sha in order
        ],
    }


def _decode(entry: dict[str, Any], path: str) -> tuple[str, Provenance] | None:
    tip = entry["commit"]
    lines, numbers, rows = entry["lignes"], entry["auteurs"], entry["commits"]
    if entry["fichier"] != path or not _SHA.fullmatch(tip) or len(lines) != len(numbers):
        return None
    if not all(isinstance(line, str) for line in lines):
        return None
    order: list[str] = []
    commits: dict[str, CommitMeta] = {}
    for row in rows:
        sha = row[0]
        if not _SHA.fullmatch(sha):
            return None
        order.append(sha)
        if len(row) == 5:
            parents, stamp, author, message = row[1:]
            if not all(isinstance(p, str) for p in parents) or not isinstance(stamp, int):
                return None
            if not isinstance(author, str) or not isinstance(message, str):
                return None
            time = datetime.fromtimestamp(stamp, UTC)
            commits[sha] = CommitMeta(sha, tuple(parents), time, author, message)
        elif len(row) != 1:
            return None
    if not all(isinstance(n, int) and 0 <= n < len(order) for n in numbers):
        return None
    return tip, Provenance(list(lines), [order[n] for n in numbers], commits)
