"""The read-modify-publish loop (usecases/common.retrying): after a refused write, the pause is
drawn in a window that starts at the time the refused attempt took (from its read to its
refusal) and doubles with each refusal, so that many members writing one branch spread out at
once (tests/integrity/test_stress.py measures the pushes per vote with real processes)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from assemblee_cli.errors import RemoteBusy
from assemblee_cli.store.publish import PushConflict
from assemblee_cli.usecases import common


class Clock:
    """A clock that moves only when an attempt works or the loop pauses."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.pauses: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds


def _pauses(
    monkeypatch: pytest.MonkeyPatch, took: list[float], failure: type[Exception] = PushConflict
) -> list[float]:
    """The pauses `retrying` makes (each the widest of its window) when the attempts take
    `took` seconds each and all but the last are refused."""
    clock = Clock()
    monkeypatch.setattr(common, "time_module", clock)
    monkeypatch.setattr(common, "random", SimpleNamespace(uniform=lambda low, high: high))
    refreshed: list[bool] = []
    store: Any = SimpleNamespace(refresh=lambda force=False, only=None: refreshed.append(force))
    remaining = list(took)

    def attempt() -> str:
        clock.now += remaining.pop(0)
        if remaining:
            raise failure("refusé")
        return "publié"

    assert common.retrying(store, attempt) == "publié"
    assert refreshed == [False] + [True] * (len(took) - 1)  # read again after each refusal
    return clock.pauses


def test_the_window_starts_at_the_time_the_refused_attempt_took(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a crowd on a loaded server: each attempt takes 1.5 s from its read to its refusal
    assert _pauses(monkeypatch, [1.5, 1.5, 1.5, 0.2]) == [1.5, 3.0, 6.0]
    # quick refusals keep the shortest window, and no window is wider than BACK_OFF_LAST
    assert _pauses(monkeypatch, [0.01, 0.01, 0.01, 0.01]) == [0.25, 0.5, 1.0]
    assert _pauses(monkeypatch, [20.0, 20.0, 0.1]) == [common.BACK_OFF_LAST] * 2
    # an attempt redone after a refusal is quick (it reads the refused branch alone): its
    # length does not narrow the window, which keeps doubling
    assert _pauses(monkeypatch, [3.0, 0.1, 0.1, 0.1]) == [3.0, 6.0, common.BACK_OFF_LAST]
    assert _pauses(monkeypatch, [0.375, 0.125, 0.125, 0.125]) == [0.375, 0.75, 1.5]


def test_a_server_that_cut_the_connection_is_retried_with_the_short_window(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a cut connection says nothing of the other writers: the window stays the usual one
    assert _pauses(monkeypatch, [2.0, 2.0, 0.1], RemoteBusy) == [0.25, 0.5]


def test_the_pause_is_drawn_in_the_window() -> None:
    for attempt, took in ((0, 0.0), (0, 2.0), (3, 0.5), (9, 9.0)):
        window = min(max(common.BACK_OFF_FIRST, took) * 2**attempt, common.BACK_OFF_LAST)
        pauses = [common.back_off(attempt, took) for _ in range(200)]
        assert all(0 <= pause <= window for pause in pauses)
        assert max(pauses) > window / 2  # spread over the window, not stuck at its start


def test_after_a_refused_vote_only_its_branch_is_read_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A push refused because others moved the branches it moved forward (a vote): the next
    attempt fetches those branches only; after any other refusal (a new number, main) or a
    cut connection, everything."""
    monkeypatch.setattr(common, "time_module", Clock())
    refreshed: list[tuple[bool, Any]] = []
    store: Any = SimpleNamespace(
        refresh=lambda force=False, only=None: refreshed.append((force, only))
    )
    failures: list[Exception] = [
        PushConflict("refusé", ("0001-valeurs",)),
        RemoteBusy("coupé"),
        PushConflict("refusé", ("0001-valeurs",)),
        PushConflict("refusé"),
    ]

    def attempt() -> str:
        if failures:
            raise failures.pop(0)
        return "publié"

    assert common.retrying(store, attempt) == "publié"
    assert refreshed == [
        (False, None),
        (True, ("0001-valeurs",)),
        (True, None),
        (True, ("0001-valeurs",)),
        (True, None),
    ]
