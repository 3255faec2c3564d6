"""`assemblee verify` (and the rules the server-side guard `assemblee hook` shares with it).

Both replay how proposal files changed, commit by commit, and check each change against the
record it started from: who may write which vote, when, and what a closing may decide.

`verify` remembers what it has proven (store.history: the commit of every ref, the anomalies
found, a digest of the rules and roster on main and of this verification's version) and next
time checks only the commits that are new. It checks everything again (`--tout`) when that
record is missing, unreadable or of another version, when the rules or roster on main changed,
or when a commit it had proven is no longer in the history (a rewrite: reported as ever). An
anomaly found once is reported again at every run, as long as its commit is in the history."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.french import format_instant
from assemblee_cli.core.members import Roster, normalise_email
from assemblee_cli.core.tally import Tally, consent_outcome, tally_votes, two_thirds_outcome
from assemblee_cli.formats.codesocial import ROSTER_PATH, rules_to_data
from assemblee_cli.formats.proposalfile import (
    BRANCH_PREFIX,
    FILE_PATTERN,
    PROPOSALS_DIR,
    parse_name,
)
from assemblee_cli.store.assembly import MERGE_TRAILER, Assembly
from assemblee_cli.store.history import (
    History,
    Log,
    ProposalChange,
    history_of,
)
from assemblee_cli.store.holidays import holidays_of

# The version of what `verify` checks: a new version proves everything again.
VERSION = 4
# Commits checked between two reports of progress (and read in one batch).
CHUNK = 500
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Finding:
    proposal: str
    commit: str | None
    message: str


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    proposals: set[str] = field(default_factory=set)
    commits: int = 0
    votes: int = 0
    merges: int = 0


def expected_tally(proposal: lc.Proposal, item: lc.Round) -> tuple[Tally, lc.Status]:
    """The tally and outcome of a round recomputed from its votes: only those of members of
    the roster frozen at opening, on the round's text."""
    members = set(proposal.members)
    votes = [
        v
        for v in proposal.votes
        if v.round == item.number and v.text_version == item.text_version and v.member in members
    ]
    tally = tally_votes(v.choice for v in votes)
    rules = proposal.rules.decision
    outcome = (
        consent_outcome(tally, rules)
        if item.mode is lc.Mode.CONSENT
        else two_thirds_outcome(tally, rules)
    )
    return tally, lc.Status(outcome.value)


