"""The history index: what the reading commands need from `main`'s history, kept under
`.git/assemblee/index/` (never in the working tree) and extended as `main` moves.

It describes one commit of `main` (the one it was last brought to) and holds:

- `files`: the decided proposals' files on that commit (`NNNN-slug` → blob), what
  `proposals/` holds, without reading that tree (10 000 entries after years);
- `decisions`: the journal of the first-parent line: which commit decided which proposal
  (its `Assemblee-Proposition:` line), and whether it was a merge (an adoption), in the
  order of `main` (the latest decision last: `status`'s latest decisions);
- `headers`: for each decided file (its name and blob), the summary the journal shows (`Decided`) or the
  French error that prevents reading it. A blob never changes, so an entry never goes stale;
  it is worked out the first time a reader needs the whole journal (`export`);
- `days` (`Days`): for each day, the decided files' blobs whose text names it (and those
  whose text may name any day; see `store/reading.decided_between`): what `agenda` needs to
  read in full only the files that may hold a decision taken since the previous meeting.
  Keyed by blob, it never goes stale either; it is worked out the first time `agenda` runs,
  each file read once as bytes, and then only for the new files.

When `main` moved, the index is extended with one `git log` of the new first-parent commits
only (their changes to `proposals/` against their first parent, and their messages). When the
commit it describes is no longer an ancestor of `main` along its first-parent line (a
rewritten or foreign history, a `main` that went back), it is rebuilt from `main`'s tree.

The journal (`files`, `decisions`), the summaries (`headers`, read only by the commands
that show the whole journal) and the days (`days`, read only by `agenda`) are three JSON
files, each replaced atomically (a temporary file, then `os.replace`): a reader
always sees a whole index, two commands writing at once each write a whole one (the last one
stays, and is extended by the next command); no lock, nothing to repair. SQLite would allow
partial reads, but every reader of the journal needs most of it, and a single file with an
atomic replace has no locking or journal to get wrong. Each file starts with the digest of
its content, so that a file cut short or edited by hand is not believed. Reading, writing or trusting it can
fail in any way (missing, truncated, garbage, another format): it is then rebuilt, and every
answer stays the one worked out without it. `ASSEMBLEE_SANS_CACHE=1` disables it (the readers
then work from the history itself).

A long-running process (`serve`) keeps the last index of each repository in memory: once
`main` has not moved, a reader neither starts git nor reads the file."""

from __future__ import annotations

import itertools
import os
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from assemblee_cli.errors import AssembleeError
from assemblee_cli.formats.proposalfile import PROPOSALS_DIR, id_order, parse_name
from assemblee_cli.git.repo import GitRepo
from assemblee_cli.store.cache import read_json, write_json

FORMAT = 2  # 2: the decisions in the order of main (the latest last)
# First-parent commits of main read for its latest decisions when no index is kept yet.
RECENT = 64
TRAILER = "Assemblee-Proposition"
_MEMORY: dict[str, IndexState] = {}
_MEMORY_LOCK = threading.Lock()


def disabled() -> bool:
    return os.environ.get("ASSEMBLEE_SANS_CACHE") == "1"


@dataclass
class IndexState:
    """The index for one commit of main (see the module's documentation)."""

    commit: str
    files: dict[str, str] = field(default_factory=dict)
    decisions: dict[str, tuple[str, bool]] = field(default_factory=dict)
    headers: dict[str, dict[str, Any]] | None = None  # None: not read yet (see `headers_of`)
    days: Days | None = None  # None: not read yet (see `days_of`)
    _names: list[str] | None = field(default=None, repr=False, compare=False)
    # What a reader made of `headers` (the journal), kept with the state in memory.
    derived: Any = field(default=None, repr=False, compare=False)

    def names(self) -> list[str]:
        """The decided proposals' names, in id order (as `Assembly.decided_names`); sorted
        once for a state (a name starts with its number on four digits or more)."""
        if self._names is None or len(self._names) != len(self.files):
            self._names = sorted(self.files, key=id_order)
        return self._names

    def key(self, name: str) -> str:
        """Where `headers` keeps the entry of a decided file: its name and blob (an error
        names the file, and a file's number must match its name)."""
        return f"{name} {self.files[name]}"

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "commit": self.commit,
            "fichiers": self.files,
            "decisions": {
                name: [commit, merge] for name, (commit, merge) in self.decisions.items()
            },
        }

    @classmethod
    def from_json(cls, data: Any) -> IndexState | None:
        """The state stored in `data`, or None when it is not a whole index of this format."""
        try:
            if data["format"] != FORMAT or not _is_sha(data["commit"]):
                return None
            files, decisions = data["fichiers"], data["decisions"]
            if not (_all_shas(files.values()) and set(map(type, files)) <= {str}):
                files = {str(k): str(v) for k, v in files.items() if _is_sha(v)}
            commits = [v[0] for v in decisions.values()]
            if _all_shas(commits) and set(map(type, decisions)) <= {str}:
                decisions = {k: (v[0], bool(v[1])) for k, v in decisions.items()}
            else:
                decisions = {
                    str(k): (str(v[0]), bool(v[1])) for k, v in decisions.items() if _is_sha(v[0])
                }
        except (KeyError, TypeError, AttributeError, IndexError, ValueError):
            return None
        return cls(data["commit"], dict(files), decisions)


