"""Issue 12, as an adversarial member would try it: one test per row of the issue's table.
Each test has a shared bare remote, honest clones that use the tool, and an adversary who
pushes by hand with plain git; it shows what the tool now does about it (`close` and `show`
recompute, `verify` finds it, the server's guard refuses it)."""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from tests.helpers import (
    AFTER,
    DEADLINE,
    EDIT_VALEURS,
    MONDAY,
    NEXT_DAY,
    OPEN,
    VALEURS,
    branch_of,
    call_in_process,
    dump_record,
    git,
    git_run,
    init_signed,
    install_guard,
    record,
    run_in_process,
    set_server_clock,
    sign_as,
    split_record,
    tamper,
    verified,
    vote_entry,
)


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def anomalies(a: Any, who: str) -> list[str]:
    """What `who`'s verify finds: on what it proved before the tampering (each test proves
    the honest history first), and the same as a full `verify --tout`."""
    return [f["message"] for f in verified(a, who)["anomalies"]]


def proven(a: Any, *who: str) -> None:
    """`who` verify the honest history (no anomaly) before the adversary acts."""
    for person in who:
        assert verified(a, person)["anomalies"] == []


@pytest.fixture(scope="module")
def opened_template(story_template: Any) -> Path:
    """Proposal n°1 (alice changes the values) open from OPEN until DEADLINE, proposed once
    for the module."""

    def story(a: Any) -> None:
        a.propose_edit("alice", "Valeurs", EDIT_VALEURS, now=OPEN)

    return story_template("tampering", story)


@pytest.fixture()
def opened(copy_template: Any, opened_template: Path) -> Any:
    """A fresh copy of the assembly with proposal n°1 open (opened_template)."""
    return copy_template(opened_template)


# -- 1. a postponed proposal merged by hand ---------------------------------------------------


def test_hand_merge_of_a_postponed_proposal_is_found(opened):
    a = opened
    a.ok("bob", "vote", "1", "blocage", "-r", "Pas prêt.", now=NEXT_DAY)
    [item] = a.json("carol", "close", now=AFTER)
    assert item["statut"] == "reportee"
    proven(a, "alice")
    branch = branch_of(a, 1)
    dave = a.path("dave")
    git(dave, "pull", "-q", "--ff-only", "origin", "main")
    git(dave, "fetch", "-q", "origin")
    git(dave, "merge", "-q", "--no-ff", "-m", "Fusion", f"origin/{branch}")
    git(dave, "push", "-q", "origin", "main")
    found = anomalies(a, "alice")
    assert any("fusion" in m and "adopt" in m for m in found), found


# -- 2. a deadline shortened by hand -----------------------------------------------------------


def test_a_deadline_shortened_by_hand_is_recomputed(opened):
    a = opened
    branch = branch_of(a, 1)

    def shorten(data: dict[str, Any]) -> None:
        data["tours"][0]["echeance"] = "2026-11-27T09:00:00Z"  # 24 h after opening

    proven(a, "bob")
    assert tamper(a, "alice", branch, shorten).returncode == 0  # type: ignore[union-attr]
    assert a.json("carol", "close", "--dry-run", now=MONDAY) == []
    assert a.json("carol", "close", now=MONDAY) == []
    [shown] = a.json("bob", "status", now=MONDAY)["ouvertes"]
    assert instant(shown["echeance"]) == instant(DEADLINE)
    assert instant(a.json("bob", "show", "1", now=MONDAY)["echeance"]) == instant(DEADLINE)
    found = anomalies(a, "bob")
    assert any("échéance" in m for m in found), found


# -- 3. a block erased by a force-push ----------------------------------------------------------


def test_a_block_erased_by_force_push_is_found_in_the_blockers_clone(opened):
    a = opened
    branch = branch_of(a, 1)
    before = a.remote_branch(branch)
    a.ok("bob", "vote", "1", "blocage", "-r", "Pas prêt.", now=NEXT_DAY)
    proven(a, "bob")
    alice = a.path("alice")
    git(alice, "fetch", "-q", "origin")
    git(alice, "push", "-q", "-f", "origin", f"{before}:refs/heads/{branch}")
    found = anomalies(a, "bob")
    assert any("réécrite" in m for m in found), found


