"""The proposal cycle end to end, through the command line, on real repositories: a bare
shared remote and one clone per member. Each test checks what was printed and what the
repository became (refs on the remote, commits on main, proposal files, archived text)."""

from __future__ import annotations

import json
import os

import yaml
from tests.helpers import (
    AFTER,
    DEADLINE,
    JUST_BEFORE,
    MONDAY,
    NEXT_DAY,
    OPEN,
    VALEURS,
    git,
    record,
    same_instant,
)

OLD = "## Valeurs clés\n\n[à compléter]"
NEW = "## Valeurs clés\n\nConfiance, ouverture et soin des communs."
EDIT = (VALEURS, OLD, NEW)


def proposal_name(proposal: dict) -> str:
    return proposal["branche"].removeprefix("proposition/")


def test_tacit_adoption_with_zero_votes_merges_the_branch_into_main(assembly):
    p = assembly.propose_edit(
        "alice", "Compléter les valeurs clés", EDIT, "-m", "Ajouter nos valeurs.", now=OPEN
    )
    assert p["id"] == 1 and p["statut"] == "ouverte" and p["fichiers"] == [VALEURS]
    assert same_instant(p["echeance"], DEADLINE)
    branch, name = p["branche"], proposal_name(p)
    assert assembly.remote_branch(branch) is not None
    assert assembly.git("alice", "status", "--porcelain") == ""
    old_main = assembly.remote_branch("main")

    assert assembly.json("carol", "close", now=JUST_BEFORE) == []
    before = assembly.remote_refs()
    out = assembly.ok("carol", "close", "--dry-run", now=DEADLINE).stdout
    assert "[simulation]" in out and "adoptée" in out and "rien n'a été écrit" in out
    assert assembly.remote_refs() == before

    [item] = assembly.json("carol", "close", now=DEADLINE)
    assert (item["id"], item["statut"]) == (1, "adoptee")
    assert "tacite" in item["explication"]

    refs = assembly.remote_refs()
    assert f"refs/heads/{branch}" not in refs
    parents = assembly.remote_git("rev-list", "--parents", "-1", "main").split()[1:]
    assert len(parents) == 2 and parents[0] == old_main
    message = assembly.remote_git("log", "-1", "--format=%B", "main")
    assert "Proposition n°1 adoptée" in message
    assert f"Assemblee-Proposition: {name}" in message
    assert NEW in assembly.remote_file("main", VALEURS)
    decided = record(assembly.remote_file("main", f"proposals/{name}.md"))
    assert decided["statut"] == "adoptee"
    assert decided["votes"] == []
    assert decided["tours"][0]["resultat"] == "adoptee"

    status = assembly.json("dave", "status", now=DEADLINE)
    assert status["ouvertes"] == []
    assert [(d["id"], d["statut"]) for d in status["decisions"]] == [(1, "adoptee")]
    # Closing again finds nothing to do and writes nothing.
    main = assembly.remote_branch("main")
    assert assembly.json("bob", "close", now=AFTER) == []
    assert assembly.remote_branch("main") == main


def test_a_block_without_reason_is_refused_and_nothing_is_written(assembly):
    p = assembly.propose_edit("alice", "Valeurs", EDIT, now=OPEN)
    tip = assembly.remote_branch(p["branche"])

    message = assembly.refused("bob", "vote", "1", "blocage", now=NEXT_DAY)
    assert "argumenté" in message and "-r" in message
    message = assembly.refused("bob", "vote", "1", "block", "-r", "   ", now=NEXT_DAY)
    assert "argumenté" in message
    assert assembly.remote_branch(p["branche"]) == tip

    assembly.ok("bob", "vote", "1", "blocage", "-r", "Et les saisonniers ?", now=NEXT_DAY)
    shown = assembly.json("carol", "show", "1", now=NEXT_DAY)
    assert shown["decompte"]["blocage"] == 1
    [vote] = shown["votes"]
    assert (vote["membre"], vote["choix"], vote["raison"]) == (
        "bob@exemple.org",
        "blocage",
        "Et les saisonniers ?",
    )
    # The vote is a commit on the proposal branch, authored by the voter.
    author = assembly.remote_git("log", "-1", "--format=%ae", p["branche"]).strip()
    assert author == "bob@exemple.org"