def check_transition(
    old: lc.Proposal | None,
    new: lc.Proposal,
    author: str,
    files: Iterable[str],
    now: datetime | None = None,
    committer: str | None = None,
) -> list[str]:
    """What is wrong with one commit's change of one proposal file (French sentences).
    `now` (the server's clock, for the pre-receive guard) refuses late votes and early closings.
    A vote from the web page is authored as its member and committed by the server that
    recorded it (whether that server may record votes is checked against the roster apart)."""
    author = normalise_email(author)
    committer = normalise_email(committer) if committer else author
    problems: list[str] = []
    if old is None:
        if new.status is lc.Status.OPEN and new.author != author:
            problems.append(f"la proposition est ouverte au nom de {new.author} par {author}.")
        if new.votes and new.status is lc.Status.OPEN:
            problems.append("la proposition arrive avec des avis déjà enregistrés.")
        return problems
    if (
        new.status is lc.Status.WITHDRAWN
        and old.status is not lc.Status.WITHDRAWN
        and author != new.author
    ):
        problems.append(
            f"la proposition n°{new.id} a été retirée par {author}, qui n'en est pas "
            f"l'auteur·rice ({new.author})."
        )
    if rules_to_data(old.rules) != rules_to_data(new.rules):
        problems.append(
            "les règles recopiées dans la proposition ont été modifiées en cours de route."
        )
    if old.members != new.members:
        problems.append("la liste des membres recopiée à l'ouverture a été modifiée.")
    for previous in old.rounds:
        later = next((r for r in new.rounds if r.number == previous.number), None)
        if later is None:
            problems.append(f"le tour {previous.number} a été supprimé.")
        elif (later.opened_at, later.mode) != (previous.opened_at, previous.mode):
            problems.append(f"l'ouverture du tour {previous.number} a été modifiée.")
        elif later.deadline < previous.deadline:
            problems.append(f"l'échéance du tour {previous.number} a été avancée.")
        elif later.deadline != previous.deadline and later.text_version == previous.text_version:
            problems.append(
                f"l'échéance du tour {previous.number} a été modifiée sans amendement du texte."
            )
    before = {(v.member, v.round): v for v in old.votes}
    after = {(v.member, v.round): v for v in new.votes}
    changed = [v for key, v in after.items() if before.get(key) != v]
    removed = [key for key in before if key not in after]
    for member, number in removed:
        problems.append(f"l'avis de {member} (tour {number}) a été supprimé.")
    rounds_before = {r.number: r for r in old.rounds}
    for vote in changed:
        writer = normalise_email(vote.recorded_by or vote.member)
        if vote.source == "web":
            if author != vote.member or committer != writer:
                problems.append(
                    f"l'avis de {vote.member} (tour {vote.round}) se dit donné sur la page web "
                    f"et enregistré par {vote.recorded_by}, mais le commit est de {author} "
                    f"(enregistré par {committer})."
                )
        elif writer != author:
            problems.append(
                f"l'avis de {vote.member} (tour {vote.round}) a été écrit par {author}"
                + (
                    f" alors qu'il se dit saisi par {vote.recorded_by}."
                    if vote.recorded_by
                    else "."
                )
            )
        if vote.member not in new.members:
            problems.append(f"{vote.member} ne figurait pas parmi les membres à l'ouverture.")
        previous_round = rounds_before.get(vote.round)
        if previous_round is not None and previous_round.result is not None:
            problems.append(
                f"un avis de {vote.member} a été ajouté après la clôture du tour {vote.round}."
            )
        round_ = next((r for r in new.rounds if r.number == vote.round), None)
        if round_ is not None and vote.cast_at >= round_.deadline:
            problems.append(
                f"l'avis de {vote.member} est daté après l'échéance du tour {vote.round}."
            )
        if round_ is not None and now is not None and now >= round_.deadline:
            problems.append(
                f"l'avis de {vote.member} arrive après l'échéance du tour {vote.round}."
            )
    if changed and any(not f.startswith(f"{PROPOSALS_DIR}/") for f in files):
        problems.append("un commit d'avis modifie aussi le texte ou d'autres fichiers.")
    for item in new.rounds:
        earlier = rounds_before.get(item.number)
        if item.result is None or (earlier is not None and earlier.result is not None):
            continue
        tally, status = expected_tally(new, item)
        if item.tally != tally or (item.result.value != status.value):
            problems.append(
                f"la clôture du tour {item.number} ne correspond pas aux avis enregistrés "
                f"(attendu : {status.value}, {tally.describe()})."
            )
        if item.closed_at is not None and item.closed_at < item.deadline:
            problems.append(f"le tour {item.number} a été clos avant son échéance.")
        if now is not None and now < item.deadline:
            problems.append(f"le tour {item.number} est clos avant son échéance.")
    return problems


def vote_writers(old: lc.Proposal | None, new: lc.Proposal) -> set[str]:
    """Who wrote the vote entries that changed between two versions of a proposal file."""
    before = {(v.member, v.round): v for v in (old.votes if old else ())}
    return {
        normalise_email(v.recorded_by or v.member)
        for v in new.votes
        if before.get((v.member, v.round)) != v
    }


def check_signature(writers: set[str], signature: tuple[str, str] | None) -> list[str]:
    status, signer = signature or ("N", "")
    if not writers:
        return []
    if status != "G":
        label = {
            "N": "non signé",
            "B": "à la signature invalide",
            "U": "signé par une clé inconnue",
            "E": "dont la signature n'a pas pu être vérifiée",
        }.get(status, "mal signé")
        return [f"avis {label}, alors que le code social exige des avis signés."]
    signer = normalise_email(signer)
    wrong = sorted(w for w in writers if w != signer)
    return [f"avis de {w} signé par la clé de {signer}." for w in wrong]


# Kinds of anomalies, as remembered between runs (where each one comes from).
COMMIT, DEADLINE, ERASED, MERGE, TRUNK, CURRENT = (
    "commit",
    "echeance",
    "efface",
    "fusion",
    "main",
    "fichier",
)


@dataclass(frozen=True)
class _Found:
    kind: str
    scope: str  # what it is about: a commit, or the current file of a proposal
    finding: Finding


class _Restart(Exception):
    """The new history cannot be checked on top of what was proven: check everything."""


