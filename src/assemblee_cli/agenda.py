"""`assemblee agenda`: the pack for a meeting, in French markdown, written so that it can be
committed as the skeleton of the meeting's minutes.

It holds the decisions taken since the previous meeting with their tallies; the postponed
proposals with each block's argument, the round and the number of meetings they are at, and
what the rules now allow (a new round, a two-thirds round, from when); the open proposals whose
deadline falls before or after the meeting, with the members who have not positioned yet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from assemblee_cli.core import calendar
from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.french import format_duration, format_instant
from assemblee_cli.core.members import Roster
from assemblee_cli.core.rules import Rules
from assemblee_cli.core.tally import CHOICE_LABELS, Choice
from assemblee_cli.errors import AssembleeError, RuleRefusal
from assemblee_cli.publication import (
    OpenItem,
    decided_proposals,
    names,
    one_line,
    open_items,
    tz_of,
)
from assemblee_cli.repository import Assembly

LOOKBACK = timedelta(days=400)


@dataclass(frozen=True)
class Permission:
    """Whether a new round may be opened: from when, or why not."""

    allowed_from: datetime | None
    refusal: str | None


@dataclass(frozen=True)
class PostponedInfo:
    item: OpenItem
    blocks: list[lc.Vote]  # the blocks of every closed round, with their arguments
    blocked_rounds: int
    first_block: datetime | None
    meetings_since_block: int  # meetings from the first block up to this one, included
    consent: Permission
    two_thirds: Permission


@dataclass(frozen=True)
class Agenda:
    rules: Rules
    roster: Roster
    now: datetime
    trunk: str
    meeting: datetime
    regular: bool  # a meeting of the calendar (or one given by --date outside it)
    previous: datetime | None
    following: datetime | None
    decided: list[lc.Proposal]
    postponed: list[PostponedInfo]
    before: list[OpenItem]  # open, deadline at or before the meeting
    after: list[OpenItem]  # open, deadline after the meeting
    errors: list[str]


def parse_meeting_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise AssembleeError(
            f"« {text} » n'est pas une date : écrivez-la AAAA-MM-JJ, par exemple 2026-11-26."
        ) from None


def build_agenda(assembly: Assembly, now: datetime, on: str | None = None) -> Agenda:
    assembly.refresh()
    trunk = assembly.trunk
    rules = assembly.rules_at(trunk)
    roster = assembly.roster_at(trunk)
    tz = tz_of(rules)
    meetings_rule = rules.meetings
    if on is None:
        coming = calendar.next_meetings(now, 1, meetings_rule, tz)
        if not coming:
            raise AssembleeError(
                "Aucune réunion prévue dans le calendrier (codesocial/regles.yml) : donnez la "
                "date avec --date AAAA-MM-JJ."
            )
        meeting, regular = coming[0], True
    else:
        day = parse_meeting_date(on)
        scheduled = calendar.meeting_dates(day, day, meetings_rule)
        meeting = datetime.combine(day, meetings_rule.hour, tzinfo=tz).astimezone(UTC)
        regular = bool(scheduled)
    earlier = calendar.meetings_between(meeting - LOOKBACK, meeting, meetings_rule, tz)
    previous = earlier[-1] if earlier else None
    later = calendar.next_meetings(meeting + timedelta(minutes=1), 1, meetings_rule, tz)
    following = later[0] if later else None

    decided_all, errors = decided_proposals(assembly)
    since = previous or meeting - LOOKBACK
    decided = [p for p in decided_all if p.decided_at and since <= p.decided_at < meeting]
    items, open_errors = open_items(assembly)
    errors += open_errors
    postponed = [
        _postponed(i, meeting, now) for i in items if i.proposal.status is lc.Status.POSTPONED
    ]
    running = [i for i in items if i.proposal.status is lc.Status.OPEN]
    before = [i for i in running if i.proposal.round.deadline <= meeting]
    after = [i for i in running if i.proposal.round.deadline > meeting]
    return Agenda(
        rules,
        roster,
        now,
        trunk,
        meeting,
        regular,
        previous,
        following,
        decided,
        postponed,
        before,
        after,
        errors,
    )


def _permission(proposal: lc.Proposal, two_thirds: bool, meetings: list[datetime]) -> Permission:
    try:
        return Permission(lc.relaunch_allowed_from(proposal, two_thirds, meetings), None)
    except RuleRefusal as exc:
        return Permission(None, exc.message)


def _postponed(item: OpenItem, meeting: datetime, now: datetime) -> PostponedInfo:
    p = item.proposal
    tz = tz_of(p.rules)
    first = lc.first_block(p)
    start = first or p.opened_at
    horizon = max(now, meeting) + LOOKBACK
    meetings = calendar.meetings_between(start, horizon, p.rules.meetings, tz)
    until_this = [m for m in meetings if m <= meeting]
    blocks = []
    for item_round in p.rounds:
        if item_round.result is None:
            continue
        latest: dict[str, lc.Vote] = {}
        for vote in p.votes:
            if vote.round == item_round.number and vote.text_version == item_round.text_version:
                latest[vote.member] = vote
        blocks += [v for v in latest.values() if v.choice is Choice.BLOCK]
    return PostponedInfo(
        item,
        sorted(blocks, key=lambda v: (v.round, v.cast_at)),
        lc.blocked_consent_rounds(p),
        first,
        len(until_this),
        _permission(p, False, meetings),
        _permission(p, True, meetings),
    )


# -- rendering -----------------------------------------------------------------------------

_SPECIAL = set("\\`*_[]<>|")


def md(text: str) -> str:
    """Text from the repository, on one line, with markdown's special characters escaped."""
    return "".join(f"\\{c}" if c in _SPECIAL else c for c in one_line(text))


