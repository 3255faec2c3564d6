"""Tests of the pure calendar core (72 h rule, meetings) and of the holidays adapter."""

from __future__ import annotations

from collections.abc import Container
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assemblee_cli.core.calendar import (
    add_calendar_months,
    check_requested_deadline,
    compute_deadline,
    counted_time,
    is_counted_day,
    meeting_dates,
    meetings_between,
    next_meetings,
    regular_meeting_date,
)
from assemblee_cli.core.holiday_calendar import (
    holiday_calendar,
    holiday_name,
    normalise_subdivision,
)
from assemblee_cli.core.rules import MeetingRules, MovedMeeting
from assemblee_cli.errors import ConfigError, RuleRefusal

PARIS = ZoneInfo("Europe/Paris")
H72 = timedelta(hours=72)

# TECHNICAL-NOTES §1.2: French national public holidays, 2026–2027.
FR_2026_2027 = frozenset(
    {
        date(2026, 1, 1),
        date(2026, 4, 6),
        date(2026, 5, 1),
        date(2026, 5, 8),
        date(2026, 5, 14),
        date(2026, 5, 25),
        date(2026, 7, 14),
        date(2026, 8, 15),
        date(2026, 11, 1),
        date(2026, 11, 11),
        date(2026, 12, 25),
        date(2027, 1, 1),
        date(2027, 3, 29),
        date(2027, 5, 1),
        date(2027, 5, 6),
        date(2027, 5, 8),
        date(2027, 5, 17),
        date(2027, 7, 14),
        date(2027, 8, 15),
        date(2027, 11, 1),
        date(2027, 11, 11),
        date(2027, 12, 25),
    }
)
# The extra days of subdivisions 57 and 6AE: Vendredi saint and Saint-Étienne.
ALSACE_MOSELLE_EXTRA = frozenset(
    {date(2026, 4, 3), date(2026, 12, 26), date(2027, 3, 26), date(2027, 12, 26)}
)

REAL_FR = holiday_calendar("FR", None)


def paris(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    """Build a Europe/Paris wall-clock instant."""
    return datetime(year, month, day, hour, minute, second, tzinfo=PARIS)


def assert_utc(value: datetime) -> None:
    assert value.tzinfo is UTC


# --- counted days and counted time --------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(date(2026, 11, 10), True, id="tuesday"),
        pytest.param(date(2026, 11, 11), False, id="armistice-wednesday"),
        pytest.param(date(2026, 11, 14), False, id="saturday"),
        pytest.param(date(2026, 11, 15), False, id="sunday"),
        pytest.param(date(2026, 12, 25), False, id="christmas-friday"),
        pytest.param(date(2026, 4, 3), True, id="good-friday-not-national"),
    ],
)
def test_is_counted_day(day: date, expected: bool) -> None:
    assert is_counted_day(day, FR_2026_2027) is expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param(paris(2026, 10, 2, 12), paris(2026, 10, 5, 12), 24, id="fri-noon-to-mon-noon"),
        pytest.param(paris(2026, 10, 3, 0), paris(2026, 10, 5, 0), 0, id="whole-weekend"),
        pytest.param(paris(2026, 10, 5, 12), paris(2026, 10, 5, 12), 0, id="empty"),
        pytest.param(paris(2026, 10, 6, 12), paris(2026, 10, 5, 12), 0, id="reversed"),
        pytest.param(paris(2026, 11, 10, 0), paris(2026, 11, 13, 0), 48, id="over-armistice"),
        pytest.param(paris(2026, 3, 27, 23), paris(2026, 3, 30, 1), 2, id="over-dst-weekend"),
        pytest.param(paris(2026, 1, 1, 0), paris(2027, 1, 1, 0), 24 * 252, id="year-2026"),
    ],
)
def test_counted_time(start: datetime, end: datetime, expected: int) -> None:
    assert counted_time(start, end, PARIS, FR_2026_2027) == timedelta(hours=expected)