@dataclass
class _Run:
    """One verification: what it reads once, and what it finds."""

    assembly: Assembly
    history: History
    tips: dict[str, str]  # ref key -> commit
    proven: dict[str, str]  # the same, as last proven (empty: check everything)
    receipts: dict[str, datetime]
    progress: Progress | None
    found: list[_Found] = field(default_factory=list)
    report: Report = field(default_factory=Report)
    reported: set[tuple[str, str]] = field(default_factory=set)  # deadline anomalies
    line: frozenset[str] | None = None
    roster: Roster | None = None
    signatures: dict[str, tuple[str, str]] | None = None
    trunk_files: dict[str, list[str]] = field(default_factory=dict)  # new commits of main
    log: Log | None = None  # every commit of every ref, when all are checked
    deadlines: dict[tuple[Any, ...], list[str]] = field(default_factory=dict)

    @property
    def full(self) -> bool:
        return not self.proven

    def deadline_anomalies(self, proposal: lc.Proposal) -> list[str]:
        """lc.deadline_anomalies, worked out once for the same rules and rounds (most versions
        of a file only add a vote)."""
        key = (proposal.rules, proposal.rounds)
        found = self.deadlines.get(key)
        if found is None:
            found = lc.deadline_anomalies(proposal, holidays_of(proposal.rules))
            self.deadlines[key] = found
        return found

    def add(self, kind: str, scope: str, proposal: str, commit: str | None, message: str) -> None:
        self.found.append(_Found(kind, scope, Finding(proposal, commit, message)))

    def main_roster(self) -> Roster:
        if self.roster is None:
            self.roster = self.assembly.roster_at(self.assembly.trunk)
        return self.roster

    def fork_point(self, commit: str) -> str:
        """The commit of main the branch holding `commit` started from (main at the
        proposal's opening): its first ancestor on main's first-parent line."""
        if self.line is None:
            self.line = frozenset(self.history.first_parent_line(self.assembly.trunk))
        sha: str | None = commit
        seen = 0
        while sha is not None and sha not in self.line and seen < 100_000:
            sha = self.history.first_parent(sha)
            seen += 1
        return sha or commit


def verify(assembly: Assembly, *, full: bool = False, progress: Progress | None = None) -> Report:
    """Check the history: what is new since the last proof, or everything (`full`)."""
    assembly.refresh()
    history = history_of(assembly)
    state = None if full else history.load_proof()
    try:
        return _verify(assembly, history, state, progress)
    except _Restart:
        return _verify(assembly, history, None, progress)


def _verify(
    assembly: Assembly, history: History, state: dict[str, Any] | None, progress: Progress | None
) -> Report:
    snapshot = assembly.snapshot
    tips = {"main": snapshot.trunk_sha}
    tips |= {f"proposition/{name}": tip.sha for name, tip in snapshot.branches.items()}
    tips |= {f"archive/{name}": sha for name, sha in snapshot.archives.items()}
    receipts_commit, receipts_text = history.receipts(assembly.remote)
    receipt_lines = read_receipts(receipts_text or "")
    digest = f"{VERSION} {assembly.remote or '-'} {history.codesocial_digest(snapshot.trunk_sha)}"
    proven = _usable(state, digest, tips, receipts_commit, len(receipt_lines), history)
    receipts: dict[str, datetime] = {}
    for receipt in receipt_lines:
        if not receipt.deleted:
            receipts.setdefault(receipt.commit, receipt.at)
    run = _Run(assembly, history, tips, proven, receipts, progress)
    known_receipts, founding = 0, None
    if state is not None and proven:
        _remember(run, state)
        known_receipts, founding = int(state["recus"]), state.get("fondation")
    refs = sorted(set(tips.values()))
    log = history.log(refs, sorted(set(proven.values())))
    changes = log.changes
    if run.full:
        run.log = log  # every commit of every ref: main's are read from it
    recheck: list[ProposalChange] = []
    if proven:
        # A receipt that arrived since for a commit already proven: its dates are checked
        # against the server's clock now.
        seen = {c.sha for c in changes}
        later = {r.commit for r in receipt_lines[known_receipts:] if not r.deleted}
        recheck = history.commits_named(sorted(later - seen))
    _walk(run, changes, recheck)
    _check_rewrites(run)
    if receipts_text is not None:
        _check_erased(run, receipt_lines, known_receipts)
    lawful = _check_merges(run)
    founding = _check_trunk_paths(run, lawful, founding)
    _check_current_files(run)
    report = run.report
    report.votes = max(report.votes, 0)
    report.findings = [f.finding for f in run.found]
    history.save_proof(
        {
            "version": VERSION,
            "empreinte": digest,
            "refs": tips | ({"recus": receipts_commit} if receipts_commit else {}),
            "recus": len(receipt_lines),
            "fondation": founding,
            "commits": report.commits,
            "votes": report.votes,
            "fusions": report.merges,
            "propositions": sorted(report.proposals),
            "anomalies": [
                [f.kind, f.scope, f.finding.proposal, f.finding.commit, f.finding.message]
                for f in run.found
                if f.kind != "reflog"
            ],
        }
    )
    return report


