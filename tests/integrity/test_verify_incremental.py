"""`verify` remembers what it proved (.git/assemblee/verifie.json) and checks only what is new:
its answer is always the one of a full `verify --tout`, on honest histories played at random,
after tampering, and whatever happened to what it remembers (damaged, deleted, disabled)."""

from __future__ import annotations

import json
import random
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
    tamper,
    verified,
    vote_entry,
)

PEOPLE = ("alice", "bob", "carol", "dave")
CHOICES = ("d-accord", "abstention", "pas-d-accord", "blocage")


def proof(a: Any, who: str) -> Any:
    return a.path(who) / ".git" / "assemblee" / "verifie.json"


def forge_vote(data: dict[str, Any]) -> None:
    version = data["tours"][0]["version_texte"]
    data["votes"].append(
        vote_entry("dave@exemple.org", "blocage", "2026-11-30T09:00:00Z", version, "Non.")
    )


def shorten(data: dict[str, Any]) -> None:
    data["tours"][0]["echeance"] = "2026-11-27T09:00:00Z"


def change_rules(data: dict[str, Any]) -> None:
    data["regles"]["decision"]["duree_minimale_heures"] = 24


TAMPERINGS = (forge_vote, shorten, change_rules)


@pytest.mark.parametrize("seed", [3, 11])
def test_incremental_equals_full_on_random_histories(assembly: Any, seed: int) -> None:
    """Members propose, vote, verify and close in a random order; at every verify, in any
    clone, the incremental answer is the full one. Then a random tampering, after a verify,
    is found the same way."""
    a = assembly
    chance = random.Random(seed)
    a.propose_edit("alice", "Valeurs", EDIT_VALEURS, now=OPEN)
    a.propose_edit("bob", "Droits", EDIT_DROITS, now=OPEN)
    a.json("dave", "propose", "Atelier", now=OPEN)
    assert verified(a, chance.choice(PEOPLE))["anomalies"] == []
    for step in range(6):
        who = chance.choice(PEOPLE)
        number = chance.randint(1, 3)
        choice = chance.choice(CHOICES)
        when = NEXT_DAY if step < 3 else MONDAY
        args = ["-r", "Pas encore."] if choice == "blocage" else []
        a.run(who, "vote", str(number), choice, *args, now=when)
        if chance.random() < 0.6:
            assert verified(a, chance.choice(PEOPLE), now=when)["anomalies"] == []
    a.json("carol", "close", now=AFTER)
    for who in PEOPLE:
        assert verified(a, who, now=AFTER)["anomalies"] == []
    open_branches = [r for r in a.remote_refs() if r.startswith("refs/heads/proposition/")]
    if open_branches:
        branch = chance.choice(sorted(open_branches)).removeprefix("refs/heads/")
        push = tamper(a, "bob", branch, chance.choice(TAMPERINGS), "À la main")
        assert push is not None and push.returncode == 0, push.stderr
        assert verified(a, chance.choice(PEOPLE), now=AFTER)["anomalies"] != []


@pytest.fixture(scope="module")
def tampered_template(story_template: Any) -> Any:
    """Proposal n°1, verified by dave, then a vote written in dave's name by bob; played once
    for the module."""

    def story(a: Any) -> None:
        a.propose_edit("alice", "Valeurs", EDIT_VALEURS, now=OPEN)
        a.ok("carol", "vote", "1", "d-accord", now=NEXT_DAY)
        assert verified(a, "dave")["anomalies"] == []
        push = tamper(a, "bob", branch_of(a, 1), forge_vote, "Vote de dave")
        assert push is not None and push.returncode == 0, push.stderr

    return story_template("falsifie", story)


@pytest.fixture()
def tampered(copy_template: Any, tampered_template: Any) -> Any:
    """A fresh copy of tampered_template."""
    return copy_template(tampered_template)


def test_an_anomaly_keeps_being_reported(tampered: Any) -> None:
    a = tampered
    first = verified(a, "dave")["anomalies"]
    assert any("écrit par bob@exemple.org" in f["message"] for f in first), first
    a.ok("alice", "vote", "1", "abstention", now=MONDAY)  # something new, checked alone
    again = verified(a, "dave", now=MONDAY)["anomalies"]
    assert all(f in again for f in first), again
    third = a.run("dave", "verify", "--json", now=MONDAY)
    assert third.returncode == 1 and json.loads(third.stdout)["anomalies"] == again


