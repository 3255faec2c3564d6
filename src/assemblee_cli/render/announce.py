"""The French text of an announcement and of a reminder (subject and body of a plain e-mail)."""

from __future__ import annotations

from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.french import format_date, format_instant, one_line
from assemblee_cli.core.members import names
from assemblee_cli.core.rules import tz_of
from assemblee_cli.usecases.announce import AnnounceView
from assemblee_cli.usecases.remind import ReminderView


def silence_lines(proposal: lc.Proposal) -> list[str]:
    d = proposal.rules.decision
    lines = []
    if proposal.round.mode is lc.Mode.CONSENT:
        lines.append(
            "Le silence vaut consentement : sans blocage à l'échéance, la proposition est "
            "adoptée, même si personne ne s'est positionné. Si vous ne pouvez pas vivre avec "
            "cette proposition, bloquez-la avant l'échéance, en donnant votre raison."
        )
    else:
        abstentions = (
            "les abstentions comptent"
            if d.abstentions_count_in_two_thirds
            else "les abstentions ne comptent pas"
        )
        lines.append(
            f"Ce tour se décide aux deux tiers : la proposition est adoptée si au moins "
            f"{d.two_thirds_threshold} des avis exprimés sont « d'accord » ({abstentions}), "
            "rejetée sinon. Ne pas se positionner, c'est laisser les autres décider."
        )
    if d.quorum is not None:
        lines.append(
            f"Il faut au moins {d.quorum} avis exprimés : en dessous, la décision est reportée."
        )
    return lines


def _heading(text: str) -> list[str]:
    return [text, "-" * len(text)]


def announcement_text(view: AnnounceView) -> tuple[str, str]:
    """(subject, body) of the public announcement, in plain French text."""
    proposal, changes, roster = view.proposal, view.changes, view.roster
    tz = tz_of(proposal.rules)
    deadline = format_instant(proposal.round.deadline, tz)
    n = proposal.id
    subject = f"[{proposal.rules.name}] Proposition n°{n} : {one_line(proposal.title)} — avis jusqu'au {deadline}"
    lines = [f"Proposition n°{n} : {one_line(proposal.title)}"]
    lines.append(
        f"Proposée par {proposal.author_name} <{proposal.author}> le "
        f"{format_instant(proposal.opened_at, tz)}."
    )
    if proposal.round.number > 1:
        lines.append(
            f"Tour {proposal.round.number} ({lc.MODE_LABELS[proposal.round.mode]}), ouvert le "
            f"{format_instant(proposal.round.opened_at, tz)}."
        )
    if proposal.challenges:
        lines.append(f"Elle remet en cause la décision n°{proposal.challenges}.")
    lines.append("")
    lines += _heading("Description")
    lines.append(proposal.description.strip() or "(pas de description)")
    lines.append("")
    lines += _heading("Ce qui change")
    if changes:
        lines += changes
    else:
        lines.append(
            "Le texte du code social ne change pas : c'est une décision sur un autre sujet."
        )
    lines.append(f"Le texte complet de la modification : assemblee show {n}")
    lines.append("")
    lines += _heading("Jusqu'à quand")
    lines.append(
        f"Vous pouvez vous positionner jusqu'au {deadline} (heure locale, {proposal.rules.timezone}), "
        "et changer d'avis jusque-là : c'est le dernier avis qui compte."
    )
    lines.append("")
    lines += _heading("Comment se positionner")
    lines.append("Dans votre copie du dépôt du code social, une seule commande :")
    lines += [
        f"    assemblee vote {n} d-accord",
        f"    assemblee vote {n} abstention",
        f"    assemblee vote {n} pas-d-accord",
        f'    assemblee vote {n} blocage -r "la raison du blocage"',
    ]
    if proposal.rules.decision.block_requires_reason:
        lines.append("Un blocage doit être argumenté : sans raison, il est refusé.")
    secretaries = [m.name for m in roster.members if "secretariat" in m.roles]
    who = f" ({', '.join(secretaries)})" if secretaries else ""
    lines.append(
        f"Sans accès au dépôt, donnez votre avis en réunion : le secrétariat{who} l'enregistre."
    )
    lines.append("")
    lines += _heading("Et si vous ne dites rien ?")
    lines += silence_lines(proposal)
    lines.append("")
    lines.append("-- ")
    lines.append(f"Annonce préparée par l'outil assemblee pour « {proposal.rules.name} ».")
    return subject, "\n".join(lines) + "\n"


def reminder_text(view: ReminderView) -> tuple[str, str]:
    count = len(view.items)
    until = format_date(view.next_working_day)
    plural = "s" if count > 1 else ""
    subject = (
        f"[{view.name}] Rappel : {count} proposition{plural} se termine{'nt' if count > 1 else ''} "
        f"d'ici {until}"
    )
    lines = [
        f"{count} proposition{plural} se termine{'nt' if count > 1 else ''} d'ici la fin du "
        f"{until} :",
        "",
    ]
    for item in view.items:
        p = item.proposal
        tz = tz_of(p.rules)
        lines.append(
            f"• n°{p.id} « {one_line(p.title)} » — jusqu'au {format_instant(p.round.deadline, tz)}"
        )
        lines.append(f"    Avis à ce jour : {item.tally.describe()}.")
        if item.amended:
            lines.append("    Le texte a été modifié : les avis donnés avant ne comptent plus.")
        if item.silent:
            lines.append(
                f"    Pas encore positionné·es ({len(item.silent)}) : "
                f"{names(view.roster, item.silent)}."
            )
        else:
            lines.append("    Tout le monde s'est positionné.")
        lines.append(
            f'    Pour se positionner : assemblee vote {p.id} d-accord | abstention | pas-d-accord | blocage -r "raison"'
        )
        lines.append("")
    lines.append(
        "Sans blocage à l'échéance, une proposition par consentement est adoptée : le silence "
        "vaut consentement."
    )
    lines.append("")
    lines.append("-- ")
    lines.append(f"Rappel préparé par l'outil assemblee pour « {view.name} ».")
    return subject, "\n".join(lines) + "\n"
