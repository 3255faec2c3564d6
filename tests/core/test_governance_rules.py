"""Every rule of the seed's « Gouvernance » section, one named test each.

Each docstring quotes the rule of the code social it checks (seed
`000_6b1bb1a96910b73e.txt`, section « Gouvernance »). Proposals are built with
`open_proposal` and driven through the lifecycle with plain UTC datetimes and the Lille
defaults (`Rules()`); refusals are checked for their French sentence, not only their type.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from tests.helpers import T0, cast, open_sample

from assemblee_cli.core.calendar import compute_deadline
from assemblee_cli.core.holiday_calendar import holiday_calendar
from assemblee_cli.core.lifecycle import (
    Mode,
    Proposal,
    Status,
    amend_text,
    challenge_allowed_from,
    check_challenge,
    close_round,
    counted_votes,
    current_tally,
    decide_round,
    open_proposal,
    outdated_votes,
    relaunch,
    relaunch_allowed_from,
    withdraw,
)
from assemblee_cli.core.rules import DecisionRules, Rules
from assemblee_cli.core.tally import (
    CHOICE_LABELS,
    Choice,
    Outcome,
    Tally,
    consent_outcome,
    parse_choice,
    two_thirds_outcome,
)
from assemblee_cli.errors import AssembleeError, RuleRefusal

PARIS = ZoneInfo("Europe/Paris")

ALICE = "alice@exemple.org"  # the author
BOB = "bob@exemple.org"
CLAIRE = "claire@exemple.org"
DAVID = "david@exemple.org"
EMMA = "emma@exemple.org"
MEMBERS = (ALICE, BOB, CLAIRE, DAVID, EMMA)

# Round 1: Monday 2 March 2026, 10:00 in Paris → Thursday 5 March 2026, 10:00.
D0 = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)
# Round 2, one week later: Monday 9 March → Thursday 12 March.
T1 = T0 + timedelta(days=7)
D1 = D0 + timedelta(days=7)
# The assembly's meetings after the first block: the last Thursdays of March and April 2026,
# 19:00 in Paris (winter time in March, summer time in April).
MARCH_MEETING = datetime(2026, 3, 26, 18, 0, tzinfo=UTC)
APRIL_MEETING = datetime(2026, 4, 30, 17, 0, tzinfo=UTC)
MEETINGS = (MARCH_MEETING, APRIL_MEETING)


def make(rules: Rules | None = None, **changes: object) -> Proposal:
    proposal = open_sample(deadline=D0, rules=rules, members=MEMBERS)
    return replace(proposal, **changes) if changes else proposal


def vote(
    proposal: Proposal, member: str, choice: Choice, at: datetime, reason: str | None = None
) -> Proposal:
    return cast(proposal, member, choice, at, reason)


def close(proposal: Proposal, at: datetime) -> Proposal:
    return close_round(proposal, decide_round(proposal, at), at)


def blocked_round(proposal: Proposal, opened: datetime) -> Proposal:
    """Claire blocks the current round (opened at `opened`), which closes at its deadline."""
    proposal = vote(proposal, CLAIRE, Choice.BLOCK, opened + timedelta(hours=1), "Trop flou.")
    return close(proposal, proposal.round.deadline)


def twice_blocked() -> Proposal:
    """Two consent rounds one week apart, both blocked: the proposal is postponed."""
    proposal = blocked_round(make(), T0)
    proposal = relaunch(
        proposal, now=T1, two_thirds=False, meetings=(), deadline=D1, text_version="v1"
    )
    proposal = blocked_round(proposal, T1)
    assert proposal.status is Status.POSTPONED
    return proposal


def two_thirds_round() -> Proposal:
    """The third vote, held at two thirds once two meetings have passed."""
    return relaunch(
        twice_blocked(),
        now=APRIL_MEETING,
        two_thirds=True,
        meetings=MEETINGS,
        deadline=APRIL_MEETING + timedelta(days=6),
        text_version="v1",
    )


def decided_at_two_thirds(closed_at: datetime, agree: int = 4, against: int = 1) -> Proposal:
    proposal = two_thirds_round()
    voters = iter(MEMBERS)
    at = APRIL_MEETING + timedelta(hours=1)
    for _ in range(agree):
        proposal = vote(proposal, next(voters), Choice.AGREE, at)
    for _ in range(against):
        proposal = vote(proposal, next(voters), Choice.DISAGREE, at)
    return close(proposal, closed_at)


# --- consent ------------------------------------------------------------------------------


def test_any_member_may_propose_and_the_proposal_is_described() -> None:
    """« Tous les membres de l’assemblée peuvent proposer des évolutions de l’assemblée […].
    Toute proposition est clairement annoncée et publiquement décrite »."""
    proposal = open_proposal(
        number=3,
        slug="atelier",
        title="Un atelier",
        author="  Bob@Exemple.org ",
        author_name="Bob",
        now=T0,
        deadline=D0,
        rules=Rules(),
        members=[m.upper() for m in MEMBERS],
        text_version="v1",
        description="Pourquoi cet atelier.",
    )
    assert proposal.author == BOB
    assert proposal.members == MEMBERS
    assert proposal.description == "Pourquoi cet atelier."
    assert proposal.status is Status.OPEN
    assert [(r.number, r.mode) for r in proposal.rounds] == [(1, Mode.CONSENT)]
    assert proposal.name == "0003-atelier"


def test_no_objection_means_adopted() -> None:
    """« Si aucun membre n'objecte, la proposition est validée (vote par consentement). La
    plupart du temps ces étapes sont réalisés de manière tacite. »"""
    tacit = decide_round(make(), D0)
    assert tacit.outcome is Outcome.ADOPTED
    assert tacit.tally == Tally()
    assert "consentement tacite" in tacit.explanation
    assert "adoptée" in tacit.explanation

    closed = close(make(), D0)
    assert closed.status is Status.ADOPTED
    assert closed.round.result is Outcome.ADOPTED
    assert closed.round.closed_at == D0
    assert closed.decided_at == D0
    assert consent_outcome(Tally(), DecisionRules()) is Outcome.ADOPTED


def test_no_block_among_participants_means_adopted() -> None:
    """« Si aucun membre participant au vote n'objecte au bout du temps proposé, la
    proposition est validée (vote par consentement). »"""
    proposal = make()
    proposal = vote(proposal, BOB, Choice.AGREE, T0 + timedelta(hours=1))
    proposal = vote(proposal, CLAIRE, Choice.DISAGREE, T0 + timedelta(hours=2))
    proposal = vote(proposal, DAVID, Choice.ABSTAIN, T0 + timedelta(hours=3))
    decision = decide_round(proposal, D0)
    assert decision.outcome is Outcome.ADOPTED
    assert decision.tally == Tally(agree=1, abstain=1, disagree=1, block=0)
    assert "Aucun blocage" in decision.explanation
    assert "1 d'accord, 1 s'abstient, 1 pas d'accord, 0 blocage" in decision.explanation


def test_decision_only_at_the_end_of_the_proposed_time() -> None:
    """« Si aucun membre participant au vote n'objecte au bout du temps proposé […] »: the
    round cannot be decided before its deadline."""
    with pytest.raises(RuleRefusal) as refusal:
        decide_round(make(), D0 - timedelta(seconds=1))
    message = refusal.value.message
    assert "n°7" in message
    assert "ouverte jusqu'au jeudi 5 mars 2026 à 10 h" in message
    assert "avant" in message


def test_window_is_72_hours_without_weekends_and_holidays() -> None:
    """« chacun(e) des membres peut se positionner durant un minimum de 72h hors week-end et
    jours fériés »."""
    rules = Rules()
    assert rules.decision.minimum_hours == 72
    holidays = holiday_calendar(rules.holiday_country, rules.holiday_subdivision)
    thursday = datetime(2026, 3, 5, 10, 0, tzinfo=PARIS)
    deadline = compute_deadline(thursday, 72, PARIS, holidays)
    assert deadline == datetime(2026, 3, 10, 10, 0, tzinfo=PARIS)  # the next Tuesday, 10:00
    # Ascension (Thursday 14 May 2026) does not count either.
    before_ascension = datetime(2026, 5, 12, 10, 0, tzinfo=PARIS)
    assert compute_deadline(before_ascension, 72, PARIS, holidays) == datetime(
        2026, 5, 18, 10, 0, tzinfo=PARIS
    )


def test_four_positions() -> None:
    """« 4 votes sont possibles : D'accord, S'abstient, Pas d'accord, Blocage (objection) »."""
    assert len(Choice) == 4
    assert set(CHOICE_LABELS.values()) == {"d'accord", "s'abstient", "pas d'accord", "blocage"}
    assert parse_choice("D'accord") is Choice.AGREE
    assert parse_choice("S'abstient") is Choice.ABSTAIN
    assert parse_choice("Pas d'accord") is Choice.DISAGREE
    assert parse_choice("Blocage") is Choice.BLOCK
    assert parse_choice("objection") is Choice.BLOCK
    with pytest.raises(AssembleeError) as error:
        parse_choice("peut-être")
    assert "Position inconnue" in error.value.message
    assert "blocage" in error.value.message
    # Each of the four may be recorded.
    proposal = make()
    for member, choice in zip(MEMBERS, Choice, strict=False):
        proposal = vote(proposal, member, choice, T0 + timedelta(hours=1), "Une raison.")
    assert sorted(v.choice for v in counted_votes(proposal).values()) == sorted(Choice)


