"""`assemblee relaunch`: open the next round of a postponed proposal."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from assemblee_cli.core import calendar
from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.rules import tz_of
from assemblee_cli.store.assembly import Assembly, Identity
from assemblee_cli.store.publish import publish
from assemblee_cli.usecases.common import (
    branch_update,
    deadline_from,
    member_or_refuse,
    open_branch,
    retrying,
)


def relaunch(
    assembly: Assembly,
    now: datetime,
    ident: str,
    two_thirds: bool,
    by: Identity | None = None,
) -> lc.Proposal:
    """The next round of a postponed proposal, opened by the current git identity, or by
    `by` (the secretariat, through the web page: the commit is theirs as author, the
    server's identity is its committer)."""
    me = by or assembly.identity()

    def attempt() -> lc.Proposal:
        tip, proposal = open_branch(assembly, ident)
        member_or_refuse(
            assembly.roster_at(assembly.trunk),
            me.email,
            "relancer une proposition",
            own_git=by is None,
        )
        rules = proposal.rules
        start = lc.first_block(proposal) or proposal.opened_at
        meetings = calendar.meetings_between(
            start, now + timedelta(days=400), rules.meetings, tz_of(rules)
        )
        fork = assembly.forks([tip.sha])[0]
        files, version = fork.text_paths, fork.text_version
        updated = lc.relaunch(
            replace(proposal, files=tuple(files)),
            now=now,
            two_thirds=two_thirds,
            meetings=meetings,
            deadline=deadline_from(rules, now),
            text_version=version,
        )
        mode = lc.MODE_LABELS[updated.round.mode]
        commit = assembly.commit_proposal(
            updated,
            tip.sha,
            f"Proposition n°{proposal.id} : tour {updated.round.number} ({mode})",
            author=by,
        )
        publish(assembly, [branch_update(tip, commit)])
        return updated

    return retrying(assembly, attempt)
