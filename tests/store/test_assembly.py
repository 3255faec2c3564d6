"""The assembly as stored in git, read without checking anything out: the trunk and the rules
and roster at a commit, open proposals from branch tips (local and remote), decided ones from
main, names resolved from `7`, `0007` or a branch name, the fork of each branch; and what
the use cases ask of the clone (local branches, a draft of commits and its merges)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.helpers import (
    AFTER,
    EDIT_DROITS,
    EDIT_QUALITES,
    EDIT_VALEURS,
    NEXT_DAY,
    OPEN,
    Assembly,
    draft_edit,
    git_run,
)

from assemblee_cli.errors import AssembleeError, GitError
from assemblee_cli.store.assembly import EMPTY_VERSION, KEPT_PREFIX, open_assembly


@pytest.fixture(scope="module")
def two_proposals_template(story_template: Any) -> Path:
    """Two open proposals (alice: the values, bob: the rights), proposed once for the module."""

    def story(a: Assembly) -> None:
        a.propose_edit("alice", "Valeurs", EDIT_VALEURS, now=OPEN)
        a.propose_edit("bob", "Droits", EDIT_DROITS, now=OPEN)

    return story_template("deux-propositions", story)


@pytest.fixture()
def two_proposals(copy_template: Any, two_proposals_template: Path) -> Assembly:
    return copy_template(two_proposals_template)


def test_open_proposals_come_from_remote_tips_without_touching_the_clone(
    two_proposals: Assembly,
) -> None:
    carol = two_proposals.path("carol")
    before = two_proposals.git("carol", "status", "--porcelain")
    store = open_assembly(carol, offline=False)
    store.refresh()
    names = sorted(loaded.name for loaded in store.open_proposals())
    assert names == ["0001-valeurs", "0002-droits"]
    assert all(loaded.proposal is not None for loaded in store.open_proposals())
    assert store.trunk == two_proposals.remote_git("rev-parse", "main").strip()
    assert two_proposals.git("carol", "status", "--porcelain") == before
    assert two_proposals.git("carol", "branch", "--list").split() == ["*", "main"]


def test_find_accepts_a_number_padded_or_not_and_the_branch_name(two_proposals: Assembly) -> None:
    store = open_assembly(two_proposals.path("dave"), offline=False)
    store.refresh()
    for ident in ("2", "0002", "0002-droits", "proposition/0002-droits"):
        name, tip = store.find(ident)
        assert name == "0002-droits" and tip is not None
    with pytest.raises(AssembleeError, match="Aucune proposition n°9"):
        store.find("9")
    with pytest.raises(AssembleeError, match="n'est pas un numéro"):
        store.find("sept")


def test_rules_and_roster_are_read_at_a_commit(assembly: Assembly) -> None:
    store = open_assembly(assembly.path("bob"), offline=True)
    rules = store.rules_at(store.trunk)
    assert rules.name == "Assemblée de test"
    assert rules.decision.minimum_hours == 72
    roster = store.roster_at(store.trunk)
    assert roster.emails == (
        "alice@exemple.org",
        "bob@exemple.org",
        "carol@exemple.org",
        "dave@exemple.org",
    )
    assert roster.may_record_for_others("carol@exemple.org")
    assert not roster.may_record_for_others("bob@exemple.org")


def test_forks_tell_what_each_branch_changes(two_proposals: Assembly) -> None:
    store = open_assembly(two_proposals.path("alice"), offline=False)
    store.refresh()
    tips = [tip.sha for tip in store.snapshot.branches.values()]
    forks = store.forks(tips)
    assert [fork.text_paths for fork in forks] == [[EDIT_VALEURS[0]], [EDIT_DROITS[0]]]
    assert all(fork.single_base for fork in forks)
    assert len({fork.text_version for fork in forks}) == 2
    assert EMPTY_VERSION not in {fork.text_version for fork in forks}


def test_a_decided_proposal_is_read_from_main(two_proposals: Assembly) -> None:
    two_proposals.ok("bob", "vote", "1", "d-accord", now=NEXT_DAY)
    two_proposals.ok("carol", "close", now=AFTER)
    store = open_assembly(two_proposals.path("dave"), offline=False)
    store.refresh()
    assert store.decided_names() == ["0001-valeurs", "0002-droits"]
    name, tip = store.find("1")
    assert tip is None
    loaded = store.load_decided(name)
    assert loaded.proposal is not None and loaded.proposal.status.value == "adoptee"
    assert store.all_numbers() == {1, 2}
    assert store.snapshot.branches == {}
    first = two_proposals.git("dave", "rev-list", "--max-parents=0", "main").strip()
    assert store.decided_names(first) == []


def test_a_submodule_named_like_a_record_does_not_decide_the_proposal(
    two_proposals: Assembly,
) -> None:
    """A decided record is a file of `proposals/`: a submodule entry with a record's name
    (git calls it a gitlink) is no record, whichever way the proposal is looked up: its branch
    stays open and `find` gives that branch, as `decided_names` leaves the entry out; a number
    that only a submodule bears is no proposal."""
    alice = "alice"
    two_proposals.git(alice, "pull", "-q")
    some_commit = two_proposals.git(alice, "rev-parse", "HEAD").strip()
    two_proposals.git(
        alice,
        "update-index",
        "--add",
        "--cacheinfo",
        f"160000,{some_commit},proposals/0001-valeurs.md",
    )
    two_proposals.git(
        alice,
        "update-index",
        "--add",
        "--cacheinfo",
        f"160000,{some_commit},proposals/0009-sous-module.md",
    )
    two_proposals.git(alice, "commit", "-q", "-m", "Un sous-module au nom d'une proposition")
    two_proposals.git(alice, "push", "-q", "origin", "main")
    store = open_assembly(two_proposals.path("dave"), offline=False)
    store.refresh()
    assert sorted(store.snapshot.branches) == ["0001-valeurs", "0002-droits"]
    assert store.decided_names() == []
    for ident in ("1", "0001-valeurs"):
        name, tip = store.find(ident)
        assert name == "0001-valeurs" and tip is not None
    with pytest.raises(AssembleeError, match="Aucune proposition n°9"):
        store.find("9")


# -- what the use cases ask of the clone (they are never handed its git repository) ----------


def test_the_clone_answers_the_use_cases_questions(assembly: Assembly) -> None:
    alice = assembly.path("alice")
    store = open_assembly(alice, offline=True)
    assert store.identity().email == "alice@exemple.org"
    assert store.root.resolve() == alice.resolve() and not store.bare
    assert store.private_folder.resolve() == (alice / ".git" / "assemblee").resolve()
    path, old, new = EDIT_VALEURS
    assert old in (store.read_text_at(store.trunk, path) or "")
    assert store.read_at(store.trunk, "sections/nulle-part.md") is None
    assert store.head() == store.trunk and store.has_commit(store.trunk)
    assert store.current_branch() == "refs/heads/main"
    assembly.edit("alice", path, old, new)
    assert store.worktree_status() == [(" M", path)]
    store.restore_worktree(store.trunk, [path])
    assert store.worktree_status() == []


def test_the_clone_local_branches_move_by_compare_and_swap(two_proposals: Assembly) -> None:
    two_proposals.git(
        "alice", "branch", "proposition/0001-valeurs", "origin/proposition/0001-valeurs"
    )
    store = open_assembly(two_proposals.path("alice"), offline=False)
    store.refresh()
    tip = store.snapshot.branches["0001-valeurs"].sha
    assert store.local_proposal_branches() == {"0001-valeurs": tip}
    assert not store.is_checked_out("0001-valeurs")
    store.move_local_branch("0001-valeurs", store.trunk, tip)
    with pytest.raises(GitError, match="a changé pendant l'opération"):
        store.move_local_branch("0001-valeurs", tip, tip)
    assert store.local_proposal_branches() == {"0001-valeurs": store.trunk}
    kept = store.keep_for_the_record("0001-valeurs", "20261126T090000Z", tip)
    assert kept == f"{KEPT_PREFIX}0001-valeurs/20261126T090000Z"
    assert store.keep_for_the_record("0001-valeurs", "20261126T090000Z", store.trunk) == kept
    assert two_proposals.git("alice", "rev-parse", kept).strip() == tip  # kept once
    store.delete_local_branch("0001-valeurs", store.trunk)
    assert store.local_proposal_branches() == {}


def test_a_draft_merges_in_memory_what_git_would_merge(two_proposals: Assembly) -> None:
    alice = two_proposals.path("alice")
    store = open_assembly(alice, offline=False)
    store.refresh()
    draft = store.draft()
    # main moved on since the branches forked (another section changed, in memory)
    ours = draft_edit(store, draft, EDIT_QUALITES)
    tips = [tip.sha for tip in store.snapshot.branches.values()]
    for tip, fork in zip(tips, store.forks(tips), strict=True):
        in_memory = draft.merge(ours, tip, fork.changes)
        assert in_memory.tree is not None and in_memory.conflicts == ()
        assert git_run(alice, "cat-file", "-e", in_memory.tree).returncode != 0  # not stored
        # git's own merge (which stores the commit it reads, then its tree) agrees
        assert draft.merge(ours, tip, None) == in_memory
        assert git_run(alice, "cat-file", "-e", in_memory.tree).returncode == 0


def test_a_draft_stores_its_commits_before_git_merges_them(two_proposals: Assembly) -> None:
    alice = two_proposals.path("alice")
    store = open_assembly(alice, offline=False)
    store.refresh()
    draft = store.draft()
    path, old, _new = EDIT_VALEURS
    ours = draft_edit(store, draft, (path, old, "## Valeurs clés\n\nLa joie."))
    assert not store.has_commit(ours)
    tip = store.snapshot.branches["0001-valeurs"].sha
    # main changed the branch's file since it forked: git works the merge out, and finds the
    # conflict, after the draft stored the commit it reads
    merge = draft.merge(ours, tip, store.forks([tip])[0].changes)
    assert merge.tree is None and merge.conflicts == (path,)
    assert store.has_commit(ours)
