"""French wording of dates, instants and durations (pure; no `locale`)."""

from __future__ import annotations

import unicodedata
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


def folded(text: str) -> str:
    """`text` for comparing words as people type them: lower case, no accents, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def of(name: str) -> str:
    """« de » before a name, elided before a vowel: « de Bruno », « d'Élise »."""
    first = folded(name)[:1]
    return f"d'{name}" if first and first in "aeiouy" else f"de {name}"


def one_line(text: str) -> str:
    """Collapse whitespace so that a text from the repository stays on one line."""
    return " ".join(text.split())


def decode_argument(text: str) -> str:
    """An argument as the user meant it. Python hands over bytes that are not UTF-8 (typed in a
    Latin-1 terminal, say) as lone surrogates, which nothing can store or print: they are
    decoded here, at the edge, as Windows-1252/Latin-1 (the usual other encoding)."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # surrogates that never came from bytes: nothing to recover
        return text.encode("utf-8", "replace").decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return raw.decode("latin-1")
