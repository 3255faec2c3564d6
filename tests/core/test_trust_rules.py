"""Issue 12 in the pure core: the tally counts only the roster frozen at opening, the deadline
is recomputed from the opening (and the amendment) by the rules, never taken from the file,
text from the edge never keeps lone surrogates, and instants stay in a sane range."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.core.test_governance_rules import BOB, D0, MEMBERS, PARIS, T0, make

from assemblee_cli.core.calendar import SANE_YEARS, compute_deadline, is_sane_instant
from assemblee_cli.core.french import decode_argument
from assemblee_cli.core.holiday_calendar import holiday_calendar
from assemblee_cli.core.lifecycle import (
    Vote,
    counted_votes,
    current_tally,
    deadline_anomalies,
    earliest_deadline,
    foreign_votes,
    lawful_deadline,
    with_lawful_deadlines,
)
from assemblee_cli.core.rules import Rules
from assemblee_cli.core.tally import Choice

HOLIDAYS = holiday_calendar("FR", None)
EVE = "eve@exemple.org"  # not in the roster frozen at opening


def with_votes(*votes: tuple[str, Choice]) -> object:
    proposal = make()
    entries = tuple(
        Vote(member, choice, 1, T0 + timedelta(hours=1), "v1", "Raison.")
        for member, choice in votes
    )
    return replace(proposal, votes=entries)


# -- the frozen roster ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("votes", "blocks", "agrees"),
    [
        ([(EVE, Choice.BLOCK)], 0, 0),
        ([(EVE, Choice.BLOCK), (BOB, Choice.AGREE)], 0, 1),
        ([(BOB, Choice.BLOCK), (EVE, Choice.AGREE)], 1, 0),
        ([("emma@exemple.org.evil", Choice.BLOCK)], 0, 0),
        ([("Bob@Exemple.org ", Choice.BLOCK)], 0, 0),  # the file keeps what it says: not BOB
    ],
)
def test_only_the_frozen_roster_is_counted(votes, blocks, agrees) -> None:
    proposal = with_votes(*votes)
    tally = current_tally(proposal)  # type: ignore[arg-type]
    assert (tally.block, tally.agree) == (blocks, agrees)
    outsiders = {v.member for v in foreign_votes(proposal)}  # type: ignore[arg-type]
    assert outsiders == {m for m, _c in votes if m not in MEMBERS}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from([*MEMBERS, EVE, "mallory@exemple.org"]), st.sampled_from(Choice)),
        max_size=12,
    )
)
def test_the_tally_never_counts_an_outsider(votes) -> None:
    proposal = with_votes(*votes)
    counted = counted_votes(proposal)  # type: ignore[arg-type]
    assert set(counted) <= set(MEMBERS)
    assert current_tally(proposal).total == len(counted)  # type: ignore[arg-type]


# -- deadlines, recomputed --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "amended_at", "expected"),
    [
        (D0, None, D0),  # the file says the truth
        (T0 + timedelta(hours=24), None, D0),  # shortened by hand: recomputed
        (T0 + timedelta(minutes=1), None, D0),
        (D0 + timedelta(days=2), None, D0 + timedelta(days=2)),  # a later deadline asked for
        # amended on Wednesday 4 March at 10:00 in Paris: 72 working hours later, Monday 9
        (D0, datetime(2026, 3, 4, 9, 0, tzinfo=UTC), datetime(2026, 3, 9, 9, 0, tzinfo=UTC)),
        # an amendment dated before the opening changes nothing
        (D0, T0 - timedelta(days=3), D0),
    ],
)
def test_the_lawful_deadline(stored, amended_at, expected) -> None:
    proposal = make()
    item = replace(proposal.round, deadline=stored)
    assert lawful_deadline(proposal, item, HOLIDAYS, amended_at) == expected


def test_a_shortened_deadline_is_an_anomaly_and_is_replaced() -> None:
    proposal = make()
    forged = replace(proposal, rounds=(replace(proposal.round, deadline=T0 + timedelta(days=1)),))
    [message] = deadline_anomalies(forged, HOLIDAYS)
    assert "échéance enregistrée du tour 1" in message
    assert with_lawful_deadlines(forged, HOLIDAYS).round.deadline == D0
    assert deadline_anomalies(make(), HOLIDAYS) == []


@settings(max_examples=80, deadline=None)
@given(
    opened=st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2040, 12, 31), timezones=st.just(UTC)
    ),
    shift=st.integers(-10 * 24 * 60, 10 * 24 * 60),
    amendment=st.one_of(st.none(), st.integers(0, 20 * 24 * 60)),
)
def test_the_lawful_deadline_is_never_earlier_than_the_rules_allow(
    opened, shift, amendment
) -> None:
    rules = Rules()
    proposal = make(rules)
    item = replace(
        proposal.round,
        opened_at=opened,
        deadline=opened + timedelta(minutes=shift) if shift else opened + timedelta(hours=1),
    )
    amended_at = None if amendment is None else opened + timedelta(minutes=amendment)
    lawful = lawful_deadline(proposal, item, HOLIDAYS, amended_at)
    assert lawful >= item.deadline
    assert lawful >= compute_deadline(opened, 72, PARIS, HOLIDAYS)
    assert lawful == max(item.deadline, earliest_deadline(opened, rules, HOLIDAYS)) or (
        amended_at is not None and lawful == earliest_deadline(amended_at, rules, HOLIDAYS)
    )


# -- text and instants at the edge ------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"caf\xc3\xa9", "café"),  # UTF-8
        (b"caf\xe9", "café"),  # Latin-1
        (b"\x80 pour tous", "€ pour tous"),  # Windows-1252
        (b"plain", "plain"),
    ],
)
def test_arguments_are_decoded_at_the_edge(raw, expected) -> None:
    as_python_gives_it = raw.decode("utf-8", "surrogateescape")
    assert decode_argument(as_python_gives_it) == expected


@given(st.binary(max_size=40))
def test_no_argument_keeps_a_lone_surrogate(raw) -> None:
    decoded = decode_argument(raw.decode("utf-8", "surrogateescape"))
    decoded.encode("utf-8")  # never raises


@given(st.text(max_size=20))
def test_any_text_comes_out_writable(text) -> None:
    decode_argument(text).encode("utf-8")


@pytest.mark.parametrize(
    ("instant", "sane"),
    [
        (datetime(2026, 11, 26, 9, tzinfo=UTC), True),
        (datetime(SANE_YEARS.start, 1, 1, tzinfo=UTC), True),
        (datetime(SANE_YEARS.stop - 1, 12, 31, 23, tzinfo=UTC), True),
        (datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC), False),
        (datetime.fromisoformat("0001-01-01T00:00:00+14:00"), False),
        (datetime(1969, 12, 31, 23, tzinfo=UTC), False),
    ],
)
def test_sane_instants(instant, sane) -> None:
    assert is_sane_instant(instant) is sane
