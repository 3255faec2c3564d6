"""`assemblee sync`: publish what was written with --offline, replayed on what the others
pushed meanwhile. Offline proposals get a free number (renumbered if someone took theirs) and
a full window from their publication; offline votes are re-applied one by one on the latest
record. A vote whose deadline passed before it could be published is refused and kept for the
record under refs/assemblee/hors-ligne/."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.members import normalise_email
from assemblee_cli.errors import AssembleeError, RuleRefusal
from assemblee_cli.formats.proposalfile import BRANCH_PREFIX, parse_name, parse_proposal
from assemblee_cli.store.assembly import KEPT_PREFIX, Assembly, BranchTip
from assemblee_cli.store.publish import RefUpdate, publish


@dataclass(frozen=True)
class SyncLine:
    name: str
    text: str
    ok: bool


def sync(assembly: Assembly, now: datetime) -> list[SyncLine]:
    from assemblee_cli.usecases.common import retrying

    if assembly.remote is None:
        raise AssembleeError(
            "Ce dépôt n'a pas de dépôt partagé (remote) : il n'y a rien à synchroniser."
        )
    if not assembly.online:
        raise AssembleeError("« sync » publie le travail hors ligne : relancez-la sans --offline.")
    me = normalise_email(assembly.identity().email)
    assembly.refresh()
    lines: list[SyncLine] = []
    pending = [
        tip
        for tip in assembly.snapshot.branches.values()
        if tip.local is not None and tip.local != tip.remote
    ]
    tried: set[int] = set()
    for tip in pending:
        name = tip.name
        lines.extend(
            retrying(assembly, lambda name=name: _sync_branch(assembly, name, me, now, tried))  # type: ignore[misc]
        )
    lines.extend(_closed_meanwhile(assembly, me, now))
    if not lines:
        lines.append(
            SyncLine("", "Rien à publier : tout votre travail est déjà sur le dépôt partagé.", True)
        )
    return lines


def _closed_meanwhile(assembly: Assembly, me: str, now: datetime) -> list[SyncLine]:
    """Local branches of proposals decided while this clone was offline: the votes cast on
    them that the decision did not count are refused by name and kept for the record."""
    decided = set(assembly.decided_names())
    lines: list[SyncLine] = []
    for name, sha in assembly.local_proposal_branches().items():
        if name not in decided:
            continue
        try:
            local = _read(assembly, sha, name, "copie locale")
        except AssembleeError:
            continue
        loaded = assembly.load_decided(name)
        if loaded.proposal is None:
            continue
        counted = {(v.member, v.round): v for v in loaded.proposal.votes}
        lost = [
            v
            for v in local.votes
            if (v.member == me or v.recorded_by == me) and counted.get((v.member, v.round)) != v
        ]
        if not lost:
            continue
        decision = lc.STATUS_LABELS[loaded.proposal.status]
        kept = _keep_for_the_record(assembly, BranchTip(name, sha, sha, None), now)
        for vote in lost:
            lines.append(
                SyncLine(
                    name,
                    f"avis de {vote.member} ({lc.choice_label(vote.choice)}) sur la proposition "
                    f"n°{local.id} refusé : elle a été décidée ({decision}) avant qu'il puisse "
                    f"être publié ; il est gardé pour mémoire sous {kept}.",
                    False,
                )
            )
        if not assembly.is_checked_out(name):
            assembly.delete_local_branch(name, sha)
    return lines


def _sync_branch(
    assembly: Assembly, name: str, me: str, now: datetime, tried: set[int]
) -> list[SyncLine]:
    tip = assembly.snapshot.branches.get(name)
    if tip is None or tip.local is None or tip.local == tip.remote:
        return []
    if tip.remote is None:
        return [_publish_new(assembly, tip, now, tried)]
    if assembly.is_ancestor(tip.local, tip.remote):
        assembly.move_local_branch(name, tip.remote, tip.local)
        return [SyncLine(name, "branche locale mise à jour depuis le dépôt partagé.", True)]
    return _replay_votes(assembly, tip, me, now)


def _read(assembly: Assembly, sha: str, name: str, where: str) -> lc.Proposal:
    path = f"proposals/{name}.md"
    text = assembly.read_text_at(sha, path)
    if text is None:
        raise AssembleeError(f"{path} ({where}) : fichier de proposition introuvable.")
    return parse_proposal(text, path, where)


def _replay_votes(assembly: Assembly, tip: BranchTip, me: str, now: datetime) -> list[SyncLine]:
    assert tip.local is not None and tip.remote is not None
    local = _read(assembly, tip.local, tip.name, "copie locale")
    shared = _read(assembly, tip.remote, tip.name, "dépôt partagé")
    published = {(v.member, v.round): v for v in shared.votes}
    mine = [
        v
        for v in local.votes
        if (v.member == me or v.recorded_by == me) and published.get((v.member, v.round)) != v
    ]
    lines: list[SyncLine] = []
    refused: list[str] = []
    updated = shared
    for vote in mine:
        label = (
            f"avis de {vote.member} ({lc.choice_label(vote.choice)}) sur la proposition "
            f"n°{shared.id}"
        )
        try:
            updated = _apply_offline_vote(updated, vote, now)
        except RuleRefusal as exc:
            refused.append(f"{label} refusé : {exc.message}")
            continue
        lines.append(SyncLine(tip.name, f"{label} publié.", True))
    for text in refused:
        lines.append(SyncLine(tip.name, text, False))
    updates = []
    if refused:
        _keep_for_the_record(assembly, tip, now)
    if updated != shared:
        commit = assembly.commit_proposal(
            updated, tip.remote, f"Avis donnés hors ligne sur la proposition n°{shared.id}"
        )
        updates.append(RefUpdate("branch", tip.name, commit, tip.local, tip.remote))
    else:
        updates.append(RefUpdate("branch", tip.name, tip.remote, tip.local, tip.remote))
    _publish_and_follow(assembly, updates)
    return lines


def _apply_offline_vote(proposal: lc.Proposal, vote: lc.Vote, now: datetime) -> lc.Proposal:
    current = proposal.round
    if vote.round != current.number or proposal.status is not lc.Status.OPEN:
        raise RuleRefusal("le tour sur lequel il portait est clos.")
    if now >= current.deadline:
        raise RuleRefusal(
            "l'échéance est passée avant qu'il puisse être publié ; il est gardé pour mémoire "
            f"sous {KEPT_PREFIX}."
        )
    if vote.text_version != current.text_version:
        raise RuleRefusal(
            "le texte a été amendé depuis : positionnez-vous à nouveau sur le texte actuel."
        )
    updated = lc.record_vote(proposal, vote, vote.cast_at if vote.cast_at < now else now)
    return updated


def _keep_for_the_record(assembly: Assembly, tip: BranchTip, now: datetime) -> str:
    assert tip.local is not None
    return assembly.keep_for_the_record(tip.name, now.strftime("%Y%m%dT%H%M%SZ"), tip.local)


def _publish_and_follow(assembly: Assembly, updates: list[RefUpdate]) -> None:
    """Push (with leases), then point the local branch at what was published."""
    pushed = [u for u in updates if u.new != u.old_remote]
    if pushed:
        publish(assembly, [replace(u, old_local=u.old_remote) for u in pushed])
    for update in updates:
        if (
            update.old_local is not None
            and update.new is not None
            and not assembly.is_checked_out(update.name)
        ):
            assembly.move_local_branch(update.name, update.new, update.old_local)


def _publish_new(assembly: Assembly, tip: BranchTip, now: datetime, tried: set[int]) -> SyncLine:
    """A proposal opened offline: claim its number (or the next free one), give the members a
    full window from now, and publish it. A number whose claim was refused is never tried
    again, so this ends."""
    assert tip.local is not None
    proposal = _read(assembly, tip.local, tip.name, "copie locale")
    names = [*assembly.snapshot.branches, *assembly.snapshot.archives, *assembly.decided_names()]
    taken = {parsed[0] for n in names if n != tip.name and (parsed := parse_name(n))} | tried
    number = proposal.id
    if number in taken:
        number = max(taken | {proposal.id}, default=0) + 1
    tried.add(number)
    from assemblee_cli.usecases.common import deadline_from

    deadline = deadline_from(proposal.rules, now)
    first = proposal.rounds[0]
    reopened = replace(
        proposal,
        id=number,
        rounds=(
            replace(
                first, opened_at=max(first.opened_at, now), deadline=max(first.deadline, deadline)
            ),
            *proposal.rounds[1:],
        ),
    )
    changes: dict[str, bytes | None] = {}
    if reopened.path != proposal.path:
        changes[proposal.path] = None
    commit = assembly.commit_proposal(
        reopened,
        tip.local,
        f"Publication de la proposition n°{number} (ouverte hors ligne) : {proposal.title}",
        extra=changes,
    )
    publish(
        assembly,
        [
            RefUpdate("branch", reopened.name, commit, None, None),
            RefUpdate("claim", f"{number:04d}", commit, None, None),
        ],
    )
    if not assembly.is_checked_out(tip.name):
        if reopened.name == tip.name:
            assembly.move_local_branch(tip.name, commit, tip.local)
        else:
            assembly.delete_local_branch(tip.name, tip.local)
    moved = f" sous le n°{number} (le n°{proposal.id} était pris)" if number != proposal.id else ""
    return SyncLine(
        reopened.name,
        f"proposition publiée{moved} ; échéance repoussée pour laisser le délai complet."
        if reopened.round.deadline != proposal.round.deadline
        else f"proposition publiée{moved}.",
        True,
    )


__all__ = ["BRANCH_PREFIX", "SyncLine", "sync"]