def _usable(
    state: dict[str, Any] | None,
    digest: str,
    tips: dict[str, str],
    receipts_commit: str | None,
    receipts: int,
    history: History,
) -> dict[str, str]:
    """The commits proven last time, if the new history can be checked on top of them; else
    {} (check everything)."""
    if not state:
        return {}
    try:
        if state.get("version") != VERSION or state.get("empreinte") != digest:
            return {}
        proven = {str(k): str(v) for k, v in dict(state["refs"]).items()}
        int(state["commits"]), int(state["votes"]), int(state["fusions"])
        list(state["propositions"]), list(state["anomalies"])
        if int(state["recus"]) > receipts or "main" not in proven:
            return {}
        if ("recus" in proven) and receipts_commit is None:
            return {}
    except (KeyError, TypeError, ValueError):
        return {}
    if any(len(sha) != 40 for sha in proven.values()):
        return {}
    current = sorted(set(tips.values()) | ({receipts_commit} if receipts_commit else set()))
    if history.unreachable(sorted(set(proven.values())), current):
        return {}  # rewritten (or erased) since: everything is checked again
    proven.pop("recus", None)
    return proven


def _remember(run: _Run, state: dict[str, Any]) -> None:
    """Start from what was proven: its counts, and the anomalies still standing."""
    report = run.report
    report.commits = int(state["commits"])
    report.votes = int(state["votes"])
    report.merges = int(state["fusions"])
    report.proposals = {str(n) for n in state["propositions"]}
    for kind, scope, proposal, commit, message in state["anomalies"]:
        run.add(str(kind), str(scope), str(proposal), commit, str(message))
        if kind == DEADLINE:
            run.reported.add((str(proposal), str(message)))


def _walk(run: _Run, changes: list[ProposalChange], recheck: list[ProposalChange]) -> None:
    """Check every commit that changed proposal files, oldest first, in batches."""
    todo = [(c, True) for c in changes] + [(c, False) for c in recheck]
    total = sum(1 for c, _new in todo if len(c.parents) <= 1)
    done = 0
    known = {(f.finding.proposal, f.finding.commit, f.finding.message) for f in run.found}
    # Every version is read by one `cat-file --batch`, batch after batch; the previous
    # batch's texts are kept (a vote's « before » is often the « after » of the last one).
    wanted: list[list[str]] = []
    requested: set[str] = set()
    for start in range(0, len(todo), CHUNK):
        blobs = [
            blob
            for c, _new in todo[start : start + CHUNK]
            for _p, old, new in c.blobs
            for blob in (old, new)
            if blob and blob not in requested
        ]
        requested.update(blobs)
        wanted.append(list(dict.fromkeys(blobs)))
    # The rules and roster in force where each new proposal forked, looked up at once.
    run.history.look_up_codesocial(
        sorted(
            {
                run.fork_point(c.parents[0])
                for c, _new in todo
                if len(c.parents) == 1 and any(old is None and new for _p, old, new in c.blobs)
            }
        )
    )
    stream = run.history.stream_blobs([blob for blobs in wanted for blob in blobs])
    try:
        previous: dict[str, bytes] = {}
        for number, start in enumerate(range(0, len(todo), CHUNK)):
            batch = todo[start : start + CHUNK]
            current = {
                sha: data or b"" for sha, data in itertools.islice(stream, len(wanted[number]))
            }
            texts = _Texts(run.history, previous | current)
            previous = current
            for change, new_commit in batch:
                if len(change.parents) > 1:
                    continue
                before = len(run.found)
                _check_commit(run, change, texts, count=new_commit)
                if not new_commit:  # re-checked for its receipt: only what is new about it
                    fresh = [
                        f
                        for f in run.found[before:]
                        if (f.finding.proposal, f.finding.commit, f.finding.message) not in known
                    ]
                    run.found[before:] = fresh
                done += 1
            if run.progress is not None:
                run.progress(done, total)
    finally:
        stream.close()


class _Texts(dict[str, bytes]):
    """Blob contents at hand; one not at hand is read through the persistent cat-file."""

    def __init__(self, history: History, known: dict[str, bytes]) -> None:
        super().__init__(known)
        self.history = history

    def __missing__(self, blob: str) -> bytes:
        data = self.history.read_blobs_one(blob)
        self[blob] = data
        return data


