"""The use cases called in process, as the web skin calls them, on real repositories: each
returns plain data, and what it writes is on the shared remote. No subprocess of the tool."""

from __future__ import annotations

from datetime import datetime

import pytest
from tests.helpers import AFTER, EDIT_VALEURS, NEXT_DAY, OPEN, Assembly, record

from assemblee_cli.core import lifecycle as lc
from assemblee_cli.errors import RuleRefusal
from assemblee_cli.store.assembly import open_assembly
from assemblee_cli.usecases import close, propose, show, status, vote, withdraw


def at(moment: str) -> datetime:
    return datetime.fromisoformat(moment)


def test_propose_vote_show_status_and_close_in_process(assembly: Assembly) -> None:
    assembly.edit("alice", *EDIT_VALEURS)
    opened = propose.propose(
        open_assembly(assembly.path("alice"), offline=False), at(OPEN), "Le soin", "Écrire."
    )
    assert opened.proposal.id == 1
    assert opened.files == (EDIT_VALEURS[0],)
    branch = opened.proposal.branch
    assert assembly.remote_branch(branch) is not None

    cast = vote.vote(
        open_assembly(assembly.path("bob"), offline=False),
        at(NEXT_DAY),
        "1",
        "blocage",
        "Le soin ne suffit pas.",
    )
    assert cast.vote.choice.value == "blocage" and cast.replaced is None
    on_remote = record(assembly.remote_file(branch, opened.proposal.path))
    assert [(v["membre"], v["choix"]) for v in on_remote["votes"]] == [
        ("bob@exemple.org", "blocage")
    ]

    seen = show.show(open_assembly(assembly.path("dave"), offline=False), at(NEXT_DAY), "1")
    assert seen.tally.describe().startswith("0 d'accord")
    assert "Le soin." in seen.diff
    listing = status.status(open_assembly(assembly.path("dave"), offline=False), at(NEXT_DAY))
    assert [v.proposal.id for v in listing.open] == [1]
    assert listing.open[0].my_vote is None

    items = close.close(open_assembly(assembly.path("carol"), offline=False), at(AFTER))
    assert [(i.id, i.status) for i in items] == [(1, "reportee")]
    postponed = record(assembly.remote_file(branch, opened.proposal.path))
    assert postponed["statut"] == "reportee"


def test_refusals_are_exceptions_with_a_french_sentence(assembly: Assembly) -> None:
    assembly.propose_edit("alice", "Le soin", EDIT_VALEURS, now=OPEN)
    with pytest.raises(RuleRefusal, match=r"argumenté|raison"):
        vote.vote(open_assembly(assembly.path("bob"), offline=False), at(NEXT_DAY), "1", "blocage")
    with pytest.raises(RuleRefusal, match="membres"):
        vote.vote(open_assembly(assembly.path("eve"), offline=False), at(NEXT_DAY), "1", "d-accord")
    with pytest.raises(RuleRefusal):
        withdraw.withdraw(open_assembly(assembly.path("bob"), offline=False), at(NEXT_DAY), "1")
    done = withdraw.withdraw(
        open_assembly(assembly.path("alice"), offline=False), at(NEXT_DAY), "1"
    )
    assert done.status is lc.Status.WITHDRAWN
    assert "proposals/0001-le-soin.md" in assembly.remote_git(
        "ls-tree", "-r", "--name-only", "main"
    )
