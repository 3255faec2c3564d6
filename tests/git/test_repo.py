"""The git adapter against real temporary repositories: each named question answers what git
itself says, refs move only by compare-and-swap, and pushes report a lost race instead of
raising."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.helpers import git

from assemblee_cli.errors import GitError
from assemblee_cli.git.repo import ZERO, GitRepo, open_repo


def commit_file(repo: Path, path: str, text: str, message: str) -> str:
    file = repo / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text, encoding="utf-8")
    git(repo, "add", path)
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture()
def work(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main", "depot")
    return tmp_path / "depot"


@pytest.fixture()
def repo(work: Path) -> GitRepo:
    commit_file(work, "sections/01-nom.md", "Nom\n", "Premier")
    return open_repo(work)


def test_reads_objects_trees_and_missing_things(repo: GitRepo, work: Path) -> None:
    head = git(work, "rev-parse", "HEAD").strip()
    assert repo.resolve("HEAD") == head
    assert (
        repo.resolve("main:sections/01-nom.md")
        == git(work, "rev-parse", "main:sections/01-nom.md").strip()
    )
    assert repo.read_text("main:sections/01-nom.md") == "Nom\n"
    assert repo.read("main:absent.md") is None
    assert repo.resolve("refs/heads/nulle-part") is None
    [entry] = repo.tree("main:sections")
    assert (entry.name, entry.kind, entry.mode) == ("01-nom.md", "blob", "100644")
    assert [e.name for e in repo.tree("main^{tree}")] == ["sections"]
    assert repo.tree("main:absent") == []


def test_batch_reads_answer_like_single_reads(repo: GitRepo, work: Path) -> None:
    second = commit_file(work, "sections/02-but.md", "But\n", "Second")
    specs = ["main:sections/01-nom.md", f"{second}:sections/02-but.md", "main:rien"]
    shas = repo.shas(specs)
    assert shas["main:rien"] is None
    assert shas["main:sections/01-nom.md"] == repo.resolve("main:sections/01-nom.md")
    found = [sha for sha in shas.values() if sha]
    contents = repo.contents(found)
    assert sorted(contents.values()) == [b"But\n", b"Nom\n"]


def test_update_ref_is_a_compare_and_swap(repo: GitRepo, work: Path) -> None:
    first = repo.resolve("HEAD")
    assert first is not None
    second = commit_file(work, "b.md", "b\n", "Deux")
    repo.update_ref("refs/heads/essai", first, None)
    with pytest.raises(GitError, match="a changé pendant l'opération"):
        repo.update_ref("refs/heads/essai", second, second)  # expected value is wrong
    assert repo.resolve("refs/heads/essai") == first
    repo.update_ref("refs/heads/essai", second, first)
    assert repo.refs("refs/heads/") == {"refs/heads/main": second, "refs/heads/essai": second}
    with pytest.raises(GitError):
        repo.update_ref("refs/heads/essai", first, None)  # must not exist: it does


def test_update_refs_is_one_transaction(repo: GitRepo, work: Path) -> None:
    first = repo.resolve("HEAD")
    assert first is not None
    repo.update_refs([("refs/heads/a", first, None), ("refs/heads/b", first, None)])
    with pytest.raises(GitError, match="ont changé"):
        repo.update_refs([("refs/heads/a", None, first), ("refs/heads/b", first, ZERO[:-1] + "1")])
    assert set(repo.refs("refs/heads/")) == {"refs/heads/main", "refs/heads/a", "refs/heads/b"}


def test_history_questions(repo: GitRepo, work: Path) -> None:
    base = repo.resolve("HEAD")
    assert base is not None
    git(work, "switch", "-q", "-c", "branche")
    side = commit_file(work, "sections/02-but.md", "But\n", "Côté")
    git(work, "switch", "-q", "main")
    main = commit_file(work, "sections/01-nom.md", "Nom changé\n", "Principal")
    assert repo.merge_base(main, side) == base
    assert repo.is_ancestor(base, side) and not repo.is_ancestor(side, main)
    [change] = repo.changes(base, side)
    assert (change.status, change.path, change.old_sha) == ("A", "sections/02-but.md", ZERO)
    many = repo.changes_many([(base, side), (base, main), (main, main)])
    assert [[c.path for c in group] for group in many] == [
        ["sections/02-but.md"],
        ["sections/01-nom.md"],
        [],
    ]
    assert repo.commits_between([side], main) == {side: (base,)}
    merged = repo.merge_tree(main, side)
    assert merged.tree is not None and not merged.conflicts
    assert {e.name for e in repo.tree(f"{merged.tree}:sections")} == {"01-nom.md", "02-but.md"}


def test_merge_tree_names_conflicts(repo: GitRepo, work: Path) -> None:
    git(work, "switch", "-q", "-c", "autre")
    theirs = commit_file(work, "sections/01-nom.md", "Autre nom\n", "Eux")
    git(work, "switch", "-q", "main")
    ours = commit_file(work, "sections/01-nom.md", "Notre nom\n", "Nous")
    result = repo.merge_tree(ours, theirs)
    assert result.tree is None
    assert result.conflicts == ("sections/01-nom.md",)


def test_working_tree_questions(repo: GitRepo, work: Path) -> None:
    assert repo.current_branch() == "refs/heads/main"
    assert repo.worktree_status() == []
    (work / "sections" / "01-nom.md").write_text("Modifié\n", encoding="utf-8")
    (work / "nouveau.md").write_text("x\n", encoding="utf-8")
    assert sorted(repo.worktree_status()) == [(" M", "sections/01-nom.md"), ("??", "nouveau.md")]
    assert repo.operation_in_progress() is None
    (repo.git_dir / "MERGE_HEAD").write_text(repo.resolve("HEAD") or "", encoding="utf-8")
    assert repo.operation_in_progress() == "une fusion"


def test_identity_comes_from_git_config(repo: GitRepo, work: Path) -> None:
    git(work, "config", "user.name", "Bob Leroy")
    git(work, "config", "user.email", "bob@exemple.org")
    identity = open_repo(work).identity()
    assert (identity.name, identity.email) == ("Bob Leroy", "bob@exemple.org")


def test_each_commit_carries_its_own_time(
    repo: GitRepo, work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long-running server makes commits for days with one repository object: the names
    are asked of git once, the time is that of each commit (the clock, or the simulated
    instant assemblee sets in GIT_AUTHOR_DATE and GIT_COMMITTER_DATE)."""
    import time

    monkeypatch.delenv("GIT_AUTHOR_DATE", raising=False)
    monkeypatch.delenv("GIT_COMMITTER_DATE", raising=False)
    first_author, first_committer = repo.commit_idents()
    monkeypatch.setattr(time, "time", lambda: 4_000_000_000.0)
    later_author, later_committer = repo.commit_idents()
    for first, later in ((first_author, later_author), (first_committer, later_committer)):
        assert first.rsplit(" ", 2)[0] == later.rsplit(" ", 2)[0]  # the same person
        assert later.rsplit(" ", 2)[1] == "4000000000"
        assert first.rsplit(" ", 2)[1] != "4000000000"
    monkeypatch.setenv("GIT_AUTHOR_DATE", "1800000000 +0000")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "1800000000 +0000")
    assert [i.rsplit(" ", 2)[1:] for i in repo.commit_idents()] == [["1800000000", "+0000"]] * 2
    # a form of the date that git alone reads: git is asked
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2027-01-15T10:00:00+01:00")
    monkeypatch.setenv("GIT_AUTHOR_DATE", "2027-01-15T10:00:00+01:00")
    _author, committer = repo.commit_idents()
    assert committer.endswith("1800003600 +0100"), committer


