"""What the reading commands take from the repository: the sections as they are on main, the
decided proposals (the journal), the open ones with who has not positioned yet.

Everything is read from git objects (`main`'s tree, branch tips), never from the working tree,
through the persistent `cat-file` process: the cost grows with what is shown."""

from __future__ import annotations

import bisect
import contextlib
import functools
import heapq
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.tally import Choice, Outcome, Tally, tally_votes
from assemblee_cli.errors import AssembleeError
from assemblee_cli.formats.proposalfile import (
    PROPOSALS_DIR,
    id_order,
    parse_proposal_with_data,
    repeated_entries,
)
from assemblee_cli.formats.sections import FILE_LABELS, SECTIONS_DIR, Section, parse_section
from assemblee_cli.formats.yamlio import Entries
from assemblee_cli.store.assembly import MERGE_TRAILER, Assembly, amendment_instant
from assemblee_cli.store.holidays import holidays_of
from assemblee_cli.store.index import Days, HistoryIndex, IndexState, decided_files, last_named


def read_sections(assembly: Assembly, commit: str | None = None) -> tuple[list[Section], list[str]]:
    """The sections on main (or `commit`) in reading order (file name), and warnings."""
    repo = assembly.repo
    rev = commit or assembly.trunk
    warnings: list[str] = []
    sections = []
    entries = sorted(
        (e for e in repo.tree(f"{rev}:{SECTIONS_DIR}") if e.kind == "blob"),
        key=lambda e: e.name,
    )
    for entry in entries:
        if not entry.name.endswith(".md"):
            continue
        path = f"{SECTIONS_DIR}/{entry.name}"
        text = repo.read_text(entry.sha) or ""
        sections.append(parse_section(path, text, warnings))
    return sections, warnings


def section_title(assembly: Assembly, rev: str, path: str) -> str | None:
    """The title of one section file at `rev` (None when the file is not a section)."""
    if not path.startswith(f"{SECTIONS_DIR}/") or not path.endswith(".md"):
        return FILE_LABELS.get(path)
    text = assembly.repo.read_text(f"{rev}:{path}")
    if text is None:
        return None
    return parse_section(path, text).title


# -- proposals ------------------------------------------------------------------------------


def decided_proposals(assembly: Assembly) -> tuple[list[lc.Proposal], list[str]]:
    """Decided proposals on main (adopted, rejected, withdrawn), oldest decision first, read
    from every file of `proposals/` (the journal below needs only their summaries)."""
    result: list[lc.Proposal] = []
    errors: list[str] = []
    for loaded in assembly.load_decided_many(assembly.decided_names()):
        name = loaded.name
        if loaded.proposal is None:
            errors.append(loaded.error or name)
        elif loaded.proposal.status in lc.DECIDED:
            result.append(loaded.proposal)
    result.sort(key=lambda p: (p.decided_at or p.opened_at, p.id))
    return result, errors


