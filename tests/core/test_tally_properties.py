"""Properties of the tally and of the two decision rules (consent, two thirds)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assemblee_cli.core.rules import DecisionRules
from assemblee_cli.core.tally import (
    CHOICE_LABELS,
    Choice,
    Outcome,
    Tally,
    consent_outcome,
    parse_choice,
    tally_votes,
    two_thirds_outcome,
    two_thirds_share,
)
from assemblee_cli.errors import AssembleeError

FAST = settings(max_examples=200, deadline=None)

choices = st.lists(st.sampled_from(list(Choice)), max_size=60)
tallies = st.builds(
    Tally,
    agree=st.integers(0, 40),
    abstain=st.integers(0, 40),
    disagree=st.integers(0, 40),
    block=st.integers(0, 40),
)
thresholds = st.fractions(min_value=Fraction(1, 100), max_value=1)
decision_rules = st.builds(
    DecisionRules,
    two_thirds_threshold=thresholds,
    abstentions_count_in_two_thirds=st.booleans(),
    quorum=st.none() | st.integers(1, 30),
)


@FAST
@given(choices)
def test_tally_total_is_the_number_of_choices(cs: list[Choice]) -> None:
    tally = tally_votes(cs)
    assert tally.total == len(cs)
    for choice in Choice:
        assert tally.count(choice) == cs.count(choice)
    assert Tally.from_dict(tally.as_dict()) == tally


@FAST
@given(choices)
def test_tally_ignores_order(cs: list[Choice]) -> None:
    assert tally_votes(reversed(cs)) == tally_votes(cs)


@FAST
@given(choices, st.booleans())
def test_consent_adopts_iff_no_block(cs: list[Choice], abstentions: bool) -> None:
    rules = DecisionRules(quorum=None, abstentions_count_in_two_thirds=abstentions)
    outcome = consent_outcome(tally_votes(cs), rules)
    assert (outcome is Outcome.ADOPTED) == (Choice.BLOCK not in cs)
    assert outcome in (Outcome.ADOPTED, Outcome.POSTPONED)  # consent never rejects


@FAST
@given(tallies, decision_rules)
def test_consent_never_rejects_and_a_block_always_postpones(
    tally: Tally, rules: DecisionRules
) -> None:
    outcome = consent_outcome(tally, rules)
    assert outcome is not Outcome.REJECTED
    if tally.block:
        assert outcome is Outcome.POSTPONED


@FAST
@given(tallies, decision_rules)
def test_two_thirds_monotone_in_agree(tally: Tally, rules: DecisionRules) -> None:
    """Adding a d'accord never turns an adopted decision into a rejected (or postponed) one."""
    before = two_thirds_outcome(tally, rules)
    after = two_thirds_outcome(
        Tally(tally.agree + 1, tally.abstain, tally.disagree, tally.block), rules
    )
    if before is Outcome.ADOPTED:
        assert after is Outcome.ADOPTED
    assert not (before is Outcome.ADOPTED and after is Outcome.REJECTED)


@FAST
@given(tallies, decision_rules, st.sampled_from([Choice.DISAGREE, Choice.BLOCK]))
def test_two_thirds_antitone_in_opposition(
    tally: Tally, rules: DecisionRules, against: Choice
) -> None:
    """Adding a pas d'accord or a blocage never turns a rejection into an adoption."""
    more = tally_votes([*_expand(tally), against])
    if rules.quorum is None and two_thirds_outcome(tally, rules) is Outcome.REJECTED:
        assert two_thirds_outcome(more, rules) is Outcome.REJECTED


@FAST
@given(tallies)
def test_two_thirds_default_rule_is_exact_arithmetic(tally: Tally) -> None:
    """Defaults: d'accord ≥ 2/3 of (d'accord + pas d'accord + blocage), abstentions aside."""
    rules = DecisionRules()
    expressed = tally.agree + tally.disagree + tally.block
    expected = (
        Outcome.ADOPTED if expressed and 3 * tally.agree >= 2 * expressed else (Outcome.REJECTED)
    )
    assert two_thirds_outcome(tally, rules) is expected
    share = two_thirds_share(tally, rules)
    assert share == (Fraction(tally.agree, expressed) if expressed else None)


