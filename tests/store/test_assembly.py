"""The assembly as stored in git, read without checking anything out: the trunk and the rules
and roster at a commit, open proposals from branch tips (local and remote), decided ones from
main, names resolved from `7`, `0007` or a branch name, and the fork of each branch."""

from __future__ import annotations

import pytest
from tests.helpers import AFTER, EDIT_DROITS, EDIT_VALEURS, NEXT_DAY, OPEN, Assembly

from assemblee_cli.errors import AssembleeError
from assemblee_cli.store.assembly import EMPTY_VERSION, open_assembly


@pytest.fixture()
def two_proposals(assembly: Assembly) -> Assembly:
    assembly.propose_edit("alice", "Valeurs", EDIT_VALEURS, now=OPEN)
    assembly.propose_edit("bob", "Droits", EDIT_DROITS, now=OPEN)
    return assembly


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