def _quote(text: str) -> str:
    return f"« {md(text)} »"


def _tally_text(proposal: lc.Proposal) -> str:
    tally = proposal.round.tally
    if tally is None:
        return "aucun décompte"
    return "sans aucun avis" if tally.total == 0 else tally.describe()


def _decision_line(p: lc.Proposal, tz: object, when: str) -> str:
    status = lc.STATUS_LABELS[p.status]
    if p.status is lc.Status.WITHDRAWN:
        return f"retirée par son auteur·rice ({md(p.author_name)}) le {when}"
    mode = lc.MODE_LABELS[p.round.mode]
    rounds = f", au tour {p.round.number}" if p.round.number > 1 else ""
    return f"{status} ({mode}{rounds}) le {when} — {_tally_text(p)}"


def render_agenda(agenda: Agenda) -> str:
    rules = agenda.rules
    tz = tz_of(rules)

    def when(moment: datetime) -> str:
        return format_instant(moment, tz)

    out: list[str] = []
    add = out.append
    add(f"# Réunion du {when(agenda.meeting)}")
    add("")
    kind = "" if agenda.regular else " (réunion hors du calendrier habituel)"
    add(
        f"{md(rules.name)}{kind}. Ordre du jour préparé le {when(agenda.now)} à partir de main "
        f"(`{agenda.trunk[:12]}`), à compléter pendant la réunion pour en faire le compte rendu."
    )
    add("")
    add("## Sommaire")
    add("")
    add("1. Décisions depuis la réunion précédente")
    add("2. Propositions reportées, à discuter")
    add("3. Propositions ouvertes")
    add("4. Compte rendu")
    add("")

    # 1. decisions
    since = (
        f"depuis la réunion du {when(agenda.previous)}" if agenda.previous else "récemment prises"
    )
    add("## 1. Décisions depuis la réunion précédente")
    add("")
    if agenda.decided:
        add(f"Décisions {since} :")
        add("")
        for p in agenda.decided:
            decided_at = p.decided_at or p.opened_at
            add(f"- **n°{p.id} {_quote(p.title)}** : {_decision_line(p, tz, when(decided_at))}.")
            details = []
            files = ", ".join(f"`{f}`" for f in p.files)
            if p.files and p.status is lc.Status.ADOPTED:
                details.append(f"texte modifié : {files}")
            elif p.files:
                details.append(f"texte proposé, non retenu : {files}")
            elif p.status is lc.Status.ADOPTED:
                details.append("décision sans modification du texte")
            if p.challenges:
                details.append(f"remet en cause la décision n°{p.challenges}")
            details.append(f"dossier : `{p.path}`")
            add(f"  - {' ; '.join(details)}.")
    else:
        add(f"Aucune décision {since}.")
    add("")

    # 2. postponed
    add("## 2. Propositions reportées, à discuter")
    add("")
    if not agenda.postponed:
        add("Aucune proposition reportée.")
        add("")
    for info in agenda.postponed:
        p = info.item.proposal
        add(f"### n°{p.id} {_quote(p.title)}")
        add("")
        add(f"- Proposée par {md(p.author_name)} le {when(p.opened_at)} ; branche `{p.branch}`.")
        closed = p.round.closed_at
        closed_text = f", clos le {when(closed)}" if closed else ""
        add(
            f"- Tour {p.round.number} ({lc.MODE_LABELS[p.round.mode]}){closed_text} : "
            f"reporté — {_tally_text(p)}."
        )
        add(
            f"- Tours par consentement bloqués : {info.blocked_rounds} sur "
            f"{p.rules.decision.blocked_rounds_before_two_thirds} avant un vote aux deux tiers."
        )
        if info.first_block is not None:
            add(
                f"- Réunions depuis le premier blocage ({when(info.first_block)}) : "
                f"{info.meetings_since_block}, celle-ci comprise, sur "
                f"{p.rules.decision.meetings_before_two_thirds} avant un vote aux deux tiers."
            )
        if info.blocks:
            add("- Blocages et leurs arguments :")
            for vote in info.blocks:
                reason = _quote(vote.reason) if vote.reason else "(sans argument)"
                by = (
                    f", saisi par {md(agenda.roster.name_of(vote.recorded_by))}"
                    if vote.recorded_by
                    else ""
                )
                add(
                    f"  - tour {vote.round}, {md(agenda.roster.name_of(vote.member))}{by} : {reason}"
                )
        else:
            add("- Aucun blocage : la décision a été reportée faute de quorum.")
        add("- Ce que les règles permettent maintenant :")
        add(
            f"  - {_permission_text(info.consent, 'un nouveau tour par consentement', p.id, '', agenda)}"
        )
        add(
            f"  - {_permission_text(info.two_thirds, 'un tour aux deux tiers', p.id, ' --two-thirds', agenda)}"
        )
        add("- Suite décidée en réunion : …")
        add("")

    # 3. open proposals
    add("## 3. Propositions ouvertes")
    add("")
    add("### Échéance avant la réunion")
    add("")
    _open_list(
        out,
        agenda.before,
        agenda,
        "Aucune proposition ouverte n'arrive à échéance avant la réunion.",
    )
    add("### Échéance après la réunion")
    add("")
    _open_list(
        out, agenda.after, agenda, "Aucune proposition ouverte ne se termine après la réunion."
    )

    # 4. minutes
    add("## 4. Compte rendu")
    add("")
    add("- Présent·es : …")
    add("- Excusé·es : …")
    add("- Animation : …")
    add("- Secrétariat : …")
    add("")
    add("### Avis donnés en réunion")
    add("")
    add(
        "Le secrétariat les enregistre avec `assemblee vote N CHOIX --member EMAIL` (un blocage "
        'avec `-r "raison"`).'
    )
    add("")
    add("### Autres points")
    add("")
    add("- …")
    add("")
    add("### Prochaine réunion")
    add("")
    add(f"Le {when(agenda.following)}." if agenda.following else "À fixer.")
    if agenda.errors:
        add("")
        add("## Propositions illisibles")
        add("")
        for error in agenda.errors:
            add(f"- {md(error)}")
    return "\n".join(out).rstrip() + "\n"


