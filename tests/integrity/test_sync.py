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


# -- the other writes made offline: withdrawals, closes, new rounds --------------------------


def main_of(a: Any, who: str) -> str:
    return a.git(who, "rev-parse", "refs/heads/main").strip()


def test_an_offline_withdrawal_is_published_and_main_follows_the_shared_one(
    copy_template, template
):
    a = copy_template(template)
    branch = branch_of(a, 1)
    name = name_of(branch)
    out = a.ok("alice", "withdraw", "1", "--offline", now=NEXT_DAY).stdout
    assert "Hors ligne : ce retrait n'est fait que dans votre copie" in out, out
    assert a.remote_branch(branch) is not None  # nothing left alice's clone
    note = a.ok("alice", "update", now=NEXT_DAY).stdout
    assert "publiez-les avec « assemblee sync »" in note, note

    out = a.ok("alice", "sync", now=MONDAY).stdout
    assert "retrait de la proposition n°1 publié" in out, out
    assert a.remote_branch(branch) is None
    assert f"refs/archives/{branch}" in a.remote_refs()
    shared_main = a.remote_git("rev-parse", "main").strip()
    assert record(a.remote_file("main", f"proposals/{name}.md"))["statut"] == "retiree"
    # alice's main is the shared one again; her offline main and archive are kept aside.
    assert main_of(a, "alice") == shared_main
    assert a.git("alice", "status", "--porcelain") == ""
    assert a.git("alice", "for-each-ref", f"refs/archives/{branch}") == ""
    kept = a.git("alice", "for-each-ref", "--format=%(refname)", KEPT).split()
    assert any(ref.startswith(f"{KEPT}main/") for ref in kept), kept
    assert any(ref.startswith(f"{KEPT}{name}/") for ref in kept), kept
    assert "Rien à publier" in a.ok("alice", "sync", now=MONDAY).stdout
    for who in ("alice", "dave"):
        assert a.ok(who, "verify").returncode == 0
    assert a.json("bob", "status", now=MONDAY)["ouvertes"] == []


def test_an_offline_withdrawal_of_a_proposal_decided_meanwhile_is_refused(copy_template, template):
    a = copy_template(template)
    a.ok("alice", "withdraw", "1", "--offline", now=NEXT_DAY)
    [item] = a.json("carol", "close", now=AFTER)
    assert item["statut"] == "adoptee"

    proc = a.run("alice", "sync", now=AFTER)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "retrait de la proposition n°1 refusé : elle a été décidée (adoptée)" in proc.stdout
    # main follows the shared one, the working tree with it: the adopted text is there.
    assert main_of(a, "alice") == a.remote_git("rev-parse", "main").strip()
    assert a.git("alice", "status", "--porcelain") == ""
    assert EDIT_VALEURS[2] in (a.path("alice") / EDIT_VALEURS[0]).read_text(encoding="utf-8")
    assert a.ok("dave", "verify").returncode == 0


def test_a_proposal_opened_and_withdrawn_offline_has_nothing_to_publish(copy_template, template):
    a = copy_template(template)
    before = a.remote_refs()
    a.ok("bob", "propose", "Atelier de printemps", "--offline", now=NEXT_DAY)
    a.ok("bob", "withdraw", "2", "--offline", now=NEXT_DAY)
    out = a.ok("bob", "sync", now=MONDAY).stdout
    assert "la proposition n°2, ouverte puis retirée hors ligne, n'a jamais été publiée" in out
    assert a.remote_refs() == before
    assert main_of(a, "bob") == before["refs/heads/main"]
    assert a.git("bob", "for-each-ref", "refs/archives/") == ""


