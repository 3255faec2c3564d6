"""`assemblee verify` and the server-side guard `assemblee hook pre-receive`.

Both replay how proposal files changed, commit by commit, and check each change against the
record it started from: who may write which vote, when, and what a closing may decide. `verify`
reads the whole history with one `git log` and the persistent `cat-file --batch`, so its cost
is linear in the history."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.members import normalise_email
from assemblee_cli.core.tally import Tally, consent_outcome, tally_votes, two_thirds_outcome
from assemblee_cli.errors import AssembleeError
from assemblee_cli.formats.codesocial import (
    ROSTER_PATH,
    RULES_PATH,
    parse_roster,
    parse_rules,
    rules_to_data,
)
from assemblee_cli.formats.proposalfile import FILE_PATTERN, PROPOSALS_DIR, parse_proposal
from assemblee_cli.git.repo import GitRepo
from assemblee_cli.store.assembly import MERGE_TRAILER, Assembly


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


def expected_tally(proposal: lc.Proposal, item: lc.Round) -> tuple[Tally, lc.Status]:
    votes = [
        v for v in proposal.votes if v.round == item.number and v.text_version == item.text_version
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
) -> list[str]:
    """What is wrong with one commit's change of one proposal file (French sentences).
    `now` (the server's clock, for the pre-receive guard) refuses late votes and early closings."""
    author = normalise_email(author)
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
    before = {(v.member, v.round): v for v in old.votes}
    after = {(v.member, v.round): v for v in new.votes}
    changed = [v for key, v in after.items() if before.get(key) != v]
    removed = [key for key in before if key not in after]
    for member, number in removed:
        problems.append(f"l'avis de {member} (tour {number}) a été supprimé.")
    rounds_before = {r.number: r for r in old.rounds}
    for vote in changed:
        writer = normalise_email(vote.recorded_by or vote.member)
        if writer != author:
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
    import tempfile

    roster = assembly.roster_at(assembly.trunk)
    lines = [f'{m.email} namespaces="git" {m.ssh_key}' for m in roster.members if m.ssh_key]
    with tempfile.NamedTemporaryFile("w", suffix=".allowed_signers", delete=False) as handle:
        handle.write("\n".join(lines) + "\n")
        path = handle.name
    try:
        out = assembly.repo.out(
            "-c",
            f"gpg.ssh.allowedSignersFile={path}",
            "log",
            "--full-history",
            "--format=%H%x1f%G?%x1f%GS",
            *refs,
            "--",
            f"{PROPOSALS_DIR}/",
        )
    finally:
        import os

        os.unlink(path)
    result = {}
    for line in out.splitlines():
        parts = line.split("\x1f")
        if len(parts) == 3:
            result[parts[0]] = (parts[1], parts[2])
    return result


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
    wrong = sorted(w for w in writers if w != signer and w not in signer)
    return [f"avis de {w} signé par la clé de {signer}." for w in wrong]


def _log(repo: GitRepo, refs: list[str]) -> list[CommitInfo]:
    out = repo.out(
        "log",
        "--full-history",
        "--no-renames",
        "--format=%x1e%H%x1f%P%x1f%ae",
        "--name-only",
        *refs,
        "--",
        f"{PROPOSALS_DIR}/",
    )
    commits = []
    for record in out.split("\x1e"):
        if not record.strip():
            continue
        header, _, body = record.partition("\n")
        sha, parents, author = header.split("\x1f")
        files = tuple(line for line in body.splitlines() if line.strip())
        commits.append(CommitInfo(sha, tuple(parents.split()), author, files))
    return commits


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
    all_changes = _log(repo, sorted(set(refs)))
    signatures: dict[str, tuple[str, str]] | None = None
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
            report.votes += len(new.votes) - (len(old.votes) if old else 0)
            if old is None and new.status is not lc.Status.OPEN:
                _check_record(assembly, name, new, commit, report)
                continue
            if old is None and parent is not None:
                if mainline is None:
                    mainline = _mainline(repo, snapshot.trunk_sha, sorted(set(refs)))
                base = mainline.fork_point(parent)
                _check_opening(repo, name, new, base, commit, report)
            problems = check_transition(old, new, commit.author, commit.files)
            if new.rules.decision.signed_votes:
                if signatures is None:
                    signatures = _signatures(assembly, sorted(set(refs)))
                problems += check_signature(vote_writers(old, new), signatures.get(commit.sha))
            for problem in problems:
                report.findings.append(Finding(name, commit.sha, problem))
    _check_merges(assembly, report)
    _check_current_files(assembly, report)
    report.votes = max(report.votes, 0)
    return report


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
    line = frozenset(repo.out("rev-list", "--first-parent", trunk).split())
    first_parent = {}
    for row in repo.out("rev-list", "--parents", *refs, "--not", trunk).splitlines():
        commit, *parents = row.split()
        if parents:
            first_parent[commit] = parents[0]
    # Commits merged into main (off its first-parent line) are reachable from the trunk.
    for row in repo.out("rev-list", "--parents", trunk).splitlines():
        commit, *parents = row.split()
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


def _check_merges(assembly: Assembly, report: Report) -> None:
    repo = assembly.repo
    out = repo.out(
        "log", "--first-parent", "--merges", "--format=%x1e%H%x1f%P%x1f%B", assembly.trunk
    )
    for record in out.split("\x1e"):
        if not record.strip():
            continue
        sha, parents, message = record.split("\x1f", 2)
        names = [
            line.split(":", 1)[1].strip()
            for line in message.splitlines()
            if line.startswith(f"{MERGE_TRAILER}:")
        ]
        if not names:
            continue
        report.merges += 1
        name = names[0]
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