def test_the_guard_refuses_rewriting_a_proposal_branch_or_main(opened):
    a = opened
    install_guard(a.remote)
    branch = branch_of(a, 1)
    before = a.remote_branch(branch)
    set_server_clock(a.remote, NEXT_DAY)
    a.ok("bob", "vote", "1", "blocage", "-r", "Pas prêt.", now=NEXT_DAY)
    blocked = a.remote_branch(branch)
    alice = a.path("alice")
    git(alice, "fetch", "-q", "origin")
    push = git_run(alice, "push", "-f", "origin", f"{before}:refs/heads/{branch}")
    assert push.returncode != 0
    assert "réécrire" in push.stderr, push.stderr
    deletion = git_run(alice, "push", "origin", f":refs/heads/{branch}")
    assert deletion.returncode != 0
    assert a.remote_branch(branch) == blocked
    main = a.remote_branch("main")
    push = git_run(alice, "push", "-f", "origin", f"{main}~1:refs/heads/main")
    assert push.returncode != 0
    assert a.remote_branch("main") == main


# -- 4. a non-member's block ------------------------------------------------------------------


def test_a_non_members_block_is_not_counted(opened):
    a = opened
    branch = branch_of(a, 1)
    version = record(a.remote_file(branch, "proposals/0001-valeurs.md"))["tours"][0][
        "version_texte"
    ]

    def forge(data: dict[str, Any]) -> None:
        data["votes"].append(
            vote_entry("eve@exemple.org", "blocage", "2026-11-27T09:00:00Z", version, "Non.")
        )

    proven(a, "dave")
    assert tamper(a, "eve", branch, forge).returncode == 0  # type: ignore[union-attr]
    assert a.json("bob", "show", "1", now=MONDAY)["decompte"]["blocage"] == 0
    [item] = a.json("carol", "close", "--dry-run", now=AFTER)
    assert item["statut"] == "adoptee"
    [item] = a.json("carol", "close", now=AFTER)
    assert item["statut"] == "adoptee"
    found = anomalies(a, "dave")
    assert any("eve@exemple.org ne figurait pas" in m for m in found), found


# -- 7. a direct change of the text on main -----------------------------------------------------


def test_a_direct_commit_to_the_text_on_main_is_found_and_refused(opened):
    a = opened
    proven(a, "alice")
    dave = a.path("dave")
    git(dave, "pull", "-q", "--ff-only", "origin", "main")
    a.edit("dave", VALEURS, "[à compléter]", "Ce que dave veut.")
    git(dave, "commit", "-q", "-am", "Petite correction")
    git(dave, "push", "-q", "origin", "main")
    found = anomalies(a, "alice")
    assert any("hors de toute proposition" in m for m in found), found

    install_guard(a.remote)
    a.edit("dave", VALEURS, "Ce que dave veut.", "Encore autre chose.")
    git(dave, "commit", "-q", "-am", "Autre correction")
    push = git_run(dave, "push", "origin", "main")
    assert push.returncode != 0
    assert "hors de toute proposition" in push.stderr, push.stderr


def test_a_direct_commit_to_a_text_file_with_an_accented_name_is_found_and_refused(opened):
    """git quotes such a name in its lists (« "sections/\\303\\251quipe.md" ») unless told
    not to: the change must still be seen as one of the text."""
    a = opened
    proven(a, "alice")
    dave = a.path("dave")
    git(dave, "pull", "-q", "--ff-only", "origin", "main")
    (dave / "sections" / "équipe.md").write_text("# Équipe\n\nDave seul.\n", encoding="utf-8")
    git(dave, "add", "sections")
    git(dave, "commit", "-q", "-m", "Une section de plus")
    git(dave, "push", "-q", "origin", "main")
    found = anomalies(a, "alice")
    assert any("hors de toute proposition" in m for m in found), found

    install_guard(a.remote)
    (dave / "sections" / "équipe.md").write_text("# Équipe\n\nDave encore.\n", encoding="utf-8")
    git(dave, "commit", "-q", "-am", "Autre correction")
    push = git_run(dave, "push", "origin", "main")
    assert push.returncode != 0
    assert "hors de toute proposition" in push.stderr, push.stderr


