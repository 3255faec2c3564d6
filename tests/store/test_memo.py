"""A long-running reader's memo (the web page's): after a vote, the next reading parses again only
the proposal whose branch moved, and answers exactly what a reader without memo answers."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from tests.helpers import (
    AFTER,
    EDIT_DROITS,
    EDIT_QUALITES,
    EDIT_VALEURS,
    NEXT_DAY,
    OPEN,
    Assembly,
)

from assemblee_cli.store import assembly as stored
from assemblee_cli.store import cache as cache_module
from assemblee_cli.store.assembly import open_assembly
from assemblee_cli.store.cache import Listing
from assemblee_cli.store.memo import Memo, immutable
from assemblee_cli.store.reading import open_items
from assemblee_cli.usecases.status import status


@pytest.fixture()
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The proposal files the store parses (from their text or from cached header data)."""
    seen: list[str] = []
    with_data, from_data = stored.parse_proposal_with_data, stored.parse_proposal_data

    def parse_text(text: str, path: str, *args: Any) -> Any:
        seen.append(path)
        return with_data(text, path, *args)

    def parse_data(data: Any, body: str, path: str, *args: Any) -> Any:
        seen.append(path)
        return from_data(data, body, path, *args)

    monkeypatch.setattr(stored, "parse_proposal_with_data", parse_text)
    monkeypatch.setattr(stored, "parse_proposal_data", parse_data)
    return seen


def from_scratch(assembly: Assembly, now: datetime) -> Any:
    fresh = open_assembly(assembly.path("dave"), offline=False)
    return open_items(fresh), status(fresh, now)


def test_after_a_vote_only_the_moved_branch_is_parsed_again(
    assembly: Assembly, parses: list[str]
) -> None:
    assembly.propose_edit("alice", "Valeurs", EDIT_VALEURS, now=OPEN)
    assembly.propose_edit("bob", "Droits", EDIT_DROITS, now=OPEN)
    assembly.propose_edit("carol", "Qualités", EDIT_QUALITES, now=OPEN)
    now = datetime.fromisoformat(NEXT_DAY)
    del parses[:]  # the commands above ran in this process
    memo = Memo()
    reader = open_assembly(assembly.path("dave"), offline=False, memo=memo)
    reader.refresh()
    first = open_items(reader)
    assert len(parses) == 3 and len(first[0]) == 3

    reader.refresh()  # the same refs: nothing parsed
    assert open_items(reader) == first and len(parses) == 3

    assembly.ok("bob", "vote", "2", "pas-d-accord", "-r", "Trop vague.", now=NEXT_DAY)
    reader.refresh(force=True)  # fetched: branch 0002 moved
    del parses[:]
    made = memo.made["proposal"]
    again = open_items(reader), status(reader, now)
    assert parses == ["proposals/0002-droits.md"]
    assert memo.made["proposal"] - made == 1
    assert again == from_scratch(assembly, now)
    [moved] = [i for i in again[0][0] if i.proposal.id == 2]
    assert moved.counted["bob@exemple.org"].reason == "Trop vague."

    # main moves (a close decides them all): every answer is read again, still the same.
    assembly.ok("alice", "close", now=AFTER)
    reader.refresh(force=True)
    after = datetime.fromisoformat(AFTER)
    assert (open_items(reader), status(reader, after)) == from_scratch(assembly, after)


def test_a_long_running_reader_reads_its_listing_once_and_writes_it_at_most_once_a_while(
    assembly: Assembly, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The web page's reader keeps the listing of the open proposals in its memo: the file
    is read once, followed in memory after each vote, and written again only when the last
    write is older than LISTING_SECONDS. Its answers are those of a reader without any cache,
    and a command that finds the older file answers the same too."""
    reads: list[Path] = []
    read_json = cache_module.read_json

    def counted(source: Path) -> Any:
        reads.append(source)
        return read_json(source)

    def without_cache() -> Any:
        with monkeypatch.context() as patch:
            patch.setenv("ASSEMBLEE_SANS_CACHE", "1")
            return from_scratch(assembly, now)

    monkeypatch.setattr(cache_module, "read_json", counted)
    assembly.propose_edit("alice", "Valeurs", EDIT_VALEURS, now=OPEN)
    assembly.propose_edit("bob", "Droits", EDIT_DROITS, now=OPEN)
    now = datetime.fromisoformat(NEXT_DAY)
    listing = assembly.path("dave") / ".git" / "assemblee" / "cache" / "v1" / Listing.NAME
    command = open_assembly(assembly.path("dave"), offline=False)
    command.refresh()
    command.open_proposals()  # a command's listing
    written = [listing.read_bytes()]

    monkeypatch.setattr(stored, "LISTING_SECONDS", 3600.0)
    reader = open_assembly(assembly.path("dave"), offline=False, memo=Memo())
    by_reader = 0
    for voter, number in (("carol", "1"), ("dave", "2")):
        assembly.ok(voter, "vote", number, "d-accord", now=NEXT_DAY)
        reader.refresh(force=True)
        reads.clear()
        answer = open_items(reader), status(reader, now)
        by_reader += reads.count(listing)
        assert answer == without_cache()
        written.append(listing.read_bytes())
    assert by_reader == 1  # once, for both votes
    # Written after the first vote (the reader's first save), not after the second.
    assert written[0] != written[1] == written[2]
    assert from_scratch(assembly, now) == without_cache()  # a command with the older file

    monkeypatch.setattr(stored, "LISTING_SECONDS", 0.0)
    reader = open_assembly(assembly.path("dave"), offline=False, memo=Memo())
    assembly.ok("bob", "vote", "1", "s-abstient", now=NEXT_DAY)
    reader.refresh(force=True)
    open_items(reader)
    again = open_assembly(assembly.path("dave"), offline=False)
    assert Listing(again.cache).blobs == reader._listing().blobs  # the file follows the memo


def test_the_memo_stays_bounded_and_keeps_only_what_never_changes() -> None:
    memo = Memo(max_entries=3)
    made: list[int] = []
    for key in range(5):
        assert memo.recall("k", key, lambda k=key: made.append(k) or k * 2) == key * 2
    assert len(memo) == 3 and memo.made["k"] == 5
    assert memo.recall("k", 4, lambda: -1) == 8  # kept: not made again
    assert memo.known("k", 0) is None  # the oldest was dropped
    memo.keep("other", 0, "kept")  # each kind has its own limit
    assert len(memo) == 4 and memo.known("k", 4) == (8,) and memo.known("other", 0) == ("kept",)
    assert memo.recall("k", "none", lambda: None) is None and memo.known("k", "none") == (None,)
    assert immutable("0123456789abcdef0123456789abcdef01234567:proposals/0001-a.md")
    assert not immutable("main:proposals/0001-a.md")
    assert not immutable("refs/heads/main")
