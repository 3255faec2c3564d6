"""The history index (store/index.py) changes no answer: what the reading commands print from
it equals what they print from the history itself (`ASSEMBLEE_SANS_CACHE=1`), on random
histories made by benchmarks/generate.py (adopted, rejected and withdrawn proposals, open ones
past their deadline), shared by two clones of a bare remote: cold (no index), warm, after a
`close` made in the other clone (the index is extended), damaged (truncated, garbage, an entry
made up), disabled, and after a rewritten, foreign `main` (it is rebuilt)."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from tests.helpers import copy_assembly, git, run_in_process
from tests.perf.test_process_counts import generate

from assemblee_cli.git.repo import open_repo
from assemblee_cli.store import index as index_module
from assemblee_cli.store.assembly import open_assembly
from assemblee_cli.store.index import FORMAT, HistoryIndex, decided_files, forget_memory
from assemblee_cli.store.reading import days_named, decided_between, decided_journal, in_full

DISABLED = {"ASSEMBLEE_SANS_CACHE": "1"}


@dataclass
class World:
    remote: Path
    clones: dict[str, Path]
    now: str
    summary: Any
    # The answers without the index in a fresh copy (no command run in it yet), by clone:
    # every fresh copy of one seed's world gives them, asked once for the module (fresh_same).
    fresh: dict[str, Any] = field(default_factory=dict)

    def index_file(self, who: str, kind: str = "historique") -> Path:
        return self.clones[who] / ".git" / "assemblee" / "index" / f"{kind}-v{FORMAT}.json"

    def stored(self, who: str, kind: str = "historique") -> Any:
        """The content of an index file (after its digest line)."""
        text = self.index_file(who, kind).read_text(encoding="utf-8")
        return json.loads(text.partition("\n")[2])

    def run(self, who: str, *args: str, disabled: bool = False) -> str:
        proc = run_in_process(
            self.clones[who], *args, now=self.now, extra=DISABLED if disabled else None
        )
        assert proc.returncode in (0, 1), proc.stderr
        return f"{proc.returncode}\n{proc.stdout}\n{proc.stderr}"

    def written(self, who: str, *args: str, disabled: bool = False) -> str:
        """What a command writes to its -o file (agenda, export)."""
        target = self.clones[who].parent / f"sortie-{who}.txt"
        self.run(who, *args, "-o", str(target), disabled=disabled)
        return target.read_text(encoding="utf-8")

    def answers(self, who: str, disabled: bool = False) -> dict[str, Any]:
        """What the reading commands say in `who`'s clone (offline: as last fetched)."""
        decided = self.decided_ids(who)
        found: dict[str, Any] = {
            "status": self.run(who, "status", "--json", "--offline", disabled=disabled),
            "agenda": self.written(who, "agenda", "--offline", disabled=disabled),
            "agenda-json": self.written(who, "agenda", "--json", "--offline", disabled=disabled),
            "export": self.written(who, "export", "--format", "md", "--offline", disabled=disabled),
            "html": self.written(who, "export", "--format", "html", "--offline", disabled=disabled),
            "close": self.run(who, "close", "--dry-run", "--json", "--offline", disabled=disabled),
        }
        for number in decided[:2] + decided[-2:]:
            found[f"show {number}"] = self.run(
                who, "show", str(number), "--json", "--offline", disabled=disabled
            )
        return found

    def decided_ids(self, who: str) -> list[int]:
        listing = git(self.clones[who], "ls-tree", "--name-only", "origin/main", "proposals/")
        return sorted(int(Path(p).name[:4]) for p in listing.split() if Path(p).name[:4].isdigit())

    def same(self, who: str) -> dict[str, Any]:
        """The answers with the index equal the answers without it; returns them."""
        with_index = self.answers(who)
        assert with_index == self.answers(who, disabled=True)
        return with_index

    def fresh_same(self, who: str) -> dict[str, Any]:
        """`same` in a fresh copy: the answers without the index read none of it, so they are
        those of every fresh copy of this world, computed by the first copy that asks."""
        with_index = self.answers(who)
        if who not in self.fresh:
            self.fresh[who] = self.answers(who, disabled=True)
        assert with_index == self.fresh[who]
        return with_index

    def still(self, who: str, proven: dict[str, Any]) -> None:
        """The answers with the index equal `proven`, answers that `same` found equal to the
        answers without the index, on the same clone at the same commits: only the index may
        have changed since (the answers without it read none of it, so they are still
        `proven`, and need not be computed again)."""
        assert self.answers(who) == proven


