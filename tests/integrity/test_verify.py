"""`assemblee verify` replays the whole history and names every tampering a member could do
with plain git (edit the proposal file, commit as themselves, push); an honest history, a
secretary-recorded vote included, passes.

Template: proposal n°1 (alice, text of the values) with carol's agreement; proposal n°2
(alice, text of the rights) blocked by bob; proposal n°3 (dave, a decision) that dave withdrew."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.helpers import (
    AFTER,
    EDIT_DROITS,
    EDIT_VALEURS,
    MONDAY,
    NEXT_DAY,
    OPEN,
    branch_of,
    git,
    record,
    tamper,
    verified,
    vote_entry,
)


@pytest.fixture(scope="module")
def template(story_template: Any) -> Path:

    def story(a: Any) -> None:
        a.propose_edit("alice", "Valeurs", EDIT_VALEURS, now=OPEN)
        a.propose_edit("alice", "Droits", EDIT_DROITS, now=OPEN)
        a.json("dave", "propose", "Atelier de printemps", now=OPEN)
        a.ok("carol", "vote", "1", "d-accord", now=NEXT_DAY)
        a.ok("bob", "vote", "2", "blocage", "-r", "Trop vague.", now=NEXT_DAY)
        a.ok("dave", "withdraw", "3", now=NEXT_DAY)
        a.ok("dave", "verify")  # every tampering below comes after a successful verify

    return story_template("verify", story)


def verify_json(a: Any, who: str = "dave") -> tuple[int, list[dict[str, Any]]]:
    found = verified(a, who)["anomalies"]
    return (1 if found else 0), found


def assert_caught(a: Any, fragment: str) -> str:
    """verify exits 1 and one finding says `fragment` (on the incremental path, as with
    --tout, and again at the next run); returns the text output."""
    assert any(fragment in f["message"] for f in verify_json(a)[1]), verify_json(a)
    proc = a.run("dave", "verify")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "anomalie(s)" in proc.stdout
    assert fragment in proc.stdout, proc.stdout
    return proc.stdout


def test_an_honest_history_passes(copy_template, template):
    a = copy_template(template)
    assert verify_json(a) == (0, [])
    items = a.json("carol", "close", now=AFTER)
    assert sorted((i["id"], i["statut"]) for i in items) == [(1, "adoptee"), (2, "reportee")]
    out = a.ok("bob", "verify").stdout
    assert "aucune anomalie" in out, out
    summary = json.loads(a.ok("bob", "verify", "--json").stdout)
    assert summary["anomalies"] == []
    assert summary["propositions"] == 3 and summary["fusions"] == 1


def test_a_vote_recorded_by_the_secretariat_is_not_a_finding(copy_template, template):
    a = copy_template(template)
    a.ok("carol", "vote", "2", "d-accord", "--member", "dave@exemple.org", now=MONDAY)
    votes = record(a.remote_file(branch_of(a, 2), f"proposals/{branch_of(a, 2)[12:]}.md"))["votes"]
    assert {"membre": "dave@exemple.org", "saisi_par": "carol@exemple.org"}.items() <= next(
        v for v in votes if v["membre"] == "dave@exemple.org"
    ).items()
    assert verify_json(a) == (0, [])


def test_a_vote_written_by_another_member_is_caught(copy_template, template):
    a = copy_template(template)
    branch = branch_of(a, 1)

    def forge(data: dict[str, Any]) -> None:
        version = data["tours"][0]["version_texte"]
        data["votes"].append(
            vote_entry("dave@exemple.org", "blocage", "2026-11-30T09:00:00Z", version, "Non.")
        )

    push = tamper(a, "bob", branch, forge, "Vote sur la proposition n°1 : dave — blocage")
    assert push is not None and push.returncode == 0, push.stderr
    assert_caught(a, "l'avis de dave@exemple.org (tour 1) a été écrit par bob@exemple.org")


def test_a_vote_changed_by_someone_else_is_caught(copy_template, template):
    a = copy_template(template)
    branch = branch_of(a, 1)

    def change(data: dict[str, Any]) -> None:
        [carol] = [v for v in data["votes"] if v["membre"] == "carol@exemple.org"]
        carol["choix"] = "blocage"
        carol["raison"] = "Elle a changé d'avis, paraît-il."

    push = tamper(a, "bob", branch, change)
    assert push is not None and push.returncode == 0, push.stderr
    assert_caught(a, "l'avis de carol@exemple.org (tour 1) a été écrit par bob@exemple.org")


def test_a_vote_added_after_the_round_was_closed_is_caught(copy_template, template):
    a = copy_template(template)
    [_, postponed] = sorted(a.json("carol", "close", now=AFTER), key=lambda i: i["id"])
    assert postponed["statut"] == "reportee"
    branch = branch_of(a, 2)

    def late(data: dict[str, Any]) -> None:
        version = data["tours"][0]["version_texte"]
        data["votes"].append(
            vote_entry("dave@exemple.org", "d-accord", "2026-11-30T09:00:00Z", version)
        )

    push = tamper(a, "dave", branch, late, "Vote sur la proposition n°2 : dave — d'accord")
    assert push is not None and push.returncode == 0, push.stderr
    assert_caught(a, "un avis de dave@exemple.org a été ajouté après la clôture du tour 1")


def test_a_vote_that_also_changes_the_text_is_caught(copy_template, template):
    """dave records his own vote, honestly, but the same commit changes the proposal's text:
    the text would change without the votes cast on it knowing."""
    a = copy_template(template)
    branch = branch_of(a, 2)
    text = a.path("dave") / EDIT_DROITS[0]

    def vote_and_edit(data: dict[str, Any]) -> None:
        version = data["tours"][0]["version_texte"]
        data["votes"].append(
            vote_entry("dave@exemple.org", "d-accord", "2026-11-27T09:00:00Z", version)
        )
        with text.open("a", encoding="utf-8") as handle:
            handle.write("Et une phrase de plus.\n")

    push = tamper(a, "dave", branch, vote_and_edit, "Vote sur la proposition n°2 : dave")
    assert push is not None and push.returncode == 0, push.stderr
    changed = git(a.path("dave"), "show", "--name-only", "--format=", f"origin/{branch}")
    assert EDIT_DROITS[0] in changed.split(), changed
    assert_caught(a, "un commit d'avis modifie aussi le texte ou d'autres fichiers")


def test_a_merge_into_main_without_an_adopting_tally_is_caught(copy_template, template):
    a = copy_template(template)
    a.json("carol", "close", now=AFTER)  # n°2 is postponed: bob's block stands
    branch = branch_of(a, 2)
    name = branch.removeprefix("proposition/")

    def overrule(data: dict[str, Any]) -> None:
        data["statut"] = "adoptee"
        data["tours"][0]["resultat"] = "adoptee"

    tamper(a, "alice", branch, overrule, push=False)
    alice = a.path("alice")
    git(alice, "merge", "-q", "--ff-only", "origin/main")
    git(
        alice,
        "merge",
        "-q",
        "--no-ff",
        branch,
        "-m",
        f"Proposition n°2 adoptée (consentement) : Droits\n\nAssemblee-Proposition: {name}",
    )
    git(alice, "push", "-q", "origin", "main")
    assert "Ouverts." in a.remote_file("main", "sections/04-droits.md")
    out = assert_caught(a, "fusionnée dans main sans un décompte qui permette l'adoption")
    assert f"{name} (commit" in out


def test_a_submodule_in_place_of_a_record_is_caught(copy_template, template):
    """A submodule (a gitlink: a commit of another repository) named like a record is said
    to be one, not read as a file that lacks its header; the proposal it replaced stays a
    proposal."""
    a = copy_template(template)
    record_path = f"proposals/{branch_of(a, 1).removeprefix('proposition/')}.md"
    a.json("carol", "close", now=AFTER)  # n°1 adopted: its record is on main
    alice = a.path("alice")
    git(alice, "pull", "-q")
    elsewhere = "1234567890123456789012345678901234567890"  # not in this repository
    git(alice, "rm", "-q", "--cached", record_path)
    for path in (record_path, "proposals/0009-ailleurs.md"):
        git(alice, "update-index", "--add", "--cacheinfo", f"160000,{elsewhere},{path}")
    git(alice, "commit", "-q", "-m", "Des sous-modules")
    git(alice, "push", "-q", "origin", "main")
    out = assert_caught(a, f"{record_path} est un sous-module git")
    assert "proposals/0009-ailleurs.md est un sous-module git" in out
    assert "en-tête YAML" not in out
    full = a.run("dave", "verify", "--tout")
    assert full.returncode == 1 and full.stdout == out, full.stdout + full.stderr


def test_a_stored_tally_that_does_not_match_the_votes_is_caught(copy_template, template):
    a = copy_template(template)
    a.json("carol", "close", now=AFTER)
    branch = branch_of(a, 2)

    def forge(data: dict[str, Any]) -> None:
        data["tours"][0]["decompte"] = {
            "d-accord": 3,
            "abstention": 0,
            "pas-d-accord": 0,
            "blocage": 1,
        }

    push = tamper(a, "bob", branch, forge, "Décompte corrigé")
    assert push is not None and push.returncode == 0, push.stderr
    assert_caught(a, "le décompte enregistré du tour 1 ne correspond pas aux avis")


def test_rules_changed_inside_a_running_proposal_are_caught(copy_template, template):
    a = copy_template(template)
    branch = branch_of(a, 1)

    def shorten(data: dict[str, Any]) -> None:
        data["regles"]["decision"]["duree_minimale_heures"] = 24

    push = tamper(a, "alice", branch, shorten, "Délai raccourci")
    assert push is not None and push.returncode == 0, push.stderr
    assert_caught(a, "les règles recopiées dans la proposition ont été modifiées en cours de route")


def test_a_withdrawal_by_someone_else_than_the_author_is_caught(copy_template, template):
    """Only the author withdraws a proposal (lifecycle.withdraw): a withdrawal written with
    plain git by another member is named, on the branch and on main."""
    a = copy_template(template)
    branch = branch_of(a, 1)

    def withdraw(data: dict[str, Any]) -> None:
        data["statut"] = "retiree"
        data["retiree_le"] = "2026-11-30T09:00:00Z"

    push = tamper(a, "bob", branch, withdraw, "Proposition n°1 retirée par son auteur·rice")
    assert push is not None and push.returncode == 0, push.stderr
    assert_caught(a, "la proposition n°1 a été retirée par bob@exemple.org")
