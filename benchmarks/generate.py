"""Build a realistic assembly repository, big or small, in seconds.

    python benchmarks/generate.py DIR --decided 2000 --open 200 --votes 20 --due 50

The repository is what the tool itself would have written after years of use:

- `assemblee init` (run as a subprocess, in a sealed HOME) writes the code social; a roster of
  members (`--members`, 40 by default; the first one, who ran init, is the secretariat) lands
  on `main` in a second commit;
- `--decided N` proposals, opened one after another (several in flight at once), each with its
  text commit (a paragraph added to a section), its opening commit, one commit per vote
  authored by the voter, and its closing commit. Most are adopted and merged into `main` by a
  merge commit whose message ends with the `Assemblee-Proposition: NNNN-slug` trailer; one in
  17 goes through two blocked rounds and a two-thirds round and is rejected, one in 23 is
  withdrawn: for those, only the proposal file lands on `main` and the text stays under
  `refs/archives/proposition/NNNN-slug`;
- `--open M` proposals on their branches `refs/heads/proposition/NNNN-slug` (two in three add
  a text file under `sections/annexes/`, the others are decisions without text), each with
  `--votes V` votes by distinct members; `--due K` of them are past their deadline at `--now`
  (so `assemblee close` has K proposals to decide), the others still open;
- a claim ref `refs/assemblee/numeros/NNNN` for every proposal.

Every proposal file comes from the package's own functions (`lifecycle.open_proposal`,
`record_vote`, `decide_round`, `close_round`, `relaunch`, `withdraw`,
`proposalfile.dump_proposal`), deadlines from `core.calendar` with the rules of the template,
text versions computed like `Assembly.text_version`. The objects are written by a single
`git fast-import` process. The files are dumped by yamlio's dump_yaml (libyaml's emitter)
and with their repeated parts cached, and a sample of them (all of them with `--check-all`, as
the tests do) is compared with `dump_proposal` itself: a difference stops the generation.

Also importable: `generate(...)` returns a `Summary` (which proposals are due, which are
still open, the secretariat's identity...) and `sealed_env(...)` the environment the
benchmark and the tests run the tool in.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from assemblee_cli.core import calendar
from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.members import Member, Roster
from assemblee_cli.core.tally import Choice
from assemblee_cli.formats.codesocial import (
    ROSTER_PATH,
    RULES_PATH,
    dump_roster,
    parse_roster,
    parse_rules,
)
from assemblee_cli.formats.proposalfile import dump_proposal, proposal_to_data, slugify
from assemblee_cli.formats.yamlio import dump_yaml
from assemblee_cli.store.assembly import EMPTY_VERSION, MERGE_TRAILER
from assemblee_cli.usecases import common as services
from assemblee_cli.usecases.init import ROSTER_HEADER

DEFAULT_NOW = "2026-11-24T10:00:00+01:00"  # a Tuesday, no public holiday around
GAP = timedelta(hours=19)  # between two decided proposals: four or five in flight at once
SECTIONS = "sections"
ANNEXES = "sections/annexes"

FIRST_NAMES = (
    "Alice", "Bruno", "Chloé", "David", "Émilie", "Farid", "Gaëlle", "Hugo", "Inès", "Julien",
    "Karima", "Léo", "Manon", "Nicolas", "Océane", "Pierre", "Quentin", "Rania", "Samuel",
    "Théa", "Ulysse", "Valérie", "William", "Yasmine", "Zoé",
)  # fmt: skip
LAST_NAMES = (
    "Martin", "Lefebvre", "Dubois", "Moreau", "Laurent", "Benali", "Petit", "Garnier",
    "Roux", "Fontaine", "Mercier", "Bonnet", "Lambert", "Faure", "Rousseau", "Vincent",
)  # fmt: skip
TOPICS = (
    "Atelier de réparation de vélos",
    "Conditions d'entrée",
    "Budget participatif du local",
    "Partenariat avec la médiathèque",
    "Charte d'accueil des nouveaux membres",
    "Calendrier des permanences",
    "Usage partagé du local",
    "Fonds de solidarité",
    "Prise de position sur le logement",
    "Gouvernance des communs numériques",
    "Jardin partagé de la rue Solférino",
    "Cotisation à prix libre",
    "Rôle du secrétariat de réunion",
    "Archivage des comptes rendus",
    "Accessibilité des réunions",
)
REASONS = (
    "Il faut d'abord en parler en réunion.",
    "Le texte contredit la section sur les valeurs.",
    "Le budget n'est pas précisé.",
    "Les personnes concernées n'ont pas été consultées.",
)


# -- environment ---------------------------------------------------------------------------


def sealed_env(
    home: Path, name: str, email: str, base: dict[str, str] | None = None
) -> dict[str, str]:
    """An environment where git sees only `home/.gitconfig` (identity `name <email>`), and no
    variable from the caller's shell changes what the tool or git does."""
    home.mkdir(parents=True, exist_ok=True)
    (home / ".gitconfig").write_text(
        f"[user]\n\tname = {name}\n\temail = {email}\n[init]\n\tdefaultBranch = main\n",
        encoding="utf-8",
    )
    env = {
        key: value
        for key, value in (os.environ if base is None else base).items()
        if not key.startswith(("GIT_", "ASSEMBLEE_"))
    }
    env |= {
        "HOME": str(home),
        "GIT_CONFIG_NOSYSTEM": "1",
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
    }
    return env