@FAST
@given(tallies, st.integers(1, 40))
def test_two_thirds_default_ignores_abstentions(tally: Tally, extra: int) -> None:
    rules = DecisionRules()
    more = Tally(tally.agree, tally.abstain + extra, tally.disagree, tally.block)
    assert two_thirds_outcome(more, rules) is two_thirds_outcome(tally, rules)


@FAST
@given(tallies, decision_rules)
def test_quorum_postpones_when_too_few_positions(tally: Tally, rules: DecisionRules) -> None:
    if rules.quorum is not None and tally.total < rules.quorum:
        assert consent_outcome(tally, rules) is Outcome.POSTPONED
        assert two_thirds_outcome(tally, rules) is Outcome.POSTPONED
    else:
        assert two_thirds_outcome(tally, rules) is not Outcome.POSTPONED


def _expand(tally: Tally) -> list[Choice]:
    return [choice for choice in Choice for _ in range(tally.count(choice))]


# --- parse_choice -----------------------------------------------------------------------

SPELLINGS = {
    "d-accord": Choice.AGREE,
    "d'accord": Choice.AGREE,
    "D’accord": Choice.AGREE,
    "agree": Choice.AGREE,
    "abstention": Choice.ABSTAIN,
    "abstain": Choice.ABSTAIN,
    "s'abstient": Choice.ABSTAIN,
    "S’abstient": Choice.ABSTAIN,
    "pas-d-accord": Choice.DISAGREE,
    "pas d'accord": Choice.DISAGREE,
    "Pas d’accord": Choice.DISAGREE,
    "disagree": Choice.DISAGREE,
    "blocage": Choice.BLOCK,
    "Blocage": Choice.BLOCK,
    "objection": Choice.BLOCK,
    "block": Choice.BLOCK,
}


@pytest.mark.parametrize(("text", "expected"), sorted(SPELLINGS.items()))
def test_parse_choice_accepts_the_usual_spellings(text: str, expected: Choice) -> None:
    assert parse_choice(text) is expected


@FAST
@given(
    st.sampled_from(sorted(SPELLINGS)),
    st.sampled_from(["", " ", "  ", "\t"]),
    st.sampled_from(["", " ", "\n"]),
    st.sampled_from([str.lower, str.upper, str.title, str]),
)
def test_parse_choice_ignores_case_spaces_and_accents(
    text: str, before: str, after: str, case: object
) -> None:
    assert callable(case)
    assert parse_choice(before + case(text) + after) is SPELLINGS[text]


@FAST
@given(st.sampled_from(list(Choice)))
def test_parse_choice_reads_back_values_and_labels(choice: Choice) -> None:
    assert parse_choice(choice.value) is choice
    assert parse_choice(CHOICE_LABELS[choice]) is choice
    assert parse_choice(CHOICE_LABELS[choice].upper()) is choice


@pytest.mark.parametrize(
    "garbage",
    ["", "   ", "peut-être", "maybe", "42", "blocages en série", "d accord pas", "?", "abst"],
)
def test_parse_choice_rejects_garbage_in_french(garbage: str) -> None:
    with pytest.raises(AssembleeError) as error:
        parse_choice(garbage)
    message = error.value.message
    assert f"« {garbage} »" in message
    assert "Position inconnue" in message
    assert "choisissez d-accord, abstention, pas-d-accord ou blocage" in message


@FAST
@given(st.text(max_size=30))
def test_parse_choice_returns_a_choice_or_a_french_error(text: str) -> None:
    try:
        result = parse_choice(text)
    except AssembleeError as error:
        assert "Position inconnue" in error.message
    else:
        assert isinstance(result, Choice)


@FAST
@given(st.text(alphabet="xyzqwkj0123456789 -'", min_size=1, max_size=20))
def test_parse_choice_rejects_words_that_are_no_position(text: str) -> None:
    with pytest.raises(AssembleeError, match="Position inconnue"):
        parse_choice(text)
