"""The pre-receive guard on the shared remote (`assemblee hook pre-receive`), installed as
hooks/pre-receive of the bare repository. The server's clock is ASSEMBLEE_NOW in the push's
environment: a push to a local remote runs receive-pack, and so the hook, with it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from tests.helpers import (
    AFTER,
    EDIT_VALEURS,
    MONDAY,
    NEXT_DAY,
    OPEN,
    branch_of,
    git,
    git_run,
    install_guard,
    name_of,
    record,
    tamper,
    vote_entry,
)


@pytest.fixture(scope="module")
def template(story_template: Any) -> Path:
    """Proposal n°1 (alice, the values) open until DEADLINE, with the guard installed."""

    def story(a: Any) -> None:
        install_guard(a.remote)
        a.propose_edit("alice", "Valeurs", EDIT_VALEURS, now=OPEN)

    return story_template("hook", story)


def file_of(a: Any, branch: str) -> dict[str, Any]:
    return record(a.remote_file(branch, f"proposals/{name_of(branch)}.md"))


def push_env(now: str) -> dict[str, str]:
    return {**os.environ, "ASSEMBLEE_NOW": now}


def test_a_normal_vote_passes_the_guard(copy_template, template):
    a = copy_template(template)
    before = a.remote_branch(branch_of(a, 1))
    a.ok("bob", "vote", "1", "d-accord", now=NEXT_DAY)
    branch = branch_of(a, 1)
    assert a.remote_branch(branch) != before
    assert [v["membre"] for v in file_of(a, branch)["votes"]] == ["bob@exemple.org"]


def test_a_hand_made_vote_for_another_member_is_refused(copy_template, template):
    a = copy_template(template)
    branch = branch_of(a, 1)
    before = a.remote_refs()

    def forge(data: dict[str, Any]) -> None:
        version = data["tours"][0]["version_texte"]
        data["votes"].append(
            vote_entry("dave@exemple.org", "d-accord", "2026-11-27T09:00:00Z", version)
        )

    push = tamper(a, "bob", branch, forge, env=push_env(NEXT_DAY))
    assert push is not None and push.returncode != 0
    assert "assemblee : refusé" in push.stderr, push.stderr
    assert "l'avis de dave@exemple.org (tour 1) a été écrit par bob@exemple.org" in push.stderr
    assert "Traceback" not in push.stderr
    assert a.remote_refs() == before


def test_a_vote_made_offline_but_pushed_after_the_deadline_is_refused(copy_template, template):
    a = copy_template(template)
    branch = branch_of(a, 1)
    before = a.remote_refs()
    a.ok("bob", "status", now=NEXT_DAY)  # fetch the proposal, then go offline
    out = a.ok("bob", "vote", "1", "d-accord", "--offline", now=NEXT_DAY).stdout
    assert "enregistré" in out
    assert a.remote_refs() == before

    late = git_run(a.path("bob"), "push", "origin", f"{branch}:{branch}", env=push_env(AFTER))
    assert late.returncode != 0
    assert "assemblee : refusé" in late.stderr, late.stderr
    assert "l'avis de bob@exemple.org arrive après l'échéance du tour 1" in late.stderr
    assert "Traceback" not in late.stderr
    assert a.remote_refs() == before

    # The same commit, days later but still before the deadline, is refused too: its date is
    # not when the server receives it (a back-dated vote is not believed).
    later = git_run(a.path("bob"), "push", "origin", f"{branch}:{branch}", env=push_env(MONDAY))
    assert later.returncode != 0
    assert "heure du serveur" in later.stderr, later.stderr
    # late, not ahead: it says how to publish offline work, then only the clock
    assert "publiez-le avec « assemblee sync », qui le date de son arrivée" in later.stderr
    # Pushed right away, it is accepted.
    prompt = git_run(a.path("bob"), "push", "origin", f"{branch}:{branch}", env=push_env(NEXT_DAY))
    assert prompt.returncode == 0, prompt.stderr
    assert [v["membre"] for v in file_of(a, branch)["votes"]] == ["bob@exemple.org"]


def test_close_after_the_deadline_passes_the_guard(copy_template, template):
    a = copy_template(template)
    a.ok("bob", "vote", "1", "d-accord", now=NEXT_DAY)
    old_main = a.remote_branch("main")
    [item] = a.json("carol", "close", now=AFTER)
    assert (item["id"], item["statut"]) == (1, "adoptee")
    assert a.remote_branch("main") != old_main
    assert not any(r.startswith("refs/heads/proposition/") for r in a.remote_refs())
    assert "Le soin." in a.remote_file("main", EDIT_VALEURS[0])


def test_a_withdrawal_by_another_member_is_refused(copy_template, template):
    a = copy_template(template)
    branch = branch_of(a, 1)
    before = a.remote_refs()

    def withdraw(data: dict[str, Any]) -> None:
        data["statut"] = "retiree"
        data["retiree_le"] = "2026-11-27T09:00:00Z"

    push = tamper(a, "bob", branch, withdraw, env=push_env(NEXT_DAY))
    assert push is not None and push.returncode != 0
    assert "la proposition n°1 a été retirée par bob@exemple.org" in push.stderr, push.stderr
    assert a.remote_refs() == before
    # the same commit pushed as the proposal's archive, the branch deleted: refused too
    bob = a.path("bob")
    forged = git(bob, "rev-parse", branch).strip()
    archive = f"refs/archives/{branch}"
    push = git_run(
        bob,
        "push",
        "--atomic",
        "origin",
        f"{forged}:{archive}",
        f":{branch}",
        env=push_env(NEXT_DAY),
    )
    assert push.returncode != 0
    assert "la proposition n°1 a été retirée par bob@exemple.org" in push.stderr, push.stderr
    assert a.remote_refs() == before
    # its author withdraws it, through the tool, and the guard lets it pass
    a.ok("alice", "withdraw", "1", now=NEXT_DAY)
    assert a.remote_branch(branch) is None
    assert archive in a.remote_refs()
    assert a.ok("dave", "verify").returncode == 0


def test_a_proposal_opened_offline_with_its_author_s_vote_passes_the_guard_later(
    copy_template, template
):
    """Opened offline with its text, agreed to offline by its author, published an hour later
    under another number: published as opened now, the vote given after its opening; the guard
    takes it and verify finds nothing."""
    a = copy_template(template)
    edit = (
        "sections/04-droits.md",
        "# Droits d'accès\n\n[à compléter]",
        "# Droits d'accès\n\nOuverts.",
    )
    a.git("bob", "pull", "-q")
    path = a.path("bob") / edit[0]
    path.write_text(path.read_text(encoding="utf-8").replace(edit[1], edit[2]), encoding="utf-8")
    offline = a.json("bob", "propose", "Droits", "--offline", now=NEXT_DAY)
    assert offline["id"] == 2
    a.ok("bob", "vote", "2", "d-accord", "--offline", now=NEXT_DAY)
    a.ok("carol", "propose", "Atelier", "-m", "Un atelier.", now=NEXT_DAY)  # takes n°2

    later = "2026-11-27T11:00:00+01:00"  # an hour after: the guard's clock
    out = a.ok("bob", "sync", now=later).stdout
    assert "sous le n°3 (le n°2 était pris)" in out, out
    assert "avis de bob@exemple.org (d'accord) sur la proposition n°3 publié" in out, out
    branch = branch_of(a, 3)
    data = file_of(a, branch)
    [vote] = data["votes"]
    assert vote["membre"] == "bob@exemple.org" and vote["choix"] == "d-accord"
    assert str(vote["date"]) >= str(data["tours"][0]["ouvert_le"])
    assert edit[2] in (a.remote_file(branch, edit[0]) or "")
    assert a.ok("dave", "verify").returncode == 0


def test_an_offline_vote_published_by_sync_days_later_passes_the_guard(copy_template, template):
    """The offline commit itself is refused days later (above); `sync` publishes the vote as
    given when it arrives, which the guard takes, before the deadline."""
    a = copy_template(template)
    branch = branch_of(a, 1)
    a.ok("bob", "status", now=NEXT_DAY)
    a.ok("bob", "vote", "1", "d-accord", "--offline", now=NEXT_DAY)
    out = a.ok("bob", "sync", now=MONDAY).stdout
    assert "avis de bob@exemple.org (d'accord) sur la proposition n°1 publié" in out, out
    [vote] = file_of(a, branch)["votes"]
    assert vote["membre"] == "bob@exemple.org" and str(vote["date"]).startswith("2026-11-30")
    assert "Rien à publier" in a.ok("bob", "sync", now=MONDAY).stdout
    assert a.ok("dave", "verify").returncode == 0


def test_main_merged_into_a_proposal_branch_passes_the_guard(copy_template, template):
    """What the tool asks of an author whose proposal conflicts with main (git merge main,
    push): the guard checks the commits it did not have, not those main already had (the
    commits of the proposals merged into main, with the dates they were made)."""
    a = copy_template(template)
    a.ok("carol", "close", now=AFTER)  # n°1 merged into main
    edit = (
        "sections/04-droits.md",
        "# Droits d'accès\n\n[à compléter]",
        "# Droits d'accès\n\nOuverts.",
    )
    a.propose_edit("alice", "Droits", edit, now=AFTER)
    later = a.propose_edit(
        "bob", "Atelier", None, "-m", "Un atelier.", "--until", "2026-12-15", now=AFTER
    )
    a.ok("carol", "close", now="2026-12-08T10:00:00+01:00")  # n°2 merged, n°3 still open
    branch = later["branche"]

    bob = a.path("bob")
    git(bob, "fetch", "-q")
    git(bob, "switch", "-q", "-C", branch, f"origin/{branch}")
    git(bob, "merge", "-q", "--no-edit", "origin/main")
    git(bob, "switch", "-q", "main")
    push = git_run(
        bob, "push", "origin", f"{branch}:{branch}", env=push_env("2026-12-08T15:00:00+01:00")
    )
    assert push.returncode == 0, push.stderr
    assert a.ok("dave", "verify").returncode == 0


def test_a_forged_commit_parked_on_another_ref_is_still_checked(copy_template, template):
    """A commit the server has on a ref it does not guard is checked when a proposal branch
    takes it: only main's commits count as already checked."""
    a = copy_template(template)
    branch = branch_of(a, 1)

    def forge(data: dict[str, Any]) -> None:
        version = data["tours"][0]["version_texte"]
        data["votes"].append(
            vote_entry("dave@exemple.org", "d-accord", "2026-11-27T09:00:00Z", version)
        )

    tamper(a, "bob", branch, forge, push=False)
    bob = a.path("bob")
    parked = git_run(
        bob, "push", "origin", f"{branch}:refs/heads/brouillon", env=push_env(NEXT_DAY)
    )
    assert parked.returncode == 0, parked.stderr  # not a proposal branch: not guarded
    push = git_run(bob, "push", "origin", f"{branch}:{branch}", env=push_env(NEXT_DAY))
    assert push.returncode != 0
    assert "l'avis de dave@exemple.org (tour 1) a été écrit par bob@exemple.org" in push.stderr
