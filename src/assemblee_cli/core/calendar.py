"""Pure calendar core: the 72 h rule "hors week-end et jours fériés", and meeting dates.

Nothing here reads a clock, a file or git: `now`, the rules and the holiday set are
arguments. Every instant returned is a timezone-aware datetime in UTC. All arithmetic
is done on UTC datetimes (real elapsed time); the assembly's time zone is only used to
find local dates and to build local midnights and meeting hours.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from collections.abc import Container, Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from assemblee_cli.core.french import format_instant
from assemblee_cli.core.rules import MeetingRules
from assemblee_cli.errors import ConfigError, RuleRefusal

ONE_DAY = timedelta(days=1)

# The instants the tool accepts anywhere (a clock, a date in a file, a requested deadline):
# wide enough for any real assembly, far enough from the ends of the calendar that adding a
# window, a year of holidays or a few months never overflows.
SANE_YEARS = range(1970, 2200)


def is_sane_instant(value: datetime) -> bool:
    """Whether an aware instant lies within SANE_YEARS (in UTC)."""
    try:
        return value.astimezone(UTC).year in SANE_YEARS
    except OverflowError:
        return False


ONE_MINUTE = timedelta(minutes=1)

# Safety bound for compute_deadline: beyond the days strictly needed, this many extra
# calendar days may be skipped (weekends, holidays) before giving up.
_MAX_SKIPPED_DAYS = 366

# rules.which → index among the month's occurrences of the weekday (-1 = last).
_ORDINALS = {
    "premier": 0,
    "deuxieme": 1,
    "deuxième": 1,
    "troisieme": 2,
    "troisième": 2,
    "quatrieme": 3,
    "quatrième": 3,
    "dernier": -1,
}


# --- instants -----------------------------------------------------------------------


def _to_utc(value: datetime, name: str) -> datetime:
    """Return an aware datetime converted to UTC; refuse naive datetimes."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {value!r}")
    return value.astimezone(UTC)


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """Return the UTC instant at which the local date `day` starts in `tz`."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def _local_date(instant: datetime, tz: ZoneInfo) -> date:
    """Return the local date of an aware instant in `tz`."""
    return instant.astimezone(tz).date()


# --- the 72 h rule ------------------------------------------------------------------


def is_counted_day(day: date, holidays: Container[date]) -> bool:
    """Say whether a local date counts: Monday to Friday and not a public holiday."""
    return day.weekday() < 5 and day not in holidays


def _counted_overlap(
    day: date, start: datetime, end: datetime, tz: ZoneInfo, holidays: Container[date]
) -> timedelta:
    """Return the real time of [start, end) that falls on `day`, if `day` is counted."""
    if not is_counted_day(day, holidays):
        return timedelta(0)
    lower = max(start, _local_midnight(day, tz))
    upper = min(end, _local_midnight(day + ONE_DAY, tz))
    return max(upper - lower, timedelta(0))


def counted_time(
    start: datetime, end: datetime, tz: ZoneInfo, holidays: Container[date]
) -> timedelta:
    """Return the counted time in [start, end): real time spent on counted local dates.

    Returns zero when `end <= start`. Iterates once per local date of the span.
    """
    start_utc, end_utc = _to_utc(start, "start"), _to_utc(end, "end")
    if end_utc <= start_utc:
        return timedelta(0)
    total = timedelta(0)
    day, last = _local_date(start_utc, tz), _local_date(end_utc, tz)
    while day <= last:
        total += _counted_overlap(day, start_utc, end_utc, tz, holidays)
        day += ONE_DAY
    return total


def compute_deadline(
    opened: datetime, minimum_hours: int, tz: ZoneInfo, holidays: Container[date]
) -> datetime:
    """Return the first instant at which `minimum_hours` of counted time have elapsed.

    Opened on a weekend or holiday, the count starts at the next counted local midnight.
    If the count completes exactly at a midnight followed by a weekend or a holiday,
    the deadline is that midnight.
    """
    if minimum_hours < 0:
        raise ValueError(f"minimum_hours must be >= 0, got {minimum_hours}")
    opened_utc = _to_utc(opened, "opened")
    remaining = timedelta(hours=minimum_hours)
    if not remaining:
        return opened_utc
    day = _local_date(opened_utc, tz)
    for _ in range(minimum_hours // 24 + 2 + _MAX_SKIPPED_DAYS):
        if is_counted_day(day, holidays):
            day_start = max(opened_utc, _local_midnight(day, tz))
            available = _local_midnight(day + ONE_DAY, tz) - day_start
            if available >= remaining:
                return day_start + remaining
            remaining -= available
        day += ONE_DAY
    raise ValueError(f"no deadline found within {_MAX_SKIPPED_DAYS} skipped days after {opened}")


def _ceil_to_minute(instant: datetime) -> datetime:
    """Round an instant up to the next whole minute (unchanged if already whole)."""
    floored = instant.replace(second=0, microsecond=0)
    return floored if floored == instant else floored + ONE_MINUTE


def check_requested_deadline(
    opened: datetime,
    requested: datetime,
    minimum_hours: int,
    tz: ZoneInfo,
    holidays: Container[date],
) -> datetime:
    """Return `requested` in UTC if it respects the minimum duration; else refuse in French.

    The refusal names the earliest allowed instant, rounded up to the minute so that the
    instant shown is itself acceptable.
    """
    requested_utc = _to_utc(requested, "requested")
    earliest = compute_deadline(opened, minimum_hours, tz, holidays)
    if requested_utc >= earliest:
        return requested_utc
    raise RuleRefusal(
        "L'échéance demandée est trop tôt : le vote doit rester ouvert au moins "
        f"{minimum_hours} h hors week-ends et jours fériés, soit jusqu'au "
        f"{format_instant(_ceil_to_minute(earliest), tz)} au plus tôt."
    )


# --- months and meetings ------------------------------------------------------------


def add_calendar_months(day: date, months: int) -> date:
    """Add (or subtract) calendar months, clamping to the end of the target month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last_day = _stdlib_calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last_day))