def test_a_vote_may_change_before_the_deadline_and_is_refused_after(assembly):
    p = assembly.propose_edit("alice", "Valeurs", EDIT, now=OPEN)
    branch = p["branche"]
    first = assembly.ok("bob", "vote", "1", "d-accord", now=NEXT_DAY)
    assert "est enregistré" in first.stdout
    second = assembly.ok("bob", "vote", "0001", "blocage", "-r", "Trop vague.", now=MONDAY)
    assert "remplace le précédent" in second.stdout

    shown = assembly.json("dave", "show", branch, now=JUST_BEFORE)
    assert [(v["membre"], v["choix"]) for v in shown["votes"]] == [("bob@exemple.org", "blocage")]
    assert shown["decompte"] == {"d-accord": 0, "abstention": 0, "pas-d-accord": 0, "blocage": 1}
    # The history keeps both positions.
    subjects = assembly.remote_git("log", "--format=%s", "-2", branch).splitlines()
    assert all("bob@exemple.org" in s for s in subjects)
    earlier = record(assembly.remote_file(f"{branch}~1", f"proposals/{proposal_name(p)}.md"))
    assert [v["choix"] for v in earlier["votes"]] == ["d-accord"]

    tip = assembly.remote_branch(branch)
    message = assembly.refused("bob", "vote", "1", "d-accord", now=DEADLINE)
    assert "clos" in message and "1er décembre 2026 à 10 h" in message
    assert assembly.remote_branch(branch) == tip

    # The last position counts: the proposal is postponed, its branch stays open.
    [item] = assembly.json("carol", "close", now=DEADLINE)
    assert item["statut"] == "reportee"
    assert assembly.remote_branch(branch) not in (None, tip)
    on_branch = record(assembly.remote_file(branch, f"proposals/{proposal_name(p)}.md"))
    assert on_branch["statut"] == "reportee"
    assert assembly.remote_file("main", f"proposals/{proposal_name(p)}.md") is None


def test_a_non_member_may_neither_vote_nor_propose(assembly):
    assembly.propose_edit("alice", "Valeurs", EDIT, now=OPEN)
    before = assembly.remote_refs()

    # Unknown to the roster, the likely mistake is her git address: said, with the fix.
    message = assembly.refused("eve", "vote", "1", "d-accord", now=NEXT_DAY)
    assert "eve@exemple.org ne figure pas dans la liste des membres" in message
    assert "git config user.email" in message
    assembly.edit("eve", "sections/04-droits.md", "[à compléter]", "Tout le monde.")
    message = assembly.refused("eve", "propose", "Ouvrir les portes", now=NEXT_DAY)
    assert "eve@exemple.org ne figure pas dans la liste des membres" in message
    assert "git config user.email" in message
    assert assembly.remote_refs() == before

    # Added to the roster on main, Eve may propose, but not vote on a proposal opened before.
    assembly.git("alice", "pull", "-q", "--ff-only")
    with (assembly.path("alice") / "codesocial" / "membres.yml").open("a") as roster:
        roster.write("- nom: Eve Intruse\n  email: eve@exemple.org\n")
    assembly.git("alice", "commit", "-q", "-am", "Eve rejoint l'assemblée")
    assembly.git("alice", "push", "-q", "origin", "main")
    message = assembly.refused("eve", "vote", "1", "d-accord", now=NEXT_DAY)
    assert "à l'ouverture" in message and "git config" not in message
    p = assembly.json("eve", "propose", "Ouvrir les portes", now=NEXT_DAY)
    assert p["id"] == 2 and p["auteur"]["email"] == "eve@exemple.org"


def test_only_the_author_may_withdraw_and_the_text_stays_archived(assembly):
    p = assembly.propose_edit("alice", "Valeurs", EDIT, now=OPEN)
    branch, name = p["branche"], proposal_name(p)
    tip = assembly.remote_branch(branch)

    message = assembly.refused("bob", "withdraw", "1", now=NEXT_DAY)
    assert "Seul·e l'auteur·rice" in message and "Alice Martin" in message
    assert assembly.remote_branch(branch) == tip

    out = assembly.ok("alice", "withdraw", "1", now=NEXT_DAY).stdout
    assert f"refs/archives/proposition/{name}" in out
    refs = assembly.remote_refs()
    assert f"refs/heads/{branch}" not in refs
    archive = refs[f"refs/archives/proposition/{name}"]
    assert assembly.remote_git("merge-base", "--is-ancestor", tip, archive) == ""
    assert NEW in assembly.remote_file(archive, VALEURS)
    # Only the record lands on main, not the text.
    assert NEW not in assembly.remote_file("main", VALEURS)
    assert record(assembly.remote_file("main", f"proposals/{name}.md"))["statut"] == "retiree"
    assert "retirée" in assembly.remote_git("log", "-1", "--format=%s", "main")

    message = assembly.refused("bob", "vote", "1", "d-accord", now=NEXT_DAY)
    assert "retirée" in message
    assert assembly.json("dave", "show", "1", now=NEXT_DAY)["statut"] == "retiree"