def test_counted_time_accepts_any_offset() -> None:
    start = datetime(2026, 10, 2, 10, tzinfo=UTC)  # Fri 12:00 Paris
    end = datetime(2026, 10, 5, 15, 30, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    assert counted_time(start, end, PARIS, FR_2026_2027) == timedelta(hours=24)


# --- the deadline -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("opened", "expected"),
    [
        pytest.param(paris(2026, 11, 5, 10), paris(2026, 11, 10, 10), id="thursday-10h-to-tuesday"),
        pytest.param(paris(2026, 10, 1, 10), paris(2026, 10, 6, 10), id="thursday-no-holiday"),
        pytest.param(paris(2026, 10, 3, 15), paris(2026, 10, 8, 0), id="saturday-to-thursday-0h"),
        pytest.param(paris(2026, 5, 16, 10), paris(2026, 5, 21, 0), id="saturday-notes-vector"),
        pytest.param(paris(2026, 10, 4, 22), paris(2026, 10, 8, 0), id="sunday-to-thursday-0h"),
        pytest.param(paris(2026, 12, 23, 9), paris(2026, 12, 29, 9), id="christmas-inside"),
        pytest.param(paris(2026, 11, 9, 10), paris(2026, 11, 13, 10), id="armistice-inside"),
        pytest.param(paris(2026, 11, 11, 10), paris(2026, 11, 17, 0), id="opened-on-armistice"),
        pytest.param(paris(2026, 5, 12, 10), paris(2026, 5, 18, 10), id="ascension-inside"),
        pytest.param(paris(2026, 5, 13, 10), paris(2026, 5, 19, 10), id="ascension-eve"),
        pytest.param(paris(2026, 5, 22, 18), paris(2026, 5, 28, 18), id="whit-monday-inside"),
        pytest.param(paris(2026, 12, 31, 10), paris(2027, 1, 6, 10), id="new-year-inside"),
        pytest.param(paris(2026, 5, 6, 0), paris(2026, 5, 12, 0), id="midnight-opening-8-may"),
        pytest.param(
            paris(2026, 5, 5, 0), paris(2026, 5, 8, 0), id="ends-at-midnight-before-8-may"
        ),
        pytest.param(
            paris(2026, 5, 11, 0), paris(2026, 5, 14, 0), id="ends-at-midnight-before-ascension"
        ),
        pytest.param(
            paris(2026, 10, 7, 0), paris(2026, 10, 10, 0), id="ends-at-midnight-before-weekend"
        ),
        pytest.param(paris(2026, 10, 5, 0), paris(2026, 10, 8, 0), id="opened-0h-counted-day"),
    ],
)
def test_compute_deadline(opened: datetime, expected: datetime) -> None:
    deadline = compute_deadline(opened, 72, PARIS, FR_2026_2027)
    assert deadline == expected
    assert_utc(deadline)


@pytest.mark.parametrize(
    ("opened", "expected_utc", "real_hours"),
    [
        pytest.param(
            paris(2026, 3, 26, 10), datetime(2026, 3, 31, 8, tzinfo=UTC), 119, id="spring"
        ),
        pytest.param(
            paris(2026, 10, 22, 10), datetime(2026, 10, 27, 9, tzinfo=UTC), 121, id="autumn"
        ),
    ],
)
def test_deadline_across_dst_weeks(
    opened: datetime, expected_utc: datetime, real_hours: int
) -> None:
    deadline = compute_deadline(opened, 72, PARIS, FR_2026_2027)
    assert deadline == expected_utc
    assert deadline.astimezone(PARIS).time() == time(10)
    assert deadline - opened == timedelta(hours=real_hours)


def test_deadline_uses_real_time_on_a_short_weekday() -> None:
    """Israel switches to summer time on a Friday: that counted day lasts 23 h."""
    jerusalem = ZoneInfo("Asia/Jerusalem")
    opened = datetime(2026, 3, 26, 10, tzinfo=jerusalem)
    deadline = compute_deadline(opened, 72, jerusalem, frozenset())
    assert deadline == datetime(2026, 3, 31, 11, tzinfo=jerusalem)
    assert counted_time(opened, deadline, jerusalem, frozenset()) == H72


