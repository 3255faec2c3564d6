"""Moving refs after a write: one atomic, leased push when online; one compare-and-swap
transaction on the local refs offline. The user's checked-out branch and working tree are only
ever moved forward, and only when nothing of theirs would be touched."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass

from assemblee_cli.errors import AssembleeError, GitError, RemoteBusy
from assemblee_cli.formats.proposalfile import BRANCH_PREFIX
from assemblee_cli.store.assembly import ARCHIVE_PREFIX, CLAIM_PREFIX, TRUNK, Assembly
from assemblee_cli.store.faults import checkpoint


class PushConflict(AssembleeError):
    """Someone else moved a ref between our read and our write. `branches`: the proposals
    whose branches the write only moved forward (a vote, say), which are all a new attempt
    needs to read again; None when it must read everything again (a new number, main…)."""

    def __init__(self, message: str, branches: tuple[str, ...] | None = None) -> None:
        super().__init__(message)
        self.branches = branches


@dataclass(frozen=True)
class RefUpdate:
    kind: str  # "trunk", "branch", "archive" or "claim"
    name: str  # branch or archive name (`0007-slug`), claim number, or "main"
    new: str | None  # None deletes
    old_local: str | None
    old_remote: str | None

    @property
    def shared_ref(self) -> str:
        """The ref's name on the shared remote (and locally, offline)."""
        return {
            "trunk": f"refs/heads/{TRUNK}",
            "branch": f"refs/heads/{BRANCH_PREFIX}{self.name}",
            "archive": f"{ARCHIVE_PREFIX}{self.name}",
            "claim": f"{CLAIM_PREFIX}{self.name}",
        }[self.kind]

    def tracking_ref(self, remote: str) -> str | None:
        return {
            "trunk": f"refs/remotes/{remote}/{TRUNK}",
            "branch": f"refs/remotes/{remote}/{BRANCH_PREFIX}{self.name}",
            "archive": f"refs/remotes/{remote}-archives/proposition/{self.name}",
            "claim": None,
        }[self.kind]


def publish(assembly: Assembly, updates: Sequence[RefUpdate]) -> None:
    if not updates:
        return
    checkpoint("publish:before")
    if assembly.online:
        _push(assembly, updates)
    else:
        _move_local(assembly, updates)
    assembly.refresh()


def _push(assembly: Assembly, updates: Sequence[RefUpdate]) -> None:
    repo = assembly.repo
    remote = assembly.remote
    assert remote is not None
    refspecs = []
    leases: dict[str, str | None] = {}
    for update in updates:
        refspecs.append(f"{update.new or ''}:{update.shared_ref}")
        if update.kind != "archive":
            leases[update.shared_ref] = update.old_remote
    try:
        ok = repo.push(remote, refspecs, leases, atomic=True).ok
    except RemoteBusy:
        if not _landed(assembly, updates, remote):
            raise
        ok = True
    if not ok:
        moved_only = all(u.kind == "branch" and u.new and u.old_remote for u in updates)
        raise PushConflict(
            "Le dépôt partagé a changé pendant l'opération (quelqu'un d'autre vient d'écrire) : "
            "rien n'a été publié ; relancez la commande.",
            tuple(u.name for u in updates) if moved_only else None,
        )
    checkpoint("publish:pushed")
    _mirror_locally(assembly, updates, remote)
    checkpoint("publish:mirrored")


def _landed(assembly: Assembly, updates: Sequence[RefUpdate], remote: str) -> bool:
    """Whether a push whose connection the server cut had in fact been taken: the shared
    repository now has every ref where this push put it (the push is atomic). Without this, the
    step would be redone and, say, the same vote written twice. A server still too busy to
    answer leaves the question open: False."""
    tracked = {ref: u.new for u in updates if (ref := u.tracking_ref(remote)) is not None}
    if not tracked:
        return False
    try:
        assembly.repo.fetch(remote)
    except GitError:
        return False
    now = assembly.repo.refs(*tracked)
    return all(now.get(ref) == new for ref, new in tracked.items())


def _mirror_locally(assembly: Assembly, updates: Sequence[RefUpdate], remote: str) -> None:
    """After a successful push, make the local view agree without a new fetch."""
    repo = assembly.repo
    checked_out = repo.current_branch()
    moves: list[tuple[str, str | None, str | None]] = []
    tracking_refs = [t for t in (u.tracking_ref(remote) for u in updates) if t is not None]
    # `git push` itself moves (or deletes) the remote-tracking refs it knows of: expect them
    # where they are now, and leave alone those already right.
    tracking_now = repo.ref_values(tracking_refs)
    for update in updates:
        tracking = update.tracking_ref(remote)
        if tracking is not None and tracking_now.get(tracking) != update.new:
            moves.append((tracking, update.new, tracking_now.get(tracking)))
        local = update.shared_ref
        follows = update.old_local is not None and update.old_local == update.old_remote
        if update.kind == "branch" and follows and local != checked_out:
            moves.append((local, update.new, update.old_local))
        if update.kind == "trunk" and follows and local != checked_out and update.new:
            moves.append((local, update.new, update.old_local))
    # The remote has the truth; should this fail, the next fetch brings the local view in line.
    with contextlib.suppress(GitError):
        if moves:
            repo.update_refs(moves)


def _move_local(assembly: Assembly, updates: Sequence[RefUpdate]) -> None:
    repo = assembly.repo
    checked_out = repo.current_branch()
    moves: list[tuple[str, str | None, str | None]] = []
    worktree_move: tuple[str, str] | None = None
    for update in updates:
        ref = update.shared_ref
        if ref == checked_out and update.new is not None and update.old_local is not None:
            check_worktree_can_follow(assembly, update.old_local, update.new)
            worktree_move = (update.old_local, update.new)
        elif ref == checked_out and update.new is None:
            raise AssembleeError(
                f"La branche {ref.removeprefix('refs/heads/')} est celle de votre copie de travail "
                "et doit être supprimée : placez-vous sur une autre branche (git switch main) "
                "puis relancez."
            )
        moves.append((ref, update.new, update.old_local))
    repo.update_refs(moves)
    checkpoint("publish:local-refs-moved")
    if worktree_move is not None:
        old, new = worktree_move
        repo.follow_in_worktree(old, new)


def check_worktree_can_follow(assembly: Assembly, old: str, new: str) -> None:
    repo = assembly.repo
    if repo.bare:
        return
    touched = {change.path for change in repo.changes(old, new)}
    mine = {path for _status, path in repo.worktree_status()}
    overlap = sorted(touched & mine)
    if overlap:
        raise AssembleeError(
            "Votre copie de travail a des modifications sur des fichiers que cette opération met "
            f"à jour ({', '.join(overlap[:3])}) : enregistrez-les (git commit) ou mettez-les de "
            "côté (git stash), puis relancez ; rien n'a été modifié."
        )