def _permission_text(
    permission: Permission, what: str, ident: int, option: str, agenda: Agenda
) -> str:
    tz = tz_of(agenda.rules)
    command = f"`assemblee relaunch {ident}{option}`"
    if permission.allowed_from is None:
        reason = permission.refusal or ""
        return f"{what} : pas encore possible. {md(reason)}"
    moment = permission.allowed_from
    if moment <= agenda.now:
        return f"{what} : possible dès maintenant ({command})."
    if moment <= agenda.meeting:
        return (
            f"{what} : possible à partir du {format_instant(moment, tz)}, donc à la réunion "
            f"({command})."
        )
    return f"{what} : possible à partir du {format_instant(moment, tz)} ({command})."


def _open_list(out: list[str], items: list[OpenItem], agenda: Agenda, empty: str) -> None:
    tz = tz_of(agenda.rules)
    if not items:
        out += [empty, ""]
        return
    for item in items:
        p = item.proposal
        deadline = p.round.deadline
        out.append(f"#### n°{p.id} {_quote(p.title)}")
        out.append("")
        out.append(f"- Proposée par {md(p.author_name)} le {format_instant(p.opened_at, tz)}.")
        if p.round.number > 1:
            out.append(f"- Tour {p.round.number} ({lc.MODE_LABELS[p.round.mode]}).")
        if deadline <= agenda.now:
            state = "échue : à appliquer avec `assemblee close`"
        else:
            state = f"dans {format_duration(deadline - agenda.now)}"
        out.append(f"- Échéance : {format_instant(deadline, tz)} ({state}).")
        if p.files:
            out.append("- Texte modifié : " + ", ".join(f"`{f}`" for f in p.files) + ".")
        else:
            out.append("- Décision sans modification du texte.")
        if item.amended:
            out.append(
                "- Le texte a été modifié depuis l'ouverture du tour : les avis donnés avant ne "
                "comptent plus."
            )
        out.append(f"- Avis à ce jour : {item.tally.describe()}.")
        argued = [v for v in item.counted.values() if v.reason]
        for vote in sorted(argued, key=lambda v: v.cast_at):
            label = CHOICE_LABELS[vote.choice]
            out.append(
                f"  - {md(agenda.roster.name_of(vote.member))} ({label}) : {_quote(vote.reason or '')}"
            )
        if item.silent:
            out.append(
                f"- Pas encore positionné·es ({len(item.silent)}) : "
                f"{md(names(agenda.roster, item.silent))}."
            )
        else:
            out.append("- Tous les membres se sont positionnés.")
        out.append(
            f"- Lire : `assemblee show {p.id}` ; se positionner : `assemblee vote {p.id} CHOIX`."
        )
        out.append("")
