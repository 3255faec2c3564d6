"""`assemblee verify` and the server-side guard `assemblee hook pre-receive`.

Both replay how proposal files changed, commit by commit, and check each change against the
record it started from: who may write which vote, when, and what a closing may decide. `verify`
reads the whole history with one `git log` and the persistent `cat-file --batch`, so its cost
is linear in the history."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.french import format_instant
from assemblee_cli.core.members import Roster, normalise_email
from assemblee_cli.core.tally import Tally, consent_outcome, tally_votes, two_thirds_outcome
from assemblee_cli.errors import AssembleeError
from assemblee_cli.formats.codesocial import (
    ROSTER_PATH,
    RULES_PATH,
    parse_roster,
    parse_rules,
    rules_to_data,
)
from assemblee_cli.formats.proposalfile import (
    FILE_PATTERN,
    PROPOSALS_DIR,
    parse_proposal,
)
from assemblee_cli.git.repo import GitRepo
from assemblee_cli.store.assembly import MERGE_TRAILER, Assembly, holidays_of


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


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    parents: tuple[str, ...]
    author: str
    files: tuple[str, ...]
    committer: str = ""


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


def _signatures(assembly: Assembly, refs: list[str]) -> dict[str, tuple[str, str]]:
    """Signature status (%G?) and signer (%GS) of every commit touching proposals, checked
    against the members' keys declared on main (never a proposal branch's own copy)."""
    roster = assembly.roster_at(assembly.trunk)
    lines = [f'{m.email} namespaces="git" {m.ssh_key}' for m in roster.members if m.ssh_key]
    return assembly.repo.signatures(refs, f"{PROPOSALS_DIR}/", "\n".join(lines) + "\n")


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


def _log(repo: GitRepo, refs: list[str]) -> list[CommitInfo]:
    return [
        CommitInfo(sha, parents, author, files, committer)
        for sha, parents, author, committer, files in repo.commits_touching(
            refs, f"{PROPOSALS_DIR}/"
        )
    ]


def load_proposal_at(repo: GitRepo, commit: str, path: str) -> lc.Proposal | str | None:
    text = repo.read_text(f"{commit}:{path}")
    if text is None:
        return None
    try:
        return parse_proposal(text, path, f"commit {commit[:10]}")
    except AssembleeError as exc:
        return exc.message


def verify(assembly: Assembly) -> Report:
    assembly.refresh()
    repo = assembly.repo
    snapshot = assembly.snapshot
    refs = [
        snapshot.trunk_sha,
        *(t.sha for t in snapshot.branches.values()),
        *snapshot.archives.values(),
    ]
    report = Report()
    receipts_text = _receipts_text(assembly)
    receipts: dict[str, datetime] = {}
    for receipt in read_receipts(receipts_text or ""):
        if not receipt.deleted:
            receipts.setdefault(receipt.commit, receipt.at)
    all_changes = _log(repo, sorted(set(refs)))
    signatures: dict[str, tuple[str, str]] | None = None
    roster: Roster | None = None  # who may record others' votes: the roster on main
    reported: set[tuple[str, str]] = set()
    mainline: _Mainline | None = None
    for commit in all_changes:
        if len(commit.parents) > 1:
            continue
        report.commits += 1
        parent = commit.parents[0] if commit.parents else None
        for path in commit.files:
            match = FILE_PATTERN.match(path)
            if not match:
                continue
            name = path.removeprefix(f"{PROPOSALS_DIR}/").removesuffix(".md")
            report.proposals.add(name)
            new = load_proposal_at(repo, commit.sha, path)
            if isinstance(new, str):
                report.findings.append(Finding(name, commit.sha, new))
                continue
            if new is None:
                continue
            old = load_proposal_at(repo, parent, path) if parent else None
            if isinstance(old, str):
                old = None
            for problem in lc.deadline_anomalies(new, holidays_of(new.rules)):
                if (name, problem) not in reported:
                    reported.add((name, problem))
                    report.findings.append(Finding(name, commit.sha, problem))
            report.votes += len(new.votes) - (len(old.votes) if old else 0)
            if old is None and new.status is not lc.Status.OPEN:
                _check_record(assembly, name, new, commit, report)
                continue
            if old is None and parent is not None:
                if mainline is None:
                    mainline = _mainline(repo, snapshot.trunk_sha, sorted(set(refs)))
                base = mainline.fork_point(parent)
                _check_opening(repo, name, new, base, commit, report)
            problems = check_transition(
                old, new, commit.author, commit.files, committer=commit.committer
            )
            recorders = {
                normalise_email(v.recorded_by)
                for v in new.votes
                if v.recorded_by and v not in (old.votes if old else ())
            }
            if recorders:
                if roster is None:
                    roster = assembly.roster_at(assembly.trunk)
                problems += [
                    f"{who} a enregistré l'avis d'autres membres sans en avoir le rôle "
                    "(« secretariat » dans codesocial/membres.yml)."
                    for who in sorted(recorders)
                    if not roster.may_record_for_others(who)
                ]
            arrived = receipts.get(commit.sha)
            if arrived is not None:
                problems += [
                    p.replace("arrive le", "a été reçu par le serveur le")
                    for p in arrival_problems(old, new, arrived)
                ]
            if new.rules.decision.signed_votes:
                if signatures is None:
                    signatures = _signatures(assembly, sorted(set(refs)))
                problems += check_signature(vote_writers(old, new), signatures.get(commit.sha))
            for problem in problems:
                report.findings.append(Finding(name, commit.sha, problem))
    _check_rewrites(assembly, report)
    if receipts_text is not None:
        _check_erased(assembly, refs, read_receipts(receipts_text), report)
    lawful = _check_merges(assembly, report)
    _check_trunk_paths(assembly, lawful, report)
    _check_current_files(assembly, report)
    report.votes = max(report.votes, 0)
    return report


def _receipts_text(assembly: Assembly) -> str | None:
    """The server's receipts (RECEIPTS_REF, fetched as refs/remotes/<remote>-assemblee/recus),
    or None when the server keeps none (no guard installed)."""
    candidates = [RECEIPTS_REF]
    if assembly.remote:
        candidates.insert(0, f"refs/remotes/{assembly.remote}-assemblee/recus")
    for ref in candidates:
        text = assembly.repo.read_text(f"{ref}:{RECEIPTS_FILE}")
        if text is not None:
            return text
    return None


def _check_rewrites(assembly: Assembly, report: Report) -> None:
    """What this clone saw of the shared remote: a proposal branch or main that moved
    backwards (a forced update in the reflog of its remote-tracking ref) lost published
    commits, such as a vote. Read from the reflog files, without a git process."""
    if not assembly.remote:
        return
    base = assembly.repo.git_dir / "logs" / "refs" / "remotes" / assembly.remote
    logs = [base / "main", *sorted((base / "proposition").glob("*"))]
    for log in logs:
        if not log.is_file():
            continue
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            if "forced-update" not in line:
                continue
            old, new = line.split()[:2]
            name = log.name if log.parent.name == "proposition" else "main"
            report.findings.append(
                Finding(
                    name,
                    new,
                    f"la branche a été réécrite sur le dépôt partagé (push forcé) : le commit "
                    f"{old[:10]}, déjà publié, n'y est plus.",
                )
            )


def _check_erased(
    assembly: Assembly, refs: list[str], receipts: list[Receipt], report: Report
) -> None:
    """Every commit the server received on main or a proposal branch is still reachable (from
    main, an open branch or an archive): nothing accepted was erased since."""
    wanted = [r for r in receipts if not r.deleted and r.ref.startswith("refs/heads/")]
    if not wanted:
        return
    reachable = assembly.repo.reachable(sorted(set(refs)))
    for receipt in wanted:
        if receipt.commit not in reachable:
            report.findings.append(
                Finding(
                    receipt.ref.removeprefix("refs/heads/"),
                    receipt.commit,
                    f"reçu par le serveur le {when_text(receipt.at)}, ce commit a disparu depuis "
                    "(historique réécrit ou branche supprimée).",
                )
            )


@dataclass(frozen=True)
class _Mainline:
    """Main's first-parent line, and every commit's first parent: where a branch forked."""

    line: frozenset[str]
    first_parent: dict[str, str]

    def fork_point(self, commit: str) -> str:
        """The commit of main the branch holding `commit` started from (main at the
        proposal's opening): its first ancestor on main's first-parent line."""
        sha: str | None = commit
        seen = 0
        while sha is not None and sha not in self.line and seen < 100_000:
            sha = self.first_parent.get(sha)
            seen += 1
        return sha or commit


def _mainline(repo: GitRepo, trunk: str, refs: list[str]) -> _Mainline:
    line = frozenset(repo.first_parent_line(trunk))
    first_parent = {
        commit: parents[0]
        for commit, parents in repo.commits_between(refs, exclude=trunk).items()
        if parents
    }
    # Commits merged into main (off its first-parent line) are reachable from the trunk.
    for commit, parents in repo.parents_graph(trunk).items():
        if parents and commit not in line:
            first_parent[commit] = parents[0]
    return _Mainline(line, first_parent)


def _check_opening(
    repo: GitRepo, name: str, new: lc.Proposal, parent: str, commit: CommitInfo, report: Report
) -> None:
    rules_text = repo.read_text(f"{parent}:{RULES_PATH}")
    roster_text = repo.read_text(f"{parent}:{ROSTER_PATH}")
    try:
        if rules_text is not None and rules_to_data(parse_rules(rules_text)) != rules_to_data(
            new.rules
        ):
            report.findings.append(
                Finding(
                    name,
                    commit.sha,
                    "les règles recopiées à l'ouverture diffèrent de celles en vigueur.",
                )
            )
        if roster_text is not None and tuple(parse_roster(roster_text).emails) != new.members:
            report.findings.append(
                Finding(
                    name,
                    commit.sha,
                    "la liste des membres recopiée à l'ouverture diffère de celle en vigueur.",
                )
            )
    except AssembleeError:
        return


def _check_record(
    assembly: Assembly, name: str, new: lc.Proposal, commit: CommitInfo, report: Report
) -> None:
    """A decided proposal's file landing on main: it must be the record kept with its text."""
    archived = assembly.snapshot.archives.get(name)
    if new.status is lc.Status.ADOPTED:
        return  # arrives by a merge, checked with the merges
    if archived is None:
        report.findings.append(
            Finding(name, commit.sha, "décision enregistrée sur main sans l'archive de son texte.")
        )
        return
    kept = assembly.repo.read(f"{archived}:{PROPOSALS_DIR}/{name}.md")
    landed = assembly.repo.read(f"{commit.sha}:{PROPOSALS_DIR}/{name}.md")
    if kept != landed:
        report.findings.append(
            Finding(
                name,
                commit.sha,
                "le compte rendu sur main diffère de celui de la branche archivée.",
            )
        )


def _check_merges(assembly: Assembly, report: Report) -> set[str]:
    """Check the merges on main that name a proposal; return those that are lawful adoptions."""
    lawful: set[str] = set()
    repo = assembly.repo
    for sha, parent_shas, message in repo.first_parent_merges(assembly.trunk):
        parents = " ".join(parent_shas)
        names = [
            line.split(":", 1)[1].strip()
            for line in message.splitlines()
            if line.startswith(f"{MERGE_TRAILER}:")
        ]
        if not names:
            continue
        report.merges += 1
        name = names[0]
        before = len(report.findings)
        merged = load_proposal_at(repo, sha, f"{PROPOSALS_DIR}/{name}.md")
        if not isinstance(merged, lc.Proposal):
            report.findings.append(
                Finding(name, sha, merged or "fusion dans main sans fichier de proposition.")
            )
            continue
        if merged.status is not lc.Status.ADOPTED:
            report.findings.append(
                Finding(
                    name,
                    sha,
                    f"fusionnée dans main alors que son statut est « {merged.status.value} ».",
                )
            )
        final = merged.round
        tally, status = expected_tally(merged, final)
        if final.tally != tally or status is not lc.Status.ADOPTED:
            report.findings.append(
                Finding(
                    name,
                    sha,
                    "fusionnée dans main sans un décompte qui permette l'adoption "
                    f"(recalculé : {tally.describe()}).",
                )
            )
        second = parents.split()[1:]
        if second and repo.read(f"{second[0]}:{PROPOSALS_DIR}/{name}.md") != repo.read(
            f"{sha}:{PROPOSALS_DIR}/{name}.md"
        ):
            report.findings.append(
                Finding(
                    name,
                    sha,
                    "le fichier fusionné diffère de celui de la branche de la proposition.",
                )
            )
        if len(report.findings) == before and merged.status is lc.Status.ADOPTED:
            lawful.add(sha)
    return lawful


TEXT_DIRS = ("sections/", "codesocial/")
# Changed on main by hand, as the design allows (people edit the roster directly).
DIRECT_EDITS = (ROSTER_PATH,)


def _check_trunk_paths(assembly: Assembly, lawful: set[str], report: Report) -> None:
    """Every change of the text on main arrives through the merge of a lawfully adopted
    proposal (with or without its trailer), except the founding commits: main before the
    first proposal forked from it. Direct edits of the roster are allowed (DIRECT_EDITS)."""
    repo = assembly.repo
    snapshot = assembly.snapshot
    parents: dict[str, tuple[str, ...]] = {}
    files: dict[str, list[str]] = {}
    for sha, parent_shas, changed in repo.history_with_files(snapshot.trunk_sha):
        parents[sha] = parent_shas
        files[sha] = changed
    chain: list[str] = []  # main's first-parent chain, oldest first
    cursor: str | None = snapshot.trunk_sha
    while cursor is not None and cursor in parents:
        chain.append(cursor)
        cursor = parents[cursor][0] if parents[cursor] else None
    chain.reverse()
    index = {sha: i for i, sha in enumerate(chain)}
    others = [*(t.sha for t in snapshot.branches.values()), *snapshot.archives.values()]
    side = dict(parents)
    if others:
        side.update(repo.commits_between(sorted(set(others)), exclude=snapshot.trunk_sha))
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

    forks = [fork_index(tip, None) for tip in others]
    for sha in chain:
        for second in parents[sha][1:]:
            forks.append(fork_index(second, sha))
    founding = min(forks) if forks else len(chain) - 1

    def changes_text(commit: str) -> bool:
        return touches_text(files.get(commit, []))

    for position, sha in enumerate(chain):
        if position <= founding or len(parents[sha]) > 1 or not changes_text(sha):
            continue
        report.findings.append(
            Finding(
                "main",
                sha,
                "ce commit modifie le texte sur main hors de toute proposition adoptée.",
            )
        )
    unlawful: dict[str, list[str]] = {}
    for commit, merge in arrivals.items():
        if merge not in lawful and len(side.get(commit, ())) <= 1 and changes_text(commit):
            unlawful.setdefault(merge, []).append(commit)
    for merge, commits in unlawful.items():
        report.findings.append(
            Finding(
                "main",
                merge,
                f"fusion dans main d'un texte qui n'a pas été adopté ({len(commits)} commit(s) "
                "modifiant le texte sans proposition adoptée qui les fusionne).",
            )
        )


def _check_current_files(assembly: Assembly, report: Report) -> None:
    """The tallies stored now, on main and on the branches, match the votes."""
    loaded = assembly.load_decided_many(assembly.decided_names()) + assembly.open_proposals()
    for item in loaded:
        if item.proposal is None:
            report.findings.append(Finding(item.name, None, item.error or "fichier illisible."))
            continue
        report.proposals.add(item.name)
        for round_ in item.proposal.rounds:
            if round_.result is None:
                continue
            tally, status = expected_tally(item.proposal, round_)
            if round_.tally != tally or round_.result.value != status.value:
                report.findings.append(
                    Finding(
                        item.name,
                        None,
                        f"le décompte enregistré du tour {round_.number} ne correspond pas aux avis "
                        f"(recalculé : {tally.describe()}, {status.value}).",
                    )
                )


# -- the server's guard ----------------------------------------------------------------------

RECEIPTS_REF = "refs/assemblee/recus"
RECEIPTS_FILE = "recus.txt"
# How far a date recorded by a member's machine may be from the server's clock when it arrives.
TOLERANCE = timedelta(minutes=10)


def when_text(moment: datetime) -> str:
    return format_instant(moment, ZoneInfo("Europe/Paris"))


def dated_now(moment: datetime, now: datetime, what: str) -> list[str]:
    """A date recorded by a member's machine must be the server's time of arrival."""
    if abs(moment - now) <= TOLERANCE:
        return []
    return [
        f"{what} est daté du {when_text(moment)}, alors qu'il arrive le {when_text(now)} (heure du "
        "serveur) : réglez l'horloge de votre machine et recommencez."
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