# -- 8. forged dates --------------------------------------------------------------------------


def test_the_guard_refuses_dates_that_are_not_the_servers(assembly):
    a = assembly
    install_guard(a.remote)
    set_server_clock(a.remote, MONDAY)
    a.edit("alice", *EDIT_VALEURS[:1], EDIT_VALEURS[1], EDIT_VALEURS[2])
    refused = a.refused("alice", "propose", "Valeurs", now=OPEN)  # opened "in the past"
    assert "heure du serveur" in refused, refused
    assert not any(r.startswith("refs/heads/proposition/") for r in a.remote_refs())
    a.git("alice", "checkout", "-q", "--", VALEURS)

    set_server_clock(a.remote, OPEN)
    a.propose_edit("alice", "Valeurs", EDIT_VALEURS, now=OPEN)
    set_server_clock(a.remote, MONDAY)
    refused = a.refused("bob", "vote", "1", "d-accord", now=NEXT_DAY)  # back-dated vote
    assert "heure du serveur" in refused, refused
    assert "publiez-le avec « assemblee sync »" in refused, refused  # late: maybe offline
    a.ok("bob", "vote", "1", "d-accord", now=MONDAY)
    set_server_clock(a.remote, NEXT_DAY)
    refused = a.refused("carol", "vote", "1", "d-accord", now=MONDAY)  # a clock ahead
    assert "réglez l'horloge de votre machine" in refused, refused
    assert "assemblee sync" not in refused, refused
    set_server_clock(a.remote, AFTER)
    refused = a.refused("carol", "vote", "1", "blocage", "-r", "Trop tard.", now=MONDAY)
    assert "heure du serveur" in refused or "échéance" in refused, refused
    [item] = a.json("dave", "close", now=AFTER)
    assert item["statut"] == "adoptee"
    # The receipts written by the server prove when each vote arrived.
    assert a.remote_ref("refs/assemblee/recus") is not None
    assert anomalies(a, "dave") == []


def test_verify_finds_a_vote_whose_date_is_not_its_reception(assembly):
    """With the guard installed (receipts kept), a vote slipped in while the guard was off is
    found: its recorded date is not when the server received it."""
    a = assembly
    install_guard(a.remote)
    set_server_clock(a.remote, OPEN)
    a.propose_edit("alice", "Valeurs", EDIT_VALEURS, now=OPEN)
    proven(a, "dave")
    hooks = a.remote / "hooks"
    (hooks / "pre-receive").rename(hooks / "pre-receive.off")
    set_server_clock(a.remote, AFTER)
    a.ok("bob", "vote", "1", "blocage", "-r", "Dans les temps ?", now=MONDAY)
    found = anomalies(a, "dave")
    assert any("reçu" in m for m in found), found


def test_a_guard_installed_on_an_assembly_in_use_receives_only_what_arrives(assembly):
    """The guard is installed while proposal n°1 is open with a vote: those commits were on
    the server before it, and the close that merges them into main does not receive them
    again (they would seem to arrive days after their dates); what arrives after is
    received, at the server's time."""
    a = assembly
    a.propose_edit("alice", "Valeurs", EDIT_VALEURS, now=OPEN)
    a.ok("bob", "vote", "1", "d-accord", now=NEXT_DAY)
    earlier = set(a.git("dave", "rev-list", "--all").split()) | set(
        git(a.remote, "rev-list", "--all").split()
    )
    install_guard(a.remote)
    set_server_clock(a.remote, MONDAY)
    a.ok("carol", "vote", "1", "d-accord", now=MONDAY)
    set_server_clock(a.remote, AFTER)
    [item] = a.json("dave", "close", now=AFTER)
    assert item["statut"] == "adoptee"
    lines = git(a.remote, "show", "refs/assemblee/recus:recus.txt").splitlines()
    arrivals = [line.split() for line in lines if " - " not in line]  # not the deletions
    received = {commit for _stamp, _ref, commit in arrivals}
    assert received and not received & earlier, lines
    arrived = set(git(a.remote, "rev-list", "main").split()) - earlier  # vote, close, merge
    assert len(arrived) == 3 and arrived <= received, lines
    assert len(received) == len(arrivals)  # each commit received once
    assert anomalies(a, "dave") == []


