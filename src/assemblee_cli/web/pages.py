"""What each page shows, read through the same use cases as the command line (status, show,
the decision register, blame, the calendar). Plain data for the templates; no HTML here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from assemblee_cli.core import calendar
from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.french import format_duration, format_instant
from assemblee_cli.core.tally import CHOICE_LABELS, Choice
from assemblee_cli.errors import AssembleeError
from assemblee_cli.formats.codesocial import ROSTER_PATH, RULES_PATH, parse_roster, parse_rules
from assemblee_cli.store.assembly import Assembly
from assemblee_cli.usecases.show import show
from assemblee_cli.usecases.status import status

CHOICES = [(c.value, CHOICE_LABELS[c]) for c in Choice]
CHALLENGEABLE = (lc.Status.ADOPTED, lc.Status.REJECTED)  # decisions a proposal may challenge


@dataclass(frozen=True)
class Clock:
    """Instants in the assembly's words and time zone."""

    now: datetime
    tz: ZoneInfo

    def at(self, moment: datetime | None) -> str:
        return format_instant(moment, self.tz) if moment else ""

    def left(self, moment: datetime) -> str:
        return format_duration(moment - self.now)


def clock(assembly: Assembly, now: datetime) -> Clock:
    rules = assembly.rules_at(assembly.trunk)
    return Clock(now, ZoneInfo(rules.timezone))


def home(assembly: Assembly, now: datetime) -> dict[str, Any]:
    from assemblee_cli.render.announce import silence_lines

    view = status(assembly, now, recent=8)
    rules = assembly.rules_at(assembly.trunk)
    tz = ZoneInfo(rules.timezone)
    meetings = calendar.next_meetings(now, 1, rules.meetings, tz)
    return {
        "name": rules.name,
        "clock": Clock(now, tz),
        "open": [
            {
                "p": v.proposal,
                "tally": v.tally,
                "amended": v.amended,
                # what silence means runs with a round: a postponed proposal has none
                "silence": silence_lines(v.proposal) if v.proposal.status is lc.Status.OPEN else [],
            }
            for v in view.open
        ],
        "decided": view.decided,
        "meeting": meetings[0] if meetings else None,
        "errors": view.errors,
        "labels": lc.STATUS_LABELS,
    }


def proposal(assembly: Assembly, now: datetime, ident: str) -> dict[str, Any]:
    from assemblee_cli.render.announce import silence_lines

    shown = show(assembly, now, ident)
    p = shown.proposal
    roster = shown.roster
    silent = [m for m in p.members if m not in shown.counted]
    tz = ZoneInfo(p.rules.timezone)
    decided = ""
    if p.status in lc.DECIDED:
        words = lc.decision_words(p, format_instant(p.decided_at, tz) if p.decided_at else "")
        decided = words[:1].upper() + words[1:]
    lock = lc.challenge_allowed_from(p) if p.status in CHALLENGEABLE else None
    return {
        "name": assembly.rules_at(assembly.trunk).name,
        "clock": Clock(now, tz),
        "p": p,
        "decided": decided,
        # why earlier rounds did not pass: their blocks and arguments (the current round's
        # positions are listed in full)
        "earlier_blocks": [v for v in lc.closed_round_blocks(p) if v.round < p.round.number],
        "locked_until": lock if lock is not None and now < lock else None,
        "open": p.status is lc.Status.OPEN and now < p.round.deadline,
        "changes": shown.changes,
        "tally": shown.tally,
        "counted": sorted(shown.counted.values(), key=lambda v: v.cast_at),
        "outdated": shown.outdated,
        "amended": shown.amended,
        "silent": silent if p.status is lc.Status.OPEN else [],
        "who": roster.name_of,
        "labels": lc.STATUS_LABELS,
        "choices": dict(CHOICES),
        "mode": lc.MODE_LABELS[p.round.mode],
        "silence": silence_lines(p) if p.status is lc.Status.OPEN else [],
        "conflict": shown.conflict,
    }


def register(assembly: Assembly, now: datetime) -> dict[str, Any]:
    from assemblee_cli.store.reading import decided_journal

    assembly.refresh()
    decided, errors = decided_journal(assembly)
    return {
        "name": assembly.rules_at(assembly.trunk).name,
        "clock": clock(assembly, now),
        "decided": list(reversed(decided)),
        "errors": errors,
        "decision": lc.decision_words,
    }


