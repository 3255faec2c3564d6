"""Objects made in memory (objects.ObjectWriter) are the ones git makes: the same tree ids as
`git write-tree` from an index, the same commit ids as `git commit-tree`, and a merge worked out
in memory is the tree `git merge-tree` writes. Checked on a real repository, on random edits."""

from __future__ import annotations

import random
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.helpers import git

from assemblee_cli.errors import GitError
from assemblee_cli.git.objects import ObjectWriter, PathConflict, object_id
from assemblee_cli.git.repo import GitRepo, open_repo

ZERO = "0" * 40
# Names that sort differently as files and as folders ("a-b" < "a/" < "a0"), nested folders,
# accents, and the repository's own layout.
PATHS = (
    "a-b",
    "a.b",
    "a0",
    "a/x",
    "a/y/z",
    "a/y/é.md",
    "b",
    "sections/01-nom.md",
    "sections/02-but.md",
    "proposals/0001-x.md",
    "proposals/0002-y.md",
)


@pytest.fixture()
def repo(sealed_env: Path, tmp_path: Path) -> GitRepo:
    git(tmp_path, "init", "-q", "-b", "main", "depot")
    return open_repo(tmp_path / "depot")


def blob(repo: GitRepo, text: str) -> str:
    return git(repo.root, "hash-object", "-w", "--stdin", input=text).strip()


def git_tree(repo: GitRepo, files: dict[str, tuple[str, str]]) -> str:
    """The tree git writes from an index holding `files` (path → (mode, blob))."""
    index = repo.root / ".git" / "test-index"
    index.unlink(missing_ok=True)
    lines = "".join(f"{mode} {sha}\t{path}\n" for path, (mode, sha) in files.items())
    env_index = {"GIT_INDEX_FILE": str(index)}
    subprocess.run(
        ["git", "update-index", "--add", "--index-info"],
        cwd=repo.root,
        input=lines,
        text=True,
        check=True,
        env={**_env(), **env_index},
    )
    return subprocess.run(
        ["git", "write-tree"],
        cwd=repo.root,
        capture_output=True,
        text=True,
        check=True,
        env={**_env(), **env_index},
    ).stdout.strip()


def _env() -> dict[str, str]:
    import os

    return dict(os.environ)


def random_files(rng: random.Random, repo: GitRepo, blobs: list[str]) -> dict[str, tuple[str, str]]:
    chosen = rng.sample(PATHS, rng.randint(1, len(PATHS)))
    return {p: (rng.choice(("100644", "100755")), rng.choice(blobs)) for p in chosen}


def test_edited_trees_are_the_trees_git_writes(repo: GitRepo) -> None:
    rng = random.Random(7)
    blobs = [blob(repo, f"contenu {i}\n") for i in range(4)]
    for _case in range(40):
        files = random_files(rng, repo, blobs)
        base = git_tree(repo, files)
        changes: dict[str, tuple[str, str] | None] = {}
        for path in rng.sample(PATHS, rng.randint(1, 5)):
            changes[path] = None if rng.random() < 0.4 else ("100644", rng.choice(blobs))
        expected_files = dict(files)
        for path, entry in changes.items():
            if entry is None:
                expected_files.pop(path, None)
            else:
                expected_files[path] = entry
        writer = ObjectWriter(repo)
        made = writer.edit(base, changes)
        writer.flush()  # git recomputes every id and refuses a difference
        expected = git_tree(repo, expected_files) if expected_files else git_tree(repo, {})
        assert made == expected, (files, changes)
        assert git(repo.root, "cat-file", "-t", made).strip() == "tree"
        for path, entry in expected_files.items():
            assert writer.entry(made, path) == entry
    git(repo.root, "fsck", "--strict", "--no-dangling")


def edit_and_compare(
    repo: GitRepo,
    writer: ObjectWriter,
    tree: str,
    files: dict[str, tuple[str, str]],
    changes: dict[str, tuple[str, str] | None],
) -> str | None:
    """`changes` made to `tree` in memory, and to `files` (path -> (mode, blob)): the tree is
    the one git writes from `files` (None, and `files` untouched: git would refuse them)."""
    try:
        tree = writer.edit(tree, changes)
    except PathConflict:
        return None
    for path, entry in changes.items():
        if entry is None:
            files.pop(path, None)
        else:
            files[path] = entry
    writer.flush()  # git recomputes each id
    assert tree == git_tree(repo, files), changes
    return tree