def test_block_must_be_argued() -> None:
    """« Pour être valable, tout “blocage” doit être argumenté. »"""
    for reason in (None, "", "   \n"):
        with pytest.raises(RuleRefusal) as refusal:
            vote(make(), CLAIRE, Choice.BLOCK, T0 + timedelta(hours=1), reason)
        assert "blocage doit être argumenté" in refusal.value.message
        assert "raison" in refusal.value.message
    argued = vote(make(), CLAIRE, Choice.BLOCK, T0 + timedelta(hours=1), "  Trop flou.  ")
    assert counted_votes(argued)[CLAIRE].reason == "Trop flou."
    # Other positions need no reason.
    assert vote(make(), BOB, Choice.DISAGREE, T0 + timedelta(hours=1)).votes[0].reason is None


def test_block_reason_rule_is_configurable() -> None:
    """« Pour être valable, tout “blocage” doit être argumenté » is a rule of the repository
    (`blocage_argumente`), so an assembly may change it by a proposal."""
    rules = Rules(decision=DecisionRules(block_requires_reason=False))
    proposal = vote(make(rules), CLAIRE, Choice.BLOCK, T0 + timedelta(hours=1))
    assert counted_votes(proposal)[CLAIRE].choice is Choice.BLOCK


def test_block_postpones() -> None:
    """« Si un ou plusieurs des participants bloquent une décision, la décision est
    reportée. »"""
    proposal = make()
    for member in (ALICE, BOB, DAVID, EMMA):
        proposal = vote(proposal, member, Choice.AGREE, T0 + timedelta(hours=1))
    proposal = vote(proposal, CLAIRE, Choice.BLOCK, T0 + timedelta(hours=2), "Trop flou.")
    decision = decide_round(proposal, D0)
    assert decision.outcome is Outcome.POSTPONED
    assert "1 blocage(s)" in decision.explanation
    assert "reportée" in decision.explanation
    assert "réunion" in decision.explanation
    closed = close_round(proposal, decision, D0)
    assert closed.status is Status.POSTPONED
    assert closed.round.tally == Tally(agree=4, block=1)
    assert closed.decided_at is None  # postponed is not decided
    assert consent_outcome(Tally(agree=100, block=2), DecisionRules()) is Outcome.POSTPONED


