"""Tests of the French wording of dates, instants and durations."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from assemblee_cli.core.french import format_date, format_duration, format_instant

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(date(2026, 11, 10), "mardi 10 novembre 2026", id="plain"),
        pytest.param(date(2026, 1, 1), "jeudi 1er janvier 2026", id="first-of-month"),
        pytest.param(date(2026, 8, 15), "samedi 15 août 2026", id="accented-month"),
        pytest.param(date(2026, 2, 2), "lundi 2 février 2026", id="no-leading-zero"),
        pytest.param(date(2027, 12, 26), "dimanche 26 décembre 2027", id="sunday"),
    ],
)
def test_format_date(day: date, expected: str) -> None:
    assert format_date(day) == expected


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        pytest.param(
            datetime(2026, 11, 10, 10, tzinfo=PARIS), "mardi 10 novembre 2026 à 10 h", id="hour"
        ),
        pytest.param(
            datetime(2026, 11, 10, 10, 30, tzinfo=PARIS),
            "mardi 10 novembre 2026 à 10 h 30",
            id="minutes",
        ),
        pytest.param(
            datetime(2026, 11, 10, 10, 5, 59, tzinfo=PARIS),
            "mardi 10 novembre 2026 à 10 h 05",
            id="padded-minutes-seconds-dropped",
        ),
        pytest.param(
            datetime(2026, 11, 12, 0, tzinfo=PARIS), "jeudi 12 novembre 2026 à 0 h", id="midnight"
        ),
        pytest.param(
            datetime(2026, 11, 11, 23, tzinfo=UTC), "jeudi 12 novembre 2026 à 0 h", id="from-utc"
        ),
        pytest.param(
            datetime(2026, 3, 31, 8, tzinfo=UTC), "mardi 31 mars 2026 à 10 h", id="summer-time"
        ),
        pytest.param(
            datetime(2025, 12, 31, 23, tzinfo=UTC), "jeudi 1er janvier 2026 à 0 h", id="new-year"
        ),
    ],
)
def test_format_instant(instant: datetime, expected: str) -> None:
    assert format_instant(instant, PARIS) == expected


def test_format_instant_rejects_naive() -> None:
    with pytest.raises(ValueError):
        format_instant(datetime(2026, 11, 10, 10), PARIS)


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        pytest.param(timedelta(days=2, hours=3, minutes=40), "2 j 3 h", id="days-hours"),
        pytest.param(timedelta(days=2), "2 j", id="whole-days"),
        pytest.param(timedelta(hours=5, minutes=12, seconds=59), "5 h 12 min", id="hours-minutes"),
        pytest.param(timedelta(hours=5), "5 h", id="whole-hours"),
        pytest.param(timedelta(minutes=12), "12 min", id="minutes"),
        pytest.param(timedelta(seconds=59), "moins d'une minute", id="seconds"),
        pytest.param(timedelta(0), "moins d'une minute", id="zero"),
        pytest.param(timedelta(seconds=-1), "dépassée", id="negative"),
        pytest.param(timedelta(days=-3), "dépassée", id="long-past"),
    ],
)
def test_format_duration(delta: timedelta, expected: str) -> None:
    assert format_duration(delta) == expected


def test_de_is_elided_before_a_vowel() -> None:
    from assemblee_cli.core.french import of

    assert of("Bruno") == "de Bruno"
    assert of("Élise Petit") == "d'Élise Petit"
    assert of("alice") == "d'alice"
    assert of("Yves") == "d'Yves"


def test_a_member_is_designated_by_address_name_or_one_word_of_it() -> None:
    from assemblee_cli.core.members import Member, Roster

    roster = Roster(
        (
            Member("Camille Dupont", "camille@exemple.org"),
            Member("Camille Martin", "cmartin@exemple.org"),
            Member("Élise Petit", "elise@exemple.org"),
        )
    )
    assert [m.email for m in roster.designated("ELISE@exemple.org")] == ["elise@exemple.org"]
    assert [m.email for m in roster.designated("elise")] == ["elise@exemple.org"]
    assert [m.email for m in roster.designated(" camille  martin ")] == ["cmartin@exemple.org"]
    assert len(roster.designated("Camille")) == 2  # ambiguous: said so, never guessed
    assert roster.designated("Zoé") == [] and roster.designated("") == []
    assert roster.designated("Pet") == []  # a word, not part of one
