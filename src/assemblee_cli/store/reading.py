"""What the reading commands take from the repository: the sections as they are on main, the
decided proposals (the journal), the open ones with who has not positioned yet.

Everything is read from git objects (`main`'s tree, branch tips), never from the working tree,
through the persistent `cat-file` process: the cost grows with what is shown."""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.tally import Choice, Outcome, Tally, tally_votes
from assemblee_cli.errors import AssembleeError
from assemblee_cli.formats.proposalfile import PROPOSALS_DIR, parse_name, parse_proposal_with_data
from assemblee_cli.formats.sections import FILE_LABELS, SECTIONS_DIR, Section, parse_section
from assemblee_cli.store.assembly import MERGE_TRAILER, Assembly, amendment_instant, holidays_of
from assemblee_cli.store.index import HistoryIndex, IndexState


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
        for name in missing:
            headers[state.key(name)] = _summary(name, texts.get(state.files[name]))
        state = IndexState(state.commit, state.files, state.decisions, headers)
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


def _summary(name: str, data: bytes | None) -> dict[str, Any]:
    """The index entry of one decided file: its summary, or the error that prevents reading
    it (worded as when it is read from main)."""
    errors: list[str] = []
    decided = _decided_of(name, data, errors)
    if errors:
        return {"erreur": errors[0]}
    return {"resume": decided.as_json() if decided else None}


def _decided_of(name: str, data: bytes | None, errors: list[str]) -> Decided | None:
    path = f"{PROPOSALS_DIR}/{name}.md"
    if data is None:
        errors.append(f"{path} (main) : fichier de proposition introuvable.")
        return None
    try:
        proposal, _data, _body = parse_proposal_with_data(
            data.decode("utf-8", errors="replace"), path, "main"
        )
    except AssembleeError as exc:
        errors.append(exc.message)
        return None
    return Decided.of(proposal) if proposal.status in lc.DECIDED else None


def decided_between(
    assembly: Assembly, since: datetime, until: datetime
) -> tuple[list[lc.Proposal], list[str]]:
    """The proposals decided in [since, until), oldest decision first, read in full (their
    votes and rounds), and the files of `proposals/` on main that could not be read."""
    journal, errors = decided_journal(assembly)
    return in_full(
        assembly, [d for d in journal if d.decided_at and since <= d.decided_at < until], errors
    )


def in_full(
    assembly: Assembly, journal: list[Decided], errors: list[str]
) -> tuple[list[lc.Proposal], list[str]]:
    """The proposals of some journal entries read in full (votes, rounds, description), in the
    journal's order, and `errors` with any file that could not be read."""
    proposals = []
    for loaded in assembly.load_decided_many([d.name for d in journal]):
        if loaded.proposal is None:  # unreadable now but not in the index: said, not hidden
            errors.append(loaded.error or loaded.name)
        elif loaded.proposal.status in lc.DECIDED:
            proposals.append(loaded.proposal)
    proposals.sort(key=lambda p: (p.decided_at or p.opened_at, p.id))
    return proposals, errors


def last_decided_names(assembly: Assembly, count: int) -> list[str]:
    """The `count` decided proposals of main with the highest numbers, in id order."""
    if count <= 0:
        return []
    found = _state(assembly)
    if found is None:
        return assembly.decided_names()[-count:]
    # The highest numbers, without sorting every name (as `IndexState.names` would).
    return sorted(heapq.nlargest(count, found[1].files, key=_id_order), key=_id_order)


def _id_order(name: str) -> tuple[int, str]:
    """The order of `Assembly.decided_names` (by `parse_name`), quicker for a valid name."""
    number, _, slug = name.partition("-")
    if len(number) >= 4 and number.isascii() and number.isdigit():
        return int(number), slug
    return parse_name(name) or (0, "")


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
    versions = assembly.text_versions([(tip, p.files) for tip, p in readable])
    items: list[OpenItem] = []
    for (tip, p), version in zip(readable, versions, strict=True):
        amended = p.status is lc.Status.OPEN and version != p.round.text_version
        if amended:  # the window restarts from the amending commit (amendment_instant)
            since = amendment_instant(assembly, p, tip)
            restart = lc.earliest_deadline(since, p.rules, holidays_of(p.rules))
            p = lc.amend_text(p, version, since, restart)
        counted = {} if amended else lc.counted_votes(p)
        silent = tuple(m for m in p.members if m not in counted)
        items.append(
            OpenItem(p, tally_votes(v.choice for v in counted.values()), amended, counted, silent)
        )
    items.sort(key=lambda i: (i.proposal.round.deadline, i.proposal.id))
    return items, errors