def test_fetch_and_leased_push_against_a_bare_remote(repo: GitRepo, work: Path) -> None:
    remote = work.parent / "remote.git"
    git(work.parent, "clone", "-q", "--bare", str(work), str(remote))
    git(work, "remote", "add", "origin", str(remote))
    repo.fetch("origin")
    tip = repo.resolve("refs/remotes/origin/main")
    assert tip == repo.resolve("main")
    new = commit_file(work, "c.md", "c\n", "Trois")
    assert repo.push("origin", [f"{new}:refs/heads/main"], {"refs/heads/main": tip}).ok
    # Someone else pushed meanwhile: the lease on the old tip is refused, not raised.
    stale = repo.push("origin", [f"{tip}:refs/heads/main"], {"refs/heads/main": tip})
    assert not stale.ok and stale.rejected
    assert git(remote, "rev-parse", "main").strip() == new
    with pytest.raises(GitError):
        repo.fetch("inconnu")


def test_a_server_that_cuts_the_connection_is_busy_not_unreachable(
    repo: GitRepo, work: Path
) -> None:
    """A git server past its connection limit (git daemon's --max-connections) accepts, then
    closes at once: the exchange fails with RemoteBusy (worth a retry), not as an unreachable
    or refusing server."""
    import socket
    import threading

    from assemblee_cli.errors import RemoteBusy

    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.1)
    port = server.getsockname()[1]
    stop = threading.Event()

    def cut() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            connection.close()
        server.close()

    cutter = threading.Thread(target=cut, daemon=True)
    cutter.start()
    try:
        git(work, "remote", "add", "origin", f"git://127.0.0.1:{port}/remote.git")
        with pytest.raises(RemoteBusy, match="coupé la connexion"):
            repo.fetch("origin")
        with pytest.raises(RemoteBusy):
            repo.push("origin", ["refs/heads/main:refs/heads/main"])
    finally:
        stop.set()
        cutter.join()
    # A server that is not there at all stays unreachable (no retry would help).
    with pytest.raises(GitError, match="injoignable") as refused:
        repo.fetch("origin")
    assert not isinstance(refused.value, RemoteBusy)


def test_history_reads_ignore_a_user_who_shows_signatures(work: Path) -> None:
    """`git config log.showSignature true` (common among those who sign their commits) makes
    `git log` print a signature check ("No signature", "Good signature…") before each commit's
    own output: every history read gives the same answer with and without it."""
    from tests.helpers import keygen, sign_as

    key, _public = keygen(work.parent, "alice")
    sign_as(work, key)
    first = commit_file(work, "sections/01-nom.md", "Nom\n", "Premier")
    git(work, "switch", "-q", "-c", "proposition/0001-but")
    commit_file(work, "sections/02-but.md", "But\n", "Texte")
    git(work, "switch", "-q", "main")
    git(work, "config", "commit.gpgsign", "false")
    commit_file(work, "sections/03-non-signe.md", "Rien\n", "Sans signature")
    git(
        work,
        "merge",
        "-q",
        "--no-ff",
        "-m",
        "Adoptée\n\nProposition: 0001-but",
        "proposition/0001-but",
    )
    repo = open_repo(work)

    def answers() -> list[object]:
        return [
            repo.commit_log("main"),
            repo.commit_log("main", since=first),
            repo.describe_commits([first, "main"]),
            repo.first_parent_merges("main"),
            repo.first_parent_history("main"),
            repo.history_with_files("main"),
            repo.commits_raw(["main"]),
            repo.merge_naming("Proposition: 0001-but", "main"),
            repo.first_parent_commits_touching("main", "sections/02-but.md"),
        ]

    plain = answers()
    git(work, "config", "log.showSignature", "true")
    assert "signature" in git(work, "log", "-1", "--format=%H", first)  # it does print
    assert answers() == plain
