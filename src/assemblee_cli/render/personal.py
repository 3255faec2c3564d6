"""The personal messages of `announce --email` and `remind --email`: each member their own
link to take part (plain French text)."""

from __future__ import annotations

from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.french import format_instant
from assemblee_cli.core.rules import tz_of


def personal_message(
    name: str, assembly_name: str, entries: list[tuple[lc.Proposal, str]], reminder: bool
) -> tuple[str, str]:
    """(subject, body) of the message to one member: `entries` are the proposals and the
    member's link to each."""
    lines = [f"Bonjour {name},", ""]
    if reminder:
        lines += ["Vous ne vous êtes pas encore positionné·e sur :", ""]
    else:
        lines += ["Une proposition vient d'être ouverte à l'assemblée :", ""]
    for p, link in entries:
        lines += [
            f"— Proposition n°{p.id} : {p.title}",
            f"  échéance : {format_instant(p.round.deadline, tz_of(p.rules))}",
            f"  pour la lire et vous positionner : {link}",
            "",
        ]
    lines += [
        "Ce lien est personnel : il permet de se positionner en votre nom, ne le transférez "
        "pas. Vous pouvez changer de position jusqu'à l'échéance.",
        "Sans blocage à l'échéance, une proposition est adoptée : le silence vaut consentement.",
        "",
        f"— {assembly_name}",
    ]
    first = entries[0][0]
    subject = (
        f"Rappel : proposition n°{first.id} — votre lien pour vous positionner"
        if reminder
        else f"Proposition n°{first.id} : {first.title} — votre lien pour vous positionner"
    )
    return subject, "\n".join(lines)