def test_vote_changed_until_deadline_last_counts() -> None:
    """« Sur ces votes, chacun(e) des membres peut se positionner durant un minimum de 72h »:
    a position may be changed until the deadline, and the last one counts."""
    proposal = make()
    proposal = vote(proposal, CLAIRE, Choice.BLOCK, T0 + timedelta(hours=1), "Trop flou.")
    proposal = vote(proposal, BOB, Choice.AGREE, T0 + timedelta(hours=2))
    proposal = vote(proposal, CLAIRE, Choice.AGREE, D0 - timedelta(seconds=1))
    claire = [v for v in proposal.votes if v.member == CLAIRE]
    assert len(claire) == 1
    assert claire[0].choice is Choice.AGREE
    assert claire[0].cast_at == D0 - timedelta(seconds=1)
    assert claire[0].reason is None
    assert current_tally(proposal) == Tally(agree=2)
    assert decide_round(proposal, D0).outcome is Outcome.ADOPTED


def test_vote_refused_after_deadline() -> None:
    """« chacun(e) des membres peut se positionner durant un minimum de 72h […] »: once the
    proposed time is over, no position is accepted."""
    for late in (D0, D0 + timedelta(days=2)):
        with pytest.raises(RuleRefusal) as refusal:
            vote(make(), BOB, Choice.AGREE, late)
        message = refusal.value.message
        assert "proposition n°7 est clos depuis le jeudi 5 mars 2026 à 10 h" in message
        assert "échéance" in message
    decided = close(make(), D0)
    with pytest.raises(RuleRefusal) as refusal:
        vote(decided, BOB, Choice.AGREE, D0 - timedelta(hours=1))
    assert "n'est pas ouverte au vote" in refusal.value.message
    assert "adoptée" in refusal.value.message


