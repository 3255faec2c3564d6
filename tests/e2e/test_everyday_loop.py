"""Issue 11, one test per defect seen while living with the tool for weeks: members each in
their own clone, `git pull` between steps, simulated time moving on."""

from __future__ import annotations

import json
import subprocess

from tests.helpers import (
    AFTER,
    DEADLINE,
    DROITS,
    EDIT_DROITS,
    EDIT_VALEURS,
    NEXT_DAY,
    OPEN,
    QUALITES,
    VALEURS,
    branch_of,
    record,
)

LATER = "2026-12-03T10:00:00+01:00"
LATER_DEADLINE = "2026-12-08T10:00:00+01:00"
ROSTER = "codesocial/membres.yml"


# -- 1. the contributor's loop -------------------------------------------------------------


def test_propose_leaves_a_clone_that_git_pull_brings_forward(assembly):
    a = assembly
    (a.path("bob") / "notes.txt").write_text("mes notes, pas à proposer\n", encoding="utf-8")
    a.edit("bob", *EDIT_VALEURS)
    proc = a.ok("bob", "propose", "Le soin", now=OPEN)
    assert f"copie de travail, {VALEURS} reprend le texte de main" in proc.stdout
    # The edit went to the proposal's branch; the clone is back on main's text, and the
    # unrelated unsaved work is still there.
    assert a.git("bob", "status", "--porcelain") == "?? notes.txt\n"
    assert "Le soin." not in (a.path("bob") / VALEURS).read_text(encoding="utf-8")
    a.git("bob", "pull", "-q")  # before adoption
    [item] = a.json("carol", "close", now=DEADLINE)
    assert item["statut"] == "adoptee"
    a.git("bob", "pull", "-q")  # after adoption: brings the decision
    assert "Le soin." in (a.path("bob") / VALEURS).read_text(encoding="utf-8")
    assert (a.path("bob") / "notes.txt").exists()


def test_two_files_given_back_and_a_withdrawal_are_said_in_plain_french(assembly):
    a = assembly
    a.edit("bob", *EDIT_VALEURS)
    a.edit("bob", *EDIT_DROITS)
    out = a.ok("bob", "propose", "Deux sections", now=OPEN).stdout
    assert f"{VALEURS}, {DROITS} reprennent le texte de main" in " ".join(out.split())
    a.ok("bob", "withdraw", "1", now=NEXT_DAY)
    status = " ".join(a.ok("carol", "status", now=NEXT_DAY).stdout.split())
    # A withdrawal is no vote: no mode of decision, no tally.
    assert "n°1 « Deux sections » : retirée par son auteur·rice, le vendredi 27" in status
    assert "consentement" not in status


def test_a_proposal_from_a_stale_clone_is_built_on_the_shared_main(assembly):
    a = assembly
    a.propose_edit("alice", "Le soin", EDIT_VALEURS, now=OPEN)
    a.json("carol", "close", now=DEADLINE)
    # Dave never pulled: his main is a decision behind.
    stale = a.git("dave", "rev-parse", "main").strip()
    a.edit("dave", *EDIT_DROITS)
    p = a.json("dave", "propose", "Ouvrir les droits", now=AFTER)
    assert p["fichiers"] == [DROITS]
    branch = a.remote_branch(p["branche"])
    main = a.remote_branch("main")
    assert main != stale
    a.remote_git("merge-base", "--is-ancestor", main, branch)
    changed = a.remote_git("diff", "--name-only", main, branch).split()
    assert set(changed) == {DROITS, f"proposals/{p['branche'].removeprefix('proposition/')}.md"}
    # Re-proposing what was already adopted (still in a stale working tree) is refused.
    a.git("dave", "checkout", "-q", "--", DROITS)
    a.edit("dave", *EDIT_VALEURS)
    message = a.refused("dave", "propose", "Le soin encore", now=AFTER)
    assert "déjà dans le texte de main" in message
    # Dave's clone catches up in one command, and says what happened meanwhile.
    a.git("dave", "checkout", "-q", "--", VALEURS)
    out = a.ok("dave", "update", now=AFTER).stdout
    assert "n°1" in out and "adoptée" in out and "n°2" in out
    assert a.git("dave", "rev-parse", "main").strip() == main
    assert "Le soin." in (a.path("dave") / VALEURS).read_text(encoding="utf-8")
    again = a.ok("dave", "update", now=AFTER).stdout
    assert "Rien de nouveau" in again


