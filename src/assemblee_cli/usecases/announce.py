"""`assemblee announce`: the public announcement of an open proposal, and its record on the
proposal branch once sent."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.french import format_instant
from assemblee_cli.core.members import Roster
from assemblee_cli.core.rules import tz_of
from assemblee_cli.errors import RuleRefusal
from assemblee_cli.store.assembly import Assembly
from assemblee_cli.store.reading import section_title
from assemblee_cli.usecases.common import word_changes

# -- announcing a proposal ------------------------------------------------------------------


@dataclass(frozen=True)
class AnnounceView:
    """What an announcement says: the proposal, its change in lines a person reads, and the
    roster (to name the secretariat). The skins turn it into text."""

    proposal: lc.Proposal
    changes: list[str]
    roster: Roster


def _announceable(assembly: Assembly, ident: str, now: datetime) -> tuple[Any, lc.Proposal]:
    from assemblee_cli.usecases.common import open_branch, register_amendment

    tip, proposal = open_branch(assembly, ident)
    if proposal.status is not lc.Status.OPEN:
        raise RuleRefusal(
            f"La proposition n°{proposal.id} est {lc.STATUS_LABELS[proposal.status]} : il n'y a "
            f"rien à annoncer tant qu'un nouveau tour n'est pas ouvert (assemblee relaunch "
            f"{proposal.id})."
        )
    proposal, _amended = register_amendment(assembly, proposal, tip.sha, now)
    if now >= proposal.round.deadline:
        raise RuleRefusal(
            f"Le vote sur la proposition n°{proposal.id} est clos depuis le "
            f"{format_instant(proposal.round.deadline, tz_of(proposal.rules))} : trop tard pour "
            "l'annoncer (assemblee close applique la décision)."
        )
    return tip, proposal


def announcement(assembly: Assembly, now: datetime, ident: str) -> AnnounceView:
    assembly.refresh()
    tip, proposal = _announceable(assembly, ident, now)
    roster = assembly.roster_at(assembly.trunk)
    return AnnounceView(proposal, change_summary(assembly, tip.sha), roster)


def record_announcement(assembly: Assembly, now: datetime, ident: str, where: str) -> lc.Proposal:
    """A commit on the proposal branch that appends (now, where) to its `annonces`."""
    from assemblee_cli.store.publish import publish
    from assemblee_cli.usecases.common import branch_update, retrying

    def attempt() -> lc.Proposal:
        tip, proposal = _announceable(assembly, ident, now)
        updated = replace(
            proposal, announcements=(*proposal.announcements, lc.Announcement(now, where))
        )
        commit = assembly.commit_proposal(
            updated, tip.sha, f"Annonce de la proposition n°{proposal.id} : {where}"
        )
        publish(assembly, [branch_update(tip, commit)])
        return updated

    return retrying(assembly, attempt)


MAX_CHANGE_LINES = 40


def change_summary(assembly: Assembly, tip: str) -> list[str]:
    """The change of the text, in lines a person reads: for each file, its section title and
    each changed passage word by word ([−retiré] [+ajouté]), wrapped between words, without
    diff syntax."""
    import textwrap

    from assemblee_cli.core.textdiff import plain

    base = assembly.fork_point(tip)
    files: list[tuple[str, str, list[str]]] = []  # (path, what, lines)
    for change in word_changes(assembly, base, tip):
        lines: list[str] = []
        for block in change.blocks:
            if lines:
                lines.append("…")
            for line in plain(block.pieces).split("\n"):
                if line.strip():
                    lines += textwrap.wrap(line, 68, break_long_words=False, break_on_hyphens=False)
        what = "nouveau" if change.kind == "ajouté" else change.kind
        files.append((change.path, what, lines))
    if not files:
        return []
    result: list[str] = []
    shown = 0
    truncated = False
    for path, what, lines in files:
        rev = base if what == "supprimé" else tip
        title = section_title(assembly, rev, path)
        label = f"« {title} » ({path})" if title else path
        result.append(f"• {label} : {what}")
        for text in lines:
            if shown >= MAX_CHANGE_LINES:
                truncated = True
                break
            result.append(f"    {text}")
            shown += 1
    if truncated:
        result.append("    … (la suite dans « assemblee show »)")
    return result