def test_a_large_folder_edited_in_place_is_the_tree_git_writes(repo: GitRepo) -> None:
    """A folder of many entries (years of proposals/) is edited by splicing its bytes: the
    result is still exactly git's tree, whatever is added, replaced or removed, files and
    folders whose names sort differently ("a-b" < "a/" < "a0"), one edit after another."""
    rng = random.Random(11)
    blobs = [blob(repo, f"contenu {i}\n") for i in range(4)]
    names = [f"proposals/{n:04d}-x.md" for n in range(0, 200, 2)]
    names += ["proposals/a-b", "proposals/a/x", "proposals/a0", "proposals/z/y"]
    files = {p: ("100644", rng.choice(blobs)) for p in names}
    tree = git_tree(repo, files)
    writer = ObjectWriter(repo)
    candidates = [*names, *(f"proposals/{n:04d}-x.md" for n in range(1, 220, 2))]
    candidates += ["proposals/a-c", "proposals/a/w", "proposals/a.md", "proposals/zz"]
    for _step in range(30):
        changes: dict[str, tuple[str, str] | None] = {}
        for path in rng.sample(candidates, rng.randint(1, 3)):
            changes[path] = None if rng.random() < 0.3 else ("100644", rng.choice(blobs))
        edited = edit_and_compare(repo, writer, tree, files, changes)
        if edited is None:
            continue
        tree = edited
        for path, entry in files.items():
            assert writer.entry(tree, path) == entry
    git(repo.root, "fsck", "--strict", "--no-dangling")


def test_the_id_of_a_folder_with_one_file_changed_and_its_names_by_prefix(
    repo: GitRepo,
) -> None:
    """`id_with` (a fork's proposal file checked by tree id) gives the id of the tree git
    writes, for a file added, replaced or removed, or a folder's name taken by a file, and so
    does `id_with_replaced` for a file replaced (None when the entry named is not there); and
    `names_starting` lists the entries of a prefix, as a full listing filtered would."""
    rng = random.Random(5)
    blobs = [blob(repo, f"contenu {i}\n") for i in range(3)]
    names = [f"{n:04d}-x.md" for n in range(0, 120, 3)] + ["a-b", "a/x", "a0", "10000-y.md"]
    files = {f"proposals/{name}": ("100644", rng.choice(blobs)) for name in names}
    folder = git_tree(repo, {p.removeprefix("proposals/"): e for p, e in files.items()})
    writer = ObjectWriter(repo)
    candidates = [*names, "0001-x.md", "0119-x.md", "a", "a-c", "zz", "10000-y.md"]
    for name in candidates:
        for entry in (None, ("100644", rng.choice(blobs)), ("100755", blobs[0])):
            if "/" in name:
                continue
            changed = {p.removeprefix("proposals/"): e for p, e in files.items()}
            if name == "a" and entry is not None:
                continue  # a file where the folder a/ is: refused by edit, not asked here
            changed = {p: e for p, e in changed.items() if p != name and p.split("/")[0] != name}
            if entry is not None:
                changed[name] = entry
            assert writer.id_with(folder, {name: entry}) == git_tree(repo, changed), name
            old = files.get(f"proposals/{name}")
            if entry is not None and old is not None:  # a file for a file, found by its bytes
                replaced = writer.id_with_replaced(folder, name, old, entry)
                assert replaced == git_tree(repo, changed), name
                wrong = (old[0], blobs[(blobs.index(old[1]) + 1) % len(blobs)])
                assert writer.id_with_replaced(folder, name, wrong, entry) is None
            elif entry is not None:
                assert writer.id_with_replaced(folder, name, entry, entry) is None
    listed = sorted(n.split("/")[0] for n in names)
    for prefix in ("00", "0001", "001", "a", "1", "10000-", "zz", ""):
        found = [name for name, _mode in writer.names_starting(folder, prefix)]
        assert found == sorted({n for n in listed if n.startswith(prefix)}, key=_git_order)


def _git_order(name: str) -> bytes:
    return name.encode() + (b"/" if name == "a" else b"")


def test_a_file_where_a_folder_is_is_refused(repo: GitRepo) -> None:
    base = git_tree(repo, {"a/x": ("100644", blob(repo, "x\n"))})
    writer = ObjectWriter(repo)
    with pytest.raises(PathConflict):
        writer.edit(base, {"a": ("100644", blob(repo, "y\n"))})
    with pytest.raises(PathConflict):
        writer.edit(base, {"a/x/inside": ("100644", blob(repo, "y\n"))})