def test_deadline_accepts_any_offset() -> None:
    opened = datetime(2026, 11, 5, 14, 30, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    assert compute_deadline(opened, 72, PARIS, FR_2026_2027) == paris(2026, 11, 10, 10)


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        pytest.param(0, paris(2026, 10, 3, 15), id="zero-hours-is-opening"),
        pytest.param(24, paris(2026, 10, 6, 0), id="one-day-from-saturday"),
        pytest.param(1, paris(2026, 10, 5, 1), id="one-hour-from-saturday"),
    ],
)
def test_deadline_other_minimums(hours: int, expected: datetime) -> None:
    assert compute_deadline(paris(2026, 10, 3, 15), hours, PARIS, FR_2026_2027) == expected


def test_deadline_negative_minimum_rejected() -> None:
    with pytest.raises(ValueError):
        compute_deadline(paris(2026, 10, 3, 15), -1, PARIS, FR_2026_2027)


class _EveryDay:
    """A pathological holiday set: every date is a holiday."""

    def __contains__(self, item: object) -> bool:
        return True


def test_deadline_loop_is_bounded() -> None:
    with pytest.raises(ValueError):
        compute_deadline(paris(2026, 10, 3, 15), 72, PARIS, _EveryDay())


@pytest.mark.parametrize(
    ("subdivision", "expected"),
    [
        pytest.param(None, paris(2026, 4, 7, 10), id="national-good-friday-counted"),
        pytest.param("57", paris(2026, 4, 8, 10), id="moselle-good-friday-holiday"),
        pytest.param("6AE", paris(2026, 4, 8, 10), id="alsace-good-friday-holiday"),
        pytest.param("68", paris(2026, 4, 8, 10), id="haut-rhin-alias"),
    ],
)
def test_good_friday_with_real_calendar(subdivision: str | None, expected: datetime) -> None:
    holidays = holiday_calendar("FR", subdivision)
    assert compute_deadline(paris(2026, 4, 1, 10), 72, PARIS, holidays) == expected


# --- requested deadlines ------------------------------------------------------------


@pytest.mark.parametrize(
    "requested",
    [
        pytest.param(paris(2026, 11, 10, 10), id="exactly-the-minimum"),
        pytest.param(paris(2026, 11, 12, 18), id="later"),
        pytest.param(datetime(2026, 11, 10, 9, tzinfo=UTC), id="same-instant-in-utc"),
    ],
)
def test_requested_deadline_accepted(requested: datetime) -> None:
    result = check_requested_deadline(paris(2026, 11, 5, 10), requested, 72, PARIS, FR_2026_2027)
    assert result == requested
    assert_utc(result)


def test_requested_deadline_too_early_refused() -> None:
    with pytest.raises(RuleRefusal) as refusal:
        check_requested_deadline(
            paris(2026, 11, 5, 10), paris(2026, 11, 10, 9, 59), 72, PARIS, FR_2026_2027
        )
    assert refusal.value.message == (
        "L'échéance demandée est trop tôt : le vote doit rester ouvert au moins 72 h hors "
        "week-ends et jours fériés, soit jusqu'au mardi 10 novembre 2026 à 10 h au plus tôt."
    )


def test_refusal_rounds_earliest_instant_up_to_the_minute() -> None:
    opened = paris(2026, 11, 5, 10, 0, 30)
    with pytest.raises(RuleRefusal, match="mardi 10 novembre 2026 à 10 h 01 au plus tôt"):
        check_requested_deadline(opened, paris(2026, 11, 10, 10), 72, PARIS, FR_2026_2027)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(
            lambda: compute_deadline(datetime(2026, 11, 5, 10), 72, PARIS, FR_2026_2027),
            id="compute_deadline",
        ),
        pytest.param(
            lambda: counted_time(
                datetime(2026, 11, 5, 10), paris(2026, 11, 6, 10), PARIS, FR_2026_2027
            ),
            id="counted_time",
        ),
        pytest.param(
            lambda: check_requested_deadline(
                paris(2026, 11, 5, 10), datetime(2026, 11, 12, 10), 72, PARIS, FR_2026_2027
            ),
            id="check_requested_deadline",
        ),
        pytest.param(
            lambda: meetings_between(
                datetime(2026, 1, 1), paris(2027, 1, 1), MeetingRules(), PARIS
            ),
            id="meetings_between",
        ),
        pytest.param(
            lambda: next_meetings(datetime(2026, 1, 1), 1, MeetingRules(), PARIS),
            id="next_meetings",
        ),
    ],
)
def test_naive_datetime_rejected(call: object) -> None:
    assert callable(call)
    with pytest.raises(ValueError, match="timezone-aware"):
        call()