def code_social(assembly: Assembly, now: datetime) -> dict[str, Any]:
    """Every section in reading order, each paragraph with the decision that wrote it last."""
    from assemblee_cli.store.reading import read_sections
    from assemblee_cli.usecases.blame import blame

    assembly.refresh()
    sections, warnings = read_sections(assembly)
    parts = []
    for section in sections:
        view = blame(assembly, now, section.path)
        text = (assembly.read_text_at(view.trunk, section.path) or "").splitlines()
        paragraphs = []
        for para in view.paragraphs:
            if para.kind == "en-tête":
                continue
            origin = para.origins[-1] if para.origins else None
            paragraphs.append(
                {
                    "text": "\n".join(text[para.first - 1 : para.last]),
                    "kind": para.kind,
                    "proposal": origin.proposal if origin else None,
                    "when": origin.when if origin else None,
                }
            )
        parts.append({"section": section, "paragraphs": paragraphs})
    return {
        "name": assembly.rules_at(assembly.trunk).name,
        "clock": clock(assembly, now),
        "parts": parts,
        "warnings": warnings,
    }


def sections(assembly: Assembly) -> list[Any]:
    from assemblee_cli.store.reading import read_sections

    found, _warnings = read_sections(assembly)
    return found


@dataclass(frozen=True)
class Editable:
    """A file a member may change from the page, and what to call it."""

    path: str
    title: str


# Welcoming a member, changing a rule: proposals as common as a change of a section.
CODESOCIAL_FILES = (
    Editable(ROSTER_PATH, "La liste des membres"),
    Editable(RULES_PATH, "Les règles de décision"),
)


def editable_files(assembly: Assembly) -> tuple[list[Editable], dict[str, str]]:
    """What the propose page offers to change (each section in reading order, then the roster
    and the rules), with main's text of each."""
    found = [Editable(s.path, s.title) for s in sections(assembly)] + list(CODESOCIAL_FILES)
    texts = {f.path: assembly.read_text_at(assembly.trunk, f.path) or "" for f in found}
    return found, texts


def codesocial_problem(path: str, text: str) -> str | None:
    """Why this text of the roster or the rules could not be used (the parser's French
    sentence, with its line), or None: shown on the preview, before anything is written."""
    parse = {RULES_PATH: parse_rules, ROSTER_PATH: parse_roster}.get(path)
    if parse is None:
        return None
    try:
        parse(text, path)
    except AssembleeError as exc:
        return exc.message
    return None


def atom(assembly: Assembly, now: datetime, base: str) -> str:
    """The open proposals and the decisions as an Atom feed."""
    from xml.sax.saxutils import escape

    from assemblee_cli.formats.proposalfile import instant_text
    from assemblee_cli.store.reading import decided_journal, in_full, open_items

    assembly.refresh()
    rules = assembly.rules_at(assembly.trunk)
    tz = ZoneInfo(rules.timezone)
    items, _errors = open_items(assembly)
    journal, _errors = decided_journal(assembly)
    decided, _errors = in_full(assembly, journal[-50:], [])
    entries: list[tuple[datetime, str]] = []
    for item in items:
        p = item.proposal
        if p.status is lc.Status.POSTPONED:
            moment = p.round.closed_at or p.round.deadline
            tally = f" ({p.round.tally.describe()})" if p.round.tally else ""
            summary = (
                f"Reportée le {format_instant(moment, tz)} : au moins un blocage à "
                f"l'échéance{tally}. Elle sera discutée en réunion et pourra faire l'objet "
                f"d'un nouveau tour. {p.description}"
            )
            entries.append((moment, _entry(base, p, f"Reportée : {p.title}", moment, summary)))
            continue
        summary = (
            f"Proposition ouverte jusqu'au {format_instant(p.round.deadline, tz)}. {p.description}"
        )
        entries.append(
            (p.round.opened_at, _entry(base, p, f"Ouverte : {p.title}", p.round.opened_at, summary))
        )
    for p in decided:
        moment = p.decided_at or p.opened_at
        title = f"{lc.STATUS_LABELS[p.status].capitalize()} : {p.title}"
        entries.append((moment, _entry(base, p, title, moment, p.description)))
    entries.sort(key=lambda e: e[0], reverse=True)
    updated = entries[0][0] if entries else now
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">\n'
        f"<title>{escape(rules.name)} — propositions et décisions</title>\n"
        f"<id>{escape(base)}/flux.atom</id>\n<updated>{instant_text(updated)}</updated>\n"
        f'<link rel="self" href="{escape(base)}/flux.atom"/>\n'
        f'<link href="{escape(base)}/"/>\n' + "".join(entry for _m, entry in entries) + "</feed>\n"
    )


def _entry(base: str, p: lc.Proposal, title: str, moment: datetime, summary: str) -> str:
    from xml.sax.saxutils import escape, quoteattr

    from assemblee_cli.formats.proposalfile import instant_text

    link = f"{base}/proposition/{p.id}"
    return (
        "<entry>\n"
        f"<title>{escape(title)}</title>\n<link href={quoteattr(link)}/>\n"
        f"<id>{escape(link)}#{p.status.value}-{p.round.number}</id>\n"
        f"<updated>{instant_text(moment)}</updated>\n"
        f"<author><name>{escape(p.author_name)}</name></author>\n"
        f"<summary>{escape(summary)}</summary>\n</entry>\n"
    )
