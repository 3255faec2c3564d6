"""Steps shared by the use cases: the clock, deadlines, finding an open proposal, noticing an
amendment, and the read-modify-publish loop that retries when someone else wrote first."""

from __future__ import annotations

import os
import random
import time as time_module
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar

from assemblee_cli.core import calendar
from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.french import decode_argument
from assemblee_cli.core.members import Roster
from assemblee_cli.core.rules import Rules, tz_of
from assemblee_cli.core.textdiff import Block, changed_blocks
from assemblee_cli.errors import AssembleeError, RemoteBusy, RuleRefusal
from assemblee_cli.formats.proposalfile import PROPOSALS_DIR, parse_name
from assemblee_cli.store.assembly import Assembly, BranchTip, amendment_instant
from assemblee_cli.store.holidays import holidays_of as calendar_of
from assemblee_cli.store.publish import PushConflict, RefUpdate

MAX_ATTEMPTS = 100
BUSY_ATTEMPTS = 6  # a server that cut the connection this many times is said to be busy
T = TypeVar("T")
TEXT_DIRS = ("sections/", "codesocial/")


# -- time and calendar ----------------------------------------------------------------------


def current_time() -> datetime:
    """Now, or ASSEMBLEE_NOW (ISO 8601 with offset) to simulate another moment."""
    value = decode_argument(os.environ.get("ASSEMBLEE_NOW", "")).strip()
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
    if not calendar.is_sane_instant(moment):
        raise AssembleeError(
            f"ASSEMBLEE_NOW vaut « {value} », hors des dates acceptées (années "
            f"{calendar.SANE_YEARS.start} à {calendar.SANE_YEARS.stop - 1})."
        )
    return moment.astimezone(UTC)


def dated_commits(now: datetime) -> None:
    """Under a simulated clock (ASSEMBLEE_NOW), the commits made from here on carry its
    instant, so that they agree with the dates they record (git reads GIT_AUTHOR_DATE and
    GIT_COMMITTER_DATE); with the real clock, each commit carries its own time."""
    if os.environ.get("ASSEMBLEE_NOW", "").strip():
        stamp = f"{int(now.timestamp())} +0000"
        os.environ["GIT_AUTHOR_DATE"] = os.environ["GIT_COMMITTER_DATE"] = stamp


