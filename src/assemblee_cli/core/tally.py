"""Positions, their tally, and the outcome of a round (consent or two-thirds)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from assemblee_cli.core.french import folded
from assemblee_cli.core.rules import DecisionRules
from assemblee_cli.errors import AssembleeError


class Choice(StrEnum):
    """The four positions of the seed: d'accord, s'abstient, pas d'accord, blocage."""

    AGREE = "d-accord"
    ABSTAIN = "abstention"
    DISAGREE = "pas-d-accord"
    BLOCK = "blocage"


CHOICE_LABELS = {
    Choice.AGREE: "d'accord",
    Choice.ABSTAIN: "s'abstient",
    Choice.DISAGREE: "pas d'accord",
    Choice.BLOCK: "blocage",
}


def _fold(text: str) -> str:
    """A choice as typed, reduced to its letters and digits (« D'accord » → « daccord »)."""
    return "".join(c for c in folded(text) if c.isalnum())


_ALIASES: dict[str, Choice] = {}
for _choice, _words in {
    Choice.AGREE: ("d-accord", "d'accord", "daccord", "accord", "pour", "oui", "agree", "yes"),
    Choice.ABSTAIN: ("abstention", "s'abstient", "abstient", "abstiens", "abstain", "neutre"),
    Choice.DISAGREE: ("pas-d-accord", "pas d'accord", "contre", "non", "disagree", "no"),
    Choice.BLOCK: ("blocage", "bloque", "objection", "veto", "block"),
}.items():
    for _word in _words:
        _ALIASES[_fold(_word)] = _choice


def parse_choice(text: str) -> Choice:
    """Read a position as typed by a person: `d-accord`, `d'accord`, `agree`, `Blocage`…"""
    choice = _ALIASES.get(_fold(text))
    if choice is None:
        raise AssembleeError(
            f"Position inconnue « {text} » : choisissez d-accord, abstention, pas-d-accord "
            "ou blocage."
        )
    return choice


class Outcome(StrEnum):
    ADOPTED = "adoptee"
    POSTPONED = "reportee"
    REJECTED = "rejetee"


@dataclass(frozen=True)
class Tally:
    agree: int = 0
    abstain: int = 0
    disagree: int = 0
    block: int = 0

    @property
    def total(self) -> int:
        return self.agree + self.abstain + self.disagree + self.block

    def count(self, choice: Choice) -> int:
        return {
            Choice.AGREE: self.agree,
            Choice.ABSTAIN: self.abstain,
            Choice.DISAGREE: self.disagree,
            Choice.BLOCK: self.block,
        }[choice]

    def as_dict(self) -> dict[str, int]:
        return {choice.value: self.count(choice) for choice in Choice}

    @classmethod
    def from_dict(cls, data: dict[str, int]) -> Tally:
        return cls(
            agree=data.get(Choice.AGREE.value, 0),
            abstain=data.get(Choice.ABSTAIN.value, 0),
            disagree=data.get(Choice.DISAGREE.value, 0),
            block=data.get(Choice.BLOCK.value, 0),
        )

    def describe(self) -> str:
        return ", ".join(f"{self.count(c)} {CHOICE_LABELS[c]}" for c in Choice)


def tally_votes(choices: Iterable[Choice]) -> Tally:
    counts = dict.fromkeys(Choice, 0)
    for choice in choices:
        counts[choice] += 1
    return Tally(
        counts[Choice.AGREE], counts[Choice.ABSTAIN], counts[Choice.DISAGREE], counts[Choice.BLOCK]
    )


def quorum_reached(tally: Tally, rules: DecisionRules) -> bool:
    return rules.quorum is None or tally.total >= rules.quorum


def consent_outcome(tally: Tally, rules: DecisionRules) -> Outcome:
    """No block means adopted, even with no vote at all; any block postpones."""
    if tally.block or not quorum_reached(tally, rules):
        return Outcome.POSTPONED
    return Outcome.ADOPTED


def two_thirds_share(tally: Tally, rules: DecisionRules) -> Fraction | None:
    """Share of d'accord among counted positions (abstentions only if the rules say so)."""
    counted = tally.agree + tally.disagree + tally.block
    if rules.abstentions_count_in_two_thirds:
        counted += tally.abstain
    return Fraction(tally.agree, counted) if counted else None


def two_thirds_outcome(tally: Tally, rules: DecisionRules) -> Outcome:
    """Adopted when d'accord reaches the threshold (exactly 2/3 adopts); otherwise rejected."""
    if not quorum_reached(tally, rules):
        return Outcome.POSTPONED
    share = two_thirds_share(tally, rules)
    if share is not None and share >= rules.two_thirds_threshold:
        return Outcome.ADOPTED
    return Outcome.REJECTED