def _check_commit(run: _Run, commit: ProposalChange, texts: _Texts, count: bool = True) -> None:
    report = run.report
    history = run.history
    if count:
        report.commits += 1
    parent = commit.parents[0] if commit.parents else None
    for path in commit.submodules:
        if (name := _decided_name(path)) is not None:
            report.proposals.add(name)
            run.add(
                COMMIT,
                commit.sha,
                name,
                commit.sha,
                f"{path} est un sous-module git (le lien vers un commit d'un autre dépôt), pas "
                "un fichier : une proposition s'écrit dans un fichier.",
            )
    for path, old_blob, new_blob in commit.blobs:
        if not FILE_PATTERN.match(path):
            continue
        name = path.removeprefix(f"{PROPOSALS_DIR}/").removesuffix(".md")
        report.proposals.add(name)
        if new_blob is None:
            continue
        old: lc.Proposal | str | None = None
        if old_blob is not None and parent is not None:
            old = history.proposal_of_blob(old_blob, texts[old_blob], path, f"commit {parent[:10]}")
        if isinstance(old, str):
            old = None
        new = history.proposal_of_blob(
            new_blob,
            texts[new_blob],
            path,
            f"commit {commit.sha[:10]}",
            previous=(texts[old_blob], old) if old is not None and old_blob else None,
        )
        if isinstance(new, str):
            run.add(COMMIT, commit.sha, name, commit.sha, new)
            continue
        for problem in run.deadline_anomalies(new):
            if (name, problem) not in run.reported:
                run.reported.add((name, problem))
                run.add(DEADLINE, commit.sha, name, commit.sha, problem)
        if count:
            report.votes += len(new.votes) - (len(old.votes) if old else 0)
        if old is None and new.status is not lc.Status.OPEN:
            _check_record(run, name, new, commit)
            continue
        if old is None and parent is not None:
            _check_opening(run, name, new, run.fork_point(parent), commit)
        problems = check_transition(
            old, new, commit.author, commit.files, committer=commit.committer
        )
        recorders = {
            normalise_email(v.recorded_by)
            for v in new.votes
            if v.recorded_by and v not in (old.votes if old else ())
        }
        if recorders:
            roster = run.main_roster()
            problems += [
                f"{who} a enregistré l'avis d'autres membres sans en avoir le rôle "
                "(« secretariat » dans codesocial/membres.yml)."
                for who in sorted(recorders)
                if not roster.may_record_for_others(who)
            ]
        arrived = run.receipts.get(commit.sha)
        if arrived is not None:
            problems += [
                p.replace("arrive le", "a été reçu par le serveur le")
                for p in arrival_problems(old, new, arrived)
            ]
        if new.rules.decision.signed_votes:
            if run.signatures is None:
                run.signatures = history.signatures(
                    sorted(set(run.tips.values())),
                    run.main_roster(),
                    exclude=sorted(set(run.proven.values())),
                )
            signature = run.signatures.get(commit.sha)
            if signature is None and not count:
                signature = history.signatures([commit.sha], run.main_roster()).get(commit.sha)
            problems += check_signature(vote_writers(old, new), signature)
        for problem in problems:
            run.add(COMMIT, commit.sha, name, commit.sha, problem)


def _check_rewrites(run: _Run) -> None:
    """What this clone saw of the shared remote: a proposal branch or main that moved
    backwards (a forced update in the reflog of its remote-tracking ref) lost published
    commits, such as a vote. Read again at every run."""
    if not run.assembly.remote:
        return
    for name, old, new in run.history.forced_updates(run.assembly.remote):
        run.add(
            "reflog",
            new,
            name,
            new,
            f"la branche a été réécrite sur le dépôt partagé (push forcé) : le commit "
            f"{old[:10]}, déjà publié, n'y est plus.",
        )


def _check_erased(run: _Run, receipts: list[Receipt], known: int) -> None:
    """Every commit the server received on main or a proposal branch is still reachable (from
    main, an open branch or an archive): nothing accepted was erased since. The receipts
    checked by an earlier run are still reachable, as every proven commit is."""
    wanted = [r for r in receipts[known:] if not r.deleted and r.ref.startswith("refs/heads/")]
    if not wanted:
        return
    refs = sorted(set(run.tips.values()))
    if run.full:
        reachable = run.history.reachable(refs)
        gone = {r.commit for r in wanted if r.commit not in reachable}
    else:
        gone = run.history.unreachable(sorted({r.commit for r in wanted}), refs)
    for receipt in wanted:
        if receipt.commit in gone:
            run.add(
                ERASED,
                receipt.commit,
                receipt.ref.removeprefix("refs/heads/"),
                receipt.commit,
                f"reçu par le serveur le {when_text(receipt.at)}, ce commit a disparu depuis "
                "(historique réécrit ou branche supprimée).",
            )


def _check_opening(
    run: _Run, name: str, new: lc.Proposal, base: str, commit: ProposalChange
) -> None:
    rules, roster = run.history.codesocial_at([base])[base]
    if rules is not None and rules_to_data(rules) != rules_to_data(new.rules):
        run.add(
            COMMIT,
            commit.sha,
            name,
            commit.sha,
            "les règles recopiées à l'ouverture diffèrent de celles en vigueur.",
        )
    if roster is not None and tuple(roster.emails) != new.members:
        run.add(
            COMMIT,
            commit.sha,
            name,
            commit.sha,
            "la liste des membres recopiée à l'ouverture diffère de celle en vigueur.",
        )


