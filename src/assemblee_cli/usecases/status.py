"""`assemblee status`: the open proposals, their tallies, and the latest decisions."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.members import normalise_email
from assemblee_cli.core.tally import Tally
from assemblee_cli.errors import AssembleeError
from assemblee_cli.store.assembly import Assembly
from assemblee_cli.usecases.common import text_conflicts


@dataclass(frozen=True)
class OpenView:
    proposal: lc.Proposal
    tally: Tally
    amended: bool
    my_vote: lc.Vote | None
    conflict: tuple[str, ...] = ()  # past its deadline, its text is in conflict with main


@dataclass(frozen=True)
class StatusView:
    me: str | None
    now: datetime
    open: list[OpenView]
    decided: list[lc.Proposal]
    errors: list[str]


def status(assembly: Assembly, now: datetime, recent: int = 5) -> StatusView:
    assembly.refresh()
    assembly.rules_at(assembly.trunk)  # refuses a repository that is not a code social
    try:
        me: str | None = normalise_email(assembly.identity().email)
    except AssembleeError:
        me = None
    from assemblee_cli.store.reading import open_items

    items, errors = open_items(assembly)
    views = [
        OpenView(item.proposal, item.tally, item.amended, item.counted.get(me) if me else None)
        for item in items
    ]
    # A proposal past its deadline that closing would adopt but cannot merge: said as such.
    due = [
        i
        for i, v in enumerate(views)
        if v.proposal.status is lc.Status.OPEN
        and now >= v.proposal.round.deadline
        and not v.amended
        and lc.decide_round(v.proposal, now).outcome.value == lc.Status.ADOPTED.value
    ]
    if due:
        tips = {t.name: t.sha for t in assembly.snapshot.branches.values()}
        found = text_conflicts(assembly, [tips[views[i].proposal.name] for i in due])
        for i, files in zip(due, found, strict=True):
            if files:
                views[i] = replace(views[i], conflict=files)
    views.sort(key=lambda v: (v.proposal.status is not lc.Status.OPEN, v.proposal.round.deadline))
    decided: list[lc.Proposal] = []
    from assemblee_cli.store.reading import last_decided_names

    for loaded in assembly.load_decided_many(last_decided_names(assembly, recent * 2)):
        if loaded.proposal is None:
            errors.append(loaded.error or loaded.name)
        elif loaded.proposal.status in lc.DECIDED:
            decided.append(loaded.proposal)
    # The latest first; decided at the same instant (one close), the higher number first.
    decided.sort(key=lambda p: (p.decided_at or p.opened_at, p.id), reverse=True)
    return StatusView(me, now, views, decided[:recent], errors)
