"""`assemblee show`: one proposal, its change, rounds and positions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.members import Roster
from assemblee_cli.core.tally import Tally, tally_votes
from assemblee_cli.errors import AssembleeError
from assemblee_cli.formats.proposalfile import (
    BRANCH_PREFIX,
)
from assemblee_cli.store.assembly import Assembly
from assemblee_cli.store.reading import decision_merge
from assemblee_cli.usecases.common import (
    FileChange,
    conflict_commands,
    register_amendment,
    text_conflicts,
    word_changes,
)


@dataclass(frozen=True)
class ShowView:
    proposal: lc.Proposal
    diff: str
    where: str
    amended: bool
    tally: Tally
    counted: dict[str, lc.Vote]
    outdated: list[lc.Vote]
    roster: Roster
    changes: list[FileChange] = field(default_factory=list)  # the change, word by word
    conflict: tuple[str, ...] = ()  # files in conflict with main (an open proposal)
    commands: tuple[str, ...] = ()  # the git commands that resolve the conflict


def show(assembly: Assembly, now: datetime, ident: str) -> ShowView:
    assembly.refresh()
    name, tip = assembly.find(ident)
    roster = assembly.roster_at(assembly.trunk)
    if tip is not None:
        loaded = assembly.load_branch(tip)
        if loaded.proposal is None:
            raise AssembleeError(loaded.error or name)
        proposal, amended = register_amendment(assembly, loaded.proposal, tip.sha, now)
        base = assembly.fork_point(tip.sha)
        diff = assembly.text_diff(base, tip.sha)
        changes = word_changes(assembly, base, tip.sha)
        where = f"branche {BRANCH_PREFIX}{name}"
        [conflict] = text_conflicts(assembly, [tip.sha]) if proposal.files else [()]
        commands = tuple(conflict_commands(assembly, proposal, conflict)) if conflict else ()
    else:
        loaded = assembly.load_decided(name)
        if loaded.proposal is None:
            raise AssembleeError(loaded.error or name)
        proposal, amended = loaded.proposal, False
        diff, changes = _decided_diff(assembly, proposal)
        where = "main"
        conflict, commands = (), ()
    counted = lc.counted_votes(proposal)
    tally = tally_votes(v.choice for v in counted.values())
    if proposal.round.tally is not None:
        tally = proposal.round.tally
    return ShowView(
        proposal,
        diff,
        where,
        amended,
        tally,
        counted,
        lc.outdated_votes(proposal),
        roster,
        changes,
        conflict,
        commands,
    )


def _decided_diff(assembly: Assembly, proposal: lc.Proposal) -> tuple[str, list[FileChange]]:
    archived = assembly.snapshot.archives.get(proposal.name)
    if archived:
        base = assembly.fork_point(archived)
        return (
            assembly.text_diff(base, archived),
            word_changes(assembly, base, archived),
        )
    out = decision_merge(assembly, proposal.name)
    if not out:
        return "", []
    return assembly.text_diff(f"{out}^1", out), word_changes(assembly, f"{out}^1", out)
