"""`assemblee remind`: the open proposals whose deadline falls before the end of the next
working day, with who has not positioned yet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.calendar import is_counted_day
from assemblee_cli.core.members import Roster
from assemblee_cli.core.rules import tz_of
from assemblee_cli.store.assembly import Assembly
from assemblee_cli.store.reading import OpenItem, open_items

# -- reminding of proposals that close soon -------------------------------------------------


@dataclass(frozen=True)
class ReminderView:
    now: datetime
    horizon: datetime  # end of the next working day
    next_working_day: date
    items: list[OpenItem]
    roster: Roster
    name: str
    errors: list[str]


def next_working_day(today: date, holidays: Any) -> date:
    day = today + timedelta(days=1)
    for _ in range(400):
        if is_counted_day(day, holidays):
            return day
        day += timedelta(days=1)
    return day  # pragma: no cover - a year without working days


def reminder(assembly: Assembly, now: datetime) -> ReminderView:
    """Open proposals whose deadline falls from now until the end of the next working day
    (a day that counts in the 72 h: not a Saturday, a Sunday or a public holiday)."""
    from assemblee_cli.usecases.common import holidays_of

    assembly.refresh()
    rules = assembly.rules_at(assembly.trunk)
    tz = tz_of(rules)
    day = next_working_day(now.astimezone(tz).date(), holidays_of(rules))
    horizon = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    items, errors = open_items(assembly)
    due = [
        i
        for i in items
        if i.proposal.status is lc.Status.OPEN and now <= i.proposal.round.deadline <= horizon
    ]
    return ReminderView(
        now, horizon, day, due, assembly.roster_at(assembly.trunk), rules.name, errors
    )