def git(repo: Path, env: dict[str, str], *args: str) -> str:
    proc = subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} : {proc.stderr.strip()}")
    return proc.stdout


def blob_sha(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def text_version(files: dict[str, bytes]) -> str:
    """Like Assembly.text_version: sha1 over the `path blobsha` lines of the changed files."""
    lines = [f"{path} {blob_sha(files[path])}" for path in sorted(files)]
    if not lines:
        return EMPTY_VERSION
    return hashlib.sha1("\n".join(lines).encode()).hexdigest()[:12]


def at_second(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


# -- proposal files ------------------------------------------------------------------------


class ProposalDumper:
    """`dump_proposal`, with the parts that repeat across files dumped once.

    A proposal file's header is a mapping whose top-level keys are dumped one after the other;
    the roster and the rules (most of the file) are the same in every proposal, and each vote
    or round entry does not change once written. So the header is the concatenation of the
    cached dumps of its scalar keys, of each list item, and of the roster and rules, each
    dumped by yamlio's dump_yaml. Every `check_every`-th file (and the first 64) is compared with
    `dump_proposal` itself."""

    _LISTS = ("tours", "votes", "annonces")

    def __init__(self, check_every: int = 500) -> None:
        self.check_every = max(1, check_every)
        self.count = 0
        self.checked = 0
        self._cache: dict[str, str] = {}

    def _cached(self, data: Any) -> str:
        key = repr(data)
        text = self._cache.get(key)
        if text is None:
            text = self._cache[key] = dump_yaml(data)
        return text

    def dump(self, proposal: lc.Proposal) -> bytes:
        data = proposal_to_data(proposal)
        parts: list[str] = []
        scalars: dict[str, Any] = {}
        for key, value in data.items():
            if key in self._LISTS:
                if scalars:
                    parts.append(self._cached(scalars))
                    scalars = {}
                if value:
                    parts.append(f"{key}:\n")
                    parts.extend(self._cached([item]) for item in value)
                else:
                    parts.append(self._cached({key: []}))
            elif key == "membres":
                break
            else:
                scalars[key] = value
        if scalars:
            parts.append(self._cached(scalars))
        parts.append(self._cached({"membres": data["membres"], "regles": data["regles"]}))
        header = "".join(parts)
        body = proposal.description.strip()
        text = f"---\n{header}---\n\n{body}\n" if body else f"---\n{header}---\n"
        self.count += 1
        if self.count <= 64 or self.count % self.check_every == 0:
            self.checked += 1
            expected = dump_proposal(proposal)
            if text != expected:
                raise AssertionError(
                    f"cached dump differs from dump_proposal for {proposal.path}:\n{text}\n"
                    f"---- expected ----\n{expected}"
                )
        return text.encode()


# -- the fast-import stream ----------------------------------------------------------------


class Stream:
    """Commits and refs for one `git fast-import` process. Every commit names its parent
    (`from`), so the ref it is written on is only a scratch name (`refs/heads/main`); the real
    refs are set at the end with `reset`."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.marks = 0
        self.refs: dict[str, str] = {}
        self.commits = 0

    def commit(
        self,
        parent: str,
        message: str,
        who: Member,
        when: datetime,
        files: dict[str, bytes],
        merge: str | None = None,
    ) -> str:
        self.marks += 1
        self.commits += 1
        mark = f":{self.marks}"
        ident = f"{who.name} <{who.email}> {int(when.timestamp())} +0000"
        msg = message.encode()
        chunks = [
            f"commit refs/heads/main\nmark {mark}\nauthor {ident}\ncommitter {ident}\n".encode(),
            b"data %d\n" % len(msg),
            msg,
            f"\nfrom {parent}\n".encode(),
        ]
        if merge is not None:
            chunks.append(f"merge {merge}\n".encode())
        for path, data in files.items():
            chunks.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode())
            chunks.append(data)
            chunks.append(b"\n")
        chunks.append(b"\n")
        self.out.write(b"".join(chunks))
        return mark

    def finish(self) -> None:
        for ref, mark in sorted(self.refs.items()):
            self.out.write(f"reset {ref}\nfrom {mark}\n\n".encode())
        self.out.write(b"done\n")


# -- the simulation ------------------------------------------------------------------------


@dataclass
class Summary:
    repo: str
    now: str
    secretary_name: str
    secretary_email: str
    members: list[str]
    adopted: list[int] = field(default_factory=list)
    rejected: list[int] = field(default_factory=list)
    withdrawn: list[int] = field(default_factory=list)
    due: list[int] = field(default_factory=list)
    open: list[int] = field(default_factory=list)  # open and not yet due
    with_text: list[int] = field(default_factory=list)  # open ones that change the text
    votes_per_open: int = 0
    commits: int = 0
    dumps_checked: int = 0
    seconds: float = 0.0

    @property
    def decided(self) -> list[int]:
        return sorted(self.adopted + self.rejected + self.withdrawn)


@dataclass
class Branch:
    proposal: lc.Proposal
    tip: str
    texts: dict[str, bytes]  # files of the code social the proposal changes → content
    author: Member


class Generator:
    def __init__(
        self,
        stream: Stream,
        rules: Any,
        roster: Roster,
        main: str,
        main_files: dict[str, bytes],
        rng: random.Random,
        dumper: ProposalDumper,
    ) -> None:
        self.s = stream
        self.rules = rules
        self.roster = roster
        self.members = list(roster.members)
        self.secretary = self.members[0]
        self.main = main
        self.main_files = main_files
        self.rng = rng
        self.dumper = dumper
        self.tz = services.tz_of(rules)
        self.holidays = services.holidays_of(rules)
        self.locked: set[str] = set()

    # -- steps, as the commands take them ---------------------------------------------------

    def deadline(self, opened: datetime) -> datetime:
        return calendar.compute_deadline(
            opened,
            self.rules.decision.minimum_hours,
            self.tz,
            self.holidays,  # type: ignore[arg-type]
        )

    def propose(
        self, number: int, opened: datetime, texts: dict[str, bytes], author: Member
    ) -> Branch:
        topic = TOPICS[number % len(TOPICS)]
        title = f"{topic} ({number})"
        description = (
            f"{topic} : proposition n°{number}, discutée à la réunion précédente. "
            "Elle précise qui s'en occupe, avec quels moyens, et comment on en rend compte."
        )
        proposal = lc.open_proposal(
            number=number,
            slug=slugify(title),
            title=title,
            author=author.email,
            author_name=author.name,
            now=opened,
            deadline=self.deadline(opened),
            rules=self.rules,
            members=self.roster.emails,
            text_version=text_version(texts),
            description=description,
            files=sorted(texts),
        )
        parent = self.main
        if texts:
            parent = self.s.commit(
                parent, f"Texte de la proposition n°{number} : {title}", author, opened, texts
            )
        message = f"Proposition n°{number} : {title}\n\n{description}".strip()
        tip = self.s.commit(
            parent, message, author, opened, {proposal.path: self.dumper.dump(proposal)}
        )
        self.s.refs[f"refs/assemblee/numeros/{number:04d}"] = tip
        return Branch(proposal, tip, texts, author)

    def vote(
        self, branch: Branch, member: Member, choice: Choice, when: datetime, reason: str | None
    ) -> None:
        p = branch.proposal
        cast = lc.Vote(member.email, choice, p.round.number, when, "", reason)
        branch.proposal = lc.record_vote(p, cast, when)
        message = f"Vote sur la proposition n°{p.id} : {member.email} — {lc.choice_label(choice)}"
        branch.tip = self.s.commit(
            branch.tip, message, member, when, {p.path: self.dumper.dump(branch.proposal)}
        )

    def votes(
        self,
        branch: Branch,
        count: int,
        start: datetime,
        end: datetime,
        choose: Any,
    ) -> None:
        voters = self.rng.sample(self.members, min(count, len(self.members)))
        step = (end - start) / (len(voters) + 1)
        for index, member in enumerate(voters):
            choice = choose(index)
            reason = self.rng.choice(REASONS) if choice is Choice.BLOCK else None
            if choice is Choice.DISAGREE and self.rng.random() < 0.5:
                reason = self.rng.choice(REASONS)
            self.vote(branch, member, choice, at_second(start + step * (index + 1)), reason)

    def close_round(self, branch: Branch, when: datetime) -> tuple[lc.Proposal, str]:
        """What `assemblee close` commits on the branch; returns the closed proposal and the
        message (also the message of the merge or of the record on main)."""
        p = branch.proposal
        decision = lc.decide_round(p, when)
        closed = lc.close_round(p, decision, when)
        header = (
            f"Proposition n°{p.id} {lc.STATUS_LABELS[closed.status]} "
            f"({lc.MODE_LABELS[p.round.mode]}) : {p.title}\n\n"
            f"{decision.explanation}\nDécompte : {decision.tally.describe()}.\n\n"
            f"{MERGE_TRAILER}: {p.name}"
        )
        branch.proposal = closed
        branch.tip = self.s.commit(
            branch.tip, header, self.secretary, when, {p.path: self.dumper.dump(closed)}
        )
        return closed, header

    def relaunch(self, branch: Branch, when: datetime, two_thirds: bool) -> None:
        p = branch.proposal
        start = lc.first_block(p) or p.opened_at
        meetings = calendar.meetings_between(
            start, when + timedelta(days=400), self.rules.meetings, self.tz
        )
        allowed = lc.relaunch_allowed_from(p, two_thirds, meetings)
        when = at_second(max(when, allowed) + timedelta(hours=2))
        updated = lc.relaunch(
            p,
            now=when,
            two_thirds=two_thirds,
            meetings=meetings,
            deadline=self.deadline(when),
            text_version=p.round.text_version,
        )
        mode = lc.MODE_LABELS[updated.round.mode]
        branch.proposal = updated
        branch.tip = self.s.commit(
            branch.tip,
            f"Proposition n°{p.id} : tour {updated.round.number} ({mode})",
            branch.author,
            when,
            {p.path: self.dumper.dump(updated)},
        )

    # -- on main ---------------------------------------------------------------------------

    def merge(self, branch: Branch, header: str, when: datetime) -> None:
        p = branch.proposal
        files = dict(branch.texts)
        files[p.path] = self.dumper.dump(p)
        self.main = self.s.commit(self.main, header, self.secretary, when, files, branch.tip)
        self.main_files.update(branch.texts)
        self.locked.difference_update(branch.texts)

    def record(self, branch: Branch, message: str, who: Member, when: datetime) -> None:
        """Rejected or withdrawn: only the file on main, the text under refs/archives/."""
        p = branch.proposal
        self.main = self.s.commit(self.main, message, who, when, {p.path: self.dumper.dump(p)})
        self.s.refs[f"refs/archives/proposition/{p.name}"] = branch.tip

    # -- whole lives -----------------------------------------------------------------------

    def section_change(self, number: int, lock: bool) -> dict[str, bytes]:
        free = [path for path in sorted(self.main_files) if path not in self.locked]
        if not free:
            return {}
        path = self.rng.choice(free)
        if lock:
            self.locked.add(path)
        paragraph = (
            f"Ajouté par la proposition n°{number} : l'assemblée précise ce point, après en "
            "avoir discuté en réunion, et le relira dans un an."
        )
        return {path: self.main_files[path].rstrip(b"\n") + f"\n\n{paragraph}\n".encode()}

    def decided(self, number: int, opened: datetime, kind: str, votes: int) -> Iterator[Any]:
        """Open a proposal now; yield (time, action) for what it will do on main later."""
        author = self.rng.choice(self.members)
        with_text = kind != "adopted" or self.rng.random() < 0.7
        texts = self.section_change(number, lock=kind == "adopted") if with_text else {}
        branch = self.propose(number, opened, texts, author)
        p = branch.proposal
        if kind == "withdrawn":
            when = at_second(opened + (p.round.deadline - opened) / 2)
            self.votes(branch, min(votes, 2), opened, when, lambda _i: Choice.DISAGREE)
            updated = lc.withdraw(branch.proposal, author.email, when)
            message = (
                f"Proposition n°{p.id} retirée par son auteur·rice : {p.title}\n\n"
                f"{MERGE_TRAILER}: {p.name}"
            )
            branch.proposal = updated
            branch.tip = self.s.commit(
                branch.tip, message, author, when, {p.path: self.dumper.dump(updated)}
            )
            yield when, lambda: self.record(branch, message, author, when)
            return
        if kind == "adopted":
            weights = (Choice.AGREE,) * 8 + (Choice.ABSTAIN, Choice.DISAGREE)
            self.votes(branch, votes, opened, p.round.deadline, lambda _i: self.rng.choice(weights))
            when = at_second(p.round.deadline + timedelta(hours=self.rng.randint(1, 30)))
            _closed, header = self.close_round(branch, when)
            yield when, lambda: self.merge(branch, header, when)
            return
        # rejected: two blocked rounds by consent, then a two-thirds round that fails
        for two_thirds in (False, True):
            current = branch.proposal.round
            self.votes(
                branch,
                votes,
                current.opened_at,
                current.deadline,
                lambda i: Choice.BLOCK if i == 0 else Choice.AGREE,
            )
            closed, _header = self.close_round(branch, current.deadline + timedelta(hours=3))
            assert closed.status is lc.Status.POSTPONED
            self.relaunch(branch, closed.round.closed_at or current.deadline, two_thirds)
        current = branch.proposal.round
        self.votes(branch, votes, current.opened_at, current.deadline, lambda _i: Choice.DISAGREE)
        when = at_second(current.deadline + timedelta(hours=5))
        closed, header = self.close_round(branch, when)
        assert closed.status is lc.Status.REJECTED, closed.status
        yield when, lambda: self.record(branch, header, self.secretary, when)

    def still_open(
        self, number: int, opened: datetime, votes: int, now: datetime, blocked: bool
    ) -> Branch:
        author = self.rng.choice(self.members)
        texts: dict[str, bytes] = {}
        if number % 3:
            title = TOPICS[number % len(TOPICS)]
            texts = {
                f"{ANNEXES}/{number:04d}.md": (
                    f"# {title}\n\nTexte proposé par la proposition n°{number}.\n"
                ).encode()
            }
        branch = self.propose(number, opened, texts, author)
        end = min(branch.proposal.round.deadline, now)
        weights = (Choice.AGREE,) * 15 + (Choice.ABSTAIN,) * 2 + (Choice.DISAGREE,) * 2

        def choose(index: int) -> Choice:
            return Choice.BLOCK if blocked and index == 1 else self.rng.choice(weights)

        self.votes(branch, votes, opened, end - timedelta(minutes=1), choose)
        self.s.refs[f"refs/heads/{branch.proposal.branch}"] = branch.tip
        return branch


def _roster(size: int, secretary: Member) -> Roster:
    members = [replace(secretary, roles=("secretariat",))]
    seen = {secretary.email}
    for index in range(len(FIRST_NAMES) * len(LAST_NAMES)):  # coprime sizes: every pair once
        if len(members) >= size:
            break
        first, last = FIRST_NAMES[index % len(FIRST_NAMES)], LAST_NAMES[index % len(LAST_NAMES)]
        email = f"{slugify(first)}.{slugify(last)}@exemple.org"
        if email not in seen:
            seen.add(email)
            members.append(Member(f"{first} {last}", email))
    return Roster(tuple(members))


def generate(
    directory: Path,
    decided: int,
    open_count: int,
    votes: int,
    due: int = 0,
    now: str = DEFAULT_NOW,
    members: int = 40,
    decided_votes: int = 3,
    seed: int = 1,
    check_all: bool = False,
    gc: bool = False,
) -> Summary:
    started = time.perf_counter()
    directory = directory.resolve()
    if directory.exists() and any(directory.iterdir()):
        raise SystemExit(f"{directory} existe et n'est pas vide.")
    if due > open_count:
        raise SystemExit("--due ne peut pas dépasser --open.")
    moment = at_second(datetime.fromisoformat(now))
    members = max(members, votes + 1, decided_votes + 1, 2)
    secretary = Member("Secrétariat Assemblée", "secretariat@exemple.org")
    rng = random.Random(seed)
    last_decided = moment - timedelta(days=15)
    start = last_decided - timedelta(days=100) - GAP * decided

    with tempfile.TemporaryDirectory(prefix="assemblee-gen-") as scratch:
        env = sealed_env(Path(scratch) / "home", secretary.name, secretary.email)
        when = f"{int((start - timedelta(days=2)).timestamp())} +0000"
        init_env = env | {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
        proc = subprocess.run(
            [sys.executable, "-m", "assemblee_cli", "init", str(directory)],
            env=init_env,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise SystemExit(f"assemblee init a échoué : {proc.stderr.strip()}")
        init_commit = git(directory, env, "rev-parse", "HEAD").strip()
        rules = parse_rules((directory / RULES_PATH).read_text(encoding="utf-8"), RULES_PATH)
        roster = _roster(members, secretary)
        roster_text = dump_roster(roster, ROSTER_HEADER)
        parse_roster(roster_text)
        main_files = {
            f"{SECTIONS}/{path.name}": path.read_bytes()
            for path in sorted((directory / SECTIONS).glob("*.md"))
        }
        dumper = ProposalDumper(1 if check_all else 500)
        fast = subprocess.Popen(
            ["git", "fast-import", "--quiet", "--done"],
            cwd=directory,
            env=env,
            stdin=subprocess.PIPE,
        )
        assert fast.stdin is not None
        stream = Stream(fast.stdin)
        try:
            summary = _simulate(
                stream,
                rules,
                roster,
                init_commit,
                main_files,
                rng,
                dumper,
                roster_text.encode(),
                start,
                moment,
                decided,
                open_count,
                votes,
                due,
                decided_votes,
            )
            stream.finish()
        finally:
            fast.stdin.close()
            code = fast.wait()
        if code != 0:
            raise SystemExit(f"git fast-import a échoué ({code}).")
        git(directory, env, "reset", "--hard", "--quiet", "main")
        if gc:
            git(directory, env, "gc", "--quiet")
    summary.repo = str(directory)
    summary.now = moment.isoformat().replace("+00:00", "Z")
    summary.commits = stream.commits
    summary.dumps_checked = dumper.checked
    summary.seconds = round(time.perf_counter() - started, 2)
    return summary


def _simulate(
    stream: Stream,
    rules: Any,
    roster: Roster,
    init_commit: str,
    main_files: dict[str, bytes],
    rng: random.Random,
    dumper: ProposalDumper,
    roster_text: bytes,
    start: datetime,
    now: datetime,
    decided: int,
    open_count: int,
    votes: int,
    due: int,
    decided_votes: int,
) -> Summary:
    secretary = roster.members[0]
    first = stream.commit(
        init_commit,
        f"Liste des membres : {len(roster.members)} membres",
        secretary,
        start - timedelta(days=1),
        {ROSTER_PATH: roster_text},
    )
    gen = Generator(stream, rules, roster, first, main_files, rng, dumper)
    summary = Summary("", "", secretary.name, secretary.email, list(roster.emails))
    summary.votes_per_open = votes
    pending: list[tuple[datetime, int, Any]] = []  # main events, applied in time order

    def flush(until: datetime | None) -> None:
        pending.sort(key=lambda item: (item[0], item[1]))
        while pending and (until is None or pending[0][0] <= until):
            pending.pop(0)[2]()

    for index in range(decided):
        number = index + 1
        opened = at_second(start + GAP * index + timedelta(minutes=rng.randint(0, 300)))
        flush(opened)
        if number % 17 == 0 and decided_votes > 0:
            kind, target = "rejected", summary.rejected
        elif number % 23 == 0:
            kind, target = "withdrawn", summary.withdrawn
        else:
            kind, target = "adopted", summary.adopted
        target.append(number)
        for when, action in gen.decided(number, opened, kind, decided_votes):
            pending.append((when, number, action))
    flush(None)

    window = timedelta(days=7)
    for index in range(open_count):
        number = decided + index + 1
        if index < due:  # opened 14 to 7 days ago: past their deadline
            opened = now - 2 * window + window * index / max(due, 1)
        else:  # opened in the last 26 hours: open for a few more days
            later = index - due
            opened = (
                now - timedelta(hours=26) + timedelta(hours=25) * later / max(open_count - due, 1)
            )
        opened = at_second(opened)
        blocked = rng.random() < 0.1
        branch = gen.still_open(number, opened, votes, now, blocked)
        deadline = branch.proposal.round.deadline
        if (deadline <= now) != (index < due):
            raise SystemExit(f"proposition {number} : échéance {deadline} inattendue.")
        (summary.due if index < due else summary.open).append(number)
        if branch.texts:
            summary.with_text.append(number)
    stream.refs["refs/heads/main"] = gen.main
    return summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path, help="dossier à créer (absent ou vide)")
    parser.add_argument("--decided", type=int, default=100, help="propositions décidées")
    parser.add_argument("--open", type=int, default=20, help="propositions ouvertes")
    parser.add_argument("--votes", type=int, default=10, help="avis par proposition ouverte")
    parser.add_argument(
        "--due", type=int, default=0, help="propositions ouvertes échues à --now (pour close)"
    )
    parser.add_argument("--now", default=DEFAULT_NOW, help=f"instant de référence ({DEFAULT_NOW})")
    parser.add_argument("--members", type=int, default=40, help="taille de la liste des membres")
    parser.add_argument(
        "--decided-votes", type=int, default=3, help="avis par tour des propositions décidées"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--check-all", action="store_true", help="comparer chaque fichier à dump_proposal"
    )
    parser.add_argument("--gc", action="store_true", help="git gc à la fin (graphe des commits)")
    parser.add_argument("--json", action="store_true", help="imprimer le résumé en JSON")
    args = parser.parse_args(argv)
    summary = generate(
        args.directory,
        args.decided,
        args.open,
        args.votes,
        due=args.due,
        now=args.now,
        members=args.members,
        decided_votes=args.decided_votes,
        seed=args.seed,
        check_all=args.check_all,
        gc=args.gc,
    )
    if args.json:
        print(json.dumps(asdict(summary), ensure_ascii=False, indent=2))
        return
    print(
        f"{summary.repo} : {len(summary.decided)} décidées ({len(summary.adopted)} adoptées, "
        f"{len(summary.rejected)} rejetées, {len(summary.withdrawn)} retirées), "
        f"{len(summary.due) + len(summary.open)} ouvertes dont {len(summary.due)} échues à "
        f"{summary.now}, {summary.votes_per_open} avis chacune ; {summary.commits} commits "
        f"en {summary.seconds} s."
    )


if __name__ == "__main__":
    main()
