"""`assemblee sync` publishes what was written with --offline, replayed on what the others
pushed meanwhile: offline votes are re-applied on the latest record, an offline proposal whose
number was taken is renumbered, and a vote whose deadline passed is refused and kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.helpers import AFTER, EDIT_VALEURS, MONDAY, NEXT_DAY, OPEN, branch_of, name_of, record

KEPT = "refs/assemblee/hors-ligne/"


@pytest.fixture(scope="module")
def template(story_template: Any) -> Path:
    """Proposal n°1 (alice, the values) open until DEADLINE; every clone has fetched it."""

    def story(a: Any) -> None:
        a.propose_edit("alice", "Valeurs", EDIT_VALEURS, now=OPEN)
        for who in ("bob", "carol", "dave"):
            a.ok(who, "status", now=OPEN)

    return story_template("sync", story)


def votes_on(a: Any, branch: str) -> dict[str, str]:
    data = record(a.remote_file(branch, f"proposals/{name_of(branch)}.md"))
    return {v["membre"]: v["choix"] for v in data["votes"]}


def test_an_offline_vote_is_replayed_on_top_of_a_vote_pushed_meanwhile(copy_template, template):
    a = copy_template(template)
    branch = branch_of(a, 1)
    before = a.remote_branch(branch)
    a.ok("bob", "vote", "1", "d-accord", "--offline", now=NEXT_DAY)
    assert a.remote_branch(branch) == before  # nothing left bob's clone
    a.ok("carol", "vote", "1", "blocage", "-r", "Pas encore.", now=NEXT_DAY)
    assert votes_on(a, branch) == {"carol@exemple.org": "blocage"}

    out = a.ok("bob", "sync", now=MONDAY).stdout
    assert "publié" in out, out
    assert votes_on(a, branch) == {"carol@exemple.org": "blocage", "bob@exemple.org": "d-accord"}
    # bob's local branch follows what was published; a second sync has nothing to do.
    assert a.git("bob", "rev-parse", f"refs/heads/{branch}").strip() == a.remote_branch(branch)
    assert "Rien à publier" in a.ok("bob", "sync", now=MONDAY).stdout
    assert a.ok("dave", "verify").returncode == 0


def test_an_offline_proposal_whose_number_was_taken_is_renumbered(copy_template, template):
    a = copy_template(template)
    offline = a.json("bob", "propose", "Atelier de printemps", "--offline", now=NEXT_DAY)
    assert offline["id"] == 2
    assert not any("0002" in ref for ref in a.remote_refs())
    online = a.json("dave", "propose", "Fête de quartier", now=NEXT_DAY)
    assert online["id"] == 2

    out = a.ok("bob", "sync", now=MONDAY).stdout
    assert "sous le n°3 (le n°2 était pris)" in out, out
    refs = a.remote_refs()
    assert "refs/heads/proposition/0002-fete-de-quartier" in refs
    assert "refs/heads/proposition/0003-atelier-de-printemps" in refs
    assert "refs/heads/proposition/0002-atelier-de-printemps" not in refs
    assert "refs/assemblee/numeros/0003" in refs
    branch = "proposition/0003-atelier-de-printemps"
    files = a.remote_git("ls-tree", "-r", "--name-only", branch, "proposals/").split()
    assert "proposals/0003-atelier-de-printemps.md" in files
    assert "proposals/0002-atelier-de-printemps.md" not in files
    data = record(a.remote_file(branch, "proposals/0003-atelier-de-printemps.md"))
    assert (data["id"], data["titre"]) == (3, "Atelier de printemps")
    # bob's clone drops the old local name; everyone sees three distinct proposals.
    assert a.git("bob", "branch", "--list", "proposition/0002-atelier-de-printemps") == ""
    status = a.json("carol", "status", now=MONDAY)
    assert sorted(p["id"] for p in status["ouvertes"]) == [1, 2, 3]
    assert status["erreurs"] == []
    a.ok("carol", "vote", "3", "d-accord", now=MONDAY)
    assert a.ok("dave", "verify").returncode == 0


def test_an_offline_vote_synced_after_the_deadline_is_refused_and_kept(copy_template, template):
    a = copy_template(template)
    branch = branch_of(a, 1)
    a.ok("bob", "vote", "1", "blocage", "-r", "Trop tôt.", "--offline", now=NEXT_DAY)
    local = a.git("bob", "rev-parse", f"refs/heads/{branch}").strip()
    before = a.remote_refs()

    proc = a.run("bob", "sync", now=AFTER)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout + proc.stderr
    assert "refusé" in out and "l'échéance est passée avant qu'il puisse être publié" in out, out
    assert KEPT in out
    assert a.remote_refs() == before
    assert votes_on(a, branch) == {}
    kept = a.git("bob", "for-each-ref", "--format=%(refname) %(objectname)", KEPT).split()
    assert len(kept) == 2 and kept[0].startswith(f"{KEPT}{name_of(branch)}/"), kept
    assert kept[1] == local
    # The proposal closes without bob's late block.
    [item] = a.json("carol", "close", now=AFTER)
    assert (item["id"], item["statut"]) == (1, "adoptee")
