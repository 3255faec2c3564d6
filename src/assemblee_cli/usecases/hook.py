"""The guard the shared repository runs on every push, with the server's clock:
`assemblee hook pre-receive` refuses what would break the record (rewrites, direct changes
of the text on main, votes and openings dated otherwise than their arrival, votes for
someone else, late votes, early closings), and `assemblee hook post-receive` keeps the
server's receipts (RECEIPTS_REF) that `verify` reads."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from assemblee_cli.core import lifecycle as lc
from assemblee_cli.formats.proposalfile import FILE_PATTERN, PROPOSALS_DIR, instant_text
from assemblee_cli.store.assembly import ARCHIVE_PREFIX, MERGE_TRAILER
from assemblee_cli.store.history import RECEIPTS_REF, ZERO, History
from assemblee_cli.usecases.verify import (
    LATE_BY_COMMIT,
    arrival_problems,
    check_transition,
    dated_now,
    expected_tally,
    touches_text,
)

TRUNK_REF = "refs/heads/main"
BRANCHES = "refs/heads/proposition/"


@dataclass(frozen=True)
class RefChange:
    old: str
    new: str
    ref: str


def parse_updates(lines: Iterable[str]) -> list[RefChange]:
    changes = []
    for line in lines:
        parts = line.split()
        if len(parts) == 3:
            changes.append(RefChange(*parts))
    return changes


def pre_receive(history: History, lines: Iterable[str], now: datetime) -> list[str]:
    """Refusals for a push, checked with the server's clock (empty: accept)."""
    changes = parse_updates(lines)
    problems: list[str] = []
    created = {c.ref: c.new for c in changes if c.old == ZERO}
    trunk_after = next((c.new for c in changes if c.ref == TRUNK_REF), None)
    # Main's commits were checked when they arrived: a branch that merged main (as the tool
    # asks of a proposal in conflict) brings them along, with the hours they were made. The
    # commits of other refs, which are not guarded, are checked on the branch that takes them.
    vetted = [sha for sha in (history.tip_of(TRUNK_REF),) if sha]
    for change in changes:
        label = change.ref.removeprefix("refs/heads/")
        if change.ref == RECEIPTS_REF:
            problems.append("les reçus du serveur ne s'écrivent que sur le serveur.")
            continue
        if change.ref.startswith(("refs/archives/", "refs/assemblee/")) and change.old != ZERO:
            problems.append(f"{change.ref} est une trace publiée : elle ne se modifie pas.")
            continue
        if change.ref.startswith(ARCHIVE_PREFIX) and change.new != ZERO:
            # A withdrawal archives its branch with one more commit (the record): the commits
            # the server does not have yet are checked as on a branch.
            label = change.ref.removeprefix("refs/")
            problems += _branch_problems(history, change, label, now, vetted)
            continue
        if change.ref != TRUNK_REF and not change.ref.startswith(BRANCHES):
            continue
        if change.new == ZERO:
            if change.ref == TRUNK_REF:
                problems.append("on ne supprime pas main.")
                continue
            name = change.ref.removeprefix(BRANCHES)
            archive = created.get(f"{ARCHIVE_PREFIX}{name}")
            archived = archive is not None and (
                archive == change.old or history.is_ancestor(change.old, archive)
            )
            merged = trunk_after is not None and history.is_ancestor(change.old, trunk_after)
            if not (archived or merged):
                problems.append(
                    f"{label} : supprimer la branche d'une proposition ouverte efface ses avis ; "
                    "c'est assemblee close (ou withdraw) qui la range."
                )
            continue
        if change.old != ZERO and not history.is_ancestor(change.old, change.new):
            problems.append(
                f"{label} : réécrire l'historique publié (push forcé) est refusé ; des commits "
                "déjà reçus disparaîtraient. Ajoutez un commit (git merge main) au lieu de "
                "git rebase."
            )
            continue
        if change.ref == TRUNK_REF:
            problems += _trunk_problems(history, change)
        else:
            problems += _branch_problems(history, change, label, now, vetted)
    return problems


