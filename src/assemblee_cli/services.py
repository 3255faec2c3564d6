"""The commands' work: read the assembly, apply the pure rules, write commits, publish.
Each function takes plain values and returns plain results; rendering is the CLI's job."""

from __future__ import annotations

import os
import random
import time as time_module
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from assemblee_cli.core import calendar
from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.french import format_instant
from assemblee_cli.core.members import Roster, normalise_email
from assemblee_cli.core.rules import Rules
from assemblee_cli.core.tally import Tally, parse_choice, tally_votes
from assemblee_cli.errors import AssembleeError, RuleRefusal
from assemblee_cli.faults import checkpoint
from assemblee_cli.gitrepo import Identity, MergeResult
from assemblee_cli.objects import Entry, ObjectWriter
from assemblee_cli.proposalfile import (
    BRANCH_PREFIX,
    PROPOSALS_DIR,
    dump_proposal,
    parse_name,
    slugify,
)
from assemblee_cli.publish import PushConflict, RefUpdate, publish
from assemblee_cli.repository import MERGE_TRAILER, Assembly, BranchTip, Fork

MAX_ATTEMPTS = 100
T = TypeVar("T")
TEXT_DIRS = ("sections/", "codesocial/")


# -- time and calendar ---------------------------------------------------------------------


def current_time() -> datetime:
    """Now, or ASSEMBLEE_NOW (ISO 8601 with offset) to simulate another moment."""
    value = os.environ.get("ASSEMBLEE_NOW", "").strip()
    if not value:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise AssembleeError(
            f"ASSEMBLEE_NOW vaut « {value} », qui n'est pas un instant ISO 8601 (par exemple "
            "2026-11-26T10:00:00+01:00)."
        ) from None
    if moment.tzinfo is None:
        raise AssembleeError(
            f"ASSEMBLEE_NOW vaut « {value} » sans fuseau horaire : ajoutez-le (par exemple "
            "+01:00 ou Z)."
        )
    return moment.astimezone(UTC)


def tz_of(rules: Rules) -> ZoneInfo:
    return ZoneInfo(rules.timezone)


def holidays_of(rules: Rules) -> object:
    from assemblee_cli.holiday_calendar import holiday_calendar

    return holiday_calendar(rules.holiday_country, rules.holiday_subdivision)


def deadline_from(rules: Rules, opened: datetime) -> datetime:
    return calendar.compute_deadline(
        opened,
        rules.decision.minimum_hours,
        tz_of(rules),
        holidays_of(rules),  # type: ignore[arg-type]
    )