def test_update_says_when_the_clone_is_left_on_a_decided_proposals_branch(assembly):
    """Seen live: an author switched to her branch to amend it; once it was adopted, `git
    pull` failed (the branch is gone) and `update` said « à jour » while her working tree
    still showed the proposal's text."""
    a = assembly
    a.propose_edit("alice", "Le soin", EDIT_VALEURS, now=OPEN)
    branch = branch_of(a, 1)
    a.git("bob", "fetch", "-q")
    a.git("bob", "switch", "-q", branch)
    open_branch = a.json("bob", "update", now=NEXT_DAY)
    assert open_branch["branche_decidee"] is None  # open: amending it is what he is doing
    a.json("carol", "close", now=DEADLINE)
    out = " ".join(a.ok("bob", "update", now=AFTER).stdout.split())
    assert "encore sur la branche de la proposition n°1, qui est adoptée" in out, out
    assert "git switch main" in out
    assert a.git("bob", "branch", "--show-current").strip() == branch  # said, not done
    a.git("bob", "switch", "-q", "main")
    assert a.json("bob", "update", now=AFTER)["branche_decidee"] is None


def test_a_branch_already_proposed_is_amended_not_proposed_twice(assembly):
    """Seen live: Farid proposed from his own branch, committed once more on it and ran
    `propose` again; a second proposal opened with the first one's text inside. Now refused,
    with how to amend the first, which the first `propose` already says."""
    a = assembly
    bob = a.path("bob")
    a.git("bob", "switch", "-q", "-c", "mon-idee")
    a.edit("bob", *EDIT_VALEURS)
    a.git("bob", "commit", "-qam", "Le soin")
    out = " ".join(a.ok("bob", "propose", "Le soin", now=OPEN).stdout.split())
    branch = branch_of(a, 1)
    assert f"faites vos commits sur la branche de la proposition (git switch {branch}" in out
    a.edit("bob", *EDIT_DROITS)
    a.git("bob", "commit", "-qam", "Et les droits")
    before = a.remote_refs()
    message = " ".join(a.refused("bob", "propose", "Le soin et les droits", now=NEXT_DAY).split())
    assert "contient déjà le texte de la proposition n°1" in message and branch in message
    assert a.remote_refs() == before
    # What it says works: the commit goes onto the proposal's branch, as an amendment.
    a.git("bob", "switch", "-q", branch)
    a.git("bob", "cherry-pick", "mon-idee")
    a.git("bob", "push", "-q", "origin", branch)
    assert a.json("carol", "show", "1", now=NEXT_DAY)["fichiers"] == [VALEURS, DROITS]
    # A branch of its own, from main, is proposed as usual.
    a.git("bob", "switch", "-q", "-c", "autre", "origin/main")
    (bob / QUALITES).write_text("# Qualités\n\nAutre chose.\n", encoding="utf-8")
    a.git("bob", "commit", "-qam", "Autre chose")
    assert a.json("bob", "propose", "Autre chose", now=NEXT_DAY)["id"] == 2


def test_an_edit_of_a_paragraph_main_changed_elsewhere_is_merged_on_main(assembly):
    a = assembly
    a.propose_edit("alice", "Le soin", EDIT_VALEURS, now=OPEN)
    a.json("carol", "close", now=DEADLINE)
    # Bob edits another paragraph of the same file from his stale clone.
    a.edit("bob", VALEURS, "## Gouvernance\n\n[à compléter]", "## Gouvernance\n\nPar consentement.")
    p = a.json("bob", "propose", "Gouvernance", now=AFTER)
    text = a.remote_file(p["branche"], VALEURS)
    assert "Le soin." in text and "Par consentement." in text
    [item] = a.json("carol", "close", now=LATER_DEADLINE)
    assert item["statut"] == "adoptee"
    assert a.json("carol", "verify")["anomalies"] == []


# -- 3. offline and sync ---------------------------------------------------------------------


def test_an_offline_vote_on_a_stale_main_is_not_an_amendment(assembly):
    a = assembly
    a.propose_edit("alice", "Le soin", EDIT_VALEURS, now=OPEN)
    a.json("carol", "close", now=DEADLINE)
    p = a.propose_edit("carol", "Ouvrir les droits", EDIT_DROITS, now=AFTER)
    a.git("bob", "fetch", "-q")  # bob's main stays behind
    out = a.ok("bob", "vote", "2", "d-accord", "--offline", now=LATER).stdout
    assert "modifié" not in out
    local = record(a.git("bob", "show", f"{p['branche']}:proposals/{p['branche'][12:]}.md"))
    assert (
        local["tours"][0]["echeance"]
        == record(a.remote_file(p["branche"], f"proposals/{p['branche'][12:]}.md"))["tours"][0][
            "echeance"
        ]
    )
    a.ok("bob", "sync", now=LATER)
    shared = record(a.remote_file(p["branche"], f"proposals/{p['branche'][12:]}.md"))
    assert [(v["membre"], v["choix"]) for v in shared["votes"]] == [("bob@exemple.org", "d-accord")]