# --- properties with the real French calendar ---------------------------------------

AWARE_OPENINGS = st.datetimes(
    min_value=datetime(2020, 1, 1),
    max_value=datetime(2030, 12, 31),
    timezones=st.sampled_from(
        [UTC, PARIS, ZoneInfo("America/New_York"), timezone(timedelta(hours=5, minutes=30))]
    ),
)


@settings(max_examples=300, deadline=None)
@given(opened=AWARE_OPENINGS)
def test_deadline_is_first_instant_with_72_counted_hours(opened: datetime) -> None:
    deadline = compute_deadline(opened, 72, PARIS, REAL_FR)
    assert_utc(deadline)
    assert counted_time(opened, deadline, PARIS, REAL_FR) == H72
    assert counted_time(opened, deadline - timedelta(minutes=1), PARIS, REAL_FR) < H72
    assert counted_time(opened, deadline - timedelta(microseconds=1), PARIS, REAL_FR) < H72


def test_real_calendar_matches_technical_notes() -> None:
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(730)]
    assert {day for day in days if day in REAL_FR} == FR_2026_2027
    moselle: Container[date] = holiday_calendar("FR", "57")
    assert {day for day in days if day in moselle} == FR_2026_2027 | ALSACE_MOSELLE_EXTRA


def test_paris_days_of_unusual_length_are_all_weekends() -> None:
    """The tzdata fact behind "same wall-clock time 3 counted days later" (notes §2.1)."""
    day, odd_weekdays = date(1970, 1, 1), []
    while day <= date(2100, 12, 31):
        start = datetime.combine(day, time(0), tzinfo=PARIS).astimezone(UTC)
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=PARIS).astimezone(UTC)
        if end - start != timedelta(days=1) and day.weekday() < 5:
            odd_weekdays.append(day)
        day += timedelta(days=1)
    assert odd_weekdays == []


# --- meetings -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "month", "rules", "expected"),
    [
        pytest.param(2026, 11, MeetingRules(), date(2026, 11, 26), id="last-thursday-nov-2026"),
        pytest.param(2026, 12, MeetingRules(), date(2026, 12, 31), id="last-thursday-dec-2026"),
        pytest.param(2026, 9, MeetingRules(), date(2026, 9, 24), id="last-thursday-sep-2026"),
        pytest.param(
            2026, 6, MeetingRules(weekday=0, which="premier"), date(2026, 6, 1), id="first-monday"
        ),
        pytest.param(
            2026, 9, MeetingRules(weekday=1, which="deuxieme"), date(2026, 9, 8), id="2nd-tuesday"
        ),
        pytest.param(
            2026, 10, MeetingRules(weekday=2, which="troisieme"), date(2026, 10, 21), id="3rd-wed"
        ),
        pytest.param(
            2026, 1, MeetingRules(weekday=4, which="quatrieme"), date(2026, 1, 23), id="4th-friday"
        ),
        pytest.param(
            2026, 3, MeetingRules(weekday=6, which="dernier"), date(2026, 3, 29), id="last-sunday"
        ),
    ],
)
def test_regular_meeting_date(year: int, month: int, rules: MeetingRules, expected: date) -> None:
    assert regular_meeting_date(year, month, rules) == expected


@pytest.mark.parametrize(
    "rules",
    [
        pytest.param(MeetingRules(which="cinquieme"), id="unknown-rank"),
        pytest.param(MeetingRules(weekday=7), id="bad-weekday"),
    ],
)
def test_regular_meeting_date_invalid_rules(rules: MeetingRules) -> None:
    with pytest.raises(ConfigError):
        regular_meeting_date(2026, 11, rules)


AUTUMN_2026 = [date(2026, 9, 24), date(2026, 10, 29), date(2026, 11, 26), date(2026, 12, 31)]