def test_non_member_refused() -> None:
    """« Sur ces votes, chacun(e) des membres peut se positionner »: only the members listed
    when the proposal opened."""
    with pytest.raises(RuleRefusal) as refusal:
        vote(make(), "intrus@exemple.org", Choice.AGREE, T0 + timedelta(hours=1))
    message = refusal.value.message
    assert "intrus@exemple.org" in message
    assert "liste des membres" in message
    assert "n°7" in message
    # The address is compared without case or surrounding spaces.
    proposal = vote(make(), "  Bob@EXEMPLE.org", Choice.AGREE, T0 + timedelta(hours=1))
    assert set(counted_votes(proposal)) == {BOB}


# --- new rounds and the two-thirds vote -----------------------------------------------------


def test_relaunch_at_least_a_week_after_previous_round() -> None:
    """« 2 autres processus de décision à une semaine d’intervalle »."""
    postponed = blocked_round(make(), T0)
    assert relaunch_allowed_from(postponed, False, ()) == T0 + timedelta(days=7)
    with pytest.raises(RuleRefusal) as refusal:
        relaunch(
            postponed,
            now=T1 - timedelta(minutes=1),
            two_thirds=False,
            meetings=(),
            deadline=D1,
            text_version="v1",
        )
    message = refusal.value.message
    assert "Trop tôt" in message
    assert "au moins 7 jours entre deux tours" in message
    assert "possible à partir du lundi 9 mars 2026 à 10 h" in message
    second = relaunch(
        postponed, now=T1, two_thirds=False, meetings=(), deadline=D1, text_version="v1"
    )
    assert second.status is Status.OPEN
    assert [(r.number, r.mode) for r in second.rounds] == [(1, Mode.CONSENT), (2, Mode.CONSENT)]
    assert second.rounds[0].result is Outcome.POSTPONED
    # The new round is voted on afresh: earlier positions stay in round 1.
    assert counted_votes(second) == {}
    # The week also applies before a two-thirds vote, even when the meetings came earlier.
    early_meetings = (MARCH_MEETING - timedelta(days=20), D1 + timedelta(hours=1))
    assert relaunch_allowed_from(twice_blocked(), True, early_meetings) == T1 + timedelta(days=7)