def test_an_offline_close_is_made_again_on_the_shared_record(copy_template, template):
    """carol closes offline without the block bob published meanwhile: her clone adopts the
    proposal; sync closes again on the shared record, where the block postpones it."""
    a = copy_template(template)
    branch = branch_of(a, 1)
    a.ok("bob", "vote", "1", "blocage", "-r", "Pas encore.", now=NEXT_DAY)
    [item] = a.json("carol", "close", "--offline", now=AFTER)
    assert item["statut"] == "adoptee"

    out = a.ok("carol", "sync", now=AFTER).stdout
    assert "clôture rejouée : n°1 « Valeurs » → reportée" in out, out
    data = record(a.remote_file(branch, f"proposals/{name_of(branch)}.md"))
    assert data["statut"] == "reportee"
    assert a.remote_file("main", f"proposals/{name_of(branch)}.md") is None
    assert main_of(a, "carol") == a.remote_git("rev-parse", "main").strip()
    assert a.git("carol", "status", "--porcelain") == ""
    assert EDIT_VALEURS[2] not in (a.path("carol") / EDIT_VALEURS[0]).read_text(encoding="utf-8")
    assert a.ok("dave", "verify").returncode == 0


def test_a_round_opened_offline_is_opened_before_its_votes_are_published(copy_template, template):
    a = copy_template(template)
    branch = branch_of(a, 1)
    a.ok("bob", "vote", "1", "blocage", "-r", "Pas encore.", now=NEXT_DAY)
    a.ok("dave", "close", now=AFTER)  # postponed
    a.ok("alice", "status", now=AFTER)
    later = "2026-12-03T11:00:00+01:00"  # seven days after the first round opened
    out = a.ok("alice", "relaunch", "1", "--offline", now=later).stdout
    assert "Hors ligne : ce tour n'est ouvert que dans votre copie" in out, out
    out = a.ok("alice", "vote", "1", "d-accord", "--offline", now=later).stdout
    assert "il ne compte qu'une fois publié par « assemblee sync »" in out, out

    sync_at = "2026-12-03T11:30:00+01:00"
    out = a.ok("alice", "sync", now=sync_at).stdout
    assert "tour 2 (consentement) de la proposition n°1 ouvert" in out, out
    assert "avis de alice@exemple.org (d'accord) sur la proposition n°1 publié" in out, out
    data = record(a.remote_file(branch, f"proposals/{name_of(branch)}.md"))
    assert len(data["tours"]) == 2 and data["statut"] == "ouverte"
    [vote] = [v for v in data["votes"] if v["tour"] == 2]
    assert vote["membre"] == "alice@exemple.org"
    assert str(vote["date"]) >= str(data["tours"][1]["ouvert_le"])  # not before its round
    assert a.ok("dave", "verify").returncode == 0


def test_a_main_with_commits_of_its_own_is_said_and_left_alone(copy_template, template):
    a = copy_template(template)
    alice = a.path("alice")
    (alice / "NOTES.md").write_text("Mes notes.\n", encoding="utf-8")
    a.git("alice", "add", "NOTES.md")
    a.git("alice", "commit", "-q", "-m", "Mes notes")
    a.ok("alice", "withdraw", "1", "--offline", now=NEXT_DAY)
    mine = main_of(a, "alice")

    proc = a.run("alice", "sync", now=MONDAY)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "votre main a des commits qu'assemblee n'a pas faits (« Mes notes »)" in proc.stdout
    assert "les retraits et clôtures faits hors ligne sur main attendent eux aussi" in proc.stdout
    assert a.remote_branch(branch_of(a, 1)) is not None
    assert main_of(a, "alice") == mine


def test_an_offline_close_that_only_postponed_is_made_again(copy_template, template):
    """A close that only postponed (a round closed on a branch, nothing on main) is found on
    the branch, and made again on the shared record."""
    a = copy_template(template)
    branch = branch_of(a, 1)
    a.ok("bob", "vote", "1", "blocage", "-r", "Pas encore.", now=NEXT_DAY)
    a.ok("carol", "status", now=NEXT_DAY)  # carol has seen the block
    [item] = a.json("carol", "close", "--offline", now=AFTER)
    assert item["statut"] == "reportee"
    assert record(a.remote_file(branch, f"proposals/{name_of(branch)}.md"))["statut"] == "ouverte"

    out = a.ok("carol", "sync", now=AFTER).stdout
    assert "clôture rejouée : n°1 « Valeurs » → reportée" in out, out
    assert record(a.remote_file(branch, f"proposals/{name_of(branch)}.md"))["statut"] == "reportee"
    assert a.git("carol", "rev-parse", f"refs/heads/{branch}").strip() == a.remote_branch(branch)
    assert a.ok("dave", "verify").returncode == 0