def _trunk_problems(history: History, change: RefChange) -> list[str]:
    problems: list[str] = []
    if change.old == ZERO:
        return problems  # the founding push of the assembly
    for sha in history.new_commits(change.new, change.old, first_parent=True):
        parents, _author, _committer, _stamp, files, message = history.commit_facts(sha)
        names = [
            line.split(":", 1)[1].strip()
            for line in message.splitlines()
            if line.startswith(f"{MERGE_TRAILER}:")
        ]
        if len(parents) > 1:
            if all(history.is_ancestor(p, change.old) for p in parents[1:]):
                continue  # main merged into itself (a pull)
            if not names:
                problems.append(
                    f"main ({sha[:10]}) : fusion dans main d'un texte hors de toute proposition "
                    "adoptée."
                )
                continue
            merged = history.proposal_at(sha, f"{PROPOSALS_DIR}/{names[0]}.md")
            if not isinstance(merged, lc.Proposal) or merged.status is not lc.Status.ADOPTED:
                problems.append(f"main ({sha[:10]}) : fusion de {names[0]}, qui n'est pas adoptée.")
                continue
            tally, status = expected_tally(merged, merged.round)
            if status is not lc.Status.ADOPTED or merged.round.tally != tally:
                problems.append(
                    f"main ({sha[:10]}) : fusion de {names[0]} sans un décompte qui permette "
                    "l'adoption."
                )
        elif touches_text(files):
            problems.append(
                f"main ({sha[:10]}) : ce commit modifie le texte hors de toute proposition "
                "adoptée ; passez par assemblee propose."
            )
    return problems


def _branch_problems(
    history: History, change: RefChange, label: str, now: datetime, vetted: list[str]
) -> list[str]:
    """The commits a branch (or an archive) receives, not already on it nor in `vetted`."""
    problems: list[str] = []
    for sha in history.new_commits(change.new, change.old, vetted=vetted):
        parents, author, committer, stamp, files, _message = history.commit_facts(sha)
        if len(parents) > 1:
            continue
        parent = parents[0] if parents else None
        if change.old != ZERO and touches_text(files):
            moment = datetime.fromtimestamp(stamp, UTC)
            problems += [
                f"{label} ({sha[:10]}) : {p}"
                for p in dated_now(moment, now, "l'amendement du texte", LATE_BY_COMMIT)
            ]
        for path in files:
            if not FILE_PATTERN.match(path):
                continue
            new_p = history.proposal_at(sha, path)
            if isinstance(new_p, str):
                problems.append(f"{label} ({sha[:10]}) : {new_p}")
                continue
            if new_p is None:
                continue
            old_p = history.proposal_at(parent, path) if parent else None
            old_p = old_p if isinstance(old_p, lc.Proposal) else None
            found = check_transition(old_p, new_p, author, files, now, committer)
            found += arrival_problems(old_p, new_p, now)
            problems += [f"{label} ({sha[:10]}) : {p}" for p in found]
    return problems


def post_receive(history: History, lines: Iterable[str], now: datetime) -> None:
    """Record what the server accepted, at the server's time, on RECEIPTS_REF: one line per
    commit that arrived ("time ref commit"), appended to a file in an append-only chain of
    commits. `verify` reads it to prove when each vote arrived and that nothing received was
    erased since."""
    changes = [c for c in parse_updates(lines) if c.ref != RECEIPTS_REF]
    changes.sort(key=lambda c: not c.ref.startswith("refs/heads/"))
    if not changes:
        return
    stamp = instant_text(now)
    updated = [c.ref for c in changes]
    # What the server had before this push: the former tips of the refs it updated, and every
    # other ref. A commit it already had (a proposal's commits, which a close merges into main)
    # arrived earlier, and is not received again now: it may even predate the guard.
    before = [c.old for c in changes if c.old != ZERO]
    entries: list[str] = []
    seen: set[str] = set()
    for change in changes:
        if change.new == ZERO:
            entries.append(f"{stamp} {change.ref} - {change.old}")
            continue
        commits = history.new_commits(
            change.new, change.old, known_besides=updated, known_before=before
        ) or [change.new]
        entries += [f"{stamp} {change.ref} {commit}" for commit in commits if commit not in seen]
        seen.update(commits)
    history.append_receipts(entries, f"Reçus du {stamp}")
