"""`close` killed (SIGKILL) at each of its steps leaves a sound repository, and running it
again reaches exactly the state an uninterrupted close reaches: same refs, same trees, same
statuses. Online (a shared remote: one atomic leased push) and offline (no remote, `main` not
checked out: one update-ref transaction).

The assembly, at CLOSE_AT, has three proposals due:
- n°1, blocked twice then put to a two-thirds vote that fails → rejected (archived, its record
  lands on main);
- n°2, a text nobody objected to → adopted (merged into main);
- n°3, a text blocked by carol → postponed (stays on its branch)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.helpers import (
    EDIT_DROITS,
    EDIT_QUALITES,
    EDIT_VALEURS,
    assert_sound,
    git,
    record,
    run_cli,
    run_in_process,
)

R1_OPEN = "2026-11-26T10:00:00+01:00"
R1_VOTE = "2026-11-27T10:00:00+01:00"
R1_CLOSE = "2026-12-01T10:00:00+01:00"
R2_OPEN = "2026-12-03T10:00:00+01:00"
R2_VOTE = "2026-12-04T10:00:00+01:00"
R2_CLOSE = "2026-12-08T10:00:00+01:00"
R3_OPEN = "2027-01-28T19:00:00+01:00"  # the second meeting since the first block
R3_VOTE = "2027-01-29T10:00:00+01:00"
CLOSE_AT = "2027-02-05T10:00:00+01:00"  # after every deadline
EXPECTED = {1: "rejetee", 2: "adoptee", 3: "reportee"}

ONLINE_POINTS = ["close:planned", "publish:before", "publish:pushed", "publish:mirrored"]
OFFLINE_POINTS = ["publish:before", "publish:local-refs-moved"]


@pytest.fixture(scope="module")
def template(story_template: Any) -> Path:

    def story(a: Any) -> None:
        a.propose_edit("alice", "La gratuité", EDIT_VALEURS, now=R1_OPEN)
        a.ok("bob", "vote", "1", "blocage", "-r", "Pas tenable.", now=R1_VOTE)
        assert a.json("carol", "close", now=R1_CLOSE)[0]["statut"] == "reportee"
        a.ok("carol", "relaunch", "1", now=R2_OPEN)
        a.ok("bob", "vote", "1", "blocage", "-r", "Toujours pas.", now=R2_VOTE)
        assert a.json("carol", "close", now=R2_CLOSE)[0]["statut"] == "reportee"
        a.ok("dave", "relaunch", "1", "--two-thirds", now=R3_OPEN)
        a.ok("alice", "vote", "1", "d-accord", now=R3_VOTE)
        a.ok("bob", "vote", "1", "pas-d-accord", now=R3_VOTE)
        a.ok("dave", "vote", "1", "pas-d-accord", now=R3_VOTE)
        a.propose_edit("alice", "Droits ouverts", EDIT_DROITS, now=R3_VOTE)
        a.propose_edit("bob", "Patience", EDIT_QUALITES, now=R3_VOTE)
        a.ok("carol", "vote", "3", "blocage", "-r", "Parlons-en en réunion.", now=R3_VOTE)
        dry = a.json("carol", "close", "--dry-run", now=CLOSE_AT)
        assert {i["id"]: i["statut"] for i in dry} == EXPECTED

    return story_template("interruptions", story)


def state(repo: Path) -> dict[str, Any]:
    """What a close decides, independent of commit dates: each ref's tree, and each
    proposal's status (on its branch, or on main once decided)."""
    out = git(
        repo,
        "for-each-ref",
        "--format=%(refname) %(tree)",
        "refs/heads/",
        "refs/archives/",
        "refs/assemblee/",
    )
    trees = dict(line.split(" ", 1) for line in out.splitlines())
    statuses: dict[str, str] = {}
    for ref in sorted(trees):
        if ref.startswith("refs/heads/proposition/"):
            name = ref.removeprefix("refs/heads/proposition/")
            text = git(repo, "show", f"{ref}:proposals/{name}.md")
            statuses[name] = record(text)["statut"]
    listed = git(repo, "ls-tree", "--name-only", "main", "proposals/").split()
    for path in listed:
        if path.endswith(".md") and path[len("proposals/") :][:4].isdigit():
            statuses.setdefault(
                path[len("proposals/") : -3], record(git(repo, "show", f"main:{path}"))["statut"]
            )
    return {"trees": trees, "statuts": statuses}


def statuses_by_id(st: dict[str, Any]) -> dict[int, str]:
    return {int(name[:4]): value for name, value in st["statuts"].items()}


def close(repo: Path, kill_at: str | None = None) -> Any:
    """`close --json` at CLOSE_AT, killed with SIGKILL at `kill_at` when given: then in a
    process of its own (the one killed); otherwise, like every other command of this module,
    in the test's process (what is tested is what the killed close left behind)."""
    if kill_at is None:
        return run_in_process(repo, "close", "--json", now=CLOSE_AT)
    return run_cli(repo, "close", "--json", now=CLOSE_AT, extra={"ASSEMBLEE_TEST_KILL_AT": kill_at})