def _check_record(run: _Run, name: str, new: lc.Proposal, commit: ProposalChange) -> None:
    """A decided proposal's file landing on main: it must be the record kept with its text."""
    archived = run.assembly.snapshot.archives.get(name)
    if new.status is lc.Status.ADOPTED:
        return  # arrives by a merge, checked with the merges
    if archived is None:
        run.add(
            COMMIT,
            commit.sha,
            name,
            commit.sha,
            "décision enregistrée sur main sans l'archive de son texte.",
        )
        return
    path = f"{PROPOSALS_DIR}/{name}.md"
    if run.history.file_at(archived, path) != run.history.file_at(commit.sha, path):
        run.add(
            COMMIT,
            commit.sha,
            name,
            commit.sha,
            "le compte rendu sur main diffère de celui de la branche archivée.",
        )


def _check_merges(run: _Run) -> set[str]:
    """Check the merges on main that name a proposal (those new since the last proof); return
    those that are lawful adoptions."""
    lawful: set[str] = set()
    history = run.history
    exclude = None if run.full else run.proven["main"]
    merges = []
    for sha, parent_shas, message in reversed(history.merges_on(run.assembly.trunk, exclude)):
        names = [
            line.split(":", 1)[1].strip()
            for line in message.splitlines()
            if line.startswith(f"{MERGE_TRAILER}:")
        ]
        if names:
            merges.append((sha, parent_shas[1:2], f"{PROPOSALS_DIR}/{names[0]}.md", names[0]))
    # The files merged and those of the branches merged, looked up at once; two versions
    # are compared by their blobs.
    blobs = history.blobs_at(
        [f"{c}:{path}" for sha, second, path, _n in merges for c in (sha, *second)]
    )
    readable = [
        (blob, path, f"commit {sha[:10]}")
        for sha, _second, path, _n in merges
        if (blob := blobs.get(f"{sha}:{path}"))
    ]
    found = history.proposals_of_blobs(readable)
    parsed = {(blob, path): item for (blob, path, _w), item in zip(readable, found, strict=True)}
    for sha, second, path, name in merges:
        run.report.merges += 1
        before = len(run.found)
        blob = blobs.get(f"{sha}:{path}")
        merged = parsed.get((blob, path)) if blob else None
        if not isinstance(merged, lc.Proposal):
            problem = merged or "fusion dans main sans fichier de proposition."
            run.add(MERGE, sha, name, sha, problem)
            continue
        if merged.status is not lc.Status.ADOPTED:
            run.add(
                MERGE,
                sha,
                name,
                sha,
                f"fusionnée dans main alors que son statut est « {merged.status.value} ».",
            )
        final = merged.round
        tally, status = expected_tally(merged, final)
        if final.tally != tally or status is not lc.Status.ADOPTED:
            run.add(
                MERGE,
                sha,
                name,
                sha,
                "fusionnée dans main sans un décompte qui permette l'adoption "
                f"(recalculé : {tally.describe()}).",
            )
        if second and blobs.get(f"{second[0]}:{path}") != blob:
            run.add(
                MERGE,
                sha,
                name,
                sha,
                "le fichier fusionné diffère de celui de la branche de la proposition.",
            )
        if len(run.found) == before and merged.status is lc.Status.ADOPTED:
            lawful.add(sha)
    return lawful


TEXT_DIRS = ("sections/", "codesocial/")
# Changed on main by hand, as the design allows (people edit the roster directly).
DIRECT_EDITS = (ROSTER_PATH,)