@dataclass
class Days:
    """The days the decided files' texts name, by day, so that a stretch of days is answered
    from its own days' entries: `read` the blobs scanned, `by_day` (an ordinal, as a string)
    the positions in `read` of the blobs that name that day, `anywhere` those that may name
    any day (see `store/reading.decided_between`)."""

    read: list[str] = field(default_factory=list)
    by_day: dict[str, list[int]] = field(default_factory=dict)
    anywhere: list[int] = field(default_factory=list)
    _known: set[str] | None = field(default=None, repr=False, compare=False)

    def known(self) -> set[str]:
        """The blobs read (`read` holds each once)."""
        if self._known is None or len(self._known) != len(self.read):
            self._known = set(self.read)
        return self._known

    def add(self, blob: str, days: Iterable[int] | None) -> None:
        self.known().add(blob)
        position = len(self.read)
        self.read.append(blob)
        if days is None:
            self.anywhere.append(position)
        for day in days or ():
            self.by_day.setdefault(str(day), []).append(position)

    def blobs_naming(self, first: int, last: int) -> set[str]:
        """The blobs that may name a day of [first, last] (ordinals)."""
        found = {self.read[position] for position in self.anywhere}
        for day in range(first, last + 1):
            found.update(self.read[position] for position in self.by_day.get(str(day), ()))
        return found

    def kept(self, wanted: set[str]) -> Days:
        """The same, for the blobs of `wanted` only."""
        if self.known() <= wanted:
            return self
        days: dict[int, list[int]] = {}
        for key, positions in self.by_day.items():
            for position in positions:
                days.setdefault(position, []).append(int(key))
        result = Days()
        anywhere = set(self.anywhere)
        for position, blob in enumerate(self.read):
            if blob in wanted:
                result.add(blob, None if position in anywhere else days.get(position, []))
        return result

    def as_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "lus": self.read, "jours": self.by_day, "partout": self.anywhere}

    @classmethod
    def from_json(cls, data: Any) -> Days:
        """What `as_json` wrote, else (missing, another format, an entry not well-formed)
        nothing known."""
        try:
            if data["format"] != FORMAT:
                return cls()
            read, by_day, anywhere = data["lus"], data["jours"], data["partout"]
            if not (
                type(read) is list
                and set(map(type, read)) <= {str}
                and len(set(read)) == len(read)
                and type(by_day) is dict
                and all(key.isdigit() and _are_positions(v, read) for key, v in by_day.items())
                and _are_positions(anywhere, read)
            ):
                return cls()
        except (KeyError, TypeError):
            return cls()
        return cls(read, by_day, anywhere)


def _are_positions(value: Any, read: list[str]) -> bool:
    """Whether `value` is a list of positions in `read`."""
    return type(value) is list and (
        not value or (set(map(type, value)) <= {int} and 0 <= min(value) <= max(value) < len(read))
    )