def test_only_a_postponed_proposal_gets_a_new_round() -> None:
    """« la décision est reportée » — only a postponed decision is put to a new round."""
    for proposal, state in ((make(), "ouverte"), (close(make(), D0), "adoptée")):
        with pytest.raises(RuleRefusal) as refusal:
            relaunch_allowed_from(proposal, False, ())
        assert state in refusal.value.message
        assert "seule une proposition reportée" in refusal.value.message


def test_two_thirds_only_after_two_blocked_rounds_and_two_meetings() -> None:
    """« Dans le cas où une décision n’arrive toujours pas à être validée au bout de 2
    réunions et 2 autres processus de décision à une semaine d’intervalle, le troisième vote
    peut se faire aux ⅔ afin de réussir à prendre une décision. »"""
    once = blocked_round(make(), T0)
    with pytest.raises(RuleRefusal) as refusal:
        relaunch_allowed_from(once, True, MEETINGS)
    message = refusal.value.message
    assert "1 tour(s) bloqué(s)" in message
    assert "deux tiers" in message
    assert "2 tours par consentement" in message

    twice = twice_blocked()
    with pytest.raises(RuleRefusal) as refusal:
        relaunch_allowed_from(twice, True, (MARCH_MEETING,))
    assert "2 réunions depuis le premier blocage" in refusal.value.message
    # A meeting before the first block does not count.
    with pytest.raises(RuleRefusal):
        relaunch_allowed_from(twice, True, (T0 - timedelta(days=3), MARCH_MEETING))

    assert relaunch_allowed_from(twice, True, MEETINGS) == APRIL_MEETING
    with pytest.raises(RuleRefusal) as refusal:
        relaunch(
            twice,
            now=datetime(2026, 4, 1, 8, 0, tzinfo=UTC),
            two_thirds=True,
            meetings=MEETINGS,
            deadline=APRIL_MEETING,
            text_version="v1",
        )
    message = refusal.value.message
    assert "Trop tôt" in message
    assert "2 réunions depuis le premier blocage" in message
    assert "possible à partir du jeudi 30 avril 2026 à 19 h" in message

    third = two_thirds_round()
    assert third.status is Status.OPEN
    assert [(r.number, r.mode) for r in third.rounds] == [
        (1, Mode.CONSENT),
        (2, Mode.CONSENT),
        (3, Mode.TWO_THIRDS),
    ]
    # A consent round remains possible at any time after the week.
    assert relaunch_allowed_from(twice, False, ()) == T1 + timedelta(days=7)


