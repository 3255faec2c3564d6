"""`assemblee close`: decide every proposal past its deadline and apply the decisions to main."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.french import format_instant
from assemblee_cli.core.rules import tz_of
from assemblee_cli.formats.proposalfile import (
    parse_name,
)
from assemblee_cli.store.assembly import MERGE_TRAILER, Assembly, BranchTip, Fork
from assemblee_cli.store.draft import Draft, Entry, MergeResult
from assemblee_cli.store.faults import checkpoint
from assemblee_cli.store.publish import RefUpdate, publish
from assemblee_cli.usecases.common import (
    amendment,
    branch_update,
    codesocial_problem,
    conflict_commands,
    conflict_sentence,
    retrying,
    trunk_update,
)


@dataclass(frozen=True)
class CloseItem:
    id: int | None
    title: str
    status: str | None  # a proposal status (None: the file could not be read)
    explanation: str
    applied: bool = True
    problem: str | None = None  # "conflit", "codesocial-invalide" or "fichier-illisible"
    commands: tuple[str, ...] = ()  # for a conflict: the git commands that resolve it


@dataclass
class _ClosePlan:
    items: list[CloseItem] = field(default_factory=list)
    updates: list[RefUpdate] = field(default_factory=list)


def close(assembly: Assembly, now: datetime, dry_run: bool = False) -> list[CloseItem]:
    def attempt() -> list[CloseItem]:
        plan = _plan_close(assembly, now, dry_run)
        if not dry_run:
            checkpoint("close:planned")
            publish(assembly, plan.updates)
        return plan.items

    if dry_run:
        assembly.refresh()
        return attempt()
    return retrying(assembly, attempt)


def _plan_close(assembly: Assembly, now: datetime, dry_run: bool) -> _ClosePlan:
    """Decide every proposal past its deadline, and make the commits that apply the decisions:
    in memory, stored in one go at the end (a real close) or never (a dry run). The number of
    git processes does not depend on the number of proposals, unless a merge has files changed
    on both sides (then `git merge-tree` works it out)."""
    plan = _ClosePlan()
    writer = assembly.draft()
    trunk = assembly.trunk
    due: list[tuple[BranchTip, lc.Proposal]] = []
    for loaded in sorted(assembly.open_proposals(), key=lambda item: item.name):
        if loaded.proposal is None:
            parsed = parse_name(loaded.name)
            plan.items.append(
                CloseItem(
                    parsed[0] if parsed else None,
                    loaded.name,
                    None,
                    loaded.error or "",
                    False,
                    "fichier-illisible",
                )
            )
        elif loaded.proposal.status is lc.Status.OPEN and now >= loaded.proposal.round.deadline:
            assert loaded.tip is not None
            due.append((loaded.tip, loaded.proposal))
    forks = assembly.forks([tip.sha for tip, _p in due])
    merged: set[str] = set()  # the commits of the branches merged so far
    for (tip, p), fork in zip(due, forks, strict=True):
        p2, amended = amendment(assembly, p, tip.sha, fork.text_paths, fork.text_version)
        if amended and now < p2.round.deadline:
            text = (
                "Le texte a été modifié depuis l'ouverture du tour : les avis précédents ne "
                "comptent plus et le vote reste ouvert jusqu'au "
                f"{format_instant(p2.round.deadline, tz_of(p2.rules))}."
            )
            plan.items.append(CloseItem(p.id, p.title, p2.status.value, text, not dry_run))
            commit = assembly.commit_proposal(
                p2, tip.sha, f"Amendement de la proposition n°{p.id} enregistré", writer=writer
            )
            plan.updates.append(branch_update(tip, commit))
            continue
        decision = lc.decide_round(p2, now)
        closed = lc.close_round(p2, decision, now)
        mode = lc.MODE_LABELS[p2.round.mode]
        header = (
            f"Proposition n°{p.id} {lc.STATUS_LABELS[closed.status]} ({mode}) : {p.title}\n\n"
            f"{decision.explanation}\nDécompte : {decision.tally.describe()}.\n\n"
            f"{MERGE_TRAILER}: {p.name}"
        )
        commit = assembly.commit_proposal(closed, tip.sha, header, writer=writer)
        record = writer.entry(writer.tree_of(commit), closed.path)  # the file, as committed
        assert record is not None
        explanation = decision.explanation
        if closed.status is lc.Status.ADOPTED:
            merge = _merge(writer, trunk, commit, fork, merged, {p.path: record})
            if merge.tree is None:
                conflicts = tuple(merge.conflicts)
                plan.items.append(
                    CloseItem(
                        p.id,
                        p.title,
                        p.status.value,
                        conflict_sentence(p, conflicts)
                        + " Pour l'auteur·rice, dans son clone : "
                        + " ; ".join(conflict_commands(assembly, p, conflicts))
                        + ".",
                        False,
                        "conflit",
                        tuple(conflict_commands(assembly, p, conflicts)),
                    )
                )
                continue
            invalid = codesocial_problem(assembly, tip.sha, fork.text_paths)
            if invalid is not None:
                plan.items.append(
                    CloseItem(p.id, p.title, p.status.value, invalid, False, "codesocial-invalide")
                )
                continue
            trunk = writer.commit(merge.tree, [trunk, commit], header)
            merged |= fork.own
            plan.updates.append(branch_update(tip, None))
            explanation += (
                " Le texte est fusionné dans main."
                if fork.text_paths
                else " La décision est inscrite dans main (elle ne change pas le texte)."
            )
        elif closed.status is lc.Status.POSTPONED:
            plan.updates.append(branch_update(tip, commit))
        else:
            trunk = writer.commit(
                writer.edit(writer.tree_of(trunk), {closed.path: record}), [trunk], header
            )
            plan.updates.append(branch_update(tip, None))
            plan.updates.append(RefUpdate("archive", p.name, commit, None, None))
            explanation += (
                f" Le texte proposé reste consultable (refs/archives/proposition/{p.name})."
            )
        plan.items.append(CloseItem(p.id, p.title, closed.status.value, explanation, not dry_run))
    if trunk != assembly.trunk:
        plan.updates.append(trunk_update(assembly, trunk))
    if not dry_run:
        writer.flush()
    return plan


def _merge(
    writer: Draft,
    trunk: str,
    commit: str,
    fork: Fork,
    merged: set[str],
    record: dict[str, Entry],
) -> MergeResult:
    """The tree of the merge of a closing `commit` (the branch `fork`, plus its `record`)
    into `trunk`. Worked out in memory when the trunk still has, unchanged since the fork
    point, every file the branch changes, and no branch merged before shares commits with
    this one (the fork point is then still the merge base); otherwise by `git merge-tree`."""
    in_memory = fork.single_base and not (fork.own & merged)
    return writer.merge(trunk, commit, fork.changes if in_memory else None, record)