def test_commits_are_those_git_commit_tree_makes(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_AUTHOR_DATE", "2026-11-26T10:00:00+01:00")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2026-11-26T10:00:00+01:00")
    tree = git_tree(repo, {"b": ("100644", blob(repo, "b\n"))})
    writer = ObjectWriter(repo)
    parents: list[str] = []
    for message in ("Premier", "Proposition n°1 : Entrée\n\nDeux lignes, accentuées.\n", "x"):
        made = writer.commit(tree, parents, message)
        writer.flush()
        by_git = git(
            repo.root,
            "commit-tree",
            tree,
            *[a for p in parents for a in ("-p", p)],
            "-F",
            "-",
            input=message,
        ).strip()
        assert made == by_git
        parents = [*parents, made][-2:]  # then one parent, then a merge of two
        assert writer.tree_of(made) == tree


def test_a_wrong_id_is_never_stored_silently(repo: GitRepo) -> None:
    with pytest.raises(GitError, match="autres identifiants"):
        repo.write_objects([("blob", b"texte\n", ZERO)])


def test_a_malformed_tree_is_never_stored(repo: GitRepo) -> None:
    """git checks what it stores (as `hash-object` did): a tree whose entries are out of
    order is refused, and nothing is written."""
    content = b"texte\n"
    blob_id = object_id("blob", content)
    entry = bytes.fromhex(blob_id)
    unsorted = b"100644 b\0" + entry + b"100644 a\0" + entry
    tree_id = object_id("tree", unsorted)
    with pytest.raises(GitError):
        repo.write_objects([("blob", content, blob_id), ("tree", unsorted, tree_id)])
    assert repo.resolve(tree_id) is None


def commit(repo: GitRepo, files: dict[str, tuple[str, str]], parents: list[str]) -> str:
    tree = git_tree(repo, files)
    args = [a for p in parents for a in ("-p", p)]
    return git(repo.root, "commit-tree", tree, *args, "-m", "test").strip()