def _digested(data: Any) -> str:
    """`data` as the index writes it: the digest of its JSON, then the JSON."""
    text = json.dumps(data, ensure_ascii=False)
    return f"{hashlib.sha1(text.encode()).hexdigest()}\n{text}"


def _world(folder: Path, seed: int) -> World:
    summary = generate.generate(
        folder / "gen", decided=14, open_count=6, votes=3, due=4, seed=seed, decided_votes=3
    )
    remote = folder / "remote.git"
    git(folder, "clone", "-q", "--bare", str(summary.repo), str(remote))
    clones = {}
    for who in ("a", "b"):
        git(folder, "clone", "-q", str(remote), who)
        git(folder / who, "config", "user.name", summary.secretary_name)
        git(folder / who, "config", "user.email", summary.secretary_email)
        clones[who] = folder / who
    return World(remote, clones, summary.now, summary)


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> Callable[[int, Path], World]:
    """`worlds(seed, folder)`: a fresh copy in `folder` of the world of `seed`, generated once
    for the module (the tool has never run in it: no index)."""
    built: dict[int, tuple[Path, Any, dict[str, Any]]] = {}

    def copy(seed: int, folder: Path) -> World:
        if seed not in built:
            template = tmp_path_factory.mktemp(f"monde-{seed}")
            summary = _world(template, seed).summary
            shutil.rmtree(template / "gen")  # the generated repository, only cloned from
            built[seed] = template, summary, {}
        template, summary, fresh = built[seed]
        copied = copy_assembly(template, folder)
        return World(copied.remote, copied.clones, summary.now, summary, fresh)

    return copy


@pytest.fixture(params=[1, 7], ids=["graine-1", "graine-7"])
def world(
    request: pytest.FixtureRequest, tmp_path: Path, worlds: Callable[[int, Path], World]
) -> World:
    forget_memory()
    return worlds(request.param, tmp_path / "monde")


