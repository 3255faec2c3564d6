"""`assemblee vote`: record a position on an open proposal (one's own, or a member's for the secretariat)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.members import Roster, normalise_email
from assemblee_cli.core.tally import parse_choice
from assemblee_cli.errors import RuleRefusal
from assemblee_cli.store.assembly import Assembly, Identity
from assemblee_cli.store.publish import publish
from assemblee_cli.usecases.common import (
    branch_update,
    member_or_refuse,
    open_branch,
    register_amendment,
    retrying,
)


@dataclass(frozen=True)
class VoteResult:
    proposal: lc.Proposal
    vote: lc.Vote
    replaced: lc.Vote | None
    amended: bool


def vote(
    assembly: Assembly,
    now: datetime,
    ident: str,
    choice_text: str,
    reason: str | None = None,
    member: str | None = None,
    via: str | None = None,
    by: Identity | None = None,
) -> VoteResult:
    """Record a position. `member` records someone else's: a secretary at a meeting (the
    current git identity, or `by` when the web page's server records it for a secretary), or
    the web page's server for the member (`via="web"`: the commit is authored as the member,
    committed by the server, and the vote says it was recorded by the server)."""
    choice = parse_choice(choice_text)
    me = by or assembly.identity()
    if via == "web":
        me = assembly.identity()

    def attempt() -> VoteResult:
        tip, proposal = open_branch(assembly, ident)
        roster = assembly.roster_at(assembly.trunk)  # main's, as it is now
        named = _designated(roster, member) if member else None
        voter = normalise_email(named or me.email)
        recorded_by = normalise_email(me.email) if voter != normalise_email(me.email) else None
        web = via == "web" and recorded_by is not None
        if proposal.rules.decision.signed_votes and not assembly.signs:
            raise RuleRefusal(
                "Le code social exige des avis signés, et git ne signe pas vos commits ici : "
                "configurez la signature (git config gpg.format ssh ; git config "
                "user.signingkey ~/.ssh/id_ed25519.pub ; git config commit.gpgsign true), puis "
                "votez à nouveau. Rien n'a été enregistré."
            )
        if recorded_by is not None and not roster.may_record_for_others(me.email):
            raise RuleRefusal(
                # The member on the page did nothing wrong: the server is not set up.
                "La page web ne peut pas enregistrer votre position : son identité "
                f"({me.email}) n'a pas le rôle « secretariat » dans codesocial/membres.yml. "
                "Rien n'a été enregistré ; prévenez le secrétariat de l'assemblée, qui peut "
                "aussi saisir votre position."
                if web
                else f"{me.email} ne peut pas enregistrer l'avis d'un autre membre : c'est le "
                "rôle du secrétariat (rôle « secretariat » dans codesocial/membres.yml)."
            )
        if member is None and by is None and via != "web" and voter not in proposal.members:
            # Their own git address, unknown to the roster too: most likely not the one the
            # roster has for them (said so), rather than a member who joined since (whom the
            # rules refuse below, by the roster frozen at the opening).
            member_or_refuse(roster, voter, "se positionner", own_git=True)
        proposal, amended = register_amendment(assembly, proposal, tip.sha, now)
        previous = lc.counted_votes(proposal).get(voter)
        source = via if recorded_by else None
        cast = lc.Vote(voter, choice, proposal.round.number, now, "", reason, recorded_by, source)
        updated = lc.record_vote(proposal, cast, now)
        recorded = lc.counted_votes(updated)[voter]
        if previous is not None and not amended and same_vote(previous, recorded):
            # This very command wrote it already: its push reached the shared repository,
            # then the server cut the connection before saying so, and the step was retried.
            # Writing it again would add a second, identical commit to the record.
            return VoteResult(proposal, previous, None, amended)
        label = lc.choice_label(choice)
        note = f" (saisi par {recorded_by})" if recorded_by else ""
        if source == "web":
            note = f" (par la page web, enregistré par {recorded_by})"
        message = f"Vote sur la proposition n°{proposal.id} : {voter} — {label}{note}"
        written_by = by
        if web:
            entry = roster.find(voter)
            written_by = Identity(entry.name if entry else voter, voter)
        commit = assembly.commit_proposal(updated, tip.sha, message, author=written_by)
        publish(assembly, [branch_update(tip, commit)])
        return VoteResult(updated, recorded, previous, amended)

    return retrying(assembly, attempt)


def same_vote(first: lc.Vote, second: lc.Vote) -> bool:
    """The same position cast at the same second (the precision of a proposal file)."""
    return replace(first, cast_at=first.cast_at.replace(microsecond=0)) == replace(
        second, cast_at=second.cast_at.replace(microsecond=0)
    )


def _designated(roster: Roster, text: str) -> str:
    """The address of the member a secretary names (address, name or one word of it)."""
    found = roster.designated(text)
    if len(found) == 1:
        return found[0].email
    if found:
        raise RuleRefusal(
            f"« {text} » désigne plusieurs membres ({', '.join(m.name for m in found)}) : "
            "donnez son nom complet ou son adresse ; rien n'a été enregistré."
        )
    if "@" in text:
        return text  # refused by name by the rules: not a member at the opening
    raise RuleRefusal(
        f"Aucun membre ne s'appelle « {text} » dans codesocial/membres.yml : donnez son nom "
        "complet ou son adresse ; rien n'a été enregistré."
    )
