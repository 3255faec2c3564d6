"""The cache under .git/assemblee/cache/: parsed headers by blob, and where each proposal file
is in each commit. It changes nothing to what the commands say: warm, cold, damaged or
disabled (ASSEMBLEE_SANS_CACHE=1), `status` gives the same answer."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest
from tests.helpers import MONDAY, NEXT_DAY, OPEN

from assemblee_cli.formats import proposalfile
from assemblee_cli.store import assembly as store
from assemblee_cli.store import cache as cache_module
from assemblee_cli.store.cache import HeaderCache, Listing, read_json, write_atomically

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


def test_the_open_proposals_are_kept_in_one_file_that_follows_the_votes_fetched(
    assembly: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`status` keeps the open proposals it listed in one file (`ouvertes.json`), not in a
    small file each when it finds many new ones (here more than one). After a fetch, a branch
    whose file only gained votes is read from its listed version, only the added lines parsed;
    a changed vote is parsed whole. The answers are those worked out without any cache."""
    assembly.in_process = True  # to count the whole parses, and to lower the limit
    monkeypatch.setattr(store, "LOOSE_LIMIT", 1)
    whole: list[str] = []  # the files parsed whole
    parse = proposalfile.parse_proposal_with_data

    def counted(text: str, path: str, *rest: Any) -> Any:
        whole.append(path)
        return parse(text, path, *rest)

    monkeypatch.setattr(store, "parse_proposal_with_data", counted)
    assembly.propose_edit("alice", "Valeurs", VALEURS, now=OPEN)
    assembly.json("bob", "propose", "Fête de quartier", now=OPEN)
    assembly.json("carol", "propose", "Jardin partagé", now=OPEN)
    assembly.ok("carol", "vote", "1", "d-accord", now=NEXT_DAY)

    whole.clear()  # (the commands above parse too: they run in this process)
    first = assembly.json("dave", "status", now=NEXT_DAY)
    clone = assembly.path("dave")
    listing = clone / ".git" / "assemblee" / "cache" / "v1" / Listing.NAME
    assert entries(clone) == [listing]  # three new files: kept together, no small file each
    assert len(read_json(listing)["chemins"]) == 3 and len(whole) == 3

    assembly.ok("alice", "vote", "2", "d-accord", now=MONDAY)  # a first vote
    assembly.ok("bob", "vote", "1", "pas-d-accord", "-r", "Trop tôt.", now=MONDAY)  # another
    assembly.ok("carol", "vote", "1", "s-abstient", now=MONDAY)  # a vote changed
    whole.clear()
    fetched = assembly.json("dave", "status", now=MONDAY)
    assert whole == ["proposals/0001-valeurs.md"]  # the others only gained votes
    assert fetched != first
    kept = read_json(listing)["chemins"]
    tips = {assembly.git("dave", "rev-parse", f"origin/{r}").strip() for r in _branches(assembly)}
    assert {spec.partition(":")[0] for spec in kept} == tips  # the new tips only
    assert assembly.json("dave", "status", now=MONDAY) == fetched
    assembly.env = {**(assembly.env or os.environ), "ASSEMBLEE_SANS_CACHE": "1"}
    assert assembly.json("dave", "status", now=MONDAY) == fetched


def _branches(assembly: Any) -> list[str]:
    out = assembly.git("dave", "for-each-ref", "--format=%(refname:lstrip=3)", "refs/remotes")
    return [ref for ref in out.split() if ref.startswith("proposition/")]


def test_only_a_commit_id_names_a_file_forever(tmp_path: Path) -> None:
    cache = HeaderCache(tmp_path)
    blob = "b" * 40
    cache.put_blob("main:proposals/0001-x.md", blob)  # a branch moves: never cached
    assert cache.blob("main:proposals/0001-x.md") is None
    spec = "a" * 40 + ":proposals/0001-x.md"
    cache.put_blob(spec, blob)
    assert cache.blob(spec) == blob
    assert cache.blob("c" * 40 + ":proposals/0001-x.md") is None


def test_many_entries_go_in_one_pack_read_only_when_a_small_file_does_not_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A command that finds many new entries writes one pack, not a small file each; a later
    command that looks for many finds them there (for one, the packs are not read); beyond
    MOST_PACKS packs, the next one holds them all; a damaged pack holds nothing; a few
    entries still go in small files."""
    monkeypatch.setattr(cache_module, "MOST_PACKS", 3)

    def batch(n: int) -> tuple[dict[str, tuple[Any, str]], dict[str, str]]:
        shas = [f"{n:02d}{i:038d}" for i in range(20)]
        headers = {sha: ({"id": n, "i": i}, f"corps {i}") for i, sha in enumerate(shas)}
        return headers, {f"{'c' * 40}:proposals/{n:04d}-{i}.md": sha for i, sha in enumerate(shas)}

    writer = HeaderCache(tmp_path)
    for n in range(3):
        writer.put_many(*batch(n))
    packs = sorted((tmp_path / "assemblee" / "cache" / "v1" / "paquets").iterdir())
    assert len(packs) == 3  # and no small file
    assert list((tmp_path / "assemblee" / "cache" / "v1").iterdir()) == [packs[0].parent]

    reader = HeaderCache(tmp_path)  # another command, which looks for many
    every = [batch(n) for n in range(3)]
    wanted = [sha for headers, _ in every for sha in headers] + ["f" * 40]
    assert reader.get_many(wanted) == {
        **{sha: entry for headers, _ in every for sha, entry in headers.items()},
        "f" * 40: None,
    }
    specs = [spec for _, blobs in every for spec in blobs] + ["c" * 40 + ":x.md"]
    assert reader.blob_many(specs) == {
        **{spec: sha for _, blobs in every for spec, sha in blobs.items()},
        "c" * 40 + ":x.md": None,
    }
    one = next(iter(every[0][0]))  # one alone: read again from git rather than every pack
    assert HeaderCache(tmp_path).get_many([one]) == {one: None}

    writer.put_many(*batch(3))  # a fourth pack: all of them in one
    [merged] = sorted((tmp_path / "assemblee" / "cache" / "v1" / "paquets").iterdir())
    shas = [sha for n in range(4) for sha in batch(n)[0]]
    assert None not in HeaderCache(tmp_path).get_many(shas).values()

    merged.write_text(merged.read_text(encoding="utf-8").replace("corps", "CORPS"))
    assert set(HeaderCache(tmp_path).get_many(shas).values()) == {None}  # damaged: not believed

    few = {"a" * 40: ({"id": 9}, "")}
    HeaderCache(tmp_path).put_many(few, {})
    assert (tmp_path / "assemblee" / "cache" / "v1" / "aa" / f"{'a' * 38}.json").exists()


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
