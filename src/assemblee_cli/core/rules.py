"""The rules of a code social, as frozen plain data (defaults: the Lille assembly's seed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from fractions import Fraction
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class MovedMeeting:
    """A meeting moved from its regular date to another one."""

    original: date
    new: date


@dataclass(frozen=True)
class MeetingRules:
    """When the assembly meets: the last Thursday of every month by default."""

    weekday: int = 3  # Monday = 0 … Sunday = 6; 3 = Thursday
    which: str = "dernier"  # "dernier" (last) or "premier", "deuxieme", "troisieme", "quatrieme"
    hour: time = time(19, 0)
    cancelled: tuple[date, ...] = ()
    moved: tuple[MovedMeeting, ...] = ()


@dataclass(frozen=True)
class DecisionRules:
    """The governance rules of the seed, parameterised."""

    minimum_hours: int = 72
    block_requires_reason: bool = True
    days_between_rounds: int = 7
    blocked_rounds_before_two_thirds: int = 2
    meetings_before_two_thirds: int = 2
    two_thirds_threshold: Fraction = Fraction(2, 3)
    abstentions_count_in_two_thirds: bool = False
    lock_months_after_two_thirds: int = 3
    quorum: int | None = None  # minimum number of positions expressed; None = no quorum
    signed_votes: bool = False  # votes must be commits signed by the member's own key


@dataclass(frozen=True)
class Rules:
    """Everything a decision depends on, as in force on `main` when a proposal opened."""

    name: str = "Assemblée des communs de Lille"
    timezone: str = "Europe/Paris"
    holiday_country: str = "FR"
    holiday_subdivision: str | None = None
    meetings: MeetingRules = field(default_factory=MeetingRules)
    decision: DecisionRules = field(default_factory=DecisionRules)


def tz_of(rules: Rules) -> ZoneInfo:
    """The assembly's time zone, in which its days and deadlines are counted."""
    return ZoneInfo(rules.timezone)
