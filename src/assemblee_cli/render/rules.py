"""The rules of a code social and its calendar, described in plain French."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from assemblee_cli.core import calendar
from assemblee_cli.core.french import format_instant
from assemblee_cli.core.members import Roster
from assemblee_cli.core.rules import Rules
from assemblee_cli.formats.proposalfile import instant_text

RANK_WORDS = {
    "premier": "premier",
    "deuxieme": "deuxième",
    "troisieme": "troisième",
    "quatrieme": "quatrième",
    "dernier": "dernier",
}
DAY_WORDS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def describe_subdivision(rules: Rules) -> str:
    labels = {None: "métropole", "57": "Moselle", "6AE": "Alsace"}
    label = labels.get(rules.holiday_subdivision, rules.holiday_subdivision)
    return f"{rules.holiday_country}, {label}"


def describe_meetings(rules: Rules) -> str:
    m = rules.meetings
    hour = f"{m.hour.hour} h" + (f" {m.hour.minute:02d}" if m.hour.minute else "")
    return f"le {RANK_WORDS[m.which]} {DAY_WORDS[m.weekday]} de chaque mois, à {hour}"


def rules_lines(rules: Rules, roster: Roster) -> list[tuple[str, str]]:
    d = rules.decision
    abstentions = (
        "les abstentions comptent parmi les avis"
        if d.abstentions_count_in_two_thirds
        else "les abstentions ne sont pas comptées"
    )
    meetings = describe_meetings(rules)
    m = rules.meetings
    if m.cancelled:
        meetings += " ; annulées : " + ", ".join(day.isoformat() for day in m.cancelled)
    if m.moved:
        meetings += " ; déplacées : " + ", ".join(
            f"{mv.original.isoformat()} → {mv.new.isoformat()}" for mv in m.moved
        )
    return [
        ("Assemblée", rules.name),
        (
            "Membres",
            f"{len(roster.members)} inscrit·e{'s' if len(roster.members) > 1 else ''} dans "
            "codesocial/membres.yml",
        ),
        (
            "Proposer",
            "tout membre peut proposer une modification du code social ou une décision "
            "sur tout sujet qui concerne l'assemblée ; la proposition est annoncée et "
            "décrite publiquement.",
        ),
        (
            "Se positionner",
            "d'accord, s'abstient, pas d'accord ou blocage (objection)"
            + (" ; un blocage doit être argumenté" if d.block_requires_reason else "")
            + " ; on peut changer d'avis jusqu'à l'échéance, le dernier compte.",
        ),
        (
            "Délai",
            f"au moins {d.minimum_hours} h hors samedis, dimanches et jours fériés "
            f"({describe_subdivision(rules)}), à l'heure de {rules.timezone} ; l'auteur·rice "
            "peut demander une échéance plus tardive, jamais plus proche.",
        ),
        (
            "Consentement",
            "sans blocage à l'échéance, la proposition est adoptée, même sans aucun "
            "avis (consentement tacite).",
        ),
        (
            "Blocage",
            "un ou plusieurs blocages reportent la décision ; elle est discutée en réunion "
            f"et peut être relancée, au moins {d.days_between_rounds} jours après "
            "l'ouverture du tour précédent.",
        ),
        (
            "Deux tiers",
            f"après {d.blocked_rounds_before_two_thirds} tours bloqués et "
            f"{d.meetings_before_two_thirds} réunions depuis le premier blocage, le tour "
            f"suivant peut se faire à la majorité de {d.two_thirds_threshold} des avis "
            f"(d'accord contre pas d'accord et blocage ; {abstentions}).",
        ),
        (
            "Remise en cause",
            "une décision par consentement peut être remise en cause à tout "
            "moment ; une décision prise aux deux tiers, seulement après "
            f"{d.lock_months_after_two_thirds} mois.",
        ),
        ("Quorum", "aucun" if d.quorum is None else f"{d.quorum} avis exprimés au minimum"),
        ("Réunions", meetings),
    ]


def calendar_view(rules: Rules, now: datetime, holidays: Any, count: int = 6) -> dict[str, Any]:
    tz = ZoneInfo(rules.timezone)
    deadline = calendar.compute_deadline(now, rules.decision.minimum_hours, tz, holidays)
    meetings = calendar.next_meetings(now, count, rules.meetings, tz)
    skipped = []
    day = now.astimezone(tz).date()
    while day <= deadline.astimezone(tz).date():
        if day.weekday() < 5 and day in holidays:
            from assemblee_cli.core.holiday_calendar import holiday_name

            skipped.append({"date": day.isoformat(), "nom": holiday_name(holidays, day) or ""})
        day = day.fromordinal(day.toordinal() + 1)
    return {
        "maintenant": instant_text(now),
        "echeance_si_ouverte_maintenant": instant_text(deadline),
        "echeance_texte": format_instant(deadline, tz),
        "jours_feries_dans_le_delai": skipped,
        "reunions": [{"date": instant_text(m), "texte": format_instant(m, tz)} for m in meetings],
    }
