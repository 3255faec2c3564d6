"""`assemblee agenda`: the pack for a meeting, in French markdown, written so that it can be
committed as the skeleton of the meeting's minutes.

It holds the decisions taken since the previous meeting with their tallies; the postponed
proposals with each block's argument, the round and the number of meetings they are at, and
what the rules now allow (a new round, a two-thirds round, from when); the open proposals whose
deadline falls before or after the meeting, with the members who have not positioned yet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from assemblee_cli.core import calendar
from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.members import Roster
from assemblee_cli.core.rules import Rules, tz_of
from assemblee_cli.errors import AssembleeError, RuleRefusal
from assemblee_cli.store.assembly import Assembly
from assemblee_cli.store.reading import OpenItem, decided_between, open_items

LOOKBACK = timedelta(days=400)


@dataclass(frozen=True)
class Permission:
    """Whether a new round may be opened: from when, or why not."""

    allowed_from: datetime | None
    refusal: str | None


@dataclass(frozen=True)
class PostponedInfo:
    item: OpenItem
    blocks: list[lc.Vote]  # the blocks of every closed round, with their arguments
    blocked_rounds: int
    first_block: datetime | None
    meetings_since_block: int  # meetings from the first block up to this one, included
    consent: Permission
    two_thirds: Permission


@dataclass(frozen=True)
class Agenda:
    rules: Rules
    roster: Roster
    now: datetime
    trunk: str
    meeting: datetime
    regular: bool  # a meeting of the calendar (or one given by --date outside it)
    previous: datetime | None
    following: datetime | None
    decided: list[lc.Proposal]
    postponed: list[PostponedInfo]
    before: list[OpenItem]  # open, deadline at or before the meeting
    after: list[OpenItem]  # open, deadline after the meeting
    errors: list[str]


def parse_meeting_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise AssembleeError(
            f"« {text} » n'est pas une date : écrivez-la AAAA-MM-JJ, par exemple 2026-11-26."
        ) from None


def build_agenda(assembly: Assembly, now: datetime, on: str | None = None) -> Agenda:
    assembly.refresh()
    trunk = assembly.trunk
    rules = assembly.rules_at(trunk)
    roster = assembly.roster_at(trunk)
    tz = tz_of(rules)
    meetings_rule = rules.meetings
    if on is None:
        coming = calendar.next_meetings(now, 1, meetings_rule, tz)
        if not coming:
            raise AssembleeError(
                "Aucune réunion prévue dans le calendrier (codesocial/regles.yml) : donnez la "
                "date avec --date AAAA-MM-JJ."
            )
        meeting, regular = coming[0], True
    else:
        day = parse_meeting_date(on)
        scheduled = calendar.meeting_dates(day, day, meetings_rule)
        meeting = datetime.combine(day, meetings_rule.hour, tzinfo=tz).astimezone(UTC)
        regular = bool(scheduled)
    earlier = calendar.meetings_between(meeting - LOOKBACK, meeting, meetings_rule, tz)
    previous = earlier[-1] if earlier else None
    later = calendar.next_meetings(meeting + timedelta(minutes=1), 1, meetings_rule, tz)
    following = later[0] if later else None

    decided, errors = decided_between(assembly, previous or meeting - LOOKBACK, meeting)
    items, open_errors = open_items(assembly)
    errors += open_errors
    postponed = [
        _postponed(i, meeting, now) for i in items if i.proposal.status is lc.Status.POSTPONED
    ]
    running = [i for i in items if i.proposal.status is lc.Status.OPEN]
    before = [i for i in running if i.proposal.round.deadline <= meeting]
    after = [i for i in running if i.proposal.round.deadline > meeting]
    return Agenda(
        rules,
        roster,
        now,
        trunk,
        meeting,
        regular,
        previous,
        following,
        decided,
        postponed,
        before,
        after,
        errors,
    )


def _permission(proposal: lc.Proposal, two_thirds: bool, meetings: list[datetime]) -> Permission:
    try:
        return Permission(lc.relaunch_allowed_from(proposal, two_thirds, meetings), None)
    except RuleRefusal as exc:
        return Permission(None, exc.message)


def _postponed(item: OpenItem, meeting: datetime, now: datetime) -> PostponedInfo:
    p = item.proposal
    tz = tz_of(p.rules)
    first = lc.first_block(p)
    start = first or p.opened_at
    horizon = max(now, meeting) + LOOKBACK
    meetings = calendar.meetings_between(start, horizon, p.rules.meetings, tz)
    until_this = [m for m in meetings if m <= meeting]
    return PostponedInfo(
        item,
        lc.closed_round_blocks(p),
        lc.blocked_consent_rounds(p),
        first,
        len(until_this),
        _permission(p, False, meetings),
        _permission(p, True, meetings),
    )
