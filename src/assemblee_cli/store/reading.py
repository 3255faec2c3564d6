"""What the reading commands take from the repository: the sections as they are on main, the
decided proposals (the journal), the open ones with who has not positioned yet.

Everything is read from git objects (`main`'s tree, branch tips), never from the working tree,
through the persistent `cat-file` process: the cost grows with what is shown."""

from __future__ import annotations

from dataclasses import dataclass

from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.tally import Tally, tally_votes
from assemblee_cli.formats.sections import FILE_LABELS, SECTIONS_DIR, Section, parse_section
from assemblee_cli.store.assembly import Assembly, amendment_instant, holidays_of


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
    """Decided proposals on main (adopted, rejected, withdrawn), oldest decision first."""
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
