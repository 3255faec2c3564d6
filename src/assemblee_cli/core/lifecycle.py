"""The lifecycle of a proposal and its rounds, as pure functions over frozen data.

open → adopted | postponed | rejected | withdrawn; a postponed proposal may be relaunched in a
new round (consent, or two-thirds once the rules allow it). Every refusal is a RuleRefusal whose
French sentence names the rule and, when it will pass, from when.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from assemblee_cli.core.calendar import add_calendar_months, compute_deadline
from assemblee_cli.core.french import format_instant
from assemblee_cli.core.members import normalise_email
from assemblee_cli.core.rules import Rules
from assemblee_cli.core.tally import (
    CHOICE_LABELS,
    Choice,
    Outcome,
    Tally,
    consent_outcome,
    quorum_reached,
    tally_votes,
    two_thirds_outcome,
    two_thirds_share,
)
from assemblee_cli.errors import RuleRefusal


class Status(StrEnum):
    OPEN = "ouverte"
    ADOPTED = "adoptee"
    POSTPONED = "reportee"
    REJECTED = "rejetee"
    WITHDRAWN = "retiree"


class Mode(StrEnum):
    CONSENT = "consentement"
    TWO_THIRDS = "deux-tiers"


STATUS_LABELS = {
    Status.OPEN: "ouverte",
    Status.ADOPTED: "adoptée",
    Status.POSTPONED: "reportée",
    Status.REJECTED: "rejetée",
    Status.WITHDRAWN: "retirée",
}
MODE_LABELS = {Mode.CONSENT: "consentement", Mode.TWO_THIRDS: "vote aux deux tiers"}
DECIDED = (Status.ADOPTED, Status.REJECTED, Status.WITHDRAWN)


@dataclass(frozen=True)
class Vote:
    member: str
    choice: Choice
    round: int
    cast_at: datetime
    text_version: str
    reason: str | None = None
    recorded_by: str | None = None
    source: str | None = None  # "web": recorded by the web page's server for the member


@dataclass(frozen=True)
class Round:
    number: int
    mode: Mode
    opened_at: datetime
    deadline: datetime
    text_version: str
    result: Outcome | None = None
    closed_at: datetime | None = None
    tally: Tally | None = None


@dataclass(frozen=True)
class Announcement:
    at: datetime
    where: str


@dataclass(frozen=True)
class Proposal:
    id: int
    slug: str
    title: str
    author: str
    author_name: str
    opened_at: datetime
    rules: Rules
    members: tuple[str, ...]
    rounds: tuple[Round, ...]
    votes: tuple[Vote, ...] = ()
    status: Status = Status.OPEN
    challenges: int | None = None
    description: str = ""
    withdrawn_at: datetime | None = None
    announcements: tuple[Announcement, ...] = ()
    files: tuple[str, ...] = ()  # the files of the code social that the proposal changes

    @property
    def name(self) -> str:
        return f"{self.id:04d}-{self.slug}"

    @property
    def branch(self) -> str:
        return f"proposition/{self.name}"

    @property
    def path(self) -> str:
        return f"proposals/{self.name}.md"

    @property
    def round(self) -> Round:
        return self.rounds[-1]

    @property
    def decided_at(self) -> datetime | None:
        if self.status is Status.WITHDRAWN:
            return self.withdrawn_at
        return self.round.closed_at if self.status in DECIDED else None


def open_proposal(
    *,
    number: int,
    slug: str,
    title: str,
    author: str,
    author_name: str,
    now: datetime,
    deadline: datetime,
    rules: Rules,
    members: Sequence[str],
    text_version: str,
    description: str = "",
    challenges: int | None = None,
    files: Sequence[str] = (),
) -> Proposal:
    first = Round(1, Mode.CONSENT, now, deadline, text_version)
    return Proposal(
        id=number,
        slug=slug,
        title=title,
        author=normalise_email(author),
        author_name=author_name,
        opened_at=now,
        rules=rules,
        members=tuple(normalise_email(m) for m in members),
        rounds=(first,),
        description=description,
        challenges=challenges,
        files=tuple(files),
    )


def round_votes(proposal: Proposal, number: int | None = None) -> list[Vote]:
    wanted = proposal.round.number if number is None else number
    return [vote for vote in proposal.votes if vote.round == wanted]


def closed_round_blocks(proposal: Proposal) -> list[Vote]:
    """The blocks, with their arguments, that counted in each closed round (each member's last
    position on that round's text), by round then time."""
    blocks: list[Vote] = []
    for item in proposal.rounds:
        if item.result is None:
            continue
        latest: dict[str, Vote] = {}
        for vote in proposal.votes:
            if vote.round == item.number and vote.text_version == item.text_version:
                latest[vote.member] = vote
        blocks += [v for v in latest.values() if v.choice is Choice.BLOCK]
    return sorted(blocks, key=lambda v: (v.round, v.cast_at))


def counted_votes(proposal: Proposal) -> dict[str, Vote]:
    """Votes of the current round cast on the current text by members of the roster frozen at
    opening: one per member, the last one. Any other entry (a hand-added vote of someone who
    was not a member) is never counted, whatever the file says."""
    current = proposal.round
    members = set(proposal.members)
    result: dict[str, Vote] = {}
    for vote in round_votes(proposal):
        if vote.text_version == current.text_version and vote.member in members:
            result[vote.member] = vote
    return result


def foreign_votes(proposal: Proposal) -> list[Vote]:
    """Entries of people who were not in the roster frozen at opening: shown, never counted."""
    members = set(proposal.members)
    return [vote for vote in proposal.votes if vote.member not in members]


# -- deadlines, recomputed ---------------------------------------------------------------------


def earliest_deadline(start: datetime, rules: Rules, holidays: Container[date]) -> datetime:
    """The earliest lawful end of a window that starts at `start` (an opening or an
    amendment), by the rules frozen at opening."""
    return compute_deadline(start, rules.decision.minimum_hours, ZoneInfo(rules.timezone), holidays)


def lawful_deadline(
    proposal: Proposal,
    item: Round,
    holidays: Container[date],
    amended_at: datetime | None = None,
) -> datetime:
    """The deadline of a round as the rules make it: the stored one (a proposer may ask for a
    later one), never earlier than the minimum window from the round's opening, nor, for a
    text amended since, from the amendment. A stored deadline is a claim, not an input."""
    deadline = max(item.deadline, earliest_deadline(item.opened_at, proposal.rules, holidays))
    if amended_at is not None and amended_at > item.opened_at:
        deadline = max(deadline, earliest_deadline(amended_at, proposal.rules, holidays))
    return deadline


def with_lawful_deadlines(proposal: Proposal, holidays: Container[date]) -> Proposal:
    """The proposal with every open round's deadline recomputed (lawful_deadline)."""
    rounds = tuple(
        item
        if item.result is not None
        else replace(item, deadline=lawful_deadline(proposal, item, holidays))
        for item in proposal.rounds
    )
    return proposal if rounds == proposal.rounds else replace(proposal, rounds=rounds)


def deadline_anomalies(proposal: Proposal, holidays: Container[date]) -> list[str]:
    """French sentences for each round whose stored deadline is earlier than the rules allow."""
    found = []
    for item in proposal.rounds:
        earliest = earliest_deadline(item.opened_at, proposal.rules, holidays)
        if item.deadline < earliest:
            found.append(
                f"l'échéance enregistrée du tour {item.number} ({_when(item.deadline, proposal.rules)}) "
                f"est plus tôt que ne le permettent les règles ({_when(earliest, proposal.rules)})."
            )
    return found


def outdated_votes(proposal: Proposal) -> list[Vote]:
    """Votes of the current round cast on a text that was amended since: shown, not counted."""
    version = proposal.round.text_version
    return [vote for vote in round_votes(proposal) if vote.text_version != version]


def current_tally(proposal: Proposal) -> Tally:
    return tally_votes(vote.choice for vote in counted_votes(proposal).values())


def _when(moment: datetime, rules: Rules) -> str:
    return format_instant(moment, ZoneInfo(rules.timezone))


def record_vote(proposal: Proposal, vote: Vote, now: datetime) -> Proposal:
    """Replace the member's position in the current round, if the rules allow it."""
    label = f"La proposition n°{proposal.id}"
    if proposal.status is not Status.OPEN:
        raise RuleRefusal(
            f"{label} n'est pas ouverte au vote (elle est {STATUS_LABELS[proposal.status]})."
        )
    current = proposal.round
    if now >= current.deadline:
        raise RuleRefusal(
            f"Le vote sur la proposition n°{proposal.id} est clos depuis le "
            f"{_when(current.deadline, proposal.rules)} : un avis n'est plus accepté après "
            "l'échéance."
        )
    member = normalise_email(vote.member)
    if member not in proposal.members:
        raise RuleRefusal(
            f"{vote.member} ne figurait pas dans la liste des membres à l'ouverture de la "
            f"proposition n°{proposal.id} : seuls ces membres peuvent se positionner."
        )
    reason = (vote.reason or "").strip() or None
    if (
        vote.choice is Choice.BLOCK
        and reason is None
        and proposal.rules.decision.block_requires_reason
    ):
        raise RuleRefusal(
            "Un blocage doit être argumenté (« pour être valable, tout blocage doit être "
            "argumenté ») : ajoutez la raison (en ligne de commande : -r « … »)."
        )
    if vote.recorded_by is not None and normalise_email(vote.recorded_by) == member:
        vote = replace(vote, recorded_by=None)
    vote = replace(
        vote,
        member=member,
        reason=reason,
        round=current.number,
        text_version=current.text_version,
        cast_at=now,
    )
    kept = tuple(
        v for v in proposal.votes if not (v.round == current.number and v.member == member)
    )
    return replace(proposal, votes=(*kept, vote))


def amend_text(
    proposal: Proposal,
    text_version: str,
    now: datetime,
    deadline: datetime,
    files: Sequence[str] | None = None,
) -> Proposal:
    """The text changed during the round: votes on the earlier text no longer count, and the
    window restarts from the amendment (never closing earlier than announced)."""
    current = proposal.round
    if proposal.status is not Status.OPEN:
        raise RuleRefusal(
            f"La proposition n°{proposal.id} est {STATUS_LABELS[proposal.status]} : on ne peut "
            "plus modifier son texte."
        )
    changed_files = proposal.files if files is None else tuple(files)
    if text_version == current.text_version:
        return replace(proposal, files=changed_files)
    amended = replace(current, text_version=text_version, deadline=max(deadline, current.deadline))
    return replace(proposal, rounds=(*proposal.rounds[:-1], amended), files=changed_files)


@dataclass(frozen=True)
class RoundDecision:
    outcome: Outcome
    tally: Tally
    explanation: str


def decide_round(proposal: Proposal, now: datetime) -> RoundDecision:
    """Tally the current round at its deadline and say why in plain French."""
    current = proposal.round
    if proposal.status is not Status.OPEN:
        raise RuleRefusal(f"La proposition n°{proposal.id} n'est pas ouverte.")
    if now < current.deadline:
        raise RuleRefusal(
            f"La proposition n°{proposal.id} est ouverte jusqu'au "
            f"{_when(current.deadline, proposal.rules)} : on ne peut pas la clore avant."
        )
    rules = proposal.rules.decision
    tally = current_tally(proposal)
    if not quorum_reached(tally, rules):
        return RoundDecision(
            Outcome.POSTPONED,
            tally,
            f"Quorum non atteint ({tally.total} avis exprimés pour {rules.quorum} requis) : "
            "décision reportée.",
        )
    if current.mode is Mode.CONSENT:
        outcome = consent_outcome(tally, rules)
        if outcome is Outcome.ADOPTED:
            text = (
                "Aucun blocage à l'échéance : adoptée par consentement tacite (sans aucun avis)."
                if tally.total == 0
                else f"Aucun blocage à l'échéance : adoptée par consentement ({tally.describe()})."
            )
        else:
            text = (
                f"{tally.block} blocage(s) à l'échéance : décision reportée ({tally.describe()}) ; "
                "elle sera discutée en réunion et pourra faire l'objet d'un nouveau tour."
            )
        return RoundDecision(outcome, tally, text)
    outcome = two_thirds_outcome(tally, rules)
    share = two_thirds_share(tally, rules)
    counted = "avis comptés" if rules.abstentions_count_in_two_thirds else "avis exprimés"
    total = _counted(tally, proposal)
    ratio = (
        "aucun avis"
        if share is None
        else f"{tally.agree} d'accord sur {total} {counted} ({float(share):.0%})"
    )
    verdict = "atteint : adoptée" if outcome is Outcome.ADOPTED else "non atteint : rejetée"
    return RoundDecision(
        outcome,
        tally,
        f"Vote aux deux tiers : {ratio}, seuil de {rules.two_thirds_threshold} {verdict} "
        f"({tally.describe()}).",
    )


def _counted(tally: Tally, proposal: Proposal) -> int:
    counted = tally.agree + tally.disagree + tally.block
    if proposal.rules.decision.abstentions_count_in_two_thirds:
        counted += tally.abstain
    return counted


_OUTCOME_STATUS = {
    Outcome.ADOPTED: Status.ADOPTED,
    Outcome.POSTPONED: Status.POSTPONED,
    Outcome.REJECTED: Status.REJECTED,
}


def close_round(proposal: Proposal, decision: RoundDecision, now: datetime) -> Proposal:
    closed = replace(proposal.round, result=decision.outcome, closed_at=now, tally=decision.tally)
    return replace(
        proposal,
        rounds=(*proposal.rounds[:-1], closed),
        status=_OUTCOME_STATUS[decision.outcome],
    )


def first_block(proposal: Proposal) -> datetime | None:
    for item in proposal.rounds:
        if item.result is Outcome.POSTPONED and item.closed_at is not None:
            return item.closed_at
    return None


def blocked_consent_rounds(proposal: Proposal) -> int:
    return sum(
        1 for r in proposal.rounds if r.mode is Mode.CONSENT and r.result is Outcome.POSTPONED
    )


def relaunch_allowed_from(
    proposal: Proposal, two_thirds: bool, meetings: Sequence[datetime]
) -> datetime:
    """The earliest instant a new round may open, or a RuleRefusal if it never can as things
    stand. `meetings` are the meeting instants from the first block on (past and coming)."""
    label = f"La proposition n°{proposal.id}"
    if proposal.status is not Status.POSTPONED:
        raise RuleRefusal(
            f"{label} est {STATUS_LABELS[proposal.status]} : seule une proposition reportée "
            "peut faire l'objet d'un nouveau tour."
        )
    rules = proposal.rules.decision
    earliest = proposal.round.opened_at + timedelta(days=rules.days_between_rounds)
    if not two_thirds:
        return earliest
    blocked = blocked_consent_rounds(proposal)
    if blocked < rules.blocked_rounds_before_two_thirds:
        raise RuleRefusal(
            f"{label} n'a connu que {blocked} tour(s) bloqué(s) : le vote aux deux tiers n'est "
            f"possible qu'après {rules.blocked_rounds_before_two_thirds} tours par consentement "
            "bloqués (« au bout de 2 réunions et 2 autres processus de décision ») ; relancez "
            "d'abord un tour par consentement."
        )
    start = first_block(proposal)
    after = sorted(m for m in meetings if start is not None and m >= start)
    needed = rules.meetings_before_two_thirds
    if needed:
        if len(after) < needed:
            raise RuleRefusal(
                f"{label} : le vote aux deux tiers demande {needed} réunions depuis le premier "
                "blocage, et le calendrier connu n'en prévoit pas assez."
            )
        earliest = max(earliest, after[needed - 1])
    return earliest


def relaunch(
    proposal: Proposal,
    *,
    now: datetime,
    two_thirds: bool,
    meetings: Sequence[datetime],
    deadline: datetime,
    text_version: str,
) -> Proposal:
    allowed = relaunch_allowed_from(proposal, two_thirds, meetings)
    if now < allowed:
        rule = (
            f"{proposal.rules.decision.meetings_before_two_thirds} réunions depuis le premier "
            "blocage et une semaine entre deux tours"
            if two_thirds
            else f"au moins {proposal.rules.decision.days_between_rounds} jours entre deux tours"
        )
        raise RuleRefusal(
            f"Trop tôt pour un nouveau tour de la proposition n°{proposal.id} ({rule}) : "
            f"possible à partir du {_when(allowed, proposal.rules)}."
        )
    mode = Mode.TWO_THIRDS if two_thirds else Mode.CONSENT
    new_round = Round(proposal.round.number + 1, mode, now, deadline, text_version)
    return replace(proposal, rounds=(*proposal.rounds, new_round), status=Status.OPEN)


def withdraw(proposal: Proposal, by: str, now: datetime) -> Proposal:
    if normalise_email(by) != proposal.author:
        raise RuleRefusal(
            f"Seul·e l'auteur·rice de la proposition n°{proposal.id} ({proposal.author_name}) "
            "peut la retirer."
        )
    if proposal.status not in (Status.OPEN, Status.POSTPONED):
        raise RuleRefusal(
            f"La proposition n°{proposal.id} est déjà {STATUS_LABELS[proposal.status]} : "
            "elle ne peut plus être retirée."
        )
    return replace(proposal, status=Status.WITHDRAWN, withdrawn_at=now)


def challenge_allowed_from(decided: Proposal) -> datetime | None:
    """When a decision may be challenged by a new proposal (None: at any time)."""
    if decided.status not in (Status.ADOPTED, Status.REJECTED):
        raise RuleRefusal(
            f"La proposition n°{decided.id} est {STATUS_LABELS[decided.status]} : seule une "
            "décision adoptée ou rejetée peut être remise en cause."
        )
    final = decided.round
    if final.mode is not Mode.TWO_THIRDS or final.closed_at is None:
        return None
    tz = ZoneInfo(decided.rules.timezone)
    local = final.closed_at.astimezone(tz)
    day = add_calendar_months(local.date(), decided.rules.decision.lock_months_after_two_thirds)
    return (
        datetime.combine(day, local.timetz()).replace(tzinfo=tz).astimezone(final.closed_at.tzinfo)
    )


def check_challenge(decided: Proposal, now: datetime) -> None:
    allowed = challenge_allowed_from(decided)
    if allowed is not None and now < allowed:
        months = decided.rules.decision.lock_months_after_two_thirds
        raise RuleRefusal(
            f"La décision n°{decided.id} a été prise aux deux tiers : elle ne peut être soumise à "
            f"un nouveau vote qu'après {months} mois, à partir du {_when(allowed, decided.rules)}."
        )


def recorded_words(vote: Vote, name_of: Callable[[str], str]) -> str:
    """Who wrote a position down when it was not its member: « par la page web » (the server
    records it in the member's name), « saisi par … » (the secretariat, at a meeting); empty
    for a member's own."""
    if vote.source == "web":
        return "par la page web"
    return f"saisi par {name_of(vote.recorded_by)}" if vote.recorded_by else ""


def tally_words(proposal: Proposal) -> str:
    """The count of the proposal's last round, in words (« sans aucun avis » when none)."""
    tally = proposal.round.tally
    if tally is None:
        return "aucun décompte"
    return "sans aucun avis" if tally.total == 0 else tally.describe()


def decision_words(proposal: Proposal, when: str = "") -> str:
    """How a decided proposal was decided, and `when` if given: « adoptée (vote aux deux
    tiers, au tour 4) le … — 2 d'accord, … », « retirée par son auteur·rice »."""
    status = STATUS_LABELS[proposal.status]
    on = f" le {when}" if when else ""
    if proposal.status is Status.WITHDRAWN:
        return f"{status} par son auteur·rice{on}"  # no vote decided it: no mode, no count
    rounds = f", au tour {proposal.round.number}" if proposal.round.number > 1 else ""
    return f"{status} ({MODE_LABELS[proposal.round.mode]}{rounds}){on} — {tally_words(proposal)}"


def choice_label(choice: Choice) -> str:
    return CHOICE_LABELS[choice]