@pytest.mark.parametrize(
    "damage",
    ["deleted", "garbage", "not an object", "wrong shape", "unknown commit", "disabled"],
)
def test_what_verify_remembers_changes_no_answer(tampered: Any, damage: str) -> None:
    a = tampered
    expected = verified(a, "dave")
    path = proof(a, "dave")
    assert path.is_file()
    state = json.loads(path.read_text(encoding="utf-8"))
    extra = None
    if damage == "deleted":
        path.unlink()
    elif damage == "garbage":
        path.write_bytes(b"\x00\xff{ pas du json")
    elif damage == "not an object":
        path.write_text("[1, 2, 3]", encoding="utf-8")
    elif damage == "wrong shape":
        path.write_text(json.dumps({**state, "refs": "main", "anomalies": 7}), encoding="utf-8")
    elif damage == "unknown commit":
        path.write_text(json.dumps({**state, "refs": {"main": "f" * 40}}), encoding="utf-8")
    else:
        extra = {"ASSEMBLEE_SANS_CACHE": "1"}
    proc = a.run("dave", "verify", "--json", extra=extra)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    document = json.loads(proc.stdout)
    key = sorted(json.dumps(f, sort_keys=True) for f in document["anomalies"])
    assert key == sorted(json.dumps(f, sort_keys=True) for f in expected["anomalies"])
    assert {k: v for k, v in document.items() if k != "anomalies"} == {
        k: v for k, v in expected.items() if k != "anomalies"
    }
    if damage == "disabled":
        assert json.loads(path.read_text(encoding="utf-8")) == state  # neither read nor written


def test_a_rewrite_of_a_proven_branch_is_reported_at_every_run(assembly: Any) -> None:
    a = assembly
    a.propose_edit("alice", "Valeurs", EDIT_VALEURS, now=OPEN)
    branch = branch_of(a, 1)
    before = a.remote_branch(branch)
    a.ok("bob", "vote", "1", "blocage", "-r", "Pas prêt.", now=NEXT_DAY)
    assert verified(a, "bob")["anomalies"] == []
    alice = a.path("alice")
    git(alice, "fetch", "-q", "origin")
    git(alice, "push", "-q", "-f", "origin", f"{before}:refs/heads/{branch}")
    for _run in range(2):
        found = [f["message"] for f in verified(a, "bob")["anomalies"]]
        assert any("réécrite" in m for m in found), found


def test_the_record_stays_out_of_the_working_tree(tampered: Any) -> None:
    a = tampered
    verified(a, "dave")
    assert proof(a, "dave").is_file()
    assert git(a.path("dave"), "status", "--porcelain", "--ignored").strip() == ""


def test_a_run_with_nothing_new_keeps_what_was_proven(assembly: Any) -> None:
    """After a full check, runs with nothing new to check leave the record as it was: the
    founding point of main stays known, so the next run is incremental too (it once alternated
    with a full check, every other run)."""
    a = assembly
    a.propose_edit("alice", "Valeurs", EDIT_VALEURS, now=OPEN)
    a.ok("bob", "vote", "1", "d-accord", now=NEXT_DAY)
    a.ok("carol", "close", now=AFTER)
    a.ok("bob", "verify", "--tout", now=AFTER)
    recorded = json.loads(proof(a, "bob").read_text(encoding="utf-8"))
    assert recorded["fondation"] is not None
    for _run in range(2):
        a.ok("bob", "verify", now=AFTER)
        assert json.loads(proof(a, "bob").read_text(encoding="utf-8")) == recorded


def test_a_branch_that_merges_main_into_itself_keeps_the_founding_point(assembly: Any) -> None:
    """Main's founding commits end where the first proposal forked from it. When that
    proposal's branch later merges main into itself, it still started from the same commit:
    a direct change of the text on main made in between stays found, by the incremental
    check as by the full one (the full one once took the newest commit of main the branch
    reached for its starting point)."""
    a = assembly
    a.propose_edit("alice", "Valeurs", EDIT_VALEURS, now=OPEN)
    assert verified(a, "bob")["anomalies"] == []
    dave = a.path("dave")
    git(dave, "pull", "-q", "--ff-only", "origin", "main")
    a.edit("dave", *EDIT_DROITS)
    git(dave, "commit", "-q", "-am", "Petite correction")
    git(dave, "push", "-q", "origin", "main")
    found = [f["message"] for f in verified(a, "bob")["anomalies"]]
    assert any("hors de toute proposition" in m for m in found), found
    branch = branch_of(a, 1)
    alice = a.path("alice")
    git(alice, "fetch", "-q", "origin")
    git(alice, "switch", "-q", "-C", branch, f"origin/{branch}")
    git(alice, "merge", "-q", "--no-edit", "origin/main")
    git(alice, "push", "-q", "origin", branch)
    git(alice, "switch", "-q", "main")
    for who in ("bob", "carol"):  # carol checks everything for the first time
        found = [f["message"] for f in verified(a, who)["anomalies"]]
        assert any("hors de toute proposition" in m for m in found), found