@dataclass(frozen=True)
class Decided:
    """A decided proposal as the journal shows it: its header's summary, without its votes,
    members and frozen rules. The attributes are those of `lc.Proposal` they summarise."""

    id: int
    slug: str
    title: str
    author_name: str
    opened_at: datetime
    status: lc.Status
    challenges: int | None
    withdrawn_at: datetime | None
    files: tuple[str, ...]
    round: lc.Round

    @property
    def name(self) -> str:
        return f"{self.id:04d}-{self.slug}"

    @property
    def path(self) -> str:
        return f"{PROPOSALS_DIR}/{self.name}.md"

    @property
    def decided_at(self) -> datetime | None:
        if self.status is lc.Status.WITHDRAWN:
            return self.withdrawn_at
        return self.round.closed_at if self.status in lc.DECIDED else None

    @classmethod
    def of(cls, p: lc.Proposal) -> Decided:
        return cls(
            p.id,
            p.slug,
            p.title,
            p.author_name,
            p.opened_at,
            p.status,
            p.challenges,
            p.withdrawn_at,
            p.files,
            p.round,
        )

    def as_json(self) -> dict[str, Any]:
        r = self.round
        return {
            "id": self.id,
            "slug": self.slug,
            "titre": self.title,
            "auteur": self.author_name,
            "ouverte_le": _instant(self.opened_at),
            "statut": self.status.value,
            "conteste": self.challenges,
            "retiree_le": _instant(self.withdrawn_at),
            "fichiers": list(self.files),
            "tour": {
                "numero": r.number,
                "mode": r.mode.value,
                "ouvert_le": _instant(r.opened_at),
                "echeance": _instant(r.deadline),
                "version_texte": r.text_version,
                "resultat": None if r.result is None else r.result.value,
                "clos_le": _instant(r.closed_at),
                "decompte": None if r.tally is None else r.tally.as_dict(),
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Decided:
        r = data["tour"]
        tally = r["decompte"]
        return cls(
            int(data["id"]),
            str(data["slug"]),
            str(data["titre"]),
            str(data["auteur"]),
            _parse_instant(data["ouverte_le"]),
            lc.Status(data["statut"]),
            None if data["conteste"] is None else int(data["conteste"]),
            _maybe_instant(data["retiree_le"]),
            tuple(str(f) for f in data["fichiers"]),
            lc.Round(
                int(r["numero"]),
                lc.Mode(r["mode"]),
                _parse_instant(r["ouvert_le"]),
                _parse_instant(r["echeance"]),
                str(r["version_texte"]),
                None if r["resultat"] is None else Outcome(r["resultat"]),
                _maybe_instant(r["clos_le"]),
                None
                if tally is None
                else Tally(**{_TALLY_FIELDS[k]: int(v) for k, v in tally.items()}),
            ),
        )


_TALLY_FIELDS = {
    c.value: f for c, f in zip(Choice, ("agree", "abstain", "disagree", "block"), strict=True)
}


def _instant(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _parse_instant(text: Any) -> datetime:
    return datetime.fromisoformat(str(text))


def _maybe_instant(text: Any) -> datetime | None:
    return None if text is None else _parse_instant(text)


def _state(assembly: Assembly) -> tuple[HistoryIndex, IndexState] | None:
    """The history index brought to the trunk (None when disabled)."""
    index = HistoryIndex(assembly.repo)
    state = index.at(assembly.trunk)
    return None if state is None else (index, state)


def follow_main(assembly: Assembly) -> None:
    """Bring the history index to the trunk now (a long-running reader does it when it
    fetches, so that its pages then answer from memory)."""
    _state(assembly)


def decided_journal(assembly: Assembly) -> tuple[list[Decided], list[str]]:
    """The decided proposals' summaries, oldest decision first, and the files of
    `proposals/` on main that could not be read: from the history index (each file parsed
    once, ever), or from every file when the index is disabled."""
    found = _state(assembly)
    if found is None:
        proposals, unreadable = decided_proposals(assembly)
        return [Decided.of(p) for p in proposals], unreadable
    index, state = found
    known = index.headers_of(state)
    missing = [name for name in state.files if state.key(name) not in known]
    if missing:
        headers = dict(known)
        texts = assembly.repo.contents(sorted({state.files[name] for name in missing}))
        entries = repeated_entries()  # the rules and roster copied in each: parsed once each
        for name in missing:
            headers[state.key(name)] = _summary(name, texts.get(state.files[name]), entries)
        state = IndexState(state.commit, state.files, state.decisions, headers, state.days)
        index.save_headers(state)
    if state.derived is not None:  # a long-running process: worked out once for this main
        journal, unreadable = state.derived
        return list(journal), list(unreadable)
    result: list[Decided] = []
    errors: list[str] = []
    headers = state.headers or {}
    for name in state.names():
        entry = headers[state.key(name)]
        if "erreur" in entry:
            errors.append(str(entry["erreur"]))
            continue
        try:
            decided = Decided.from_json(entry["resume"]) if entry.get("resume") else None
        except (KeyError, TypeError, ValueError):  # a damaged entry: read the file again
            decided = _decided_of(name, assembly.repo.read(state.files[name]), errors)
        if decided is not None and decided.status in lc.DECIDED:
            result.append(decided)
    result.sort(key=lambda p: (p.decided_at or p.opened_at, p.id))
    state.derived = (tuple(result), tuple(errors))
    return result, errors


def _summary(name: str, data: bytes | None, entries: Entries | None = None) -> dict[str, Any]:
    """The index entry of one decided file: its summary, or the error that prevents reading
    it (worded as when it is read from main)."""
    errors: list[str] = []
    decided = _decided_of(name, data, errors, entries)
    if errors:
        return {"erreur": errors[0]}
    return {"resume": decided.as_json() if decided else None}


def _decided_of(
    name: str, data: bytes | None, errors: list[str], entries: Entries | None = None
) -> Decided | None:
    path = f"{PROPOSALS_DIR}/{name}.md"
    if data is None:
        errors.append(f"{path} (main) : fichier de proposition introuvable.")
        return None
    try:
        proposal, _data, _body = parse_proposal_with_data(
            data.decode("utf-8", errors="replace"), path, "main", entries
        )
    except AssembleeError as exc:
        errors.append(exc.message)
        return None
    return Decided.of(proposal) if proposal.status in lc.DECIDED else None


def decided_between(
    assembly: Assembly, since: datetime, until: datetime
) -> tuple[list[lc.Proposal], list[str]]:
    """The proposals decided in [since, until), oldest decision first, read in full (their
    votes and rounds), and those of main's decided files that may hold a decision of that
    stretch but could not be read.

    Only the files whose text names a day of the stretch (give or take the one day a time
    zone can move an instant) are read in full: a decision's instant is one of the file's
    instants, which `datetime.fromisoformat` reads from a scalar that starts with its date,
    so its date is written in the text (see `days_named`). What each blob names is kept in
    the history index (`days`): the first `agenda` reads every decided file once, as bytes,
    and the next ones only the new files. An unreadable file that names no day of the
    stretch is not this meeting's business (`status` and `verify` report it)."""
    found = _state(assembly)
    if found is None:
        files, days = decided_files(assembly.repo, assembly.trunk), Days()
    else:
        index, state = found
        files, days = state.files, index.days_of(state)
    first = since.astimezone(UTC).date().toordinal() - 1
    last = until.astimezone(UTC).date().toordinal() + 1
    naming = days.blobs_naming(first, last)
    known = days.known()
    missing = sorted({blob for blob in files.values() if blob not in known})
    if missing:
        texts = assembly.repo.contents(missing)
        for blob in missing:
            named = days_named(texts.get(blob))
            days.add(blob, named)
            if _names_a_day_in(named, first, last):
                naming.add(blob)
        if found is not None:
            state.days = days
            index.save_days(state)
    names = sorted(
        (name for name, blob in files.items() if blob in naming),
        key=id_order,
    )
    # A few files: through the persistent cat-file process, no process more.
    proposals, errors = _read_in_full(assembly, names, [], batch=False)
    return [p for p in proposals if p.decided_at and since <= p.decided_at < until], errors


# Where `datetime.fromisoformat` finds a date at the start of a scalar: 2026-11-20,
# 20261120 (not inside a longer word or number), 2026-W47(-5) and 2026W47(5). Outside of a
# double-quoted scalar's escapes (a backslash: then any day), its digits are in the text.
# The text is first reduced to four kinds of bytes (digit 0, letter a, W, anything else a
# space), where each form is a fixed string that bytes.find-like searches find fast (a
# regular expression over the text itself tries every digit of every hash).
_KINDS = bytes.maketrans(
    bytes(range(256)),
    bytes(
        ord("0") if chr(c).isdigit() and c < 128
        else ord("W") if c == ord("W")
        else ord("a") if chr(c).isalpha() and c < 128
        else ord(" ")
        for c in range(256)
    ),
)  # fmt: skip
_EXTENDED = re.compile(rb"0000 00 00")
_BASIC = re.compile(rb" 00000000")
_WEEK = re.compile(rb"(\d{4})-?W(\d{2})")


def days_named(data: bytes | None) -> list[int] | None:
    """The days (ordinals) of the dates written in a file's text, sorted; None when it may
    hold a date written otherwise (an escape) or cannot be read (it is then always read in
    full, and its error said)."""
    if data is None or b"\\" in data:
        return None
    # kinds[i + 1] is the kind of data[i]; the space before lets a date start the text.
    kinds = b" " + data.translate(_KINDS)
    found: set[int] = set()
    dates = {data[m.start() - 1 : m.start() + 9] for m in _EXTENDED.finditer(kinds, 1)}
    dates.update(data[m.start() : m.start() + 8] for m in _BASIC.finditer(kinds))
    found.update(day for day in map(_day_of, dates) if day)
    if b"0W00" in kinds or b"0 W00" in kinds:
        for year, week in _WEEK.findall(data):
            with contextlib.suppress(ValueError):
                monday = date.fromisocalendar(int(year), int(week), 1).toordinal()
                found.update(range(monday, monday + 7))
    return sorted(found)


@functools.lru_cache(maxsize=65536)
def _day_of(text: bytes) -> int:
    """The ordinal of `2026-11-20` (any separators) or `20261120`, 0 when it is not a date
    (the same dates recur from file to file: each is worked out once)."""
    try:
        if len(text) == 10:
            return date(int(text[:4]), int(text[5:7]), int(text[8:10])).toordinal()
        return date(int(text[:4]), int(text[4:6]), int(text[6:8])).toordinal()
    except ValueError:
        return 0


def _names_a_day_in(days: list[int] | None, first: int, last: int) -> bool:
    if days is None:
        return True
    at = bisect.bisect_left(days, first)
    return at < len(days) and days[at] <= last


def in_full(
    assembly: Assembly, journal: list[Decided], errors: list[str]
) -> tuple[list[lc.Proposal], list[str]]:
    """The proposals of some journal entries read in full (votes, rounds, description), in the
    journal's order, and `errors` with any file that could not be read."""
    return _read_in_full(assembly, [d.name for d in journal], errors)


def _read_in_full(
    assembly: Assembly, names: list[str], errors: list[str], batch: bool = True
) -> tuple[list[lc.Proposal], list[str]]:
    proposals = []
    for loaded in assembly.load_decided_many(names, batch=batch):
        if loaded.proposal is None:  # unreadable now but not in the index: said, not hidden
            errors.append(loaded.error or loaded.name)
        elif loaded.proposal.status in lc.DECIDED:
            proposals.append(loaded.proposal)
    proposals.sort(key=lambda p: (p.decided_at or p.opened_at, p.id))
    return proposals, errors


def last_decided_names(assembly: Assembly, count: int) -> list[str]:
    """The decided proposals of main that may be among its `count` latest decisions, in id
    order: the `count` last named by main's journal (a proposal long blocked, decided after
    many others, has a low number), and the `count` with the highest numbers (a file put on
    main without the journal's line). The caller orders them by the instant of decision."""
    if count <= 0:
        return []
    index = HistoryIndex(assembly.repo)
    state = index.at(assembly.trunk, build=False)
    if state is not None:
        latest = last_named(reversed(state.decisions), state.files, count)
        return _latest_and_highest(latest, state.files, count)
    # No index yet (a fresh clone), or disabled: main's recent commits, and the answer kept
    # for the next reader at the same trunk (the index is built by the first whole-journal
    # reader: `agenda`, `export`, `show` of a decided proposal, the web page).
    kept = index.recent_names(assembly.trunk, count)
    if kept is not None:
        return kept
    files = decided_files(assembly.repo, assembly.trunk)
    found = _latest_and_highest(index.latest_decisions(assembly.trunk, count, files), files, count)
    index.keep_recent(assembly.trunk, count, found)
    return found


def _latest_and_highest(latest: list[str], files: Mapping[str, str], count: int) -> list[str]:
    """`latest` with the `count` highest numbers of `files`, in id order (the highest without
    sorting every name, as `IndexState.names` would)."""
    highest = heapq.nlargest(count, files, key=id_order)
    return sorted({*latest, *highest}, key=id_order)


def decision_merge(assembly: Assembly, name: str) -> str | None:
    """The merge of main that adopted a proposal: from the index's journal (its first-parent
    line), else searched in main's history."""
    found = _state(assembly)
    if found is not None:
        commit, merge = found[1].decisions.get(name, ("", False))
        if merge:
            return commit
    return assembly.repo.merge_naming(f"{MERGE_TRAILER}: {name}", assembly.trunk)


@dataclass(frozen=True)
class OpenItem:
    """A proposal read from its branch: open (with a running round) or postponed."""

    proposal: lc.Proposal
    tally: Tally
    amended: bool  # the text changed since the round opened: earlier votes no longer count
    counted: dict[str, lc.Vote]
    silent: tuple[str, ...]  # members (emails) who have not positioned on the current text


def open_items(assembly: Assembly) -> tuple[list[OpenItem], list[str]]:
    """The open and postponed proposals, by deadline, with the votes that count (none when the
    text changed since the round opened), and the files that could not be read."""
    loaded_open = assembly.open_proposals()
    readable = [(item.tip.sha, item.proposal) for item in loaded_open if item.tip and item.proposal]
    errors = [item.error or item.name for item in loaded_open if not (item.tip and item.proposal)]
    # What each branch changes since it forked (not the files its proposal names: an
    # amendment made with git may change one more), as `show`, `vote` and `close` read it.
    forks = assembly.forks([tip for tip, _p in readable])
    items: list[OpenItem] = []
    for (tip, p), fork in zip(readable, forks, strict=True):
        version = fork.text_version
        amended = p.status is lc.Status.OPEN and version != p.round.text_version
        if amended:  # the window restarts from the amending commit (amendment_instant)
            since = amendment_instant(assembly, p, tip)
            restart = lc.earliest_deadline(since, p.rules, holidays_of(p.rules))
            p = lc.amend_text(p, version, since, restart, tuple(fork.text_paths))
        counted = {} if amended else lc.counted_votes(p)
        silent = tuple(m for m in p.members if m not in counted)
        items.append(
            OpenItem(p, tally_votes(v.choice for v in counted.values()), amended, counted, silent)
        )
    items.sort(key=lambda i: (i.proposal.round.deadline, i.proposal.id))
    return items, errors