# -- 9. text in another encoding ----------------------------------------------------------------


def test_latin1_text_never_breaks_the_assembly(opened):
    a = opened
    env = dict(os.environ)
    env["ASSEMBLEE_NOW"] = NEXT_DAY
    for args in (
        [b"vote", b"1", b"blocage", b"-r", b"Pas assez caf\xe9."],
        [b"propose", b"Caf\xe9 pour tous"],
    ):
        # The arguments as bytes, as the interpreter hands them over (the process boundary
        # itself is tested in tests/cli and test_any_input).
        proc = call_in_process(a.path("bob"), args, env)
        assert proc.returncode in (0, 1), proc.stderr.decode(errors="replace")
        assert b"Traceback" not in proc.stderr
    for who, args in (
        ("carol", ("status",)),
        ("carol", ("show", "1")),
        ("dave", ("verify",)),
        ("carol", ("close", "--dry-run")),
        ("dave", ("agenda",)),
    ):
        proc = a.run(who, *args, now=MONDAY)
        assert proc.returncode in (0, 1), proc.stderr
        assert "\udce9" not in proc.stdout
    votes = a.json("carol", "show", "1", now=MONDAY)["votes"]
    assert [v["raison"] for v in votes] == ["Pas assez café."]


# -- 10. a date at the end of the calendar ------------------------------------------------------


def test_a_deadline_at_the_end_of_the_calendar_is_named(opened):
    a = opened
    branch = branch_of(a, 1)

    def far(data: dict[str, Any]) -> None:
        data["tours"][0]["echeance"] = "9999-12-31T23:59:59Z"

    assert tamper(a, "dave", branch, far).returncode == 0  # type: ignore[union-attr]
    for args in (("status",), ("agenda",), ("show", "1"), ("close", "--dry-run"), ("remind",)):
        proc = a.run("carol", *args, now=MONDAY)
        assert proc.returncode in (0, 1), proc.stderr
        text = proc.stdout + proc.stderr
        if args[0] != "remind":
            assert "echeance" in text and "0001-valeurs" in text, text


# -- 11. the clock at the edges of the calendar ---------------------------------------------------


