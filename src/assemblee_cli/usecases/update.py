"""`assemblee update`: bring the member's clone up to date with the shared main, and say
what happened since the last look (decisions, new proposals, votes still to give). What was
seen is kept in .git/assemblee/vu.json."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.members import normalise_email
from assemblee_cli.errors import AssembleeError
from assemblee_cli.formats.proposalfile import BRANCH_PREFIX, parse_name
from assemblee_cli.store.assembly import TRUNK, Assembly
from assemblee_cli.store.publish import check_worktree_can_follow


@dataclass(frozen=True)
class CatchUp:
    moved: bool  # the local main was brought to the shared one
    note: str | None  # why it was not, when it could not be
    decided: list[lc.Proposal]  # decided since the last look
    new: list[lc.Proposal]  # opened since the last look
    to_vote: list[lc.Proposal]  # open, without my position
    first_look: bool
    # the proposal whose branch is still checked out although it was decided: its
    # number and status (the working tree shows its text, not main's)
    left_on: tuple[int, lc.Status] | None = None


def catch_up(assembly: Assembly, now: datetime) -> CatchUp:
    """Bring the clone's `main` to the shared one (fast-forward, the working tree following
    when nothing of the member's is in the way), and say what happened since the last look."""
    assembly.refresh()
    trunk = assembly.trunk
    seen_file = assembly.private_folder / "vu.json"
    try:
        seen = json.loads(seen_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        seen = {}
    local = assembly.snapshot.local_trunk
    last_main = seen.get("main") or local
    moved, note = False, None
    if local and local != trunk and not assembly.bare:
        if not assembly.is_ancestor(local, trunk):
            from assemblee_cli.usecases.sync import offline_work

            work = offline_work(assembly) if assembly.online else None
            if work is not None and not work.foreign:
                note = (
                    "votre main a des retraits ou des clôtures faits hors ligne : publiez-les "
                    "avec « assemblee sync »."
                )
            else:
                note = (
                    "votre main a des commits absents du dépôt partagé : proposez-les "
                    "(assemblee propose « titre ») ou mettez-les de côté, puis relancez."
                )
        elif assembly.current_branch() == f"refs/heads/{TRUNK}":
            try:
                check_worktree_can_follow(assembly, local, trunk)
            except AssembleeError as exc:
                note = exc.message
            else:
                assembly.move_local_trunk(trunk, local, follow_worktree=True)
                moved = True
        else:
            assembly.move_local_trunk(trunk, local)
            moved = True
    before: set[str] = set()
    if last_main and assembly.has_commit(last_main):
        before = set(assembly.decided_names(last_main))
    decided_now = assembly.decided_names()
    fresh = [n for n in decided_now if n not in before]
    decided = [
        item.proposal
        for item in assembly.load_decided_many(fresh)
        if item.proposal is not None and item.proposal.status in lc.DECIDED
    ]
    seen_open = set(seen.get("ouvertes", []))
    try:
        me: str | None = normalise_email(assembly.identity().email)
    except AssembleeError:
        me = None
    new, to_vote = [], []
    for item in assembly.open_proposals():
        p = item.proposal
        if p is None:
            continue
        if item.name not in seen_open and seen:
            new.append(p)
        if p.status is lc.Status.OPEN and me in p.members and me not in lc.counted_votes(p):
            to_vote.append(p)
    seen_file.parent.mkdir(parents=True, exist_ok=True)
    seen_file.write_text(
        json.dumps({"main": trunk, "ouvertes": sorted(assembly.snapshot.branches)}),
        encoding="utf-8",
    )
    return CatchUp(moved, note, decided, new, to_vote, not seen, _left_on(assembly, decided_now))


def _left_on(assembly: Assembly, decided: list[str]) -> tuple[int, lc.Status] | None:
    """The decided proposal whose branch the working tree is still on (after `git switch` to
    amend it, say), with its status; None on main or on an open proposal's branch."""
    current = assembly.current_branch() or ""
    name = current.removeprefix(f"refs/heads/{BRANCH_PREFIX}")
    parsed = parse_name(name) if name != current else None
    if parsed is None or name in assembly.snapshot.branches or name not in decided:
        return None
    [loaded] = assembly.load_decided_many([name])
    if loaded.proposal is None or loaded.proposal.status not in lc.DECIDED:
        return None
    return parsed[0], loaded.proposal.status