@pytest.mark.parametrize(
    ("first", "last", "rules", "expected"),
    [
        pytest.param(date(2026, 9, 1), date(2026, 12, 31), MeetingRules(), AUTUMN_2026, id="plain"),
        pytest.param(
            date(2026, 9, 25), date(2026, 12, 30), MeetingRules(), AUTUMN_2026[1:3], id="bounds"
        ),
        pytest.param(date(2026, 12, 1), date(2026, 11, 1), MeetingRules(), [], id="empty-range"),
        pytest.param(
            date(2026, 9, 1),
            date(2026, 12, 31),
            MeetingRules(cancelled=(date(2026, 12, 31),)),
            AUTUMN_2026[:3],
            id="cancelled",
        ),
        pytest.param(
            date(2026, 9, 1),
            date(2026, 12, 31),
            MeetingRules(moved=(MovedMeeting(date(2026, 11, 26), date(2026, 12, 3)),)),
            [date(2026, 9, 24), date(2026, 10, 29), date(2026, 12, 3), date(2026, 12, 31)],
            id="moved-inside-range",
        ),
        pytest.param(
            date(2026, 9, 1),
            date(2026, 12, 31),
            MeetingRules(moved=(MovedMeeting(date(2026, 12, 31), date(2027, 1, 7)),)),
            AUTUMN_2026[:3],
            id="moved-out-of-range",
        ),
        pytest.param(
            date(2026, 9, 1),
            date(2026, 12, 31),
            MeetingRules(moved=(MovedMeeting(date(2027, 1, 28), date(2026, 12, 17)),)),
            [*AUTUMN_2026[:3], date(2026, 12, 17), date(2026, 12, 31)],
            id="moved-into-range",
        ),
        pytest.param(
            date(2026, 9, 1),
            date(2026, 12, 31),
            MeetingRules(
                moved=(MovedMeeting(date(2026, 11, 26), date(2026, 12, 3)),),
                cancelled=(date(2026, 12, 3),),
            ),
            [date(2026, 9, 24), date(2026, 10, 29), date(2026, 12, 31)],
            id="moved-then-cancelled",
        ),
    ],
)
def test_meeting_dates(first: date, last: date, rules: MeetingRules, expected: list[date]) -> None:
    assert meeting_dates(first, last, rules) == expected


@pytest.mark.parametrize(
    ("start", "end", "rules", "count"),
    [
        pytest.param(paris(2026, 1, 1), paris(2027, 1, 1), MeetingRules(), 12, id="year-2026"),
        pytest.param(paris(2026, 11, 26, 19), paris(2026, 12, 31, 19), MeetingRules(), 1, id="[)"),
        pytest.param(
            paris(2026, 11, 26, 19, 1), paris(2026, 12, 31, 20), MeetingRules(), 1, id="(]"
        ),
        pytest.param(paris(2026, 12, 1), paris(2026, 11, 1), MeetingRules(), 0, id="reversed"),
        pytest.param(
            paris(2026, 1, 1),
            paris(2027, 1, 1),
            MeetingRules(cancelled=(date(2026, 7, 30), date(2026, 8, 27))),
            10,
            id="summer-cancelled",
        ),
    ],
)
def test_meetings_between_counts(
    start: datetime, end: datetime, rules: MeetingRules, count: int
) -> None:
    assert len(meetings_between(start, end, rules, PARIS)) == count


def test_meetings_between_instants_are_local_hour_in_utc() -> None:
    found = meetings_between(paris(2026, 1, 1), paris(2026, 7, 1), MeetingRules(), PARIS)
    assert found[0] == datetime(2026, 1, 29, 18, tzinfo=UTC)  # 19:00 CET
    assert found[-1] == datetime(2026, 6, 25, 17, tzinfo=UTC)  # 19:00 CEST
    assert all(instant.tzinfo is UTC for instant in found)