def _check_trunk_paths(run: _Run, lawful: set[str], founding: str | None) -> str | None:
    """Every change of the text on main arrives through the merge of a lawfully adopted
    proposal (with or without its trailer), except the founding commits: main before the
    first proposal forked from it. Direct edits of the roster are allowed (DIRECT_EDITS).
    Returns the last founding commit (kept with the proof: only commits new since are
    checked next time, unless a new branch forks from earlier)."""
    history = run.history
    snapshot = run.assembly.snapshot
    trunk = snapshot.trunk_sha
    exclude = None if run.full else run.proven["main"]
    parents: dict[str, tuple[str, ...]] = {}
    files: dict[str, list[str]] = {}
    on_trunk = (
        run.log.commits_of(trunk)
        if run.log is not None
        else history.commits_with_files(trunk, exclude)
    )
    for sha, parent_shas, changed in on_trunk:
        parents[sha] = parent_shas
        files[sha] = changed
    run.report.proposals.update(
        name
        for changed in files.values()
        for path in changed
        if (name := _decided_name(path)) is not None
    )
    run.trunk_files = files
    # main's first-parent line, oldest first
    line = _chain(parents, trunk) if run.full else history.first_parent_line(trunk)[::-1]
    index = {sha: i for i, sha in enumerate(line)}
    new_tips = [
        sha
        for key, sha in run.tips.items()
        if key != "main" and (run.full or run.proven.get(key) != sha)
    ]
    side = dict(parents)
    if new_tips:
        side.update(history.commits_between(sorted(set(new_tips)), exclude=trunk))
    arrivals: dict[str, str] = {}  # commit -> the merge on main that brought it

    def fork_index(start: str, merge: str | None) -> int:
        """The newest commit of the chain reachable from `start`, walking only commits off the
        chain (recorded as brought by `merge`)."""
        best, stack, seen = -1, [start], set()
        while stack:
            commit = stack.pop()
            if commit in seen:
                continue
            seen.add(commit)
            if commit in index:
                best = max(best, index[commit])
                continue
            if merge is not None:
                if commit in arrivals:
                    continue
                arrivals[commit] = merge
            stack.extend(side.get(commit, ()))
        return best

    def started_from(start: str) -> int:
        """The commit of the chain a branch started from: its first ancestor on the chain,
        following first parents (a branch that later merged main into itself still started
        where it forked), or else the newest commit of the chain it reaches."""
        commit: str | None = start
        for _step in range(100_000):
            if commit is None:
                break
            if commit in index:
                return index[commit]
            known = side.get(commit)
            commit = (
                (known[0] if known else None) if known is not None else history.first_parent(commit)
            )
        return fork_index(start, None)

    chain = [sha for sha in line if sha in parents]  # the part of the chain to check
    forks = [started_from(tip) for tip in new_tips]
    for sha in chain:
        for second in parents[sha][1:]:
            fork_index(second, sha)  # what the merge brought
            forks.append(started_from(second))
    known = founding is not None and founding in index
    if founding is not None and known:
        earlier = [f for f in forks if 0 <= f < index[founding]]
        if earlier:
            raise _Restart  # a branch forked before the founding commit known so far
        position = index[founding]
    elif run.full:
        position = min(forks) if forks else len(line) - 1
    else:
        raise _Restart  # no proposal had forked yet: the founding period is still open

    def changes_text(commit: str) -> bool:
        return touches_text(files.get(commit, []))

    for sha in chain:
        if index[sha] <= position or len(parents[sha]) > 1 or not changes_text(sha):
            continue
        run.add(
            TRUNK,
            sha,
            "main",
            sha,
            "ce commit modifie le texte sur main hors de toute proposition adoptée.",
        )
    unlawful: dict[str, list[str]] = {}
    for commit, merge in arrivals.items():
        if merge not in lawful and len(side.get(commit, ())) <= 1 and changes_text(commit):
            unlawful.setdefault(merge, []).append(commit)
    for merge, commits in unlawful.items():
        run.add(
            TRUNK,
            merge,
            "main",
            merge,
            f"fusion dans main d'un texte qui n'a pas été adopté ({len(commits)} commit(s) "
            "modifiant le texte sans proposition adoptée qui les fusionne).",
        )
    # The founding commit stays known when nothing new forked (a run with nothing to check).
    return line[position] if (forks or known) and 0 <= position < len(line) else None


def _chain(parents: dict[str, tuple[str, ...]], tip: str) -> list[str]:
    """Main's first-parent chain, oldest first."""
    chain: list[str] = []
    cursor: str | None = tip
    while cursor is not None and cursor in parents:
        chain.append(cursor)
        cursor = parents[cursor][0] if parents[cursor] else None
    chain.reverse()
    return chain


def _stale(run: _Run, scope: str, changed: set[str], present: set[str]) -> bool:
    """Whether an anomaly of a current file must be checked again (its file changed)."""
    where, _, name = scope.partition("/")
    if where == "main":
        return name in changed or name not in present
    key = f"proposition/{name}"
    return run.proven.get(key) != run.tips.get(key)


def _decided_name(path: str) -> str | None:
    if not FILE_PATTERN.match(path):
        return None
    return path.removeprefix(f"{PROPOSALS_DIR}/").removesuffix(".md")


