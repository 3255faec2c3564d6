"""The cache under .git/assemblee/cache/: parsed headers by blob, and where each proposal file
is in each commit. It changes nothing to what the commands say: warm, cold, damaged or
disabled (ASSEMBLEE_SANS_CACHE=1), `status` gives the same answer."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

from tests.helpers import NEXT_DAY, OPEN

from assemblee_cli.store.cache import HeaderCache, write_atomically

VALEURS = ("sections/03-valeurs.md", "[à compléter]", "Confiance.")


def entries(clone: Path) -> list[Path]:
    folder = clone / ".git" / "assemblee" / "cache" / "v1"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_status_says_the_same_whatever_the_cache(assembly) -> None:  # type: ignore[no-untyped-def]
    assembly.propose_edit("alice", "Valeurs", VALEURS, now=OPEN)
    assembly.json("bob", "propose", "Fête de quartier", now=OPEN)
    assembly.ok("carol", "vote", "1", "d-accord", now=NEXT_DAY)

    cold = assembly.json("dave", "status", now=NEXT_DAY)
    cached = entries(assembly.path("dave"))
    paths = [p for p in cached if "chemins" in p.parts]
    assert len(paths) == 2 and len(cached) > len(paths)  # two files located, their headers
    assert assembly.json("dave", "status", now=NEXT_DAY) == cold

    for entry in cached:  # damaged entries are read as missing, then written again
        entry.write_text("{pas du json", encoding="utf-8")
    assert assembly.json("dave", "status", now=NEXT_DAY) == cold
    assert all(
        e.read_text(encoding="utf-8") != "{pas du json" for e in entries(assembly.path("dave"))
    )

    shutil.rmtree(assembly.path("dave") / ".git" / "assemblee")
    assembly.env = {**(assembly.env or os.environ), "ASSEMBLEE_SANS_CACHE": "1"}
    assert assembly.json("dave", "status", now=NEXT_DAY) == cold
    assert entries(assembly.path("dave")) == []


def test_only_a_commit_id_names_a_file_forever(tmp_path: Path) -> None:
    cache = HeaderCache(tmp_path)
    blob = "b" * 40
    cache.put_blob("main:proposals/0001-x.md", blob)  # a branch moves: never cached
    assert cache.blob("main:proposals/0001-x.md") is None
    spec = "a" * 40 + ":proposals/0001-x.md"
    cache.put_blob(spec, blob)
    assert cache.blob(spec) == blob
    assert cache.blob("c" * 40 + ":proposals/0001-x.md") is None


def test_atomic_writes_make_their_folder_replace_whole_and_leave_nothing_behind(
    tmp_path: Path,
) -> None:
    target = tmp_path / "a" / "b" / "entry.json"
    write_atomically(target, "premier")  # the folders are made on the first write
    assert target.read_text(encoding="utf-8") == "premier"

    def writer(n: int) -> None:
        for _ in range(50):
            write_atomically(target, str(n) * 1000)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    text = target.read_text(encoding="utf-8")
    assert text in {str(n) * 1000 for n in range(4)}  # one writer's whole text, never a mix
    assert sorted(p.name for p in target.parent.iterdir()) == ["entry.json"]

    taken = tmp_path / "a" / "dossier"
    taken.mkdir()
    (taken / "occupé").write_text("x", encoding="utf-8")
    write_atomically(taken, "rien")  # cannot replace a folder: ignored, nothing left behind
    assert taken.is_dir() and sorted(p.name for p in taken.parent.iterdir()) == ["b", "dossier"]
