"""The provenance `blame` shows (which commit of main last wrote each line of a file) answers
from an index that follows main; these tests check that it gives the answer computed from the
whole history, on random histories built with real git (proposals forked from older commits,
edited in several commits, updated with main, merged with conflicts settled by hand; direct
commits; main rewritten): warm, extended step by step, cold, damaged, foreign and disabled."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.helpers import RandomHistory, git

from assemblee_cli.git.repo import GitRepo, open_repo
from assemblee_cli.store import provenance as pv
from assemblee_cli.store.assembly import open_assembly
from assemblee_cli.usecases.blame import paragraphs_of

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


class Counted:
    """`from_scratch` as `provenance` calls it, counted: how often the index could not answer."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        original = pv.from_scratch

        def counted(repo: GitRepo, tip: str, path: str) -> pv.Provenance:
            self.calls += 1
            return original(repo, tip, path)

        monkeypatch.setattr(pv, "from_scratch", counted)
        self.original = original


def today(repo: GitRepo, tip: str, path: str) -> pv.Provenance:
    """What `blame` computed before the index: `git blame`, one `git log` of all of main with
    every message, the walk."""
    blamed = repo.blame_commits(tip, path)
    commits = {
        sha: pv.CommitMeta(sha, parents, datetime.fromtimestamp(stamp, UTC), author, message)
        for sha, parents, stamp, author, message in repo.commit_log(tip)
    }
    owner = pv.introducing_commits({sha: c.parents for sha, c in commits.items()}, tip)
    writers = [owner.get(sha, sha) for sha, _content in blamed]
    known = {sha: commits[sha] for sha in writers if sha in commits}
    return pv.Provenance([content for _sha, content in blamed], writers, known)


def _entries(repo: Path) -> list[Path]:
    return sorted((repo / ".git" / "assemblee" / "provenance").rglob("*.json"))


def _same(repo: GitRepo, scratch: Any, tip: str, path: str) -> None:
    expected = today(repo, tip, path)
    assert scratch(repo, tip, path) == expected, (tip, path)
    assert pv.provenance(repo, tip, path) == expected, (tip, path)


@pytest.mark.parametrize("seed", range(5))
def test_the_index_follows_main_and_answers_as_the_whole_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    history = RandomHistory(tmp_path / "depot", seed)
    repo = open_repo(history.repo)
    counted = Counted(monkeypatch)
    kinds: list[str] = []
    extended = 0
    for number in range(28):
        if number == 14:
            history.rewrite()
            kinds.append("rewrite")
        else:
            kinds.append(history.step())
        tip = history.main()
        # Some files are asked after each event, the others fall behind: their entry is
        # extended over several events at once when they are asked again.
        for path in history.random.sample(history.FILES, 2):
            before = counted.calls
            _same(repo, counted.original, tip, path)
            extended += counted.calls == before
    assert "proposal" in kinds and "rewrite" in kinds
    # The index did the work most of the time (a rewritten main and a new file start over).
    assert extended >= 28, (extended, counted.calls, kinds)

    # Warm: no git at all. (The expected answers, at this one tip, are computed once for
    # the warm, disabled and cold checks below.)
    tip = history.main()
    expected = {path: today(repo, tip, path) for path in history.FILES}
    for path in history.FILES:
        assert counted.original(repo, tip, path) == expected[path], (tip, path)
        assert pv.provenance(repo, tip, path) == expected[path], (tip, path)

    def no_git(*args: object, **kwargs: object) -> str:
        raise AssertionError(f"git lancé alors que l'index répond : {args}")

    with monkeypatch.context() as patch:
        patch.setattr(GitRepo, "out", no_git)
        answers = {path: pv.provenance(repo, tip, path) for path in history.FILES}
    assert answers == expected

    # The paragraphs `blame` shows, index on and off.
    assembly = open_assembly(history.repo, offline=True)
    shown = {path: paragraphs_of(assembly, tip, path, NOW) for path in history.FILES}
    monkeypatch.setenv("ASSEMBLEE_SANS_CACHE", "1")
    assert shown == {path: paragraphs_of(assembly, tip, path, NOW) for path in history.FILES}
    monkeypatch.delenv("ASSEMBLEE_SANS_CACHE")

    # Cold: the index removed.
    shutil.rmtree(history.repo / ".git" / "assemblee")
    for path in history.FILES:
        assert pv.provenance(repo, tip, path) == expected[path], (tip, path)
    assert len(_entries(history.repo)) == len(history.FILES)


def test_a_damaged_or_foreign_index_changes_no_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = RandomHistory(tmp_path / "depot", 7)
    other = RandomHistory(tmp_path / "autre", 8)
    for _ in range(8):
        history.step()
        other.step()
    repo = open_repo(history.repo)
    old = history.main()
    for path in history.FILES:
        pv.provenance(repo, old, path)
    for _ in range(4):
        history.step()
    tip = history.main()
    expected = {path: pv.from_scratch(repo, tip, path) for path in history.FILES}
    entries = _entries(history.repo)
    assert len(entries) == len(history.FILES)
    valid = {entry: entry.read_bytes() for entry in entries}

    def damaged(entry: Path, text: bytes) -> list[bytes]:
        data = json.loads(text)
        wrong_number = dict(data, auteurs=[len(data["commits"])] * len(data["auteurs"]))
        short = dict(data, lignes=data["lignes"][:-1])
        unknown = dict(data, commit="0" * 40)
        return [
            b"\x00\xffdes octets quelconques",
            text[: len(text) // 2],
            b"",
            b"[]",
            json.dumps(wrong_number).encode(),
            json.dumps(short).encode(),
            json.dumps(unknown).encode(),
        ]

    for entry, text in valid.items():
        for bad in damaged(entry, text):
            entry.write_bytes(bad)
            for path in history.FILES:
                assert pv.provenance(repo, tip, path) == expected[path]
            entry.write_bytes(text)  # back to the entry at `old`, extended again next time

    # The index of another repository, copied in: its commits are unknown here.
    for path in other.FILES:
        pv.provenance(open_repo(other.repo), other.main(), path)
    shutil.rmtree(history.repo / ".git" / "assemblee")
    shutil.copytree(other.repo / ".git" / "assemblee", history.repo / ".git" / "assemblee")
    for path in history.FILES:
        assert pv.provenance(repo, tip, path) == expected[path]

    # A main rewritten below the indexed commit: computed again, not extended.
    git(history.repo, "checkout", "-q", "main")
    git(history.repo, "reset", "-q", "--hard", "main~2")
    history.edit(history.SECTIONS[0])
    git(history.repo, "commit", "-qam", "Réécrit")
    rewritten = history.main()
    for path in history.FILES:
        assert pv.provenance(repo, rewritten, path) == pv.from_scratch(repo, rewritten, path)


def test_the_index_is_off_with_assemblee_sans_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = RandomHistory(tmp_path / "depot", 3)
    for _ in range(5):
        history.step()
    repo = open_repo(history.repo)
    monkeypatch.setenv("ASSEMBLEE_SANS_CACHE", "1")
    tip = history.main()
    for path in history.FILES:
        assert pv.provenance(repo, tip, path) == pv.from_scratch(repo, tip, path)
    assert not (history.repo / ".git" / "assemblee").exists()