def _ordinal(rules: MeetingRules) -> int:
    """Return the occurrence index for rules.which, or refuse an unknown value."""
    try:
        return _ORDINALS[rules.which]
    except KeyError:
        accepted = ", ".join(("premier", "deuxieme", "troisieme", "quatrieme", "dernier"))
        raise ConfigError(
            f"Rang de réunion inconnu : « {rules.which} ». Valeurs acceptées : {accepted}."
        ) from None


def regular_meeting_date(year: int, month: int, rules: MeetingRules) -> date:
    """Return the regular meeting date of a month, e.g. its last Thursday."""
    if not 0 <= rules.weekday <= 6:
        raise ConfigError(
            f"Jour de réunion invalide : {rules.weekday} (attendu : 0 = lundi … 6 = dimanche)."
        )
    ordinal = _ordinal(rules)
    if ordinal < 0:
        last = date(year, month, _stdlib_calendar.monthrange(year, month)[1])
        return last - timedelta(days=(last.weekday() - rules.weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(rules.weekday - first.weekday()) % 7 + 7 * ordinal)


def _months(first: date, last: date) -> Iterator[tuple[int, int]]:
    """Yield (year, month) for every month from first's to last's, inclusive."""
    current = first.replace(day=1)
    while current <= last:
        yield current.year, current.month
        current = add_calendar_months(current, 1)


def meeting_dates(first: date, last: date, rules: MeetingRules) -> list[date]:
    """Return the meeting dates in [first, last], sorted.

    Regular dates minus `rules.cancelled`; a moved meeting leaves its original date and
    appears at its new date (if in range). A moved meeting is dropped if either its
    original or its new date is listed as cancelled.
    """
    cancelled = set(rules.cancelled)
    originals = {moved.original for moved in rules.moved}
    dates = {
        regular
        for year, month in _months(first, last)
        if first <= (regular := regular_meeting_date(year, month, rules)) <= last
    }
    dates -= cancelled | originals
    dates |= {
        moved.new
        for moved in rules.moved
        if first <= moved.new <= last and not {moved.original, moved.new} & cancelled
    }
    return sorted(dates)


def _meeting_instant(day: date, rules: MeetingRules, tz: ZoneInfo) -> datetime:
    """Return the UTC instant of a meeting held on local date `day` at rules.hour."""
    return datetime.combine(day, rules.hour, tzinfo=tz).astimezone(UTC)


def meetings_between(
    start: datetime, end: datetime, rules: MeetingRules, tz: ZoneInfo
) -> list[datetime]:
    """Return the meeting instants (UTC) with start <= instant < end, sorted."""
    start_utc, end_utc = _to_utc(start, "start"), _to_utc(end, "end")
    if end_utc <= start_utc:
        return []
    days = meeting_dates(_local_date(start_utc, tz), _local_date(end_utc, tz), rules)
    instants = (_meeting_instant(day, rules, tz) for day in days)
    return [instant for instant in instants if start_utc <= instant < end_utc]


def next_meetings(now: datetime, count: int, rules: MeetingRules, tz: ZoneInfo) -> list[datetime]:
    """Return the next `count` meeting instants (UTC) at or after `now`.

    The search window holds enough months for `count` meetings even if every cancelled
    or moved-away date falls inside it, so no open-ended loop is needed.
    """
    now_utc = _to_utc(now, "now")
    if count <= 0:
        return []
    today = _local_date(now_utc, tz)
    months = count + len(rules.cancelled) + len(rules.moved) + 2
    last = add_calendar_months(today.replace(day=1), months) - ONE_DAY
    instants = (_meeting_instant(day, rules, tz) for day in meeting_dates(today, last, rules))
    return [instant for instant in instants if instant >= now_utc][:count]