def test_an_amendment_voids_earlier_votes_and_restarts_the_window(assembly):
    p = assembly.propose_edit("alice", "Valeurs", EDIT, now=OPEN)
    branch = p["branche"]
    assembly.ok("bob", "vote", "1", "d-accord", now=NEXT_DAY)
    assembly.ok("carol", "vote", "1", "blocage", "-r", "Il manque le soin.", now=NEXT_DAY)

    # Bob amends the text on Monday: a commit on the proposal branch, pushed. The window
    # restarts from the amending commit, the same for every command at any later moment.
    assembly.git("bob", "fetch", "-q")
    assembly.git("bob", "switch", "-q", branch.removeprefix("refs/heads/"))
    assembly.edit("bob", VALEURS, "ouverture", "ouverture, soin")
    on_monday = {**os.environ, "GIT_AUTHOR_DATE": MONDAY, "GIT_COMMITTER_DATE": MONDAY}
    git(assembly.path("bob"), "commit", "-q", "-am", "Amendement : le soin", env=on_monday)
    assembly.git("bob", "push", "-q", "origin", branch)

    shown = assembly.json("dave", "show", "1", now=MONDAY)
    assert shown["decompte"] == {"d-accord": 0, "abstention": 0, "pas-d-accord": 0, "blocage": 0}
    assert [v["compte"] for v in shown["votes"]] == [False, False]
    restarted = "2026-12-03T10:00:00+01:00"  # 72 working hours after MONDAY
    assert same_instant(shown["echeance"], restarted)

    out = assembly.ok("dave", "vote", "1", "d-accord", now=MONDAY).stdout
    assert "ne comptent plus" in out
    [open_one] = assembly.json("alice", "status", now=MONDAY)["ouvertes"]
    assert open_one["decompte"]["d-accord"] == 1 and open_one["decompte"]["blocage"] == 0
    assert same_instant(open_one["echeance"], restarted)

    assert assembly.json("carol", "close", now=DEADLINE) == []
    [item] = assembly.json("carol", "close", now=restarted)
    assert item["statut"] == "adoptee"  # Carol's block was on the earlier text
    assert "ouverture, soin" in assembly.remote_file("main", VALEURS)
    assert assembly.remote_branch(branch) is None

    # Bob is still on the proposal's branch: the decided proposal does not come back to life.
    assert assembly.json("bob", "status", now=restarted)["ouvertes"] == []
    assert "adoptée" in assembly.refused("bob", "vote", "1", "d-accord", now=restarted)
    assert assembly.remote_branch(branch) is None


def test_propose_takes_the_commits_of_the_current_branch(assembly):
    assembly.git("bob", "switch", "-q", "-c", "mon-idee")
    assembly.edit("bob", *EDIT)
    assembly.git("bob", "commit", "-q", "-am", "Mon idée pour les valeurs")
    idea = assembly.git("bob", "rev-parse", "HEAD").strip()

    p = assembly.json("bob", "propose", "L'idée de Bob", now=OPEN)
    assert "commits de la branche courante" in p["source"]
    assert p["fichiers"] == [VALEURS]
    tip = assembly.remote_branch(p["branche"])
    assert assembly.remote_git("merge-base", "--is-ancestor", idea, tip) == ""
    assert NEW in assembly.remote_file(p["branche"], VALEURS)
    # Bob's clone is as he left it.
    assert assembly.git("bob", "branch", "--show-current").strip() == "mon-idee"
    assert assembly.git("bob", "rev-parse", "HEAD").strip() == idea
    assert assembly.git("bob", "status", "--porcelain") == ""


