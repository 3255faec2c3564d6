"""The deadlines of the open proposals and the coming meetings as an
iCalendar file (RFC 5545) that calendar applications import.

Written with the `icalendar` library: times carry the assembly's time zone (TZID with its
VTIMEZONE), each event has a stable UID (a meeting's date; a proposal's name and round) so that
importing the file again updates the events instead of duplicating them, and each deadline has
a reminder the day before."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.french import format_instant, one_line
from assemblee_cli.core.rules import tz_of
from assemblee_cli.formats.proposalfile import slugify
from assemblee_cli.render.rules import describe_meetings
from assemblee_cli.usecases.calendar import CalendarView

MEETING_LENGTH = timedelta(hours=2)  # indicative: the code social does not say
PRODID = "-//assemblee//Code social dans git//FR"


@dataclass(frozen=True)
class IcsResult:
    data: bytes
    meetings: int
    deadlines: int


def render_ics(view: CalendarView) -> IcsResult:
    from icalendar import Alarm, Calendar, Event

    rules, now = view.rules, view.now
    tz = tz_of(rules)
    domain = f"{slugify(rules.name, 60)}.assemblee"
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"{rules.name} — réunions et échéances")
    cal.add("x-wr-timezone", rules.timezone)
    stamp = now.astimezone(tz)
    latest = now

    meetings = view.meetings
    for meeting in meetings:
        local = meeting.astimezone(tz)
        event = Event()
        event.add("uid", f"reunion-{local.date().isoformat()}@{domain}")
        event.add("dtstamp", stamp)
        event.add("dtstart", local)
        event.add("dtend", local + MEETING_LENGTH)
        event.add("summary", f"Réunion — {rules.name}")
        event.add(
            "description",
            f"Réunion de l'assemblée ({describe_meetings(rules)}). Ordre du jour : "
            f"assemblee agenda --date {local.date().isoformat()}",
        )
        event.add("categories", ["Réunion"])
        cal.add_component(event)
        latest = max(latest, meeting + MEETING_LENGTH)

    deadlines = 0
    for p in view.open:
        deadline = p.round.deadline.astimezone(tz_of(p.rules))
        event = Event()
        event.add("uid", f"echeance-{p.name}-tour-{p.round.number}@{domain}")
        event.add("dtstamp", stamp)
        event.add("dtstart", deadline)
        event.add("summary", f"Échéance : proposition n°{p.id} « {one_line(p.title)} »")
        mode = lc.MODE_LABELS[p.round.mode]
        silence = (
            "Sans blocage à l'échéance, la proposition est adoptée."
            if p.round.mode is lc.Mode.CONSENT
            else "Ce tour se décide aux deux tiers des avis exprimés."
        )
        event.add(
            "description",
            f"Dernier moment pour se positionner sur la proposition n°{p.id} (tour "
            f"{p.round.number}, {mode}), jusqu'au {format_instant(deadline, tz_of(p.rules))}. "
            f"Lire : assemblee show {p.id}. Se positionner : assemblee vote {p.id} d-accord | "
            f'abstention | pas-d-accord | blocage -r "raison". {silence}',
        )
        event.add("categories", ["Échéance"])
        event.add("transp", "TRANSPARENT")
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", timedelta(days=-1))
        alarm.add("description", f"Demain : fin du vote sur la proposition n°{p.id}")
        event.add_component(alarm)
        cal.add_component(event)
        deadlines += 1
        latest = max(latest, p.round.deadline)
    first = (now - timedelta(days=366)).astimezone(tz).date()
    last = (latest + timedelta(days=366)).astimezone(tz).date()
    cal.add_missing_timezones(first_date=first, last_date=last)
    return IcsResult(cal.to_ical(), len(meetings), deadlines)
