"""`assemblee withdraw`: the author withdraws an open proposal; only its record lands on main."""

from __future__ import annotations

from datetime import datetime

from assemblee_cli.core import lifecycle as lc
from assemblee_cli.formats.proposalfile import (
    dump_proposal,
)
from assemblee_cli.store.assembly import MERGE_TRAILER, Assembly, Identity
from assemblee_cli.store.publish import RefUpdate, publish
from assemblee_cli.usecases.common import (
    branch_update,
    open_branch,
    retrying,
    trunk_update,
)


def _record_on_trunk(
    assembly: Assembly,
    trunk: str,
    proposal: lc.Proposal,
    message: str,
    author: Identity | None = None,
) -> str:
    """Only the proposal file lands on main: the public record of a rejection or withdrawal."""
    draft = assembly.draft()
    tree = draft.with_files(draft.tree_of(trunk), {proposal.path: dump_proposal(proposal).encode()})
    commit = draft.commit(tree, [trunk], message, author=author)
    draft.flush()
    return commit


def withdraw(
    assembly: Assembly, now: datetime, ident: str, by: Identity | None = None
) -> lc.Proposal:
    """The author withdraws a proposal: the current git identity, or `by` (a member, through
    the web page: the commits are theirs as author, the server's identity is their
    committer)."""
    me = by or assembly.identity()

    def attempt() -> lc.Proposal:
        tip, proposal = open_branch(assembly, ident)
        updated = lc.withdraw(proposal, me.email, now)
        message = f"Proposition n°{proposal.id} retirée par son auteur·rice : {proposal.title}\n\n{MERGE_TRAILER}: {proposal.name}"
        commit = assembly.commit_proposal(updated, tip.sha, message, author=by)
        trunk = _record_on_trunk(assembly, assembly.trunk, updated, message, author=by)
        publish(
            assembly,
            [
                branch_update(tip, None),
                RefUpdate("archive", proposal.name, commit, None, None),
                trunk_update(assembly, trunk),
            ],
        )
        return updated

    return retrying(assembly, attempt)