def test_two_thirds_threshold_exact() -> None:
    """« le troisième vote peut se faire aux ⅔ »: exactly two thirds of the expressed
    positions adopt; abstentions are not counted unless the rules say so."""
    rules = DecisionRules()
    assert rules.two_thirds_threshold == Fraction(2, 3)
    assert not rules.abstentions_count_in_two_thirds
    assert two_thirds_outcome(Tally(agree=2, disagree=1), rules) is Outcome.ADOPTED
    assert two_thirds_outcome(Tally(agree=2, block=1), rules) is Outcome.ADOPTED
    assert two_thirds_outcome(Tally(agree=4, disagree=1, block=1), rules) is Outcome.ADOPTED
    assert two_thirds_outcome(Tally(agree=3, disagree=2), rules) is Outcome.REJECTED  # 60 %
    assert two_thirds_outcome(Tally(agree=1, disagree=1), rules) is Outcome.REJECTED
    assert two_thirds_outcome(Tally(), rules) is Outcome.REJECTED
    # Abstentions excluded by default…
    assert two_thirds_outcome(Tally(agree=2, abstain=9, disagree=1), rules) is Outcome.ADOPTED
    # …and counted when the code social says so.
    counting = DecisionRules(abstentions_count_in_two_thirds=True)
    assert two_thirds_outcome(Tally(agree=2, abstain=1, disagree=1), counting) is (Outcome.REJECTED)
    assert two_thirds_outcome(Tally(agree=4, abstain=1, disagree=1), counting) is (Outcome.ADOPTED)

    # Through the lifecycle: in a two-thirds round a block no longer postpones.
    proposal = two_thirds_round()
    at = APRIL_MEETING + timedelta(hours=1)
    proposal = vote(proposal, ALICE, Choice.AGREE, at)
    proposal = vote(proposal, BOB, Choice.AGREE, at)
    proposal = vote(proposal, CLAIRE, Choice.BLOCK, at, "Toujours trop flou.")
    proposal = vote(proposal, DAVID, Choice.ABSTAIN, at)
    decision = decide_round(proposal, proposal.round.deadline)
    assert decision.outcome is Outcome.ADOPTED
    assert "Vote aux deux tiers" in decision.explanation
    assert "2 d'accord sur 3 avis exprimés (67%)" in decision.explanation
    assert "seuil de 2/3 atteint : adoptée" in decision.explanation

    counting_rules = Rules(decision=counting)
    counted = replace(proposal, rules=counting_rules)
    decision = decide_round(counted, proposal.round.deadline)
    assert decision.outcome is Outcome.REJECTED
    assert "2 d'accord sur 4 avis comptés (50%)" in decision.explanation
    assert "non atteint : rejetée" in decision.explanation
    assert close_round(counted, decision, proposal.round.deadline).status is Status.REJECTED


# --- challenging a decision -----------------------------------------------------------------


def test_consent_decision_challengeable_any_time() -> None:
    """« Toute décision par consentement peut être remise en cause à tout moment (qu’il
    s’agisse de tout ou partie de la décision). »"""
    adopted = close(make(), D0)
    assert challenge_allowed_from(adopted) is None
    check_challenge(adopted, D0)
    check_challenge(adopted, D0 + timedelta(seconds=1))
    # Even a consent decision reached after earlier blocked rounds.
    again = relaunch(
        blocked_round(make(), T0),
        now=T1,
        two_thirds=False,
        meetings=(),
        deadline=D1,
        text_version="v1",
    )
    adopted_later = close(again, D1)
    assert adopted_later.status is Status.ADOPTED
    assert challenge_allowed_from(adopted_later) is None
    # Only a decision can be challenged.
    with pytest.raises(RuleRefusal) as refusal:
        challenge_allowed_from(make())
    assert "seule une décision adoptée ou rejetée" in refusal.value.message


@pytest.mark.parametrize(
    ("closed_at", "until", "said"),
    [
        (
            datetime(2026, 5, 31, 8, 0, tzinfo=UTC),
            datetime(2026, 8, 31, 8, 0, tzinfo=UTC),
            "à partir du lundi 31 août 2026 à 10 h",
        ),
        # Calendar months, clamped to the end of a shorter month, at the same local time
        # (summer time in November → winter time in February).
        (
            datetime(2026, 11, 30, 17, 30, tzinfo=UTC),
            datetime(2027, 2, 28, 17, 30, tzinfo=UTC),
            "à partir du dimanche 28 février 2027 à 18 h 30",
        ),
        (
            datetime(2026, 5, 6, 17, 0, tzinfo=UTC),
            datetime(2026, 8, 6, 17, 0, tzinfo=UTC),
            "à partir du jeudi 6 août 2026 à 19 h",
        ),
    ],
)
def test_two_thirds_decision_locked_three_months(
    closed_at: datetime, until: datetime, said: str
) -> None:
    """« En revanche, dans le cas d’un vote ⅔, un délai de 3 mois est imposé avant de pouvoir
    soumettre un nouveau vote. »"""
    decided = decided_at_two_thirds(closed_at)
    assert decided.status is Status.ADOPTED
    assert decided.round.mode is Mode.TWO_THIRDS
    assert challenge_allowed_from(decided) == until
    with pytest.raises(RuleRefusal) as refusal:
        check_challenge(decided, until - timedelta(seconds=1))
    message = refusal.value.message
    assert "prise aux deux tiers" in message
    assert "3 mois" in message
    assert said in message
    check_challenge(decided, until)


