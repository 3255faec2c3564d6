"""`assemblee calendar`: the coming meetings and the deadlines of the open proposals (the skins
write them as an iCalendar file or a page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from assemblee_cli.core import calendar
from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.rules import Rules, tz_of
from assemblee_cli.store.assembly import Assembly
from assemblee_cli.store.reading import open_items


@dataclass(frozen=True)
class CalendarView:
    rules: Rules
    now: datetime
    meetings: list[datetime]
    open: list[lc.Proposal]  # open proposals (a running round), by deadline


def coming_events(assembly: Assembly, now: datetime, count: int = 6) -> CalendarView:
    """The next `count` meetings and the open proposals' deadlines."""
    assembly.refresh()
    rules = assembly.rules_at(assembly.trunk)
    meetings = calendar.next_meetings(now, count, rules.meetings, tz_of(rules))
    items, _errors = open_items(assembly)
    return CalendarView(
        rules, now, meetings, [i.proposal for i in items if i.proposal.status is lc.Status.OPEN]
    )
