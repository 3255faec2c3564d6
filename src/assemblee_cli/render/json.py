"""The JSON documents of `--json`: their field names are the command-line contract (DESIGN.md)."""

from __future__ import annotations

from typing import Any

from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.tally import Tally
from assemblee_cli.formats.proposalfile import instant_text


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