def holidays_of(rules: Rules) -> object:
    return calendar_of(rules)


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
    except (ValueError, OverflowError):
        raise AssembleeError(
            f"« {text} » n'est pas une date : écrivez par exemple 2026-12-01 ou 2026-12-01T18:00."
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    if not calendar.is_sane_instant(moment):
        raise AssembleeError(
            f"« {text} » est hors des dates acceptées (années {calendar.SANE_YEARS.start} à "
            f"{calendar.SANE_YEARS.stop - 1})."
        )
    return moment.astimezone(UTC)


# -- small shared steps ---------------------------------------------------------------------


def member_or_refuse(roster: Roster, email: str, action: str, own_git: bool = False) -> None:
    """Refuse who is not on the roster. `own_git`: the address is this clone's git identity
    (not a member named on the page), which is then the likely mistake."""
    if roster.find(email) is None:
        if not roster.members:
            raise RuleRefusal(
                "La liste des membres (codesocial/membres.yml) est vide : complétez-la sur main "
                f"avant de pouvoir {action}."
            )
        raise RuleRefusal(
            f"{email} ne figure pas dans la liste des membres (codesocial/membres.yml) : seuls "
            f"les membres peuvent {action}." + (GIT_ADDRESS_HINT if own_git else "")
        )


# When a clone's git address is not the one the roster has: what to do, in plain words.
GIT_ADDRESS_HINT = (
    " C'est l'adresse de votre configuration git : si vous êtes membre sous une autre adresse, "
    "réglez git sur celle de la liste (git config user.email ADRESSE) et recommencez ; rien "
    "n'a été enregistré."
)


def open_branch(assembly: Assembly, ident: str) -> tuple[BranchTip, lc.Proposal]:
    name, tip = assembly.find(ident)
    if tip is None:
        loaded = assembly.load_decided(name)
        status = loaded.proposal.status if loaded.proposal else None
        label = lc.STATUS_LABELS[status] if status else "close"
        number = parse_name(name)
        which = f"n°{number[0]}" if number else name
        raise RuleRefusal(f"La proposition {which} est déjà {label} : elle n'est plus ouverte.")
    loaded = assembly.load_branch(tip)
    if loaded.proposal is None:
        raise AssembleeError(loaded.error or f"Proposition {name} illisible.")
    return tip, loaded.proposal


def register_amendment(
    assembly: Assembly, proposal: lc.Proposal, tip: str, now: datetime
) -> tuple[lc.Proposal, bool]:
    """Compare the text on the branch with the version the round was opened on. If it
    changed, the earlier votes stop counting and the window restarts from the amendment
    (the instant its commit was made: the same for every command, at any moment)."""
    if proposal.status is not lc.Status.OPEN:
        return proposal, False
    fork = assembly.forks([tip])[0]
    return amendment(assembly, proposal, tip, fork.text_paths, fork.text_version)


def amendment(
    assembly: Assembly, proposal: lc.Proposal, tip: str, files: list[str], version: str
) -> tuple[lc.Proposal, bool]:
    """The proposal once its text's current files and version are known."""
    if proposal.status is not lc.Status.OPEN:
        return proposal, False
    if version == proposal.round.text_version:
        if tuple(files) != proposal.files:
            return replace(proposal, files=tuple(files)), False
        return proposal, False
    since = amendment_instant(assembly, proposal, tip)
    deadline = deadline_from(proposal.rules, since)
    return lc.amend_text(proposal, version, since, deadline, files), True


def branch_update(tip: BranchTip, new: str | None) -> RefUpdate:
    return RefUpdate("branch", tip.name, new, tip.local, tip.remote)


def trunk_update(assembly: Assembly, new: str) -> RefUpdate:
    snapshot = assembly.snapshot
    remote_sha = snapshot.trunk_sha if snapshot.trunk_ref.startswith("refs/remotes/") else None
    return RefUpdate("trunk", "main", new, snapshot.local_trunk, remote_sha)


BACK_OFF_FIRST = 0.25  # seconds: the window of the first pause
BACK_OFF_LAST = 8.0  # the widest window


def back_off(attempt: int, took: float = 0.0) -> float:
    """A pause after a refused write: a random instant in its window (`back_off_window`)."""
    return random.uniform(0, back_off_window(attempt, took))


def back_off_window(attempt: int, took: float = 0.0, previous: float = 0.0) -> float:
    """The window of the pause after the `attempt`-th refused write (0 for the first), which
    took `took` seconds from its read to its refusal (the pause, `back_off`, is a random
    instant in it: "full jitter"). The window doubles with each refusal. Each refusal means
    others are writing too; widening the window spreads them out, so that most writers need
    one or two pushes instead of racing again every few hundred milliseconds. The window
    starts at the length of the refused attempt when that is longer than BACK_OFF_FIRST: the
    time between a read and its push is the time another writer needs the branch to itself,
    and it grows with the number of writers (they share the processors and the server), so a
    crowd spreads out from the first refusal instead of after five or six (measured in
    tests/integrity/test_stress.py).
    `previous`: the window of the previous refusal of the same write, which the new one never
    falls below twice of: an attempt redone after a refusal is quick (it reads the branch
    alone), and its shorter length says nothing of fewer writers still waiting."""
    doubled = max(BACK_OFF_FIRST, took) * 2.0 ** min(attempt, 16)
    return min(max(doubled, 2 * previous), BACK_OFF_LAST)


def retrying(assembly: Assembly, attempt_once: Callable[[], T]) -> T:
    """Run a read-modify-publish step; when someone else wrote first (the push or the
    compare-and-swap was refused), read again and redo it, after a random pause so that many
    members voting at the same moment spread out (back_off)."""
    attempts = int(os.environ.get("ASSEMBLEE_TENTATIVES", MAX_ATTEMPTS))
    cut = 0  # connections the shared repository cut: a busy server, tried again a few times
    refused: tuple[str, ...] | None = None  # the branches a refused push found moved
    window = 0.0  # of the last pause after a refused write
    for attempt in range(attempts):
        start = time_module.monotonic()
        try:
            # After a refused push that only moved branches forward (a vote), those branches
            # are fetched again, not every ref: the rest was read a moment ago and the push
            # leases only them (see Assembly.refresh).
            assembly.refresh(force=attempt > 0, only=refused)
            refused = None
            return attempt_once()
        except PushConflict as conflict:
            refused = conflict.branches
            if attempt + 1 < attempts:
                took = time_module.monotonic() - start
                window = back_off_window(attempt, took, window)
                time_module.sleep(random.uniform(0, window))
        except RemoteBusy:
            cut += 1
            if cut >= BUSY_ATTEMPTS or attempt + 1 >= attempts:
                raise
            time_module.sleep(back_off(attempt))
    raise AssembleeError(
        f"Le dépôt partagé a changé {attempts} fois pendant l'opération (beaucoup "
        "d'écritures simultanées) : relancez la commande dans un instant ; rien n'a été perdu."
    )


def check_codesocial(assembly: Assembly, commit: str, files: list[str]) -> None:
    """Refuse a text whose `codesocial/` would not be valid (a roster or rules that every later
    command would stumble on)."""
    if not any(f.startswith("codesocial/") for f in files):
        return
    try:
        assembly.rules_at(commit, strict=True)
        assembly.roster_at(commit, strict=True)
    except AssembleeError as exc:
        raise RuleRefusal(
            f"Cette proposition rendrait le code social invalide, elle est refusée : {exc.message}"
        ) from None


def text_conflicts(assembly: Assembly, tips: list[str]) -> list[tuple[str, ...]]:
    """For each branch tip, the files whose text is in conflict with main (empty: it merges
    cleanly). In memory when main still has the branch's files as they were at its fork point;
    otherwise `git merge-tree` (one process for each such branch)."""
    if not tips:
        return []
    trunk = assembly.trunk
    result: dict[str, tuple[str, ...]] = {}
    for tip in tips:  # kept by a long-running reader: a branch and main that did not move
        kept = assembly.known("conflicts", (trunk, tip))
        if kept is not None:
            result[tip] = kept[0]
    missing = [tip for tip in dict.fromkeys(tips) if tip not in result]
    if missing:
        draft = assembly.draft()
        for tip, fork in zip(missing, assembly.forks(missing), strict=True):
            changes = fork.changes if fork.single_base else None
            result[tip] = draft.conflicts(trunk, tip, changes)
            assembly.keep("conflicts", (trunk, tip), result[tip])
    return [result[tip] for tip in tips]


def conflict_commands(
    assembly: Assembly, proposal: lc.Proposal, files: tuple[str, ...]
) -> list[str]:
    """The git commands that bring a proposal's branch onto the current text of the shared
    main, for its author to run in their clone, in this order."""
    remote = assembly.remote or ""
    branch = proposal.branch
    listed = " ".join(files) or "FICHIER"
    if not remote:
        return [
            f"git switch {branch}",
            "git merge main",
            f"(corrigez {listed}, puis : git add {listed} && git commit --no-edit)",
            "git switch main",
        ]
    # A merge, not a rebase: the published commits of the proposal (its votes) stay as they
    # are, and the push is a fast-forward, which the shared repository's guard accepts and
    # `verify` does not report as a rewritten history.
    return [
        f"git fetch {remote}",
        f"git switch -C {branch} {remote}/{branch}",
        f"git merge {remote}/main",
        f"(corrigez {listed}, puis : git add {listed} && git commit --no-edit)",
        f"git push {remote} {branch}",
        "git switch main",
    ]


def conflict_sentence(proposal: lc.Proposal, files: tuple[str, ...]) -> str:
    return (
        f"La proposition n°{proposal.id} est en conflit avec le texte actuel de main "
        f"({', '.join(files[:5]) or 'fichiers en conflit'}) : rien n'est fusionné tant que "
        "son auteur·rice ne l'a pas mise à jour. Si le texte proposé change, les avis sont à "
        "redonner et le délai repart ; sinon ils sont gardés."
    )


def codesocial_problem(assembly: Assembly, commit: str, files: list[str]) -> str | None:
    """Why the `codesocial/` of `commit` is not valid (None: it is, or untouched)."""
    try:
        check_codesocial(assembly, commit, files)
    except RuleRefusal as exc:
        return exc.message
    return None


# -- the change of the text ---------------------------------------------------------------


@dataclass(frozen=True)
class FileChange:
    path: str
    kind: str  # "modifié", "ajouté" or "supprimé"
    blocks: list[Block]


def word_changes(assembly: Assembly, base: str, tip: str) -> list[FileChange]:
    """What the text of `tip` changes from `base`, file by file, word by word (the proposal
    files aside)."""
    result = []
    for change in assembly.changes(base, tip):
        if change.path.startswith(f"{PROPOSALS_DIR}/"):
            continue
        old = assembly.read_text_at(base, change.path)
        new = assembly.read_text_at(tip, change.path)
        kind = "ajouté" if old is None else "supprimé" if new is None else "modifié"
        result.append(FileChange(change.path, kind, changed_blocks(old or "", new or "")))
    return result