@pytest.mark.parametrize("clock", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:00:00Z"])
def test_a_clock_at_the_edges_of_the_calendar_is_refused(opened, clock):
    a = opened
    commands = [
        ("status",),
        ("show", "1"),
        ("agenda",),
        ("close", "--dry-run"),
        ("vote", "1", "d-accord"),
        ("propose", "Autre"),
        ("remind",),
        ("calendar",),
        ("verify",),
    ]
    for args in commands:
        proc = a.run("bob", *args, now=clock)
        assert proc.returncode in (0, 1, 2), (args, proc.stderr)
        if args[0] != "verify":
            assert proc.returncode == 1, (args, proc.stdout, proc.stderr)
            assert "ASSEMBLEE_NOW" in proc.stderr, proc.stderr


# -- 12. a symbolic link in the text ---------------------------------------------------------------


def test_a_symlink_in_the_text_is_never_followed(assembly):
    a = assembly
    alice = a.path("alice")
    secret = a.root / "secret.txt"
    secret.write_text("mot de passe : hunter2\n", encoding="utf-8")
    (alice / "sections" / "91-fuite.md").symlink_to(secret)
    proc = a.run("alice", "propose", "Fuite", now=OPEN)
    assert proc.returncode == 1, proc.stdout
    assert "lien symbolique" in proc.stderr
    for ref in a.remote_refs():
        shown = git_run(a.remote, "grep", "-q", "hunter2", ref)
        assert shown.returncode != 0, ref


# -- 13. a foreign branch under proposition/ ------------------------------------------------------


def test_a_foreign_branch_never_blocks_voting(opened):
    a = opened
    dave = a.path("dave")
    git(dave, "switch", "-q", "-c", "proposition/0001-doublon")
    (dave / "sections" / "02-qualites.md").write_text("# Autre\n", encoding="utf-8")
    git(dave, "commit", "-q", "-am", "Doublon")
    git(dave, "push", "-q", "origin", "proposition/0001-doublon")
    git(dave, "switch", "-q", "main")
    a.ok("bob", "vote", "1", "d-accord", now=NEXT_DAY)
    a.ok("carol", "vote", "proposition/0001-valeurs", "abstention", now=NEXT_DAY)
    status = a.ok("carol", "status", now=NEXT_DAY)
    assert "0001-doublon" in status.stdout + status.stderr
    votes = a.json("carol", "show", "0001-valeurs", now=NEXT_DAY)["votes"]
    assert {v["membre"] for v in votes} == {"bob@exemple.org", "carol@exemple.org"}


# -- 5 and 6. signed votes ----------------------------------------------------------------------


@pytest.fixture()
def signed(sealed_env: Path, tmp_path: Path) -> dict[str, Any]:
    """An assembly requiring signed votes: emma and jemma (look-alike addresses) each with a
    key, a bare remote, and one clone each; proposal n°1 open."""
    if shutil.which("ssh-keygen") is None:
        pytest.skip("ssh-keygen absent")
    repo, keys = init_signed(tmp_path, ("emma", "jemma"), OPEN)
    remote = tmp_path / "remote.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "fetch", "-q", "origin")
    clones = {"alice": repo}
    for who in ("emma", "jemma"):
        git(tmp_path, "clone", "-q", str(remote), who)
        clones[who] = tmp_path / who
        git(clones[who], "config", "user.email", f"{who}@exemple.org")
        git(clones[who], "config", "user.name", who.title())
    for who, clone in clones.items():
        sign_as(clone, keys[who])
    assert run_in_process(repo, "propose", "Sujet", now=OPEN).returncode == 0
    return clones


def test_a_vote_signed_with_a_look_alike_key_is_found(signed):
    before = run_in_process(signed["alice"], "verify", "--json", now=MONDAY)
    assert before.returncode == 0 and json.loads(before.stdout)["anomalies"] == [], before.stdout
    jemma = signed["jemma"]
    git(jemma, "fetch", "-q", "origin")
    branch = "proposition/0001-sujet"
    git(jemma, "switch", "-q", "-c", branch, f"origin/{branch}")
    path = jemma / "proposals" / "0001-sujet.md"
    data, body = split_record(path.read_text(encoding="utf-8"))
    data["votes"] = [
        vote_entry(
            "emma@exemple.org",
            "d-accord",
            "2026-11-27T09:00:00Z",
            data["tours"][0]["version_texte"],
        )
    ]
    path.write_text(dump_record(data, body), encoding="utf-8")
    git(jemma, "-c", "user.email=emma@exemple.org", "commit", "-q", "-S", "-am", "Vote")
    git(jemma, "push", "-q", "origin", branch)
    proc = run_in_process(signed["alice"], "verify", "--json", now=MONDAY)
    full = run_in_process(signed["alice"], "verify", "--tout", "--json", now=MONDAY)
    found = [f["message"] for f in json.loads(proc.stdout)["anomalies"]]
    assert any("emma@exemple.org signé par la clé de jemma@exemple.org" in m for m in found), found
    assert sorted(found) == sorted(f["message"] for f in json.loads(full.stdout)["anomalies"])


def test_an_unsigned_vote_is_refused_in_signed_mode(signed):
    emma = signed["emma"]
    git(emma, "config", "commit.gpgsign", "false")
    before = git(emma, "ls-remote", "origin", "refs/heads/proposition/*")
    proc = run_in_process(emma, "vote", "1", "d-accord", now=NEXT_DAY)
    assert proc.returncode == 1, proc.stdout
    assert "sign" in proc.stderr, proc.stderr
    assert git(emma, "ls-remote", "origin", "refs/heads/proposition/*") == before
    git(emma, "config", "commit.gpgsign", "true")
    assert run_in_process(emma, "vote", "1", "d-accord", now=NEXT_DAY).returncode == 0
