"""The use cases called in process, as the web skin calls them, on real repositories: each
returns plain data, and what it writes is on the shared remote. No subprocess of the tool."""

from __future__ import annotations

from datetime import datetime

import pytest
from tests.helpers import (
    AFTER,
    DEADLINE,
    EDIT_DROITS,
    EDIT_QUALITES,
    EDIT_VALEURS,
    MONDAY,
    NEXT_DAY,
    OPEN,
    Assembly,
    record,
)

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


def test_the_latest_decisions_are_the_latest_decided_not_the_highest_numbers(
    assembly: Assembly,
) -> None:
    """n°1 is blocked, postponed, relaunched and adopted after n°2 and n°3 were: it is the
    latest decision, although its number is the lowest; n°2 and n°3, decided by one close,
    come the higher number first."""
    assembly.propose_edit("alice", "Le soin", EDIT_VALEURS, now=OPEN)
    assembly.ok("bob", "vote", "1", "blocage", "-r", "Le soin ne suffit pas.", now=NEXT_DAY)
    assembly.propose_edit("alice", "Les droits", EDIT_DROITS, now=NEXT_DAY)
    assembly.propose_edit("carol", "Les qualités", EDIT_QUALITES, now=NEXT_DAY)
    assembly.ok("carol", "close", now=DEADLINE)  # n°1 postponed; n°2 and n°3 not yet due
    assembly.ok("carol", "close", now=AFTER)  # n°2 and n°3 adopted
    assembly.ok("carol", "relaunch", "1", now="2026-12-03T10:00:00+01:00")
    assembly.ok("carol", "close", now="2026-12-08T10:00:00+01:00")  # n°1 adopted

    def latest(count: int) -> list[tuple[int, str]]:
        clone = open_assembly(assembly.path("dave"), offline=False)
        view = status.status(clone, at("2026-12-09T10:00:00+01:00"), recent=count)
        return [(p.id, p.status.value) for p in view.decided]

    assert latest(1) == [(1, "adoptee")]
    assert latest(5) == [(1, "adoptee"), (3, "adoptee"), (2, "adoptee")]


@pytest.mark.parametrize("check", ["answered", "busy"])
def test_a_write_that_landed_before_the_cut_is_not_written_twice(
    assembly: Assembly, monkeypatch: pytest.MonkeyPatch, check: str
) -> None:
    """The server took the push, then cut the connection before answering (RemoteBusy). The
    tool asks the shared repository whether the push landed; if the server still does not
    answer ("busy"), the step is retried and finds its own proposal or vote already there.
    Either way: one proposal with one number, one vote, one commit each."""
    from assemblee_cli.errors import RemoteBusy
    from assemblee_cli.git.repo import GitRepo

    real_push, real_fetch = GitRepo.push, GitRepo.fetch
    pushes: list[str] = []
    cut_fetches: list[int] = []

    def landed_then_cut(self: GitRepo, *args: object, **kwargs: object) -> object:
        result = real_push(self, *args, **kwargs)  # type: ignore[arg-type]
        pushes.append("sent")
        if len(pushes) == 1:
            if check == "busy":
                cut_fetches.append(1)  # the next fetch (the question) is cut too
            raise RemoteBusy("Le dépôt partagé a coupé la connexion.")
        return result

    def fetch(self: GitRepo, remote: str) -> None:
        if cut_fetches and cut_fetches.pop():
            raise RemoteBusy("Le dépôt partagé a coupé la connexion.")
        real_fetch(self, remote)

    monkeypatch.setattr(GitRepo, "fetch", fetch)
    monkeypatch.setattr(GitRepo, "push", landed_then_cut)
    assembly.edit("alice", *EDIT_VALEURS)
    opened = propose.propose(
        open_assembly(assembly.path("alice"), offline=False), at(OPEN), "Le soin", "Écrire."
    )
    assert opened.proposal.id == 1 and pushes == ["sent"]
    assert opened.files == (EDIT_VALEURS[0],)
    assert assembly.remote_git("for-each-ref", "--format=%(refname)", "refs/heads/").split() == [
        "refs/heads/main",
        "refs/heads/proposition/0001-le-soin",
    ]
    pushes.clear()
    branch = "proposition/0001-le-soin"
    before = int(assembly.remote_git("rev-list", "--count", branch))

    cast = vote.vote(
        open_assembly(assembly.path("bob"), offline=False), at(NEXT_DAY), "1", "d-accord"
    )
    assert cast.replaced is None and cast.vote.choice.value == "d-accord"
    assert pushes == ["sent"], "the vote was published once"
    after = int(assembly.remote_git("rev-list", "--count", branch))
    assert after == before + 1
    votes = record(assembly.remote_file(branch, "proposals/0001-le-soin.md"))["votes"]
    assert [(v["membre"], v["choix"]) for v in votes] == [("bob@exemple.org", "d-accord")]

    # A later vote, even the same position, is a new moment: it is written.
    again = vote.vote(
        open_assembly(assembly.path("bob"), offline=False), at(MONDAY), "1", "d-accord"
    )
    assert again.replaced is not None
    assert int(assembly.remote_git("rev-list", "--count", branch)) == after + 1


def test_close_says_what_it_applied_in_words(assembly: Assembly) -> None:
    """A tacit adoption says so once; a decision without text is written in main, not "merged
    text"; an adopted text is merged."""
    assembly.propose_edit("alice", "Le soin", EDIT_VALEURS, now=OPEN)
    assembly.propose_edit("bob", "Un partenariat", None, now=OPEN)
    vote.vote(open_assembly(assembly.path("carol"), offline=False), at(NEXT_DAY), "1", "d-accord")
    items = close.close(open_assembly(assembly.path("dave"), offline=False), at(AFTER))
    said = {item.id: item.explanation for item in items}
    assert said[1].endswith(
        "adoptée par consentement (1 d'accord, 0 s'abstient, 0 pas d'accord, 0 blocage). "
        "Le texte est fusionné dans main."
    )
    assert said[2].endswith(
        "adoptée par consentement tacite (sans aucun avis). La décision est inscrite dans main "
        "(elle ne change pas le texte)."
    )