def test_an_offline_withdrawal_survives_a_git_pull_that_merged_the_shared_main(
    copy_template, template
):
    """A member pulls, as git users do, between the offline withdrawal and sync: the merge of
    the shared main into theirs is nothing of their own, and the withdrawal is published."""
    a = copy_template(template)
    a.ok("alice", "withdraw", "1", "--offline", now=NEXT_DAY)
    carol = a.path("carol")
    a.git("carol", "pull", "-q")
    (carol / "NOTES.md").write_text("Compte rendu.\n", encoding="utf-8")
    a.git("carol", "add", "NOTES.md")
    a.git("carol", "commit", "-q", "-m", "Compte rendu de réunion")
    a.git("carol", "push", "-q", "origin", "main")
    a.git("alice", "-c", "pull.rebase=false", "pull", "-q", "--no-edit")
    assert len(a.git("alice", "log", "-1", "--format=%P").split()) == 2  # a merge

    out = a.ok("alice", "sync", now=MONDAY).stdout
    assert "retrait de la proposition n°1 publié" in out, out
    assert main_of(a, "alice") == a.remote_git("rev-parse", "main").strip()
    assert (a.path("alice") / "NOTES.md").exists()
    assert a.git("alice", "status", "--porcelain") == ""


def _amend_offline(a: Any, who: str, branch: str) -> str:
    """An amendment of the text committed on the proposal's branch with plain git, not
    pushed; returns the commit."""
    a.git(who, "fetch", "-q")
    a.git(who, "switch", "-q", "-C", branch, f"origin/{branch}")
    path = a.path(who) / EDIT_VALEURS[0]
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            EDIT_VALEURS[2], "## Valeurs clés\n\nLe soin, la joie."
        ),
        encoding="utf-8",
    )
    a.git(who, "commit", "-q", "-am", "Amendement : la joie")
    a.git(who, "switch", "-q", "main")
    return a.git(who, "rev-parse", branch).strip()


def test_an_amendment_committed_offline_is_published_as_it_is_never_dropped(
    copy_template, template
):
    a = copy_template(template)
    branch = branch_of(a, 1)
    mine = _amend_offline(a, "alice", branch)
    out = a.ok("alice", "sync", now=NEXT_DAY).stdout
    assert "votre branche, qui modifie le texte (« Amendement : la joie »), est publiée" in out
    assert a.remote_branch(branch) == mine
    assert "la joie" in (a.remote_file(branch, EDIT_VALEURS[0]) or "")


def test_an_amendment_behind_the_shared_branch_is_left_untouched_and_said(copy_template, template):
    a = copy_template(template)
    branch = branch_of(a, 1)
    mine = _amend_offline(a, "alice", branch)
    a.ok("carol", "vote", "1", "d-accord", now=NEXT_DAY)  # the shared branch moves on
    shared = a.remote_branch(branch)

    proc = a.run("alice", "sync", now=NEXT_DAY)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "alors que la branche partagée a avancé : sync ne la publie pas" in proc.stdout
    assert a.git("alice", "rev-parse", f"refs/heads/{branch}").strip() == mine
    assert a.remote_branch(branch) == shared


def test_an_announcement_recorded_offline_is_published(copy_template, template):
    a = copy_template(template)
    branch = branch_of(a, 1)
    out = a.ok(
        "carol", "announce", "1", "--enregistrer", "groupe de quartier", "--offline", now=NEXT_DAY
    ).stdout
    assert "groupe de quartier" in out
    assert "Hors ligne : cette annonce n'est enregistrée que dans votre copie" in out, out
    a.ok("bob", "vote", "1", "d-accord", now=NEXT_DAY)  # meanwhile
    out = a.ok("carol", "sync", now=MONDAY).stdout
    assert "annonce de la proposition n°1 (groupe de quartier) publiée" in out, out
    data = record(a.remote_file(branch, f"proposals/{name_of(branch)}.md"))
    assert [x["lieu"] for x in data["annonces"]] == ["groupe de quartier"]
    assert [v["membre"] for v in data["votes"]] == ["bob@exemple.org"]
    assert a.ok("dave", "verify").returncode == 0
