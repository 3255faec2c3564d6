"""The JSON documents of `--json`: their field names are the command-line contract (DESIGN.md)."""

from __future__ import annotations

from typing import Any

from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.tally import Tally
from assemblee_cli.formats.proposalfile import instant_text
from assemblee_cli.store.reading import OpenItem
from assemblee_cli.usecases.agenda import Agenda, Permission
from assemblee_cli.usecases.remind import ReminderView


def proposal_json(p: lc.Proposal, tally: Tally) -> dict[str, Any]:
    return {
        "id": p.id,
        "titre": p.title,
        "statut": p.status.value,
        "mode": p.round.mode.value,
        "tour": p.round.number,
        "echeance": instant_text(p.round.deadline),
        "branche": p.branch,
        "decompte": tally.as_dict(),
        "auteur": {"nom": p.author_name, "email": p.author},
        "ouverte_le": instant_text(p.opened_at),
        "conteste": p.challenges,
        "decidee_le": instant_text(p.decided_at) if p.decided_at else None,
    }


def vote_json(vote: lc.Vote, counted: bool = True) -> dict[str, Any]:
    return {
        "membre": vote.member,
        "choix": vote.choice.value,
        "raison": vote.reason,
        "date": instant_text(vote.cast_at),
        "tour": vote.round,
        "saisi_par": vote.recorded_by,
        "origine": vote.source,
        "compte": counted,
    }


def rounds_json(p: lc.Proposal) -> list[dict[str, Any]]:
    return [
        {
            "numero": r.number,
            "mode": r.mode.value,
            "ouvert_le": instant_text(r.opened_at),
            "echeance": instant_text(r.deadline),
            "resultat": r.result.value if r.result else None,
            "clos_le": instant_text(r.closed_at) if r.closed_at else None,
            "decompte": r.tally.as_dict() if r.tally else None,
        }
        for r in p.rounds
    ]


def open_item_json(item: OpenItem) -> dict[str, Any]:
    """An open or postponed proposal as the reading commands list it: who has not positioned
    on the current text, and whether the text changed since its round opened."""
    return {
        **proposal_json(item.proposal, item.tally),
        "texte_modifie": item.amended,
        "sans_avis": list(item.silent),
    }


def permission_json(permission: Permission) -> dict[str, Any]:
    return {
        "possible_le": instant_text(permission.allowed_from) if permission.allowed_from else None,
        "refus": permission.refusal,
    }


def agenda_json(agenda: Agenda) -> dict[str, Any]:
    """`agenda --json`: the meeting, the decisions since the previous one, the postponed
    proposals (blocks and what the rules allow), and the open ones before and after it."""
    return {
        "reunion": instant_text(agenda.meeting),
        "reguliere": agenda.regular,
        "precedente": instant_text(agenda.previous) if agenda.previous else None,
        "suivante": instant_text(agenda.following) if agenda.following else None,
        "decisions": [proposal_json(p, p.round.tally or Tally()) for p in agenda.decided],
        "reportees": [
            {
                **open_item_json(info.item),
                "blocages": [vote_json(v) for v in info.blocks],
                "tours_bloques": info.blocked_rounds,
                "premier_blocage": instant_text(info.first_block) if info.first_block else None,
                "reunions_depuis_le_blocage": info.meetings_since_block,
                "nouveau_tour": permission_json(info.consent),
                "tour_aux_deux_tiers": permission_json(info.two_thirds),
            }
            for info in agenda.postponed
        ],
        "avant_la_reunion": [open_item_json(item) for item in agenda.before],
        "apres_la_reunion": [open_item_json(item) for item in agenda.after],
        "erreurs": agenda.errors,
    }


def reminder_json(view: ReminderView) -> dict[str, Any]:
    """`remind --json`: the open proposals ending before the end of the next working day."""
    return {
        "jusqu_au": instant_text(view.horizon),
        "propositions": [open_item_json(item) for item in view.items],
        "erreurs": view.errors,
    }