class HistoryIndex:
    """The index of one repository: brought to a commit of main on demand, saved when it
    changed."""

    def __init__(self, repo: GitRepo) -> None:
        self.repo = repo
        folder = repo.git_dir / "assemblee" / "index"
        self.path = folder / f"historique-v{FORMAT}.json"
        self.headers_path = folder / f"entetes-v{FORMAT}.json"
        self.days_path = folder / f"jours-v{FORMAT}.json"
        self.recent_path = folder / f"recentes-v{FORMAT}.json"
        self.key = str(self.path)

    def at(self, trunk: str, build: bool = True) -> IndexState | None:
        """The index for `trunk` (None when disabled). Extends the last one when `trunk`
        descends from it along the first-parent line, rebuilds it otherwise (with `build`;
        else None: a reader that can do with a few recent commits, on a fresh clone)."""
        if disabled():
            return None
        with _MEMORY_LOCK:
            state = _MEMORY.get(self.key)
        if state is not None and state.commit == trunk:
            return state
        if state is None:
            state = self._load()
            if state is not None and state.commit == trunk:
                self.remember(state)
                return state
        if state is not None:
            state = self._extended(state, trunk)
        if state is None:
            if not build:
                return None
            state = self._built(trunk)
        self.save(state)
        return state

    def remember(self, state: IndexState) -> None:
        with _MEMORY_LOCK:
            _MEMORY[self.key] = state

    def save(self, state: IndexState) -> None:
        """Write the index atomically, and keep it in memory; failures to write are ignored."""
        self.remember(state)
        write_json(self.path, state.as_json())

    def headers_of(self, state: IndexState) -> dict[str, dict[str, Any]]:
        """The summaries of `state`'s decided files known so far: from memory, else from
        their own file (read only by the readers of the whole journal)."""
        if state.headers is None:
            try:
                data = read_json(self.headers_path)
                if data.get("format") != FORMAT:
                    raise ValueError
                stored = data["entetes"]
                wanted = {state.key(name) for name in state.files}
                state.headers = {
                    k: v for k, v in stored.items() if k in wanted and isinstance(v, dict)
                }
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                state.headers = {}
        return state.headers

    def save_headers(self, state: IndexState) -> None:
        """Write the summaries (of the files on `state`'s main only) atomically."""
        self.remember(state)
        write_json(self.headers_path, {"format": FORMAT, "entetes": state.headers or {}})

    def days_of(self, state: IndexState) -> Days:
        """The days named by the decided files' texts known so far: from memory, else from
        their own file (read only by the readers of a stretch of the journal, `agenda`)."""
        if state.days is None:
            state.days = Days.from_json(read_json(self.days_path))
        return state.days

    def save_days(self, state: IndexState) -> None:
        """Write the days (of the blobs on `state`'s main only) atomically."""
        state.days = (state.days or Days()).kept(set(state.files.values()))
        self.remember(state)
        write_json(self.days_path, state.days.as_json())

    def _load(self) -> IndexState | None:
        data = read_json(self.path)
        return None if data is None else IndexState.from_json(data)

    def _extended(self, state: IndexState, trunk: str) -> IndexState | None:
        """`state` brought to `trunk` by the first-parent commits since its commit, or None
        when its commit is not on `trunk`'s first-parent line (a rewritten history)."""
        try:
            history = self.repo.first_parent_history(trunk, since=state.commit)
        except AssembleeError:  # its commit no longer exists (a foreign history)
            return None
        # The new commits must lead back to the indexed one through first parents.
        expected = trunk
        for sha, parents, _message, _changes in history:
            if sha != expected or not parents:
                return None
            expected = parents[0]
        if expected != state.commit:
            return None
        files = dict(state.files)
        decisions = dict(state.decisions)
        for sha, parents, message, changes in reversed(history):
            for path, blob in changes:
                name = _decided_name(path)
                if path.startswith('"') and path[1:].startswith(f"{PROPOSALS_DIR}/"):
                    return None  # a name git had to quote: read the tree instead
                if name is None:
                    continue
                if blob is None:
                    files.pop(name, None)
                else:
                    files[name] = blob
            for name in trailer_names(message):
                decisions.pop(name, None)  # kept in the order of main: the latest last
                decisions[name] = (sha, len(parents) > 1)
        kept = IndexState(trunk, files, decisions)
        if state.headers is not None:
            kept.headers = {
                kept.key(name): state.headers[kept.key(name)]
                for name in files
                if kept.key(name) in state.headers
            }
        kept.days = state.days  # keyed by blob: what a blob says never changes
        return kept

    def _built(self, trunk: str) -> IndexState:
        """The index made from `trunk`'s tree and first-parent history: two reads."""
        files = decided_files(self.repo, trunk)
        decisions: dict[str, tuple[str, bool]] = {}
        history = self.repo.first_parent_history(trunk, paths=False)
        for sha, parents, message, _changes in reversed(history):  # oldest first
            for name in trailer_names(message):
                decisions.pop(name, None)  # the latest commit naming it, last
                decisions[name] = (sha, len(parents) > 1)
        return IndexState(trunk, files, decisions)

    def recent_names(self, trunk: str, count: int) -> list[str] | None:
        """What `keep_recent` kept for `trunk` and `count`, if anything (never when disabled)."""
        found = None if disabled() else read_json(self.recent_path)
        if not isinstance(found, dict) or (found.get("commit"), found.get("nombre")) != (
            trunk,
            count,
        ):
            return None
        names = found.get("noms")
        if isinstance(names, list) and all(isinstance(name, str) for name in names):
            return names
        return None

    def keep_recent(self, trunk: str, count: int, names: list[str]) -> None:
        """Keep a reader's answer about `trunk`'s latest decisions made without the index
        (a fresh clone's `status`): the next one, at the same trunk, reads it back."""
        if not disabled():
            write_json(self.recent_path, {"commit": trunk, "nombre": count, "noms": names})

    def latest_decisions(self, trunk: str, count: int, files: Mapping[str, str]) -> list[str]:
        """The `count` names last decided on `trunk`'s journal that have a file in `files`,
        the latest first, read from its RECENT newest first-parent commits only, as the whole
        journal would give them (a name's place is its latest commit, which is among them);
        from the whole history when those name fewer."""
        history = self.repo.first_parent_history(trunk, paths=False, limit=RECENT)
        # Newest first, each name at its latest commit (its first here).
        named = dict.fromkeys(
            name
            for _sha, _parents, message, _changes in history
            for name in reversed(list(trailer_names(message)))
        )
        latest = last_named(named, files, count)
        if len(latest) < count and len(history) >= RECENT:  # the whole journal, then
            state = self.at(trunk) or self._built(trunk)
            return last_named(reversed(state.decisions), files, count)
        return latest