def test_a_proposal_without_change_is_a_decision_recorded_on_main(assembly):
    # Brackets in a title are text, not terminal markup: printing them must not fail.
    title = "Fête [quartier] le 14 juin [/fin]"
    p = assembly.json("alice", "propose", title, "-m", "Budget : 0 €.", now=OPEN)
    assert p["fichiers"] == [] and "aucune modification" in p["source"]
    old_main = assembly.remote_branch("main")

    out = assembly.ok("dave", "close", now=DEADLINE).stdout
    assert f"« {title} »" in out and "adopt" in out
    changed = assembly.remote_git("diff", "--name-only", old_main, "main").split()
    assert changed == [f"proposals/{proposal_name(p)}.md"]
    decided = record(assembly.remote_file("main", f"proposals/{proposal_name(p)}.md"))
    assert decided["statut"] == "adoptee" and decided["titre"] == title
    assert "Budget : 0 €." in assembly.remote_file("main", f"proposals/{proposal_name(p)}.md")
    assert assembly.remote_branch(p["branche"]) is None
    assert f"« {title} »" in assembly.ok("bob", "status", now=DEADLINE).stdout


def test_two_adopted_proposals_in_conflict_the_first_merges_the_second_waits(assembly):
    first = assembly.propose_edit("alice", "Valeurs A", (VALEURS, OLD, OLD + " A"), now=OPEN)
    second = assembly.propose_edit("bob", "Valeurs B", (VALEURS, OLD, OLD + " B"), now=OPEN)
    second_tip = assembly.remote_branch(second["branche"])

    proc = assembly.run("carol", "close", "--json", now=DEADLINE)
    assert proc.returncode == 1 and "la proposition n°2" in proc.stderr
    items = {i["id"]: i for i in json.loads(proc.stdout)}
    assert items[1]["statut"] == "adoptee"
    assert (items[2]["statut"], items[2]["probleme"]) == ("ouverte", "conflit")
    assert VALEURS in items[2]["explication"] and items[2]["applique"] is False

    text = assembly.remote_file("main", VALEURS)
    assert OLD + " A" in text and OLD + " B" not in text and "<<<<<<<" not in text
    assert assembly.remote_branch(first["branche"]) is None
    assert assembly.remote_branch(second["branche"]) == second_tip
    assert assembly.remote_file("main", f"proposals/{proposal_name(second)}.md") is None
    assert f"Assemblee-Proposition: {proposal_name(first)}" in assembly.remote_git(
        "log", "-1", "--format=%B", "main"
    )

    main = assembly.remote_branch("main")
    proc = assembly.run("dave", "close", "--json", now=DEADLINE)
    assert proc.returncode == 1
    [again] = json.loads(proc.stdout)
    assert (again["id"], again["statut"], again["probleme"]) == (2, "ouverte", "conflit")
    assert assembly.remote_branch("main") == main
    assert assembly.remote_branch(second["branche"]) == second_tip


def test_the_secretariat_records_a_position_for_another_member(assembly):
    p = assembly.propose_edit("alice", "Valeurs", EDIT, "-m", "Nos valeurs.", now=OPEN)
    message = assembly.refused(
        "bob", "vote", "1", "d-accord", "--member", "dave@exemple.org", now=NEXT_DAY
    )
    assert "secrétariat" in message

    out = assembly.ok(
        "carol", "vote", "1", "abstention", "--member", "dave@exemple.org", now=NEXT_DAY
    ).stdout
    assert "dave@exemple.org" in out
    [vote] = assembly.json("bob", "show", "1", now=NEXT_DAY)["votes"]
    assert (vote["membre"], vote["choix"], vote["saisi_par"]) == (
        "dave@exemple.org",
        "abstention",
        "carol@exemple.org",
    )
    assert assembly.remote_git("log", "-1", "--format=%ae", p["branche"]).strip() == (
        "carol@exemple.org"
    )
    # The same, in plain French.
    status = assembly.ok("dave", "status", now=NEXT_DAY).stdout
    assert "Valeurs" in status and "Propositions en cours" in status
    show = assembly.ok("alice", "show", "1", now=NEXT_DAY).stdout
    assert "Nos valeurs." in show and "+## Valeurs clés" not in show
    assert "[+Confiance, ouverture" in show and "Dave Moreau" in show and "saisi par" in show
    assert "@@" not in show and "diff --git" not in show
    # At a meeting, the secretary types a name, as people say it.
    out = " ".join(
        assembly.ok(
            "carol", "vote", "1", "blocage", "--membre", "BOB", "-r", "Non.", now=NEXT_DAY
        ).stdout.split()
    )
    assert "L'avis de Bob Leroy (bob@exemple.org)" in out and "Il ou elle peut en changer" in out
    out = assembly.ok("carol", "vote", "1", "d-accord", "--membre", "Alice Martin", now=NEXT_DAY)
    assert "L'avis d'Alice Martin (alice@exemple.org)" in " ".join(out.stdout.split())
    votes = {
        v["membre"]: v["choix"] for v in assembly.json("bob", "show", "1", now=NEXT_DAY)["votes"]
    }
    assert votes["bob@exemple.org"] == "blocage" and votes["alice@exemple.org"] == "d-accord"
    before = assembly.remote_refs()
    message = assembly.refused("carol", "vote", "1", "d-accord", "--membre", "Zoé", now=NEXT_DAY)
    assert "Aucun membre ne s'appelle « Zoé »" in message
    assert assembly.remote_refs() == before