@pytest.mark.parametrize(
    ("now", "count", "rules", "expected"),
    [
        pytest.param(
            paris(2026, 11, 26, 19),
            2,
            MeetingRules(),
            [paris(2026, 11, 26, 19), paris(2026, 12, 31, 19)],
            id="now-is-a-meeting",
        ),
        pytest.param(
            paris(2026, 11, 26, 19, 1),
            3,
            MeetingRules(),
            [paris(2026, 12, 31, 19), paris(2027, 1, 28, 19), paris(2027, 2, 25, 19)],
            id="just-after-a-meeting",
        ),
        pytest.param(
            paris(2026, 11, 1),
            2,
            MeetingRules(
                cancelled=(date(2026, 11, 26), date(2026, 12, 31), date(2027, 1, 28)),
                moved=(MovedMeeting(date(2027, 2, 25), date(2027, 3, 4)),),
            ),
            [paris(2027, 3, 4, 19), paris(2027, 3, 25, 19)],
            id="many-cancelled-and-moved",
        ),
        pytest.param(paris(2026, 11, 1), 0, MeetingRules(), [], id="zero"),
    ],
)
def test_next_meetings(
    now: datetime, count: int, rules: MeetingRules, expected: list[datetime]
) -> None:
    found = next_meetings(now, count, rules, PARIS)
    assert found == expected
    assert all(instant.tzinfo is UTC for instant in found)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        pytest.param(date(2026, 11, 30), 3, date(2027, 2, 28), id="clamp-to-february"),
        pytest.param(date(2027, 11, 30), 3, date(2028, 2, 29), id="clamp-to-leap-february"),
        pytest.param(date(2026, 1, 31), 1, date(2026, 2, 28), id="jan-31-plus-1"),
        pytest.param(date(2026, 3, 31), -1, date(2026, 2, 28), id="minus-one"),
        pytest.param(date(2026, 12, 15), 1, date(2027, 1, 15), id="year-rollover"),
        pytest.param(date(2026, 1, 15), -1, date(2025, 12, 15), id="year-rollback"),
        pytest.param(date(2026, 5, 10), 0, date(2026, 5, 10), id="zero"),
        pytest.param(date(2026, 1, 31), 12, date(2027, 1, 31), id="twelve"),
    ],
)
def test_add_calendar_months(day: date, months: int, expected: date) -> None:
    assert add_calendar_months(day, months) == expected


# --- the holidays adapter -----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(None, None, id="none"),
        pytest.param("  ", None, id="blank"),
        pytest.param("67", "6AE", id="bas-rhin"),
        pytest.param("68", "6AE", id="haut-rhin"),
        pytest.param("Alsace", "6AE", id="alsace"),
        pytest.param("moselle", "57", id="moselle"),
        pytest.param(" 57 ", "57", id="code-stripped"),
        pytest.param("6AE", "6AE", id="code"),
    ],
)
def test_normalise_subdivision(value: str | None, expected: str | None) -> None:
    assert normalise_subdivision(value) == expected


def test_holiday_calendar_is_case_insensitive() -> None:
    assert date(2026, 4, 3) in holiday_calendar("fr", "6ae")


@pytest.mark.parametrize(
    ("country", "subdivision", "fragment"),
    [
        pytest.param("FR", "75", "57, 6AE", id="unknown-subdivision"),
        pytest.param("XX", None, "XX", id="unknown-country"),
    ],
)
def test_holiday_calendar_refuses_unknown(
    country: str, subdivision: str | None, fragment: str
) -> None:
    with pytest.raises(ConfigError, match=fragment):
        holiday_calendar(country, subdivision)


@pytest.mark.parametrize(
    ("subdivision", "day", "expected"),
    [
        pytest.param("57", date(2026, 4, 3), "Vendredi saint", id="good-friday-57"),
        pytest.param(None, date(2026, 4, 3), None, id="good-friday-national"),
        pytest.param(None, date(2026, 12, 25), "Noël", id="christmas"),
        pytest.param(None, date(2026, 11, 12), None, id="ordinary-day"),
    ],
)
def test_holiday_name(subdivision: str | None, day: date, expected: str | None) -> None:
    assert holiday_name(holiday_calendar("FR", subdivision), day) == expected


def test_holiday_name_without_names() -> None:
    assert holiday_name(FR_2026_2027, date(2026, 12, 25)) is None