def test_an_offline_vote_on_a_proposal_closed_meanwhile_is_refused_and_kept(assembly):
    a = assembly
    p = a.propose_edit("alice", "Le soin", EDIT_VALEURS, now=OPEN)
    a.git("bob", "fetch", "-q")
    a.ok("bob", "vote", "1", "blocage", "-r", "Trop vague.", "--offline", now=NEXT_DAY)
    [item] = a.json("carol", "close", now=DEADLINE)
    assert item["statut"] == "adoptee"
    proc = a.run("bob", "sync", now=AFTER)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "proposition n°1" in proc.stdout and "blocage" in proc.stdout
    kept = a.git("bob", "for-each-ref", "--format=%(refname)", "refs/assemblee/hors-ligne/")
    assert p["branche"].removeprefix("proposition/") in kept
    # Said once: a second sync has nothing left to publish.
    assert a.run("bob", "sync", now=AFTER).returncode == 0


def test_a_decided_proposal_is_named_by_its_number_when_it_is_no_longer_open(assembly):
    """A vote or a new round asked for a proposal decided meanwhile: refused in plain words
    (« la proposition n°1 »), not with its branch's name."""
    a = assembly
    a.propose_edit("alice", "Le soin", EDIT_VALEURS, now=OPEN)
    a.json("carol", "close", now=DEADLINE)
    for args in (("vote", "1", "d-accord"), ("relaunch", "1")):
        proc = a.run("bob", *args, now=AFTER)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        said = proc.stdout + proc.stderr
        assert "La proposition n°1 est déjà adoptée : elle n'est plus ouverte." in said, said
        assert "0001-" not in said and "Traceback" not in said


def test_an_offline_proposal_whose_number_was_taken_by_a_closed_one_is_renumbered(assembly):
    a = assembly
    a.edit("bob", *EDIT_DROITS)
    offline = a.json("bob", "propose", "Ouvrir les droits", "--offline", now=OPEN)
    assert offline["id"] == 1
    a.propose_edit("alice", "Le soin", EDIT_VALEURS, now=OPEN)
    a.json("carol", "close", now=DEADLINE)
    proc = a.run("bob", "sync", now=AFTER)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "n°2" in proc.stdout
    assert any(r.startswith("refs/heads/proposition/0002-") for r in a.remote_refs())


# -- 4. nothing invalid reaches main --------------------------------------------------------


def test_a_proposal_that_would_break_the_roster_is_refused(assembly):
    a = assembly
    a.edit("bob", ROSTER, "  roles: [secretariat]", "  role: [secretariat]")
    before = a.remote_refs()
    message = a.refused("bob", "propose", "Rôles", now=OPEN)
    assert "invalide" in message and ROSTER in message and "role" in message
    assert a.remote_refs() == before


def test_a_roster_broken_by_hand_on_main_still_lets_members_propose_the_repair(assembly):
    a = assembly
    a.edit("alice", ROSTER, "  roles: [secretariat]", "  role: [secretariat]")
    a.git("alice", "commit", "-qam", "Rôles (à la main)")
    a.git("alice", "push", "-q", "origin", "main")
    a.git("bob", "pull", "-q")
    assert a.run("bob", "status", now=OPEN).returncode == 0
    a.edit("bob", ROSTER, "  role: [secretariat]", "  roles: [secretariat]")
    proc = a.ok("bob", "propose", "Réparer la liste des membres", "--json", now=OPEN)
    assert "role" in proc.stderr and "dernière version valide" in proc.stderr
    assert json.loads(proc.stdout)["fichiers"] == [ROSTER]
    [item] = a.json("carol", "close", now=DEADLINE)
    assert item["statut"] == "adoptee"
    assert a.run("bob", "status", now=DEADLINE).stderr == ""


# -- 2. conflicts with a way out -------------------------------------------------------------