def _check_current_files(run: _Run) -> None:
    """The tallies stored now, on main and on the branches, match the votes: every file, or
    those changed since the last proof (the others' anomalies are remembered). A version
    read by the walk is not parsed again."""
    assembly = run.assembly
    history = run.history
    decided = history.proposal_files(assembly.trunk)
    branches = list(assembly.snapshot.branches.values())
    if not run.full:
        changed = {
            name
            for changed_files in run.trunk_files.values()
            for path in changed_files
            if (name := _decided_name(path)) is not None
        }
        present = set(decided)
        stale = {
            f.scope
            for f in run.found
            if f.kind == CURRENT and _stale(run, f.scope, changed, present)
        }
        run.found = [f for f in run.found if not (f.kind == CURRENT and f.scope in stale)]
        decided = {n: blob for n, blob in decided.items() if n in changed}
        branches = [t for t in branches if run.proven.get(f"proposition/{t.name}") != t.sha]
    on_branches = history.blobs_at([f"{t.sha}:{PROPOSALS_DIR}/{t.name}.md" for t in branches])
    items: list[tuple[str, str, str | None, str]] = [
        (f"main/{name}", name, blob, "main")
        for name, blob in sorted(decided.items(), key=lambda item: parse_name(item[0]) or (0, ""))
    ]
    items += [
        (
            f"branche/{t.name}",
            t.name,
            on_branches.get(f"{t.sha}:{PROPOSALS_DIR}/{t.name}.md"),
            f"branche {BRANCH_PREFIX}{t.name}",
        )
        for t in branches
    ]
    readable = [
        (blob, f"{PROPOSALS_DIR}/{name}.md", where) for _s, name, blob, where in items if blob
    ]
    parsed = iter(history.proposals_of_blobs(readable))
    for scope, name, blob, where in items:
        path = f"{PROPOSALS_DIR}/{name}.md"
        proposal = (
            next(parsed) if blob else f"{path} ({where}) : fichier de proposition introuvable."
        )
        if isinstance(proposal, str):
            run.add(CURRENT, scope, name, None, proposal)
            continue
        run.report.proposals.add(name)
        for round_ in proposal.rounds:
            if round_.result is None:
                continue
            tally, status = expected_tally(proposal, round_)
            if round_.tally != tally or round_.result.value != status.value:
                run.add(
                    CURRENT,
                    scope,
                    name,
                    None,
                    f"le décompte enregistré du tour {round_.number} ne correspond pas aux avis "
                    f"(recalculé : {tally.describe()}, {status.value}).",
                )


# -- the server's guard ----------------------------------------------------------------------

# How far a date recorded by a member's machine may be from the server's clock when it arrives.
TOLERANCE = timedelta(minutes=10)


def when_text(moment: datetime) -> str:
    return format_instant(moment, ZoneInfo("Europe/Paris"))


LATE_BY_SYNC = (
    "si ce travail a été fait hors ligne, publiez-le avec « assemblee sync », qui le date de "
    "son arrivée"
)
LATE_BY_COMMIT = (
    "si ce commit a été fait hors ligne, refaites-le maintenant (git commit --amend --no-edit) "
    "puis poussez"
)


def dated_now(moment: datetime, now: datetime, what: str, late: str = LATE_BY_SYNC) -> list[str]:
    """A date recorded by a member's machine must be the server's time of arrival. One in
    the past is most often work made offline and pushed as it is (`late` says how to publish
    it); one to come, a clock ahead."""
    if abs(moment - now) <= TOLERANCE:
        return []
    advice = (
        f"{late} ; sinon, réglez l'horloge de votre machine et recommencez."
        if moment < now
        else "réglez l'horloge de votre machine et recommencez."
    )
    return [
        f"{what} porte la date du {when_text(moment)}, mais arrive le {when_text(now)} (heure "
        f"du serveur) : {advice}"
    ]


def arrival_problems(old: lc.Proposal | None, new: lc.Proposal, now: datetime) -> list[str]:
    """The dates a commit records (opening, votes, new rounds) against the server's clock."""
    problems: list[str] = []
    if old is None:
        if new.status is lc.Status.OPEN:
            problems += dated_now(new.opened_at, now, "l'ouverture de la proposition")
        return problems
    before = {(v.member, v.round): v for v in old.votes}
    for vote in new.votes:
        if before.get((vote.member, vote.round)) != vote:
            problems += dated_now(vote.cast_at, now, f"l'avis de {vote.member}")
    known = {r.number for r in old.rounds}
    for item in new.rounds:
        if item.number not in known:
            problems += dated_now(item.opened_at, now, f"le tour {item.number}")
    return problems


def touches_text(files: Iterable[str]) -> bool:
    return any(f.startswith(TEXT_DIRS) and f not in DIRECT_EDITS for f in files)


@dataclass(frozen=True)
class Receipt:
    at: datetime
    ref: str
    commit: str
    deleted: bool


def read_receipts(text: str) -> list[Receipt]:
    receipts = []
    for line in text.splitlines():
        parts = line.split()
        deleted = len(parts) == 4 and parts[2] == "-"
        if len(parts) != 3 and not deleted:
            continue
        try:
            moment = datetime.fromisoformat(parts[0])
        except ValueError:
            continue
        receipts.append(Receipt(moment, parts[1], parts[-1], deleted))
    return receipts