def last_named(names: Iterable[str], files: Mapping[str, str], count: int) -> list[str]:
    """The first `count` of `names` (the latest decisions first) that have a file on main."""
    return list(itertools.islice((name for name in names if name in files), count))


def decided_files(repo: GitRepo, trunk: str) -> dict[str, str]:
    """The decided proposals' files on `trunk` (`NNNN-slug` → blob), read from its tree."""
    files = {}
    for entry in repo.tree(f"{trunk}:{PROPOSALS_DIR}"):
        name = _decided_name(f"{PROPOSALS_DIR}/{entry.name}")
        if entry.kind == "blob" and name is not None:
            files[name] = entry.sha
    return files


_SHA = re.compile(r"[0-9a-f]{40}")


def _is_sha(value: Any) -> bool:
    return isinstance(value, str) and _SHA.fullmatch(value) is not None


def _all_shas(values: Iterable[Any]) -> bool:
    """Whether every value is an object id (`_is_sha`), checked a few times over all of them
    at once rather than once each: an index of ten thousand files."""
    listed = list(values)
    if not (set(map(type, listed)) <= {str} and set(map(len, listed)) <= {40}):
        return False
    text = "".join(listed).encode("ascii", errors="replace")
    return not text.translate(None, b"0123456789abcdef")


def _decided_name(path: str) -> str | None:
    """`NNNN-slug` for `proposals/NNNN-slug.md` (a decided proposal's file), else None."""
    folder, _, base = path.rpartition("/")
    if folder != PROPOSALS_DIR or not base.endswith(".md"):
        return None
    name = base.removesuffix(".md")
    return name if parse_name(name) else None


def trailer_names(message: str) -> Iterable[str]:
    """The proposals a commit message names on its `Assemblee-Proposition:` lines."""
    for line in message.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() == TRAILER and value.strip():
            yield value.strip()


def forget_memory() -> None:
    """Drop the indexes kept in memory (tests, and a process that wants to re-read)."""
    with _MEMORY_LOCK:
        _MEMORY.clear()