def test_a_later_deadline_may_be_asked_never_an_earlier_one(assembly):
    message = assembly.refused("alice", "propose", "Trop pressé", "--until", "2026-11-30", now=OPEN)
    assert "2026" in message
    p = assembly.json("alice", "propose", "Prenons le temps", "--until", "2026-12-04", now=OPEN)
    assert same_instant(p["echeance"], "2026-12-05T00:00:00+01:00")
    assert assembly.json("carol", "close", now=DEADLINE) == []


def test_offline_neither_fetches_nor_pushes(assembly):
    p = assembly.propose_edit("alice", "Valeurs", EDIT, now=OPEN)
    tip = assembly.remote_branch(p["branche"])
    assembly.git("bob", "fetch", "-q")
    assembly.ok("bob", "vote", "1", "d-accord", "--offline", now=NEXT_DAY)
    assert assembly.remote_branch(p["branche"]) == tip
    local = assembly.git("bob", "rev-parse", f"refs/heads/{p['branche']}").strip()
    assert local != tip
    # Online, Dave does not see Bob's local vote.
    assert assembly.json("dave", "show", "1", now=NEXT_DAY)["votes"] == []


def test_init_from_duplicates_a_code_social_with_a_fresh_history(assembly, tmp_path):
    assembly.edit("alice", *EDIT)
    assembly.git("alice", "commit", "-q", "-am", "Valeurs adoptées")
    assembly.git("alice", "push", "-q", "origin", "main")
    source = str(assembly.remote)
    proc = assembly.run("alice", "-C", str(tmp_path), "init", "roubaix", "--from", source)
    assert proc.returncode == 0, proc.stderr
    copy = tmp_path / "roubaix"
    assert assembly.git_in(copy, "rev-list", "--count", "main").strip() == "1"
    assert assembly.remote.name in assembly.git_in(copy, "log", "-1", "--format=%B")
    assert NEW in (copy / VALEURS).read_text(encoding="utf-8")
    roster = yaml.safe_load((copy / "codesocial" / "membres.yml").read_text(encoding="utf-8"))
    assert [m["email"] for m in roster] == ["alice@exemple.org"]


def test_a_proposal_from_a_stale_main_does_not_undo_what_was_adopted_meanwhile(assembly):
    """Alice edits the text of her local main, which is behind: bob's adopted change to the same
    file stays, hers is added by a three-way merge, not written over it."""
    bobs = assembly.propose_edit("bob", "Valeurs clés", EDIT, now=OPEN)
    assembly.ok("carol", "close", now=DEADLINE)
    assert NEW in assembly.remote_file("main", VALEURS)
    governance = ("## Gouvernance\n\n[à compléter]", "## Gouvernance\n\nPar consentement.")
    alices = assembly.propose_edit("alice", "Gouvernance", (VALEURS, *governance), now=AFTER)
    assert alices["fichiers"] == [VALEURS]
    later = "2026-12-08T10:00:00+01:00"
    [item] = assembly.json("carol", "close", now=later)
    assert (item["id"], item["statut"]) == (alices["id"], "adoptee")
    text = assembly.remote_file("main", VALEURS)
    assert NEW in text and governance[1] in text
    assert bobs["id"] != alices["id"]
