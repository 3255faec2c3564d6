"""What `blame` works out from the history: which merge brought each commit, and when a decision
may be challenged."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.rules import Rules
from assemblee_cli.core.tally import Outcome, Tally
from assemblee_cli.store.provenance import CommitMeta, introducing_commits
from assemblee_cli.usecases.blame import Origin, challenge_state

BASE = {"ASSEMBLEE_SMTP_HOTE": "smtp.exemple.org", "ASSEMBLEE_LISTE": "liste@exemple.org"}


def _commit(sha: str, *parents: str, message: str = "") -> CommitMeta:
    return CommitMeta(sha, parents, datetime(2026, 1, 1, tzinfo=UTC), "x", message)


def test_introducing_commits_assigns_each_commit_to_the_merge_that_brought_it() -> None:
    # main: A - B - M1 - M2 ; proposal 1: B - C - D (merged by M1) ; proposal 2 forked from D:
    # D - E - F (merged by M2): C and D came with M1, E and F with M2.
    commits = {
        c.sha: c
        for c in (
            _commit("A"),
            _commit("B", "A"),
            _commit("C", "B"),
            _commit("D", "C"),
            _commit("M1", "B", "D", message="x\n\nAssemblee-Proposition: 0001-un"),
            _commit("E", "D"),
            _commit("F", "E"),
            _commit("M2", "M1", "F", message="y\n\nAssemblee-Proposition: 0002-deux"),
        )
    }
    owner = introducing_commits({sha: c.parents for sha, c in commits.items()}, "M2")
    assert owner == {
        "A": "A",
        "B": "B",
        "M1": "M1",
        "M2": "M2",
        "C": "M1",
        "D": "M1",
        "E": "M2",
        "F": "M2",
    }
    assert commits["M2"].trailer == "0002-deux" and commits["B"].trailer is None


def _decided(mode: lc.Mode, closed: datetime) -> lc.Proposal:
    opened = closed - timedelta(days=5)
    p = lc.open_proposal(
        number=1,
        slug="x",
        title="X",
        author="a@x.org",
        author_name="A",
        now=opened,
        deadline=closed,
        rules=Rules(),
        members=["a@x.org"],
        text_version="v",
    )
    final = replace(
        p.round, mode=mode, result=Outcome.ADOPTED, closed_at=closed, tally=Tally(agree=1)
    )
    return replace(p, rounds=(final,), status=lc.Status.ADOPTED)


def test_challenge_state_of_consent_and_two_thirds_decisions() -> None:
    closed = datetime(2026, 11, 5, 18, 0, tzinfo=UTC)
    merge = _commit("M", "A", "B")
    consent = Origin(merge, _decided(lc.Mode.CONSENT, closed), "0001-x")
    assert challenge_state(consent, closed) == (True, None)
    two_thirds = Origin(merge, _decided(lc.Mode.TWO_THIRDS, closed), "0001-x")
    allowed = datetime(2027, 2, 5, 18, 0, tzinfo=UTC)
    assert challenge_state(two_thirds, closed + timedelta(days=30)) == (False, allowed)
    assert challenge_state(two_thirds, allowed) == (True, allowed)
    direct = Origin(_commit("B", "A"), None, None)
    assert challenge_state(direct, closed) == (True, None)
