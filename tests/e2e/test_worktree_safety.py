"""Nothing is lost: `close` (and the other commands) build their commits with git plumbing and
leave the user's working tree, index and current branch exactly as they were."""

from __future__ import annotations

from tests.helpers import DEADLINE, OPEN, VALEURS

EDIT = (VALEURS, "## Valeurs clés\n\n[à compléter]", "## Valeurs clés\n\nConfiance.")
TRACKED = ("sections/02-qualites.md", "sections/04-droits.md", "sections/05-richesses.md", VALEURS)


def snapshot(a, who: str) -> dict:
    """Everything of the user's that a command must not touch."""
    root = a.path(who)
    return {
        "branch": a.git(who, "branch", "--show-current").strip(),
        "head": a.git(who, "rev-parse", "HEAD").strip(),
        "porcelain": a.git(who, "status", "--porcelain=v1", "--untracked-files=all"),
        "staged": a.git(who, "diff", "--cached"),
        "unstaged": a.git(who, "diff"),
        "stash": a.git(who, "stash", "list"),
        "files": {
            path: (root / path).read_bytes()
            for path in (*TRACKED, "notes/brouillon.txt")
            if (root / path).exists()
        },
    }


def make_a_mess(a, who: str) -> None:
    """Staged, unstaged and untracked work, including on the file the proposal changes."""
    a.edit(who, "sections/04-droits.md", "[à compléter]", "Brouillon non enregistré.")
    a.edit(who, "sections/05-richesses.md", "[à compléter]", "Brouillon indexé.")
    a.git(who, "add", "sections/05-richesses.md")
    a.edit(who, VALEURS, "[à compléter]", "Ma version à moi.")
    (a.path(who) / "notes").mkdir()
    (a.path(who) / "notes" / "brouillon.txt").write_text("idées\n", encoding="utf-8")


def test_close_leaves_a_dirty_tree_on_another_branch_exactly_as_it_was(assembly):
    a = assembly
    a.propose_edit("bob", "Confiance", EDIT, now=OPEN)
    a.git("alice", "switch", "-q", "-c", "travail")
    a.edit("alice", "sections/02-qualites.md", "[à compléter]", "Un travail en cours.")
    a.git("alice", "commit", "-q", "-am", "Travail en cours")
    make_a_mess(a, "alice")
    before = snapshot(a, "alice")
    assert before["porcelain"].count("\n") == 4

    [item] = a.json("alice", "close", now=DEADLINE)
    assert item["statut"] == "adoptee"

    assert snapshot(a, "alice") == before
    merged = a.remote_branch("main")
    assert "Confiance." in a.remote_file("main", VALEURS)
    # The local main, not checked out, simply follows the shared one.
    assert a.git("alice", "rev-parse", "refs/heads/main").strip() == merged


def test_close_leaves_a_dirty_main_checked_out_untouched(assembly):
    a = assembly
    a.propose_edit("bob", "Confiance", EDIT, now=OPEN)
    make_a_mess(a, "alice")
    before = snapshot(a, "alice")

    [item] = a.json("alice", "close", now=DEADLINE)
    assert item["statut"] == "adoptee"

    assert snapshot(a, "alice") == before
    assert "Ma version à moi." in (a.path("alice") / VALEURS).read_text(encoding="utf-8")
    assert a.remote_branch("main") != before["head"]


def test_propose_vote_and_withdraw_leave_the_working_tree_alone(assembly):
    a = assembly
    a.git("carol", "switch", "-q", "-c", "brouillons")
    make_a_mess(a, "carol")
    before = snapshot(a, "carol")
    p = a.json("carol", "propose", "Reprendre mes brouillons", now=OPEN)
    assert set(p["fichiers"]) == {VALEURS, "sections/04-droits.md", "sections/05-richesses.md"}
    a.ok("carol", "vote", "1", "d-accord", now=OPEN)
    a.ok("carol", "withdraw", "1", now=OPEN)
    assert snapshot(a, "carol") == before
    archive = a.remote_ref(f"refs/archives/{p['branche']}")
    assert "Brouillon indexé." in a.remote_file(archive, "sections/05-richesses.md")
    assert "notes/brouillon.txt" not in a.remote_git("ls-tree", "-r", "--name-only", archive)