def test_answers_equal_cold_warm_extended_damaged_and_rebuilt(world: World, tmp_path: Path) -> None:
    # cold: no index yet; then warm (from the file, then from memory)
    assert not world.index_file("a").exists()
    cold = world.fresh_same("a")
    assert world.index_file("a").exists()
    forget_memory()
    world.still("a", cold)
    world.still("a", cold)
    world.same("b")  # b's index describes main before the close below

    # a closes the due proposals (some adopted, some rejected or postponed) and pushes
    world.run("a", "close")
    before = world.stored("b")
    summaries = world.stored("b", "entetes")
    world.run("b", "status")  # fetches: b's index is extended by the new commits only
    after = world.same("b")
    assert after["status"] != cold["status"]
    extended = world.stored("b")
    assert extended["commit"] != before["commit"]
    # the journal keeps main's order (the latest decision last), extended as when rebuilt
    # (by a reader of the whole journal: `status` alone reads main's recent commits)
    forget_memory()
    world.index_file("b").unlink()
    world.run("b", "status", "--offline")
    assert not world.index_file("b").exists()
    world.run("b", "agenda", "--offline")
    assert list(world.stored("b")["decisions"]) == list(extended["decisions"])
    kept = world.stored("b", "entetes")
    assert set(summaries["entetes"]) < set(kept["entetes"])  # kept, not made again

    # damaged: truncated, garbage, entries made up, another format
    for kind in ("historique", "entetes"):
        text = world.index_file("b", kind).read_text(encoding="utf-8")
        data = json.loads(text.partition("\n")[2])
        made_up = {k: {"resume": {"id": "x"}} for k in data.get("entetes", {})}
        for damaged in (
            text[: len(text) // 2],
            "\x00garbage\xff",
            text.replace('"', "'", 3),  # its digest no longer matches
            # well-formed, with a digest that matches, but not an index of this format
            *map(
                _digested,
                (
                    {**data, "entetes": made_up},
                    {**data, "format": FORMAT + 1},
                    {**data, "fichiers": []},
                    {**data, "entetes": []},
                    [],
                ),
            ),
        ):
            forget_memory()
            world.index_file("b", kind).write_text(damaged, encoding="utf-8")
            world.still("b", after)

    # disabled: nothing written
    forget_memory()
    shutil.rmtree(world.index_file("b").parent)
    world.answers("b", disabled=True)
    assert not world.index_file("b").exists()


@pytest.mark.parametrize("recent", [1, 3, 64])
def test_the_latest_decisions_read_from_recent_commits_are_the_journal_s(
    world: World, monkeypatch: pytest.MonkeyPatch, recent: int
) -> None:
    """Without an index (a fresh clone's first `status`, or disabled), the latest decisions
    are read from main's RECENT newest first-parent commits, or from the whole journal when
    those name too few: the same names, in the same order, as the index's journal."""
    monkeypatch.setattr(index_module, "RECENT", recent)
    assembly = open_assembly(world.clones["a"], offline=True)
    files = decided_files(assembly.repo, assembly.trunk)
    journal = HistoryIndex(assembly.repo).at(assembly.trunk)
    assert journal is not None and len(journal.decisions) > 3
    for disabled in ("", "1"):
        monkeypatch.setenv("ASSEMBLEE_SANS_CACHE", disabled)
        for count in (1, 2, 5, len(journal.decisions) + 1):
            forget_memory()
            world.index_file("a").unlink(missing_ok=True)
            expected = [name for name in reversed(journal.decisions) if name in files][:count]
            found = HistoryIndex(assembly.repo).latest_decisions(assembly.trunk, count, files)
            assert found == expected, (disabled, count)


def test_a_fresh_clone_s_status_keeps_its_latest_decisions_not_the_whole_journal(
    world: World,
) -> None:
    """`status` on a fresh clone reads main's recent commits, not its whole history: it
    writes no index, only its answer for that main, which the next `status` reads back; a
    damaged answer is worked out again; a main that moved is worked out again; `agenda`
    then builds the index, which `status` follows. The same words as without any of it."""
    plain = world.run("a", "status", "--json", "--offline", disabled=True)
    recent = world.index_file("a", "recentes")
    assert world.run("a", "status", "--json", "--offline") == plain
    assert recent.exists() and not world.index_file("a").exists()
    assert world.run("a", "status", "--json", "--offline") == plain  # read back
    recent.write_text("abîmé", encoding="utf-8")
    assert world.run("a", "status", "--json", "--offline") == plain
    world.run("b", "close")  # main moves (b pushes), a fetches
    moved = world.run("a", "status", "--json")
    assert moved != plain
    assert moved == world.run("a", "status", "--json", "--offline", disabled=True)
    world.run("a", "agenda", "--offline")
    assert world.index_file("a").exists()
    assert world.run("a", "status", "--json", "--offline") == moved


def test_a_proposal_named_again_takes_its_latest_place_among_recent_commits(
    sealed_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A proposal named by two commits of main (recorded postponed, decided later) counts
    once, at its latest commit, as in the whole journal; a commit naming two proposals gives
    the later line first."""
    git(tmp_path, "init", "-q", "-b", "main", "depot")
    folder = tmp_path / "depot"
    for names in (["0001-x"], ["0002-y"], ["0001-x"], ["0003-z", "0004-w"]):
        trailers = "\n".join(f"Assemblee-Proposition: {name}" for name in names)
        git(folder, "commit", "-q", "--allow-empty", "-m", f"Décision\n\n{trailers}")
    repo = open_repo(folder)
    files = {name: "0" * 40 for name in ("0001-x", "0002-y", "0003-z", "0004-w")}
    monkeypatch.setenv("ASSEMBLEE_SANS_CACHE", "1")
    for recent in (2, 3, 64):
        monkeypatch.setattr(index_module, "RECENT", recent)
        index = HistoryIndex(repo)
        assert index.latest_decisions("main", 9, files) == ["0004-w", "0003-z", "0001-x", "0002-y"]
        assert index.latest_decisions("main", 2, files) == ["0004-w", "0003-z"]


def test_a_rewritten_foreign_main_rebuilds_the_index(
    world: World, tmp_path: Path, worlds: Callable[[int, Path], World]
) -> None:
    world.fresh_same("a")
    indexed = world.stored("a")["commit"]
    # The remote's history is replaced by another assembly's (another seed), pushed by force.
    other = worlds(3, tmp_path / "autre")
    git(world.remote, "fetch", "-q", "--force", str(other.remote), "+refs/heads/*:refs/heads/*")
    git(world.clones["a"], "fetch", "-q", "--force", "--prune", "origin")
    git(world.clones["a"], "reset", "-q", "--hard", "origin/main")
    shown = world.same("a")
    rebuilt = world.stored("a")
    assert rebuilt["commit"] != indexed
    assert shown == other.fresh_same("a")
    # main went back (a reset of the remote): the index follows it too
    git(world.remote, "update-ref", "refs/heads/main", "refs/heads/main~2")
    git(world.clones["a"], "fetch", "-q", "--force", "origin")
    git(world.clones["a"], "reset", "-q", "--hard", "origin/main")
    assert world.same("a") != shown


def test_a_submodule_in_the_proposals_folder_is_no_record_extended_or_rebuilt(
    world: World,
) -> None:
    """A submodule entry (a gitlink) among the decided files is no file: the index extended
    by the commits that add one, and turn a decided file into one, leaves both out, as the
    index read from main's tree does, and as the answers without any index do."""
    world.fresh_same("a")
    b = world.clones["b"]
    some_commit = git(b, "rev-parse", "HEAD").strip()
    last = world.decided_ids("b")[-1]
    record = git(b, "ls-tree", "--name-only", "HEAD", "proposals/").split()
    replaced = next(p for p in record if Path(p).name.startswith(f"{last:04d}-"))
    git(b, "rm", "-q", "--cached", replaced)
    for path in (replaced, "proposals/0999-sous-module.md"):
        git(b, "update-index", "--add", "--cacheinfo", f"160000,{some_commit},{path}")
    git(b, "commit", "-q", "-m", "Des sous-modules aux noms de décisions")
    git(b, "push", "-q", "origin", "main")
    git(world.clones["a"], "pull", "-q")
    extended = world.same("a")
    assert not any(
        name.startswith(("0999-", f"{last:04d}-")) for name in world.stored("a")["fichiers"]
    )
    forget_memory()
    world.index_file("a").unlink()
    world.still("a", extended)  # rebuilt from main's tree


def _windows(journal: list[Any]) -> list[tuple[datetime, datetime]]:
    """Stretches of time around every decision of `journal`: the second it was taken, the day
    before and after it, and the month that holds it."""
    found = []
    for decided in journal:
        at = decided.decided_at
        found += [
            (at, at + timedelta(seconds=1)),
            (at - timedelta(days=1), at),
            (at + timedelta(seconds=1), at + timedelta(days=1)),
            (at - timedelta(days=15), at + timedelta(days=15)),
        ]
    return found


def test_decisions_of_a_stretch_are_those_of_the_whole_journal(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`decided_between` reads in full only the files that name a day of the stretch: it
    finds exactly the decisions that filtering the whole journal finds, cold, warm, from a
    damaged index and without it."""
    world.run("a", "close")  # decisions of several days and kinds (adopted, rejected, withdrawn)
    store = open_assembly(world.clones["a"], offline=True)
    journal, _errors = decided_journal(store)
    assert len(journal) > 10
    windows = _windows(journal)

    def expected(since: datetime, until: datetime) -> list[Any]:
        chosen = [d for d in journal if d.decided_at and since <= d.decided_at < until]
        return in_full(store, chosen, [])[0]

    wanted = [expected(since, until) for since, until in windows]
    assert any(wanted) and not all(wanted)
    days_file = world.index_file("a", "jours")
    damages = [
        {"jours": {"x": [0]}},  # not a day
        {"jours": {"739000": [10**6]}},  # not a file read
        {"jours": {"739000": "0"}},
        {"partout": [-1]},
        {"partout": None},
        {"lus": [1]},
        {"lus": ["0" * 40] * 2},  # the same blob twice
        {"format": FORMAT + 1},
    ]
    attempts = ["cold", "warm", "memory", *(["damaged"] * len(damages)), "disabled"]
    for attempt in attempts:
        if attempt != "memory":
            forget_memory()
        if attempt in ("cold", "disabled"):
            shutil.rmtree(days_file.parent)
        if attempt == "damaged":  # believed only when whole and well-formed
            data = {**world.stored("a", "jours"), **damages.pop()}
            days_file.write_text(_digested(data), encoding="utf-8")
        if attempt == "disabled":
            monkeypatch.setenv("ASSEMBLEE_SANS_CACHE", "1")
        found = [decided_between(store, since, until)[0] for since, until in windows]
        assert found == wanted, attempt
        assert days_file.exists() == (attempt != "disabled")


def _instant_forms(moment: datetime) -> list[str]:
    """`moment` as `datetime.fromisoformat` reads it, written in the ways it accepts."""
    day = moment.date()
    year, week, weekday = day.isocalendar()
    zone = moment.strftime("%z")
    return [
        moment.isoformat(),
        moment.isoformat(sep=" "),
        moment.isoformat(sep="x"),
        f"{day.year:04d}{day.month:02d}{day.day:02d}T{moment:%H%M%S}{zone}",
        f"{day.year:04d}{day.month:02d}{day.day:02d}",
        day.isoformat(),
        f"{year:04d}-W{week:02d}-{weekday}T{moment:%H:%M}{zone}",
        f"{year:04d}W{week:02d}{weekday}",
        f"{year:04d}-W{week:02d}",
    ]


def test_the_days_a_text_names_hold_every_instant_written_in_it() -> None:
    rng = random.Random(14)
    zones = [timezone(timedelta(minutes=m)) for m in (-23 * 60 - 59, -600, 0, 60, 840, 1439)]
    noise = "".join(rng.choice("0123456789abcdef") for _ in range(400))
    for _ in range(300):
        moment = datetime(
            rng.randint(1000, 9000), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23),
            rng.randint(0, 59), tzinfo=rng.choice(zones),
        )  # fmt: skip
        for form in _instant_forms(moment):
            parsed = datetime.fromisoformat(form)
            for line in (f"clos_le: '{form}'", f'clos_le: "{form}"', f"- {form}", f"[{form}]"):
                text = f"{noise[: rng.randint(0, 400)]}\n{line}\n{noise}".encode()
                named = days_named(text)
                assert named is not None and parsed.date().toordinal() in named, (form, line)
                # the instant in UTC is at most a day away from the day written
                utc = parsed.astimezone(UTC).date().toordinal() if parsed.tzinfo else None
                if utc is not None:
                    assert any(abs(utc - day) <= 1 for day in named)
    assert days_named(b'clos_le: "\\x32026-11-20T10:00:00Z"') is None  # an escape: any day
    assert days_named(None) is None
    assert days_named(b"version: 'a20261120b', id: 120261120") == []


def test_an_unreadable_decided_file_is_said_when_it_may_belong_to_the_stretch(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A decided file that cannot be read is listed by `decided_between` (the agenda's
    « Propositions illisibles ») when its text names a day of the stretch, not otherwise."""
    clone = world.clones["a"]
    (clone / "proposals" / "0901-ancienne.md").write_text(
        "---\nid: 901\ntitre: [cassé\nclos_le: '2001-02-03T10:00:00Z'\n---\n", encoding="utf-8"
    )
    (clone / "proposals" / "0902-recente.md").write_text(
        "---\nid: 902\ntitre: [cassé\nclos_le: '2026-11-20T10:00:00Z'\n---\n", encoding="utf-8"
    )
    git(clone, "add", "proposals")
    git(clone, "commit", "-q", "-m", "Deux fichiers abîmés")
    git(clone, "push", "-q", "origin", "HEAD:main")
    store = open_assembly(clone, offline=True)
    since = datetime(2026, 11, 19, tzinfo=UTC)
    for disabled in (False, False, True):  # cold, warm, without the index
        if disabled:
            monkeypatch.setenv("ASSEMBLEE_SANS_CACHE", "1")
        forget_memory()
        _decided, errors = decided_between(store, since, since + timedelta(days=3))
        assert [e for e in errors if "0901" in e] == []
        assert [e for e in errors if "0902" in e] != [], errors


def test_an_index_read_keeps_only_entries_that_name_objects() -> None:
    """Read back, a whole index is taken at once (one check over all its object ids); an
    entry whose id is not one is dropped, the others kept, as when each is checked alone."""
    from assemblee_cli.store.index import IndexState

    sha = [hashlib.sha1(str(i).encode()).hexdigest() for i in range(6)]
    good = {
        "format": FORMAT,
        "commit": sha[0],
        "fichiers": {"0001-a": sha[1], "0002-b": sha[2]},
        "decisions": {"0001-a": [sha[3], True], "0002-b": [sha[4], 0]},
    }
    state = IndexState.from_json(good)
    assert state is not None and state.files == good["fichiers"]
    assert state.decisions == {"0001-a": (sha[3], True), "0002-b": (sha[4], False)}
    for bad in (sha[5].upper(), sha[5][:39], f"{sha[5][:39]}\n", sha[5][:39] + "é", 7, None):
        damaged = json.loads(json.dumps(good))
        damaged["fichiers"]["0003-c"] = bad
        damaged["decisions"]["0003-c"] = [bad, True]
        state = IndexState.from_json(damaged)
        assert state is not None, bad
        assert state.files == good["fichiers"], bad
        assert set(state.decisions) == {"0001-a", "0002-b"}, bad
    assert IndexState.from_json({**good, "decisions": {"0001-a": "x"}}) is not None
    assert IndexState.from_json({**good, "commit": "x"}) is None