def test_clean_merges_are_the_trees_git_merge_tree_writes(repo: GitRepo) -> None:
    rng = random.Random(11)
    blobs = [blob(repo, f"ligne {i}\n") for i in range(5)]
    outcomes = {"in memory": 0, "left to git": 0}
    for _case in range(80):
        base_files = random_files(rng, repo, blobs)
        base = commit(repo, base_files, [])

        def changed(files: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
            result = dict(files)
            for path in rng.sample(PATHS, rng.randint(1, 4)):
                if rng.random() < 0.3:
                    result.pop(path, None)
                else:
                    result[path] = (rng.choice(("100644", "100755")), rng.choice(blobs))
            return result or {"b": ("100644", blobs[0])}

        ours_files, theirs_files = changed(base_files), changed(base_files)
        try:
            ours = commit(repo, ours_files, [base])
            theirs = commit(repo, theirs_files, [base])
        except AssertionError:
            continue  # a file and a folder of the same name: not a tree git can write
        writer = ObjectWriter(repo)
        made = writer.clean_merge(writer.tree_of(ours), repo.changes(base, theirs), {})
        result = repo.merge_tree(ours, theirs)
        checker = ObjectWriter(repo)  # the same answer, without making the tree
        assert checker.merges_cleanly(checker.tree_of(ours), repo.changes(base, theirs)) == (
            made is not None
        )
        assert not checker._pending
        if made is None:
            outcomes["left to git"] += 1
            continue
        outcomes["in memory"] += 1
        assert result.tree == made, (base_files, ours_files, theirs_files)
    assert outcomes["in memory"] > 10 and outcomes["left to git"] > 10, outcomes


def test_a_branch_that_puts_a_file_inside_a_file_of_main_is_left_to_git(repo: GitRepo) -> None:
    """main added a file `n`, the branch a file `n/y`: no tree in memory, made or checked."""
    b = ("100644", blob(repo, "b\n"))
    base = commit(repo, {"b": b}, [])
    ours = commit(repo, {"b": b, "n": ("100644", blob(repo, "n\n"))}, [base])
    theirs = commit(repo, {"b": b, "n/y": ("100644", blob(repo, "y\n"))}, [base])
    writer = ObjectWriter(repo)
    changes = repo.changes(base, theirs)
    assert writer.clean_merge(writer.tree_of(ours), changes, {}) is None
    assert not writer.merges_cleanly(writer.tree_of(ours), changes)
    assert writer.merges_cleanly(writer.tree_of(base), changes)
    assert repo.merge_tree(ours, theirs).tree is None


def test_a_file_name_that_is_not_utf8_is_left_to_git(repo: GitRepo) -> None:
    base = commit(repo, {"b": ("100644", blob(repo, "b\n"))}, [])
    index = repo.root / ".git" / "latin1-index"
    env = {**_env(), "GIT_INDEX_FILE": str(index)}
    x, b = blob(repo, "x\n"), blob(repo, "b\n")
    listing = f"100644 {b}\tb\n100644 {x}\t".encode() + "année.md".encode("latin-1") + b"\n"
    subprocess.run(
        ["git", "update-index", "--add", "--index-info"],
        cwd=repo.root,
        input=listing,
        env=env,
        check=True,
    )
    tree = subprocess.run(
        ["git", "write-tree"], cwd=repo.root, env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    theirs = git(repo.root, "commit-tree", tree, "-p", base, "-m", "latin-1").strip()
    writer = ObjectWriter(repo)
    assert writer.clean_merge(writer.tree_of(base), repo.changes(base, theirs), {}) is None


def test_a_big_folder_edited_commit_after_commit_is_scanned_once(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What `close` does with `proposals/`: a folder of many files edited again and again
    (files added before, between and after the others, replaced, removed, folders added and
    emptied), each tree the one git writes, and the folder read from git scanned once: the
    trees made from it carry its entries' offsets."""
    from assemblee_cli.git import objects

    scans = {"count": 0}

    class CountingPattern:
        def __init__(self, pattern: re.Pattern[bytes]) -> None:
            self.pattern = pattern

        def finditer(self, data: bytes) -> Iterator[re.Match[bytes]]:
            scans["count"] += 1
            return self.pattern.finditer(data)

    monkeypatch.setattr(objects, "_ENTRY", CountingPattern(objects._ENTRY))
    rng = random.Random(14)
    blobs = [blob(repo, f"proposition {i}\n") for i in range(6)]
    files = {
        f"proposals/{n:04d}-titre-{n}.md": ("100644", rng.choice(blobs)) for n in range(2, 800, 2)
    }
    files["sections/01-nom.md"] = ("100644", blobs[0])
    tree = git_tree(repo, files)
    writer = ObjectWriter(repo)
    names = [
        "0000-avant.md", "0401-milieu.md", "9999-apres.md", "0002-titre-2.md", "0100-titre-100.md",
        "0100-titre-100", "0100-titre-100.md.bak", "0100-titre-100-bis.md", "0798-titre-798.md",
        "annexe/a.md", "annexe/b/c.md", "0001", "zz", "a-b", "a0",
    ]  # fmt: skip
    for _commit in range(60):
        changes: dict[str, tuple[str, str] | None] = {}
        for name in rng.sample(names, rng.randint(1, 3)):
            path = f"proposals/{name}"
            folder = any(p.startswith(path + "/") for p in files)
            inside_file = any(path.startswith(p + "/") for p in files)
            if folder or inside_file or rng.random() < 0.3:
                changes[path] = None
            else:
                changes[path] = (rng.choice(("100644", "100755")), rng.choice(blobs))
        if rng.random() < 0.3:  # an existing file removed
            changes[rng.choice(sorted(files))] = None
        edited = edit_and_compare(repo, writer, tree, files, changes)
        if edited is None:
            continue
        tree = edited
        for path in rng.sample(sorted(files), 5):
            assert writer.entry(tree, path) == files[path]
        assert writer.entry(tree, "proposals/0003-absent.md") is None
    # the root, proposals/ and sections/ as read from git; never the trees made from them
    assert scans["count"] <= 3, scans
    git(repo.root, "fsck", "--strict", "--no-dangling")


def test_carried_offsets_are_those_of_a_scan() -> None:
    """The offsets an edited tree carries (pieces of earlier lists, each moved) are, edit
    after edit, the offsets a scan of its bytes finds, however many edits are chained (past
    the number of pieces where they are made into one list again)."""
    from assemblee_cli.git.objects import _ENTRY, _MOST_PIECES, _Raw, _Tree

    rng = random.Random(5)
    names = [f"{n:04d}-p.md".encode() for n in range(0, 600, 3)]
    tree = _Tree(b"".join(_Raw("100644", name, "ab" * 20).encoded() for name in names))
    for _edit in range(3 * _MOST_PIECES):
        changes: dict[bytes, _Raw | None] = {}
        for _change in range(rng.randint(1, 3)):
            name = f"{rng.randrange(600):04d}-{rng.choice(('p', 'q', 'longer-name'))}.md".encode()
            changes[name] = None if rng.random() < 0.3 else _Raw("100644", name, "cd" * 20)
        tree = tree.edited(changes)
        expected = [m.start() for m in _ENTRY.finditer(tree.data)]
        carried = tree.starts
        assert len(carried) == len(expected)
        assert [carried[i] for i in range(len(carried))] == expected
        assert not expected or carried[-1] == expected[-1]