def assert_status_works(repo: Path) -> None:
    """`status` works on what the repository holds now (--offline) and after a fetch."""
    for options in (["--offline"], []):
        proc = run_in_process(repo, "status", *options, now=CLOSE_AT)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "illisible" not in proc.stdout, proc.stdout


# -- online --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reference_online(
    template: Path, tmp_path_factory: pytest.TempPathFactory, session_env, copy_of
):
    """The state an uninterrupted close reaches on the shared remote."""
    a = copy_of(template, tmp_path_factory.mktemp("reference-online") / "assembly", env=session_env)
    proc = run_in_process(a.path("carol"), "close", "--json", now=CLOSE_AT, env=session_env)
    assert proc.returncode == 0, proc.stderr
    final = state(a.remote)
    assert statuses_by_id(final) == EXPECTED
    return final


@pytest.mark.parametrize("point", ONLINE_POINTS)
def test_online_close_killed_then_rerun_reaches_the_same_state(
    point, copy_template, template, reference_online
):
    a = copy_template(template)
    carol = a.path("carol")
    before = state(a.remote)
    killed = close(carol, point)
    assert killed.returncode == -9, killed.stdout + killed.stderr

    for repo in (carol, a.remote):
        assert_sound(repo)
    assert_status_works(carol)
    assert_status_works(a.path("dave"))
    published = state(a.remote)
    if point in ("close:planned", "publish:before"):
        assert published == before  # nothing was published
    else:
        assert published == reference_online  # the atomic push went through whole

    rerun = close(carol)
    assert rerun.returncode == 0, rerun.stderr
    assert state(a.remote) == reference_online
    assert_sound(carol)
    # carol's view agrees with the remote after the rerun.
    carol_view = {
        i["id"]: i["statut"] for i in a.json("carol", "status", now=CLOSE_AT)["decisions"]
    }
    assert carol_view == {1: "rejetee", 2: "adoptee"}


def test_a_second_close_after_a_completed_close_does_nothing(
    copy_template, template, reference_online
):
    a = copy_template(template)
    assert {i["id"]: i["statut"] for i in a.json("carol", "close", now=CLOSE_AT)} == EXPECTED
    refs = a.remote_refs()
    assert state(a.remote) == reference_online
    assert a.json("dave", "close", now=CLOSE_AT) == []
    assert a.json("carol", "close", now="2027-03-01T10:00:00+01:00") == []
    assert a.remote_refs() == refs
    assert a.ok("bob", "verify").returncode == 0


# -- offline, main not checked out -----------------------------------------------------------


def make_offline(a: Any, folder: Path) -> Path:
    """A repository without remote that holds every ref of the shared one as its own, with a
    working branch `travail` checked out (so main is moved by compare-and-swap only)."""
    git(folder.parent, "clone", "-q", str(a.remote), folder.name)
    git(
        folder,
        "fetch",
        "-q",
        "--update-head-ok",
        "origin",
        "+refs/heads/*:refs/heads/*",
        "+refs/archives/*:refs/archives/*",
        "+refs/assemblee/*:refs/assemblee/*",
    )
    git(folder, "remote", "remove", "origin")
    git(folder, "switch", "-q", "-c", "travail")
    git(folder, "config", "user.name", "Carol Petit")
    git(folder, "config", "user.email", "carol@exemple.org")
    return folder


@pytest.fixture(scope="module")
def reference_offline(
    template: Path, tmp_path_factory: pytest.TempPathFactory, session_env, copy_of
):
    base = tmp_path_factory.mktemp("reference-offline")
    a = copy_of(template, base / "assembly", env=session_env)
    offline = make_offline(a, base / "hors-ligne")
    proc = run_in_process(offline, "close", "--json", now=CLOSE_AT, env=session_env)
    assert proc.returncode == 0, proc.stderr
    final = state(offline)
    assert statuses_by_id(final) == EXPECTED
    return final


@pytest.mark.parametrize("point", OFFLINE_POINTS)
def test_offline_close_killed_then_rerun_reaches_the_same_state(
    point, copy_template, template, reference_offline, tmp_path
):
    a = copy_template(template)
    repo = make_offline(a, tmp_path / "hors-ligne")
    head = git(repo, "rev-parse", "HEAD")
    before = state(repo)
    killed = close(repo, point)
    assert killed.returncode == -9, killed.stdout + killed.stderr

    assert_sound(repo)
    assert_status_works(repo)
    moved = state(repo)
    if point == "publish:before":
        assert moved == before
    else:
        assert moved == reference_offline  # the transaction went through whole

    rerun = close(repo)
    assert rerun.returncode == 0, rerun.stderr
    assert state(repo) == reference_offline
    assert_sound(repo)
    # The working branch and the working tree were never touched.
    assert git(repo, "symbolic-ref", "HEAD").strip() == "refs/heads/travail"
    assert git(repo, "rev-parse", "HEAD") == head
    assert git(repo, "status", "--porcelain") == ""
    assert close(repo).stdout.strip() == "[]"
