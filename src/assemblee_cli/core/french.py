"""French wording of dates, instants and durations (pure; no `locale`)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def format_date(d: date) -> str:
    """Return e.g. "mardi 10 novembre 2026"; the first of a month is written "1er"."""
    day = "1er" if d.day == 1 else str(d.day)
    return f"{WEEKDAYS[d.weekday()]} {day} {MONTHS[d.month - 1]} {d.year}"


def format_instant(dt: datetime, tz: ZoneInfo) -> str:
    """Return the local wall-clock reading of an aware instant, e.g. "… à 10 h 30".

    Seconds are dropped (truncated), like on a clock; midnight reads "à 0 h".
    """
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("format_instant needs a timezone-aware datetime")
    local = dt.astimezone(tz)
    clock = f"{local.hour} h" if local.minute == 0 else f"{local.hour} h {local.minute:02d}"
    return f"{format_date(local.date())} à {clock}"


def format_duration(delta: timedelta) -> str:
    """Return a short remaining time: "2 j 3 h", "5 h 12 min", "12 min", "moins d'une minute".

    The smallest unit is truncated; a negative duration reads "dépassée".
    """
    if delta < timedelta(0):
        return "dépassée"
    minutes = delta // timedelta(minutes=1)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} j {hours} h" if hours else f"{days} j"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min"
    return "moins d'une minute"


def one_line(text: str) -> str:
    """Collapse whitespace so that a text from the repository stays on one line."""
    return " ".join(text.split())