def parse_until(text: str, rules: Rules) -> datetime:
    """`--until`: a date (the end of that day, local time) or a local or offset date-time."""
    tz = tz_of(rules)
    value = text.strip()
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise AssembleeError(
            f"« {text} » n'est pas une date : écrivez par exemple 2026-12-01 ou 2026-12-01T18:00."
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(UTC)


# -- small shared steps --------------------------------------------------------------------


def _member_or_refuse(roster: Roster, email: str, action: str) -> None:
    if roster.find(email) is None:
        if not roster.members:
            raise RuleRefusal(
                "La liste des membres (codesocial/membres.yml) est vide : complétez-la sur main "
                f"avant de pouvoir {action}."
            )
        raise RuleRefusal(
            f"{email} ne figure pas dans la liste des membres (codesocial/membres.yml) : seuls "
            f"les membres peuvent {action}."
        )


def _open_branch(assembly: Assembly, ident: str) -> tuple[BranchTip, lc.Proposal]:
    name, tip = assembly.find(ident)
    if tip is None:
        loaded = assembly.load_decided(name)
        status = loaded.proposal.status if loaded.proposal else None
        label = lc.STATUS_LABELS[status] if status else "close"
        raise RuleRefusal(f"La proposition {name} est déjà {label} : elle n'est plus ouverte.")
    loaded = assembly.load_branch(tip)
    if loaded.proposal is None:
        raise AssembleeError(loaded.error or f"Proposition {name} illisible.")
    return tip, loaded.proposal


def _register_amendment(
    assembly: Assembly, proposal: lc.Proposal, tip: str, now: datetime
) -> tuple[lc.Proposal, bool]:
    """Compare the text on the branch with the version the round was opened on. If it
    changed, the earlier votes stop counting and the window restarts from now."""
    if proposal.status is not lc.Status.OPEN:
        return proposal, False
    fork = assembly.forks([tip])[0]
    return _amendment(proposal, fork.text_paths, fork.text_version, now)


def _amendment(
    proposal: lc.Proposal, files: list[str], version: str, now: datetime
) -> tuple[lc.Proposal, bool]:
    """The proposal once its text's current files and version are known."""
    if proposal.status is not lc.Status.OPEN:
        return proposal, False
    if version == proposal.round.text_version:
        if tuple(files) != proposal.files:
            return replace(proposal, files=tuple(files)), False
        return proposal, False
    deadline = deadline_from(proposal.rules, now)
    return lc.amend_text(proposal, version, now, deadline, files), True


def _branch_update(tip: BranchTip, new: str | None) -> RefUpdate:
    return RefUpdate("branch", tip.name, new, tip.local, tip.remote)


def _trunk_update(assembly: Assembly, new: str) -> RefUpdate:
    snapshot = assembly.snapshot
    remote_sha = snapshot.trunk_sha if snapshot.trunk_ref.startswith("refs/remotes/") else None
    return RefUpdate("trunk", "main", new, snapshot.local_trunk, remote_sha)


def _retrying(assembly: Assembly, attempt_once: Callable[[], T]) -> T:
    """Run a read-modify-publish step; when someone else wrote first (the push or the
    compare-and-swap was refused), read again and redo it, after a short random pause so
    that many members voting at the same moment spread out."""
    attempts = int(os.environ.get("ASSEMBLEE_TENTATIVES", MAX_ATTEMPTS))
    for attempt in range(attempts):
        assembly.refresh(force=attempt > 0)
        try:
            return attempt_once()
        except PushConflict:
            if attempt + 1 < attempts:
                time_module.sleep(random.uniform(0.05, 0.3) * min(attempt + 1, 5))
    raise AssembleeError(
        f"Le dépôt partagé a changé {attempts} fois pendant l'opération (beaucoup "
        "d'écritures simultanées) : relancez la commande dans un instant ; rien n'a été perdu."
    )


# -- propose -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProposeResult:
    proposal: lc.Proposal
    source: str
    files: tuple[str, ...]


def _capture_change(assembly: Assembly, trunk: str, me: Identity) -> tuple[str, str, bool]:
    """The commit the proposal branch starts from, and a French description of what was taken.
    Returns (parent commit, description, whether the working tree was taken)."""
    repo = assembly.repo
    if repo.bare:
        return trunk, "aucune modification du texte (dépôt sans copie de travail)", False
    current = repo.current_branch() or ""
    if current.startswith(f"refs/heads/{BRANCH_PREFIX}"):
        raise AssembleeError(
            f"Vous êtes sur la branche {current.removeprefix('refs/heads/')}, celle d'une "
            "proposition : pour l'amender, faites un commit sur cette branche et poussez-le ; "
            "pour une nouvelle proposition, revenez sur main (git switch main)."
        )
    head = repo.resolve("HEAD")
    if head and head != trunk and not repo.is_ancestor(head, trunk):
        return head, "les commits de la branche courante absents de main", True
    # Edits in the working tree are edits of HEAD's text: the proposal starts from HEAD, even
    # when main has moved on since, so that closing merges them (three-way) instead of writing
    # HEAD's older copy of a file over what main adopted meanwhile.
    return (head or trunk), "", bool(head)


def _worktree_changes(assembly: Assembly) -> dict[str, bytes | None]:
    repo = assembly.repo
    changes: dict[str, bytes | None] = {}
    for status, path in repo.worktree_status():
        if path.startswith(f"{PROPOSALS_DIR}/"):
            continue
        if status == "??" and not path.startswith(TEXT_DIRS):
            continue
        file = repo.root / path
        changes[path] = file.read_bytes() if file.is_file() else None
    return changes


def propose(
    assembly: Assembly,
    now: datetime,
    title: str,
    description: str = "",
    until: str | None = None,
    challenges: str | None = None,
) -> ProposeResult:
    title = " ".join(title.split())
    if not title:
        raise AssembleeError(
            "Donnez un titre à la proposition, par exemple « Conditions d'entrée »."
        )
    me = assembly.repo.identity()
    tried: set[int] = set()

    def attempt() -> ProposeResult:
        trunk = assembly.trunk
        rules = assembly.rules_at(trunk)
        roster = assembly.roster_at(trunk)
        _member_or_refuse(roster, me.email, "faire une proposition")
        challenged = _challenged(assembly, challenges, now)
        deadline = deadline_from(rules, now)
        if until is not None:
            deadline = calendar.check_requested_deadline(
                now,
                parse_until(until, rules),
                rules.decision.minimum_hours,
                tz_of(rules),
                holidays_of(rules),  # type: ignore[arg-type]
            )
        parent, source, has_worktree = _capture_change(assembly, trunk, me)
        worktree = _worktree_changes(assembly) if has_worktree else {}
        if not worktree and not source:
            parent = trunk  # nothing of HEAD's is taken: start from main as it is now
        # A number whose claim was refused (someone took it meanwhile) is never tried again.
        number = max(assembly.all_numbers() | tried, default=0) + 1
        tried.add(number)
        slug = slugify(title)
        draft = lc.open_proposal(
            number=number,
            slug=slug,
            title=title,
            author=me.email,
            author_name=roster.name_of(me.email) if roster.find(me.email) else me.name,
            now=now,
            deadline=deadline,
            rules=rules,
            members=roster.emails,
            text_version="",
            description=description,
            challenges=challenged,
        )
        # First the text, then the proposal's record with the version of that text.
        text_commit = parent
        if worktree:
            writer = ObjectWriter(assembly.repo)
            text_commit = writer.commit(
                writer.with_files(writer.tree_of(parent), worktree),
                [parent],
                f"Texte de la proposition n°{number} : {title}",
            )
            writer.flush()
        fork = assembly.forks([text_commit])[0]
        files, version = fork.text_paths, fork.text_version
        _refuse_duplicate(assembly, version, files)
        proposal = replace(
            draft,
            rounds=(replace(draft.round, text_version=version),),
            files=tuple(files),
        )
        commit = assembly.commit_proposal(
            proposal, text_commit, f"Proposition n°{number} : {title}\n\n{description}".strip()
        )
        publish(
            assembly,
            [
                RefUpdate("branch", proposal.name, commit, None, None),
                RefUpdate("claim", f"{number:04d}", commit, None, None),
            ],
        )
        taken = [
            s for s in (source, "les modifications de la copie de travail" if worktree else "") if s
        ]
        what = (
            " et ".join(taken)
            if files
            else "aucune modification du texte : décision sur un autre sujet"
        )
        return ProposeResult(proposal, what, tuple(files))

    return _retrying(assembly, attempt)


def _refuse_duplicate(assembly: Assembly, version: str, files: list[str]) -> None:
    if not files:
        return
    for loaded in assembly.open_proposals():
        p = loaded.proposal
        if (
            p
            and p.status in (lc.Status.OPEN, lc.Status.POSTPONED)
            and p.round.text_version == version
        ):
            raise RuleRefusal(
                f"Ces modifications font déjà l'objet de la proposition n°{p.id} (« {p.title} ») : "
                "votez sur celle-ci, ou modifiez le texte avant de proposer."
            )


def _challenged(assembly: Assembly, challenges: str | None, now: datetime) -> int | None:
    if challenges is None:
        return None
    name, tip = assembly.find(challenges)
    if tip is not None:
        raise RuleRefusal(
            f"La proposition {name} n'est pas encore décidée : on ne peut remettre en cause "
            "qu'une décision prise."
        )
    loaded = assembly.load_decided(name)
    if loaded.proposal is None:
        raise AssembleeError(loaded.error or f"Proposition {name} illisible.")
    lc.check_challenge(loaded.proposal, now)
    return loaded.proposal.id


# -- vote ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VoteResult:
    proposal: lc.Proposal
    vote: lc.Vote
    replaced: lc.Vote | None
    amended: bool


def vote(
    assembly: Assembly,
    now: datetime,
    ident: str,
    choice_text: str,
    reason: str | None = None,
    member: str | None = None,
) -> VoteResult:
    choice = parse_choice(choice_text)
    me = assembly.repo.identity()
    voter = normalise_email(member or me.email)
    recorded_by = normalise_email(me.email) if voter != normalise_email(me.email) else None

    def attempt() -> VoteResult:
        tip, proposal = _open_branch(assembly, ident)
        if recorded_by is not None:
            roster = assembly.roster_at(assembly.trunk)
            if not roster.may_record_for_others(me.email):
                raise RuleRefusal(
                    f"{me.email} ne peut pas enregistrer l'avis d'un autre membre : c'est le rôle "
                    "du secrétariat (rôle « secretariat » dans codesocial/membres.yml)."
                )
        proposal, amended = _register_amendment(assembly, proposal, tip.sha, now)
        previous = lc.counted_votes(proposal).get(voter)
        cast = lc.Vote(voter, choice, proposal.round.number, now, "", reason, recorded_by)
        updated = lc.record_vote(proposal, cast, now)
        recorded = lc.counted_votes(updated)[voter]
        label = lc.choice_label(choice)
        by = f" (saisi par {recorded_by})" if recorded_by else ""
        message = f"Vote sur la proposition n°{proposal.id} : {voter} — {label}{by}"
        commit = assembly.commit_proposal(updated, tip.sha, message)
        publish(assembly, [_branch_update(tip, commit)])
        return VoteResult(updated, recorded, previous, amended)

    return _retrying(assembly, attempt)


# -- status and show -----------------------------------------------------------------------


@dataclass(frozen=True)
class OpenView:
    proposal: lc.Proposal
    tally: Tally
    amended: bool
    my_vote: lc.Vote | None


@dataclass(frozen=True)
class StatusView:
    me: str | None
    now: datetime
    open: list[OpenView]
    decided: list[lc.Proposal]
    errors: list[str]


def status(assembly: Assembly, now: datetime, recent: int = 5) -> StatusView:
    assembly.refresh()
    assembly.rules_at(assembly.trunk)  # refuses a repository that is not a code social
    try:
        me: str | None = normalise_email(assembly.repo.identity().email)
    except AssembleeError:
        me = None
    from assemblee_cli.publication import open_items

    items, errors = open_items(assembly)
    views = [
        OpenView(item.proposal, item.tally, item.amended, item.counted.get(me) if me else None)
        for item in items
    ]
    views.sort(key=lambda v: (v.proposal.status is not lc.Status.OPEN, v.proposal.round.deadline))
    decided: list[lc.Proposal] = []
    for loaded in assembly.load_decided_many(assembly.decided_names()[-recent * 2 :]):
        if loaded.proposal is None:
            errors.append(loaded.error or loaded.name)
        elif loaded.proposal.status in lc.DECIDED:
            decided.append(loaded.proposal)
    decided.sort(key=lambda p: p.decided_at or p.opened_at, reverse=True)
    return StatusView(me, now, views, decided[:recent], errors)


@dataclass(frozen=True)
class ShowView:
    proposal: lc.Proposal
    diff: str
    where: str
    amended: bool
    tally: Tally
    counted: dict[str, lc.Vote]
    outdated: list[lc.Vote]
    roster: Roster


def show(assembly: Assembly, now: datetime, ident: str) -> ShowView:
    assembly.refresh()
    repo = assembly.repo
    name, tip = assembly.find(ident)
    roster = assembly.roster_at(assembly.trunk)
    if tip is not None:
        loaded = assembly.load_branch(tip)
        if loaded.proposal is None:
            raise AssembleeError(loaded.error or name)
        proposal, amended = _register_amendment(assembly, loaded.proposal, tip.sha, now)
        base = repo.merge_base(assembly.trunk, tip.sha) or assembly.trunk
        diff = repo.diff(base, tip.sha, exclude=PROPOSALS_DIR)
        where = f"branche {BRANCH_PREFIX}{name}"
    else:
        loaded = assembly.load_decided(name)
        if loaded.proposal is None:
            raise AssembleeError(loaded.error or name)
        proposal, amended = loaded.proposal, False
        diff = _decided_diff(assembly, proposal)
        where = "main"
    counted = lc.counted_votes(proposal)
    tally = tally_votes(v.choice for v in counted.values())
    if proposal.round.tally is not None:
        tally = proposal.round.tally
    return ShowView(
        proposal, diff, where, amended, tally, counted, lc.outdated_votes(proposal), roster
    )


def _decided_diff(assembly: Assembly, proposal: lc.Proposal) -> str:
    repo = assembly.repo
    archived = assembly.snapshot.archives.get(proposal.name)
    if archived:
        base = repo.merge_base(assembly.trunk, archived) or assembly.trunk
        return repo.diff(base, archived, exclude=PROPOSALS_DIR)
    out = repo.out(
        "log",
        "-1",
        "--merges",
        "--format=%H",
        f"--grep=^{MERGE_TRAILER}: {proposal.name}$",
        assembly.trunk,
    ).strip()
    if not out:
        return ""
    return repo.diff(f"{out}^1", out, exclude=PROPOSALS_DIR)


# -- close ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CloseItem:
    id: int | None
    title: str
    status: str | None  # a proposal status (None: the file could not be read)
    explanation: str
    applied: bool = True
    problem: str | None = None  # "conflit" or "fichier-illisible"


@dataclass
class _ClosePlan:
    items: list[CloseItem] = field(default_factory=list)
    updates: list[RefUpdate] = field(default_factory=list)


def close(assembly: Assembly, now: datetime, dry_run: bool = False) -> list[CloseItem]:
    def attempt() -> list[CloseItem]:
        plan = _plan_close(assembly, now, dry_run)
        if not dry_run:
            checkpoint("close:planned")
            publish(assembly, plan.updates)
        return plan.items

    if dry_run:
        assembly.refresh()
        return attempt()
    return _retrying(assembly, attempt)


def _plan_close(assembly: Assembly, now: datetime, dry_run: bool) -> _ClosePlan:
    """Decide every proposal past its deadline, and make the commits that apply the decisions:
    in memory, stored in one go at the end (a real close) or never (a dry run). The number of
    git processes does not depend on the number of proposals, unless a merge has files changed
    on both sides (then `git merge-tree` works it out)."""
    repo = assembly.repo
    plan = _ClosePlan()
    writer = ObjectWriter(repo)
    trunk = assembly.trunk
    due: list[tuple[BranchTip, lc.Proposal]] = []
    for loaded in sorted(assembly.open_proposals(), key=lambda item: item.name):
        if loaded.proposal is None:
            parsed = parse_name(loaded.name)
            plan.items.append(
                CloseItem(
                    parsed[0] if parsed else None,
                    loaded.name,
                    None,
                    loaded.error or "",
                    False,
                    "fichier-illisible",
                )
            )
        elif loaded.proposal.status is lc.Status.OPEN and now >= loaded.proposal.round.deadline:
            assert loaded.tip is not None
            due.append((loaded.tip, loaded.proposal))
    forks = assembly.forks([tip.sha for tip, _p in due])
    merged: set[str] = set()  # the commits of the branches merged so far
    for (tip, p), fork in zip(due, forks, strict=True):
        p2, amended = _amendment(p, fork.text_paths, fork.text_version, now)
        if amended:
            text = (
                "Le texte a été modifié depuis l'ouverture du tour : les avis précédents ne "
                "comptent plus et le vote reste ouvert jusqu'au "
                f"{format_instant(p2.round.deadline, tz_of(p2.rules))}."
            )
            plan.items.append(CloseItem(p.id, p.title, p2.status.value, text, not dry_run))
            commit = assembly.commit_proposal(
                p2, tip.sha, f"Amendement de la proposition n°{p.id} enregistré", writer=writer
            )
            plan.updates.append(_branch_update(tip, commit))
            continue
        decision = lc.decide_round(p2, now)
        closed = lc.close_round(p2, decision, now)
        mode = lc.MODE_LABELS[p2.round.mode]
        header = (
            f"Proposition n°{p.id} {lc.STATUS_LABELS[closed.status]} ({mode}) : {p.title}\n\n"
            f"{decision.explanation}\nDécompte : {decision.tally.describe()}.\n\n"
            f"{MERGE_TRAILER}: {p.name}"
        )
        commit = assembly.commit_proposal(closed, tip.sha, header, writer=writer)
        record = writer.entry(writer.tree_of(commit), closed.path)  # the file, as committed
        assert record is not None
        explanation = decision.explanation
        if closed.status is lc.Status.ADOPTED:
            merge = _merge(assembly, writer, trunk, commit, fork, merged, {p.path: record})
            if merge.tree is None:
                files = ", ".join(merge.conflicts[:5]) or "fichiers en conflit"
                plan.items.append(
                    CloseItem(
                        p.id,
                        p.title,
                        p.status.value,
                        f"Adoptée, mais son texte est en conflit avec main ({files}) : l'auteur·rice "
                        f"doit mettre à jour la branche {p.branch} (git rebase main, puis git push) ; "
                        "rien n'a été fusionné, la clôture suivante la fusionnera.",
                        False,
                        "conflit",
                    )
                )
                continue
            trunk = writer.commit(merge.tree, [trunk, commit], header)
            merged |= fork.own
            plan.updates.append(_branch_update(tip, None))
            explanation += " Le texte est fusionné dans main."
        elif closed.status is lc.Status.POSTPONED:
            plan.updates.append(_branch_update(tip, commit))
        else:
            trunk = writer.commit(
                writer.edit(writer.tree_of(trunk), {closed.path: record}), [trunk], header
            )
            plan.updates.append(_branch_update(tip, None))
            plan.updates.append(RefUpdate("archive", p.name, commit, None, None))
            explanation += (
                f" Le texte proposé reste consultable (refs/archives/proposition/{p.name})."
            )
        plan.items.append(CloseItem(p.id, p.title, closed.status.value, explanation, not dry_run))
    if trunk != assembly.trunk:
        plan.updates.append(_trunk_update(assembly, trunk))
    if not dry_run:
        writer.flush()
    return plan


def _merge(
    assembly: Assembly,
    writer: ObjectWriter,
    trunk: str,
    commit: str,
    fork: Fork,
    merged: set[str],
    record: dict[str, Entry],
) -> MergeResult:
    """The tree of the merge of a closing `commit` (the branch `fork`, plus its `record`)
    into `trunk`. Worked out in memory when the trunk still has, unchanged since the fork
    point, every file the branch changes, and no branch merged before shares commits with
    this one (the fork point is then still the merge base); otherwise by `git merge-tree`."""
    if fork.single_base and not (fork.own & merged):
        tree = writer.clean_merge(writer.tree_of(trunk), fork.changes, record)
        if tree is not None:
            return MergeResult(tree, ())
    writer.flush()  # git merge-tree reads the commits made so far
    return assembly.repo.merge_tree(trunk, commit)


def _record_on_trunk(assembly: Assembly, trunk: str, proposal: lc.Proposal, message: str) -> str:
    """Only the proposal file lands on main: the public record of a rejection or withdrawal."""
    writer = ObjectWriter(assembly.repo)
    tree = writer.with_files(
        writer.tree_of(trunk), {proposal.path: dump_proposal(proposal).encode()}
    )
    commit = writer.commit(tree, [trunk], message)
    writer.flush()
    return commit


# -- relaunch and withdraw -----------------------------------------------------------------


def relaunch(assembly: Assembly, now: datetime, ident: str, two_thirds: bool) -> lc.Proposal:
    me = assembly.repo.identity()

    def attempt() -> lc.Proposal:
        tip, proposal = _open_branch(assembly, ident)
        _member_or_refuse(assembly.roster_at(assembly.trunk), me.email, "relancer une proposition")
        rules = proposal.rules
        start = lc.first_block(proposal) or proposal.opened_at
        meetings = calendar.meetings_between(
            start, now + timedelta(days=400), rules.meetings, tz_of(rules)
        )
        fork = assembly.forks([tip.sha])[0]
        files, version = fork.text_paths, fork.text_version
        updated = lc.relaunch(
            replace(proposal, files=tuple(files)),
            now=now,
            two_thirds=two_thirds,
            meetings=meetings,
            deadline=deadline_from(rules, now),
            text_version=version,
        )
        mode = lc.MODE_LABELS[updated.round.mode]
        commit = assembly.commit_proposal(
            updated, tip.sha, f"Proposition n°{proposal.id} : tour {updated.round.number} ({mode})"
        )
        publish(assembly, [_branch_update(tip, commit)])
        return updated

    return _retrying(assembly, attempt)


def withdraw(assembly: Assembly, now: datetime, ident: str) -> lc.Proposal:
    me = assembly.repo.identity()

    def attempt() -> lc.Proposal:
        tip, proposal = _open_branch(assembly, ident)
        updated = lc.withdraw(proposal, me.email, now)
        message = f"Proposition n°{proposal.id} retirée par son auteur·rice : {proposal.title}\n\n{MERGE_TRAILER}: {proposal.name}"
        commit = assembly.commit_proposal(updated, tip.sha, message)
        trunk = _record_on_trunk(assembly, assembly.trunk, updated, message)
        publish(
            assembly,
            [
                _branch_update(tip, None),
                RefUpdate("archive", proposal.name, commit, None, None),
                _trunk_update(assembly, trunk),
            ],
        )
        return updated

    return _retrying(assembly, attempt)
