"""Objects written as one pack (git/pack.py): git's delta format and pack format as git reads
them, and what `ObjectWriter.flush` stores that way (many big trees, as a `close` makes them)
is exactly what git would have stored one by one."""

from __future__ import annotations

import os
import random
from itertools import accumulate
from pathlib import Path

import pytest
from tests.helpers import git

from assemblee_cli.git import objects
from assemblee_cli.git.objects import ObjectWriter, object_id
from assemblee_cli.git.pack import COPY_MAX, PackEntry, delta, delta_by_pieces, pack, pieces_of
from assemblee_cli.git.repo import GitRepo, open_repo


@pytest.fixture()
def repo(sealed_env: Path, tmp_path: Path) -> GitRepo:
    git(tmp_path, "init", "-q", "-b", "main", "depot")
    return open_repo(tmp_path / "depot")


def stored(repo: GitRepo, sha: str) -> bytes:
    found = repo.read_object(sha)
    assert found is not None, sha
    return found[2]


def variants(rng: random.Random, base: bytes) -> list[bytes]:
    """Targets that share more or less with `base`: a change at the start, the end, the middle,
    an insertion, a removal, longer than a copy can carry, nothing in common, empty, and offsets
    whose bytes are zero. (Never `base` itself: the writer makes no delta of a tree that did
    not change.)"""
    cut = rng.randrange(1, len(base) - 1)
    return [
        b"X" + base[1:],
        base[:-1] + b"Y",
        base[:cut] + os.urandom(300) + base[cut + 5 :],
        base[:cut] + "inséré".encode() + base[cut:],
        base[:cut] + base[cut + 1000 :],
        base[: COPY_MAX * 2 + 7] + b"!" + base[COPY_MAX * 2 + 8 :],
        base[:0x10000] + b"?" + base[0x10000 + 1 :],
        os.urandom(500),
        b"",
        base + base[:777],
    ]


def test_deltas_and_whole_objects_in_a_pack_are_what_git_reads(repo: GitRepo) -> None:
    rng = random.Random(5)
    base = b"".join(b"100644 %05d-nom.md\0" % n + os.urandom(20) for n in range(8000))
    (repo.root / "base").write_bytes(base)
    base_id = git(repo.root, "hash-object", "-w", "base").strip()
    targets = variants(rng, base)
    entries = [PackEntry("blob", t, object_id("blob", t), base_id, delta(base, t)) for t in targets]
    entries.append(PackEntry("blob", b"entier\n", object_id("blob", b"entier\n")))
    # A delta against an object of the same pack, itself a delta.
    chained = targets[2] + b"encore"
    entries.append(
        PackEntry(
            "blob", chained, object_id("blob", chained), entries[2].sha, delta(targets[2], chained)
        )
    )
    # Piece by piece (a tree's entries): a version far from the base, many places changed.
    size = len(b"100644 00000-nom.md\0") + 20  # each generated entry
    starts = list(range(0, len(base), size))
    kept = [base[i : i + size] for i in starts if rng.random() < 0.8]
    pieces = [
        p if rng.random() < 0.9 else b"100644 nouv-%05d.md\0" % n + os.urandom(20)
        for n, p in enumerate(kept)
    ]
    far = b"".join(pieces)
    far_starts = [0, *accumulate(map(len, pieces[:-1]))]
    far_delta = delta_by_pieces(base, pieces_of(base, starts), far, far_starts)
    assert len(far_delta) < len(far) / 3
    entries.append(PackEntry("blob", far, object_id("blob", far), base_id, far_delta))
    # A few places changed in a long folder (a close's trees): a few instructions only.
    near_pieces = [base[i : i + size] for i in starts]
    near_pieces[100] = b"100644 00100-nom.md\0" + os.urandom(20)  # a file's new version
    near_pieces.insert(5000, b"100644 04999-z.md\0" + os.urandom(20))  # a file added
    del near_pieces[-1]  # the last one removed
    near = b"".join(near_pieces)
    near_starts = [0, *accumulate(map(len, near_pieces[:-1]))]
    near_delta = delta_by_pieces(base, pieces_of(base, starts), near, near_starts)
    assert len(near_delta) < 200
    entries.append(PackEntry("blob", near, object_id("blob", near), base_id, near_delta))
    assert len(delta_by_pieces(base, pieces_of(base, starts), base, starts)) < 32  # 5 copies
    repo.write_pack(pack(entries), [e.sha for e in entries])
    for entry in entries:
        assert stored(repo, entry.sha) == entry.data
    git(repo.root, "fsck", "--strict", "--no-dangling")
    # Each delta is small when little changed.
    assert len(delta(base, targets[0])) < 64 and len(delta(base, targets[3])) < 64


def test_a_wrong_object_in_a_pack_is_refused(repo: GitRepo) -> None:
    from assemblee_cli.errors import GitError

    entry = PackEntry("blob", b"texte\n", "0" * 40)
    with pytest.raises(GitError, match="autres identifiants"):
        repo.write_pack(pack([entry]), [entry.sha])


def test_close_sized_writes_go_as_one_pack_and_are_the_trees_git_writes(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder of thousands of files edited commit after commit (longer chains than
    MAX_DEPTH): flushed as one pack, every tree and commit reads back as made, git's fsck is
    satisfied, and the same edits flushed one by one give the same ids."""
    monkeypatch.setattr(objects, "MAX_DEPTH", 7)
    blob_id = git(repo.root, "hash-object", "-w", "--stdin", input="proposition\n").strip()
    writer = ObjectWriter(repo)
    tree = writer.edit(
        None, {f"proposals/{n:05d}-titre.md": ("100644", blob_id) for n in range(30000)}
    )
    commit = writer.commit(tree, [], "Départ")
    writer.flush()  # one big tree: a pack already (over PACK_ABOVE)
    made = []
    for step in range(20):
        tree = writer.edit(tree, {f"proposals/{30000 + step:05d}-nouvelle.md": ("100644", blob_id)})
        commit = writer.commit(tree, [commit], f"Décision {step}")
        made.append((tree, commit))
    packs = set((Path(repo.git_dir) / "objects" / "pack").glob("*.pack"))
    writer.flush()
    assert len(set((Path(repo.git_dir) / "objects" / "pack").glob("*.pack")) - packs) == 1
    for tree_id, commit_id in made:
        assert git(repo.root, "rev-parse", f"{commit_id}^{{tree}}").strip() == tree_id
    git(repo.root, "update-ref", "refs/heads/main", commit)
    git(repo.root, "fsck", "--strict", "--no-dangling")
    listed = git(repo.root, "ls-tree", "--name-only", "main:proposals").split()
    assert len(listed) == 30020 and listed[-1] == "30019-nouvelle.md"