def test_two_thirds_rejection_locked_too() -> None:
    """« dans le cas d’un vote ⅔, un délai de 3 mois est imposé avant de pouvoir soumettre un
    nouveau vote » — whatever the result of that vote."""
    closed_at = datetime(2026, 5, 6, 17, 0, tzinfo=UTC)
    rejected = decided_at_two_thirds(closed_at, agree=1, against=2)
    assert rejected.status is Status.REJECTED
    assert challenge_allowed_from(rejected) == datetime(2026, 8, 6, 17, 0, tzinfo=UTC)
    with pytest.raises(RuleRefusal):
        check_challenge(rejected, closed_at + timedelta(days=60))


def test_lock_duration_is_configurable() -> None:
    """« un délai de 3 mois est imposé » is `mois_de_gel_apres_deux_tiers` in the rules."""
    closed_at = datetime(2026, 5, 6, 17, 0, tzinfo=UTC)
    decided = decided_at_two_thirds(closed_at)
    one_month = replace(
        decided, rules=Rules(decision=DecisionRules(lock_months_after_two_thirds=1))
    )
    assert challenge_allowed_from(one_month) == datetime(2026, 6, 6, 17, 0, tzinfo=UTC)
    with pytest.raises(RuleRefusal) as refusal:
        check_challenge(one_month, closed_at)
    assert "1 mois" in refusal.value.message


# --- withdrawal, amendments, quorum ---------------------------------------------------------


def test_withdraw_author_only() -> None:
    """« Tous les membres de l’assemblée peuvent proposer » — and only the one who proposed
    may withdraw the proposal."""
    with pytest.raises(RuleRefusal) as refusal:
        withdraw(make(), BOB, T0 + timedelta(hours=1))
    message = refusal.value.message
    assert "Seul·e l'auteur·rice" in message
    assert "n°7" in message
    assert "Alice Martin" in message
    withdrawn = withdraw(make(), " ALICE@exemple.org ", T0 + timedelta(hours=1))
    assert withdrawn.status is Status.WITHDRAWN
    assert withdrawn.withdrawn_at == T0 + timedelta(hours=1)
    assert withdrawn.decided_at == T0 + timedelta(hours=1)
    # A postponed proposal may be withdrawn; a decided one no longer.
    assert withdraw(blocked_round(make(), T0), ALICE, T1).status is Status.WITHDRAWN
    with pytest.raises(RuleRefusal) as refusal:
        withdraw(close(make(), D0), ALICE, D0 + timedelta(hours=1))
    assert "déjà adoptée" in refusal.value.message
    with pytest.raises(RuleRefusal) as refusal:
        vote(withdrawn, BOB, Choice.AGREE, T0 + timedelta(hours=2))
    assert "retirée" in refusal.value.message


