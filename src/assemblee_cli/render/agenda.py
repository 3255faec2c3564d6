"""The agenda of a meeting as French markdown, to commit as the skeleton of its minutes."""

from __future__ import annotations

from datetime import datetime

from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.french import format_duration, format_instant, one_line
from assemblee_cli.core.members import names
from assemblee_cli.core.rules import tz_of
from assemblee_cli.core.tally import CHOICE_LABELS
from assemblee_cli.store.reading import OpenItem
from assemblee_cli.usecases.agenda import Agenda, Permission

# -- rendering -----------------------------------------------------------------------------

_SPECIAL = set("\\`*_[]<>|")


def md(text: str) -> str:
    """Text from the repository, on one line, with markdown's special characters escaped."""
    return "".join(f"\\{c}" if c in _SPECIAL else c for c in one_line(text))


def _quote(text: str) -> str:
    return f"« {md(text)} »"


def _needed(count: int) -> str:
    """How many of them the rules ask before a vote at two thirds, in words."""
    return f"il en faut {count} avant un vote aux deux tiers"


def _decision_line(p: lc.Proposal, tz: object, when: str) -> str:
    if p.status is lc.Status.WITHDRAWN:
        return f"retirée par son auteur·rice ({md(p.author_name)}) le {when}"
    return lc.decision_words(p, when)


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
            f"reporté — {lc.tally_words(p)}."
        )
        add(
            f"- Tours par consentement bloqués : {info.blocked_rounds} "
            f"({_needed(p.rules.decision.blocked_rounds_before_two_thirds)})."
        )
        if info.first_block is not None:
            add(
                f"- Réunions depuis le premier blocage ({when(info.first_block)}) : "
                f"{info.meetings_since_block}, celle-ci comprise "
                f"({_needed(p.rules.decision.meetings_before_two_thirds)})."
            )
        if info.blocks:
            add("- Blocages et leurs arguments :")
            for vote in info.blocks:
                reason = _quote(vote.reason) if vote.reason else "(sans argument)"
                recorded = lc.recorded_words(vote, agenda.roster.name_of)
                by = f", {md(recorded)}" if recorded else ""
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