def test_an_adopted_proposal_in_conflict_is_named_and_its_commands_work_to_the_letter(assembly):
    a = assembly
    old = "## Valeurs clés\n\n[à compléter]"
    a.propose_edit("alice", "Valeurs A", (VALEURS, old, "## Valeurs clés\n\nLe soin."), now=OPEN)
    second = a.propose_edit(
        "bob", "Valeurs B", (VALEURS, old, "## Valeurs clés\n\nLa joie."), now=OPEN
    )
    a.ok("carol", "vote", "2", "d-accord", now=NEXT_DAY)
    proc = a.run("carol", "close", now=DEADLINE)
    assert proc.returncode == 1 and "la proposition n°2" in proc.stderr
    assert "adoptée" not in proc.stdout.split("n°2", 1)[1].split("\n", 1)[0]
    status = a.json("dave", "status", now=DEADLINE)
    [item] = status["ouvertes"]
    assert item["id"] == 2 and item["probleme"] == "conflit"
    assert "conflit" in a.ok("dave", "status", now=DEADLINE).stdout
    shown = a.ok("bob", "show", "2", now=DEADLINE).stdout
    assert "en conflit" in shown and "git merge origin/main" in shown
    items = json.loads(a.run("carol", "close", "--json", now=DEADLINE).stdout)
    [commands] = [i["commandes"] for i in items if i["id"] == 2]
    # Bob follows them to the letter, in his clone (his main is behind, as it usually is).
    clone = a.path("bob")
    for command in commands:
        if command.startswith("("):  # resolve the conflict the way bob wants, then go on
            (clone / VALEURS).write_text(
                a.remote_file("main", VALEURS).replace("Le soin.", "Le soin et la joie."),
                encoding="utf-8",
            )
            a.git("bob", "add", VALEURS)
            a.git("bob", "commit", "--no-edit")
            continue
        proc = subprocess.run(command, shell=True, cwd=clone, capture_output=True, text=True)
        if command.startswith("git merge"):
            assert proc.returncode != 0 and "CONFLICT" in proc.stdout + proc.stderr
        else:
            assert proc.returncode == 0, f"{command}\n{proc.stdout}{proc.stderr}"
    # The text changed: carol's vote no longer counts and the window restarts.
    [item] = a.json("carol", "close", now=AFTER)
    assert item["id"] == 2 and item["statut"] == "ouverte" and item["probleme"] is None
    shown = a.json("bob", "show", "2", now=AFTER)
    assert shown["decompte"]["d-accord"] == 0
    [item] = a.json("carol", "close", now=LATER_DEADLINE)
    assert item["statut"] == "adoptee"
    assert "Le soin et la joie." in a.remote_file("main", VALEURS)
    assert a.json("carol", "verify")["anomalies"] == []
    assert a.remote_branch(second["branche"]) is None


# -- 6. verify tells the truth about an honest history --------------------------------------


def welcome_emma(a):
    """Bob proposes to add Emma to the roster (codesocial/membres.yml)."""
    a.edit(
        "bob",
        ROSTER,
        "- nom: Dave Moreau",
        "- nom: Emma Roux\n  email: emma@exemple.org\n- nom: Dave Moreau",
    )
    return a.json("bob", "propose", "Accueillir Emma", now=OPEN)


def test_verify_has_no_false_alarm_on_adopted_roster_and_rules_changes(assembly):
    a = assembly
    welcome_emma(a)
    rules = "codesocial/regles.yml"
    text = (a.path("carol") / rules).read_text(encoding="utf-8")
    assert "duree_minimale_heures: 72" in text
    a.edit("carol", rules, "duree_minimale_heures: 72", "duree_minimale_heures: 96")
    a.json("carol", "propose", "Quatre jours pour décider", now=OPEN)
    assert {i["statut"] for i in a.json("dave", "close", now=DEADLINE)} == {"adoptee"}
    report = a.json("dave", "verify")
    assert report["anomalies"] == [] and report["fusions"] == 2


def test_close_refuses_to_merge_a_roster_broken_on_the_branch_by_hand(assembly):
    a = assembly
    p = welcome_emma(a)
    branch = p["branche"]
    a.git("bob", "switch", "-q", "-c", branch, f"origin/{branch}")
    a.edit("bob", ROSTER, "  roles: [secretariat]", "  role: [secretariat]")
    a.git("bob", "commit", "-qam", "Rôle")
    a.git("bob", "push", "-q", "origin", branch)
    a.git("bob", "switch", "-q", "main")
    main = a.remote_branch("main")
    a.json("carol", "close", now=DEADLINE)  # the amendment restarts the window
    proc = a.run("carol", "close", "--json", now=LATER_DEADLINE)
    assert proc.returncode == 1 and f"la proposition n°{p['id']}" in proc.stderr
    [item] = json.loads(proc.stdout)
    assert item["probleme"] == "codesocial-invalide" and "role" in item["explication"]
    assert a.remote_branch("main") == main