def test_amendment_voids_earlier_votes() -> None:
    """« Toute proposition est clairement annoncée et publiquement décrite »: positions are
    given on a text; when the text changes, positions on the earlier text no longer count."""
    proposal = make()
    proposal = vote(proposal, BOB, Choice.AGREE, T0 + timedelta(hours=1))
    proposal = vote(proposal, CLAIRE, Choice.BLOCK, T0 + timedelta(hours=2), "Trop flou.")
    amended_at = T0 + timedelta(hours=3)
    # Asked with an earlier deadline, the round never closes earlier than announced.
    amended = amend_text(proposal, "v2", amended_at, D0 - timedelta(days=1), ["sections/a.md"])
    assert amended.round.text_version == "v2"
    assert amended.round.deadline == D0
    assert amended.files == ("sections/a.md",)
    assert counted_votes(amended) == {}
    assert {v.member for v in outdated_votes(amended)} == {BOB, CLAIRE}
    # A later deadline is kept.
    later = amend_text(proposal, "v2", amended_at, D0 + timedelta(days=2))
    assert later.round.deadline == D0 + timedelta(days=2)

    amended = vote(amended, DAVID, Choice.AGREE, amended_at + timedelta(hours=1))
    assert set(counted_votes(amended)) == {DAVID}
    assert counted_votes(amended)[DAVID].text_version == "v2"
    # Claire's block was on the old text: the amended proposal is adopted.
    decision = decide_round(amended, D0)
    assert decision.outcome is Outcome.ADOPTED
    assert decision.tally == Tally(agree=1)
    # Bob confirms on the new text: his old vote is replaced.
    amended = vote(amended, BOB, Choice.DISAGREE, amended_at + timedelta(hours=2))
    assert {v.member for v in outdated_votes(amended)} == {CLAIRE}
    assert current_tally(amended) == Tally(agree=1, disagree=1)
    # The same version is no amendment; a decided text can no longer be amended.
    assert amend_text(proposal, "v1", amended_at, D0).votes == proposal.votes
    with pytest.raises(RuleRefusal) as refusal:
        amend_text(close(make(), D0), "v2", D0, D0 + timedelta(days=3))
    assert "on ne peut plus modifier son texte" in refusal.value.message


def test_quorum_is_optional() -> None:
    """« Si aucun membre n'objecte, la proposition est validée » — no quorum by default; an
    assembly may add one in its rules (`quorum`)."""
    assert DecisionRules().quorum is None
    assert decide_round(make(), D0).outcome is Outcome.ADOPTED

    rules = Rules(decision=DecisionRules(quorum=3))
    proposal = make(rules)
    proposal = vote(proposal, BOB, Choice.AGREE, T0 + timedelta(hours=1))
    proposal = vote(proposal, DAVID, Choice.ABSTAIN, T0 + timedelta(hours=1))
    decision = decide_round(proposal, D0)
    assert decision.outcome is Outcome.POSTPONED
    assert "Quorum non atteint (2 avis exprimés pour 3 requis)" in decision.explanation
    assert "reportée" in decision.explanation
    proposal = vote(proposal, EMMA, Choice.AGREE, T0 + timedelta(hours=2))
    assert decide_round(proposal, D0).outcome is Outcome.ADOPTED
    assert consent_outcome(Tally(agree=2), rules.decision) is Outcome.POSTPONED
    assert two_thirds_outcome(Tally(agree=2), rules.decision) is Outcome.POSTPONED
    assert two_thirds_outcome(Tally(agree=3), rules.decision) is Outcome.ADOPTED


def test_a_decision_is_said_with_how_it_was_taken() -> None:
    """What the register, the agenda and the export say of a decided proposal: the mode and
    the count for a vote, neither for a withdrawal (no vote decided it)."""
    from assemblee_cli.core.lifecycle import decision_words

    proposal = open_sample()
    due = proposal.round.deadline
    tacit = close_round(proposal, decide_round(proposal, due), due)
    assert decision_words(tacit) == "adoptée (consentement) — sans aucun avis"
    voted = cast(proposal, "bob@exemple.org", Choice.AGREE, T0)
    assert decision_words(close_round(voted, decide_round(voted, due), due), "lundi") == (
        "adoptée (consentement) le lundi — 1 d'accord, 0 s'abstient, 0 pas d'accord, 0 blocage"
    )
    gone = withdraw(proposal, proposal.author, T0)
    assert decision_words(gone, "lundi") == "retirée par son auteur·rice le lundi"
