"""`assemblee sync`: publish what was written with --offline, replayed on what the others
pushed meanwhile. Offline proposals get a free number (renumbered if someone took theirs) and
a full window from their publication; offline votes are re-applied one by one on the latest
record. A vote whose deadline passed before it could be published is refused and kept for the
record under refs/assemblee/hors-ligne/.

The other writes made offline are replayed as the same commands, online, now: withdrawals
(found on the local main), a close (a decision on the local main, or a round closed on a
branch: the close runs again on the shared record) and new rounds (a relaunch, before the
votes given in them). The local main then follows the shared one again, the offline one kept
for the record. A local main with commits assemblee did not make is left as it is, and said."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.members import normalise_email
from assemblee_cli.errors import AssembleeError, RuleRefusal
from assemblee_cli.formats.proposalfile import (
    BRANCH_PREFIX,
    PROPOSALS_DIR,
    dump_proposal,
    parse_name,
    parse_proposal,
)
from assemblee_cli.store.assembly import KEPT_PREFIX, TRUNK, Assembly, BranchTip
from assemblee_cli.store.index import trailer_names
from assemblee_cli.store.publish import RefUpdate, check_worktree_can_follow, publish


@dataclass(frozen=True)
class SyncLine:
    name: str
    text: str
    ok: bool


@dataclass(frozen=True)
class OfflineWork:
    """What a clone holds, written offline, that only `sync` publishes besides proposals and
    votes: withdrawals and decisions on its main, rounds closed on its branches."""

    withdrawn: tuple[tuple[str, int], ...] = ()  # (name, number), withdrawn on the local main
    closed: tuple[int, ...] = ()  # proposals a close made offline decided or postponed
    foreign: tuple[str, ...] = ()  # first lines of local main's commits assemblee did not make
    trunk: str | None = None  # the local main that holds offline commits (None: none)


def offline_work(assembly: Assembly) -> OfflineWork:
    """Read (online: against the shared main and branches) what was written offline."""
    snapshot = assembly.snapshot
    local, shared = snapshot.local_trunk, assembly.trunk
    withdrawn: list[tuple[str, int]] = []
    closed: list[int] = []
    foreign: list[str] = []
    on_trunk = None
    if local and local != shared and not assembly.is_ancestor(local, shared):
        on_trunk = local
        for sha, parents, message, _paths in assembly.commits_since(shared, local):
            if len(parents) > 1 and all(assembly.is_ancestor(p, shared) for p in parents[1:]):
                continue  # the shared main merged in (a git pull): nothing of the member's
            names = list(trailer_names(message))
            records = [_record_at(assembly, sha, name) for name in names]
            if not names or any(r is None or r.status not in lc.DECIDED for r in records):
                foreign.append(_subject(message))
                continue
            for name, record in zip(names, records, strict=True):
                assert record is not None
                if record.status is lc.Status.WITHDRAWN:
                    withdrawn.append((name, record.id))
                else:
                    closed.append(record.id)
    for tip in snapshot.branches.values():
        if tip.local is None or tip.remote is None or tip.local == tip.remote:
            continue
        try:
            mine = _read(assembly, tip.local, tip.name, "copie locale")
            shared_p = _read(assembly, tip.remote, tip.name, "dépôt partagé")
        except AssembleeError:
            continue
        if any(
            item.result is not None
            and (index >= len(shared_p.rounds) or shared_p.rounds[index].result is None)
            for index, item in enumerate(mine.rounds)
        ):
            closed.append(mine.id)
    return OfflineWork(tuple(withdrawn), tuple(closed), tuple(foreign), on_trunk)


def _subject(message: str) -> str:
    """A commit message's first line."""
    return message.strip().split("\n", 1)[0]


def _named(subjects: tuple[str, ...] | list[str]) -> str:
    """« first subject » and how many more."""
    more = f" et {len(subjects) - 1} autre(s)" if len(subjects) > 1 else ""
    return f"« {subjects[0]} »{more}"


def _vote_label(vote: lc.Vote, number: int) -> str:
    return f"avis de {vote.member} ({lc.choice_label(vote.choice)}) sur la proposition n°{number}"


def _record_at(assembly: Assembly, commit: str, name: str) -> lc.Proposal | None:
    try:
        return _read(assembly, commit, name, "copie locale")
    except AssembleeError:
        return None


def sync(assembly: Assembly, now: datetime) -> list[SyncLine]:
    from assemblee_cli.usecases.common import retrying

    if assembly.remote is None:
        raise AssembleeError(
            "Ce dépôt n'a pas de dépôt partagé (remote) : il n'y a rien à synchroniser."
        )
    if not assembly.online:
        raise AssembleeError("« sync » publie le travail hors ligne : relancez-la sans --offline.")
    me = normalise_email(assembly.identity().email)
    assembly.refresh()
    work = offline_work(assembly)
    lines: list[SyncLine] = []
    if work.foreign:
        lines.append(_foreign(work))
    else:
        lines.extend(_replay_trunk(assembly, work, now))
    pending = [
        tip
        for tip in assembly.snapshot.branches.values()
        if tip.local is not None and tip.local != tip.remote
    ]
    tried: set[int] = set()
    for tip in pending:
        name = tip.name
        lines.extend(
            retrying(assembly, lambda name=name: _sync_branch(assembly, name, me, now, tried))  # type: ignore[misc]
        )
    lines.extend(_closed_meanwhile(assembly, me, now))
    if not work.foreign:
        lines.extend(_follow_shared_trunk(assembly, work, now))
    if not lines:
        lines.append(
            SyncLine("", "Rien à publier : tout votre travail est déjà sur le dépôt partagé.", True)
        )
    return lines


def _foreign(work: OfflineWork) -> SyncLine:
    also = (
        " ; les retraits et clôtures faits hors ligne sur main attendent eux aussi"
        if work.withdrawn or work.closed
        else ""
    )
    return SyncLine(
        "",
        f"votre main a des commits qu'assemblee n'a pas faits ({_named(work.foreign)}) : ils ne "
        f"sont pas publiés{also}. Une modification du texte se propose (assemblee propose "
        "« titre ») ; mettez ces commits de côté, puis relancez.",
        False,
    )


def _replay_trunk(assembly: Assembly, work: OfflineWork, now: datetime) -> list[SyncLine]:
    """The withdrawals made offline, then a close if one was made offline: the same
    commands, online, now, on the shared record (they refuse what is no longer possible)."""
    from assemblee_cli.usecases import close, withdraw

    lines: list[SyncLine] = []
    decided = set(assembly.decided_names()) if work.withdrawn else set()
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    for name, number in work.withdrawn:
        # The clone's own archive of the withdrawal made offline steps aside: the shared one,
        # written by the withdrawal published now, is the one every member reads.
        kept = assembly.set_aside_local_archive(name, f"{stamp}-retrait")
        if name not in assembly.snapshot.branches and name not in decided:
            where = f" (son texte reste consultable sous {kept})" if kept else ""
            lines.append(
                SyncLine(
                    name,
                    f"la proposition n°{number}, ouverte puis retirée hors ligne, n'a jamais été "
                    f"publiée : il n'y a rien à publier{where}.",
                    True,
                )
            )
            continue
        if name in decided:
            record = assembly.load_decided(name).proposal
            status = lc.STATUS_LABELS[record.status] if record else "décidée"
            lines.append(
                SyncLine(
                    name,
                    f"retrait de la proposition n°{number} refusé : elle a été décidée "
                    f"({status}) avant qu'il puisse être publié.",
                    False,
                )
            )
            continue
        try:
            withdraw.withdraw(assembly, now, name)
        except AssembleeError as exc:
            lines.append(
                SyncLine(
                    name, f"retrait de la proposition n°{number} refusé : {exc.message}", False
                )
            )
        else:
            lines.append(SyncLine(name, f"retrait de la proposition n°{number} publié.", True))
    if work.closed:
        items = close.close(assembly, now)
        if not items:
            lines.append(
                SyncLine(
                    "",
                    "clôture faite hors ligne : sur le dépôt partagé, plus aucune proposition "
                    "n'est à clore (quelqu'un l'a déjà fait).",
                    True,
                )
            )
        for item in items:
            status = lc.STATUS_LABELS[lc.Status(item.status)] if item.status else "illisible"
            lines.append(
                SyncLine(
                    "",
                    f"clôture rejouée : n°{item.id} « {item.title} » → {status} : "
                    f"{item.explanation}",
                    item.problem is None,
                )
            )
    if lines:
        assembly.refresh()
    return lines


def _follow_shared_trunk(assembly: Assembly, work: OfflineWork, now: datetime) -> list[SyncLine]:
    """Bring the local main, whose offline commits were just replayed (or refused), to the
    shared one, the working tree with it when main is checked out; the offline main is kept
    for the record."""
    if work.trunk is None:
        return []
    assembly.refresh()
    local, shared = assembly.snapshot.local_trunk, assembly.trunk
    if local != work.trunk or local == shared:
        return []
    kept = assembly.keep_for_the_record(TRUNK, now.strftime("%Y%m%dT%H%M%SZ"), local)
    if assembly.bare or assembly.current_branch() != f"refs/heads/{TRUNK}":
        assembly.move_local_trunk(shared, local)
    else:
        try:
            check_worktree_can_follow(assembly, local, shared)
        except AssembleeError as exc:
            return [
                SyncLine(
                    "",
                    "votre main reste sur ce qui a été fait hors ligne (publié ou refusé "
                    f"ci-dessus) : {exc.message}",
                    False,
                )
            ]
        assembly.move_local_trunk(shared, local, follow_worktree=True)
    return [
        SyncLine(
            "",
            "votre main reprend celui du dépôt partagé ; celui fait hors ligne reste "
            f"consultable sous {kept}.",
            True,
        )
    ]


def _closed_meanwhile(assembly: Assembly, me: str, now: datetime) -> list[SyncLine]:
    """Local branches of proposals decided while this clone was offline: the votes cast on
    them that the decision did not count are refused by name and kept for the record."""
    decided = set(assembly.decided_names())
    lines: list[SyncLine] = []
    for name, sha in assembly.local_proposal_branches().items():
        if name not in decided:
            continue
        try:
            local = _read(assembly, sha, name, "copie locale")
        except AssembleeError:
            continue
        loaded = assembly.load_decided(name)
        if loaded.proposal is None:
            continue
        counted = {(v.member, v.round): v for v in loaded.proposal.votes}
        lost = [
            v
            for v in local.votes
            if (v.member == me or v.recorded_by == me) and counted.get((v.member, v.round)) != v
        ]
        if not lost:
            continue
        decision = lc.STATUS_LABELS[loaded.proposal.status]
        kept = _keep_for_the_record(assembly, BranchTip(name, sha, sha, None), now)
        for vote in lost:
            lines.append(
                SyncLine(
                    name,
                    f"{_vote_label(vote, local.id)} refusé : elle a été décidée ({decision}) "
                    f"avant qu'il puisse être publié ; il est gardé pour mémoire sous {kept}.",
                    False,
                )
            )
        if not assembly.is_checked_out(name):
            assembly.delete_local_branch(name, sha)
    return lines


def _sync_branch(
    assembly: Assembly, name: str, me: str, now: datetime, tried: set[int]
) -> list[SyncLine]:
    tip = assembly.snapshot.branches.get(name)
    if tip is None or tip.local is None or tip.local == tip.remote:
        return []
    if tip.remote is None:
        return [_publish_new(assembly, tip, now, tried)]
    if assembly.is_ancestor(tip.local, tip.remote):
        assembly.move_local_branch(name, tip.remote, tip.local)
        return [SyncLine(name, "branche locale mise à jour depuis le dépôt partagé.", True)]
    text = _text_commits(assembly, tip)
    if text:
        return [_publish_text(assembly, tip, text)]
    relaunched = _replay_relaunch(assembly, tip, now)
    if relaunched is not None and not relaunched.ok:
        return [relaunched]
    if relaunched is not None:
        tip = assembly.snapshot.branches[name]
    return ([relaunched] if relaunched else []) + _replay_votes(assembly, tip, me, now)


def _text_commits(assembly: Assembly, tip: BranchTip) -> list[str]:
    """The first lines of the commits of the local branch, not on the shared one, that change
    something besides proposal files: an amendment of the text (or a merge of main) that only
    git can publish as it is."""
    assert tip.local is not None and tip.remote is not None
    prefix = f"{PROPOSALS_DIR}/"
    return [
        _subject(message)
        for _sha, _parents, message, paths in assembly.commits_since(
            tip.remote, tip.local, paths=True
        )
        if any(not path.startswith(prefix) for path in paths)
    ]


def _publish_text(assembly: Assembly, tip: BranchTip, text: list[str]) -> SyncLine:
    """A local branch that changes the text: pushed as it is when it only adds to the shared
    one (what `git push` would do, with a lease), else left untouched and said."""
    assert tip.local is not None and tip.remote is not None
    first = _named(text)
    if assembly.is_ancestor(tip.remote, tip.local):
        publish(assembly, [RefUpdate("branch", tip.name, tip.local, tip.local, tip.remote)])
        return SyncLine(
            tip.name, f"votre branche, qui modifie le texte ({first}), est publiée.", True
        )
    return SyncLine(
        tip.name,
        f"votre branche modifie le texte ({first}) alors que la branche partagée a avancé : "
        "sync ne la publie pas et n'y touche pas. Intégrez la branche partagée (git pull sur "
        "votre branche), puis relancez.",
        False,
    )


def _replay_relaunch(assembly: Assembly, tip: BranchTip, now: datetime) -> SyncLine | None:
    """A new round opened offline (`relaunch`) on a proposal the shared record has postponed:
    opened again, online, now, before the votes given in it are replayed."""
    from assemblee_cli.usecases import relaunch

    assert tip.local is not None and tip.remote is not None
    local = _read(assembly, tip.local, tip.name, "copie locale")
    shared = _read(assembly, tip.remote, tip.name, "dépôt partagé")
    if len(local.rounds) <= len(shared.rounds) or shared.status is not lc.Status.POSTPONED:
        return None
    new_round = local.rounds[len(shared.rounds)]
    try:
        updated = relaunch.relaunch(
            assembly, now, tip.name, two_thirds=new_round.mode is lc.Mode.TWO_THIRDS
        )
    except AssembleeError as exc:
        _keep_for_the_record(assembly, tip, now)
        return SyncLine(
            tip.name,
            f"nouveau tour de la proposition n°{shared.id} refusé : {exc.message} Ce qui a été "
            f"fait hors ligne est gardé pour mémoire sous {KEPT_PREFIX}.",
            False,
        )
    return SyncLine(
        tip.name,
        f"tour {updated.round.number} ({lc.MODE_LABELS[updated.round.mode]}) de la proposition "
        f"n°{updated.id} ouvert.",
        True,
    )


def _read(assembly: Assembly, sha: str, name: str, where: str) -> lc.Proposal:
    path = f"proposals/{name}.md"
    text = assembly.read_text_at(sha, path)
    if text is None:
        raise AssembleeError(f"{path} ({where}) : fichier de proposition introuvable.")
    return parse_proposal(text, path, where)


def _replay_votes(assembly: Assembly, tip: BranchTip, me: str, now: datetime) -> list[SyncLine]:
    assert tip.local is not None and tip.remote is not None
    local = _read(assembly, tip.local, tip.name, "copie locale")
    shared = _read(assembly, tip.remote, tip.name, "dépôt partagé")
    published = {(v.member, v.round): v for v in shared.votes}
    mine = [
        v
        for v in local.votes
        if (v.member == me or v.recorded_by == me) and published.get((v.member, v.round)) != v
    ]
    lines: list[SyncLine] = []
    refused: list[str] = []
    updated = shared
    for vote in mine:
        label = _vote_label(vote, shared.id)
        try:
            updated = _apply_offline_vote(updated, vote, now)
        except RuleRefusal as exc:
            refused.append(f"{label} refusé : {exc.message}")
            continue
        lines.append(SyncLine(tip.name, f"{label} publié.", True))
    for text in refused:
        lines.append(SyncLine(tip.name, text, False))
    for announcement in local.announcements:
        if announcement not in updated.announcements:
            updated = replace(updated, announcements=(*updated.announcements, announcement))
            lines.append(
                SyncLine(
                    tip.name,
                    f"annonce de la proposition n°{shared.id} ({announcement.where}) publiée.",
                    True,
                )
            )
    updates = []
    if refused or not assembly.is_ancestor(tip.local, tip.remote):
        # What the local branch held is kept, whatever this publication replayed of it.
        _keep_for_the_record(assembly, tip, now)
    if updated != shared:
        commit = assembly.commit_proposal(
            updated,
            tip.remote,
            f"Publication du travail hors ligne sur la proposition n°{shared.id}",
        )
        updates.append(RefUpdate("branch", tip.name, commit, tip.local, tip.remote))
    else:
        updates.append(RefUpdate("branch", tip.name, tip.remote, tip.local, tip.remote))
    _publish_and_follow(assembly, updates)
    return lines


def _apply_offline_vote(proposal: lc.Proposal, vote: lc.Vote, now: datetime) -> lc.Proposal:
    current = proposal.round
    if vote.round != current.number or proposal.status is not lc.Status.OPEN:
        raise RuleRefusal("le tour sur lequel il portait est clos.")
    if now >= current.deadline:
        raise RuleRefusal(
            "l'échéance est passée avant qu'il puisse être publié ; il est gardé pour mémoire "
            f"sous {KEPT_PREFIX}."
        )
    if vote.text_version != current.text_version:
        raise RuleRefusal(
            "le texte a été amendé depuis : positionnez-vous à nouveau sur le texte actuel."
        )
    # Dated when it is published, which is when it arrives: the server's guard refuses a vote
    # dated otherwise, and a vote counts from its arrival (one that arrives after the
    # deadline is refused above, whenever it was given).
    return lc.record_vote(proposal, vote, max(now, current.opened_at))


def _keep_for_the_record(assembly: Assembly, tip: BranchTip, now: datetime) -> str:
    assert tip.local is not None
    return assembly.keep_for_the_record(tip.name, now.strftime("%Y%m%dT%H%M%SZ"), tip.local)


def _publish_and_follow(assembly: Assembly, updates: list[RefUpdate]) -> None:
    """Push (with leases), then point the local branch at what was published."""
    pushed = [u for u in updates if u.new != u.old_remote]
    if pushed:
        publish(assembly, [replace(u, old_local=u.old_remote) for u in pushed])
    for update in updates:
        if (
            update.old_local is not None
            and update.new is not None
            and not assembly.is_checked_out(update.name)
        ):
            assembly.move_local_branch(update.name, update.new, update.old_local)


def _publish_new(assembly: Assembly, tip: BranchTip, now: datetime, tried: set[int]) -> SyncLine:
    """A proposal opened offline: claim its number (or the next free one), and publish it as
    opened now, with a full window from now, the votes given offline on it after its opening
    (dated then): the commits that opened it and recorded those votes offline carry the hours
    they were made, which the server's guard refuses, so they are made again on the commit
    before the opening (the text as the member left it); the offline branch is kept for the
    record. A number whose claim was refused is never tried again, so this ends."""
    assert tip.local is not None
    proposal = _read(assembly, tip.local, tip.name, "copie locale")
    names = [*assembly.snapshot.branches, *assembly.snapshot.archives, *assembly.decided_names()]
    taken = {parsed[0] for n in names if n != tip.name and (parsed := parse_name(n))} | tried
    number = proposal.id
    if number in taken:
        number = max(taken | {proposal.id}, default=0) + 1
    tried.add(number)
    from assemblee_cli.usecases.common import deadline_from

    deadline = deadline_from(proposal.rules, now)
    first = proposal.rounds[0]
    reopened = replace(
        proposal,
        id=number,
        opened_at=max(proposal.opened_at, now),
        rounds=(
            replace(
                first, opened_at=max(first.opened_at, now), deadline=max(first.deadline, deadline)
            ),
            *proposal.rounds[1:],
        ),
        votes=(),
    )
    before = _before_opening(assembly, tip.local, proposal.path)
    draft = assembly.draft()
    changes: dict[str, bytes | None] = {reopened.path: dump_proposal(reopened).encode()}
    if reopened.path != proposal.path:
        changes[proposal.path] = None
    opening = draft.commit(
        draft.with_files(draft.tree_of(tip.local), changes),
        [before],
        f"Publication de la proposition n°{number} (ouverte hors ligne) : {proposal.title}",
    )
    published, lines, refused = reopened, [], False
    for vote in proposal.votes:
        label = _vote_label(vote, number)
        try:
            published = _apply_offline_vote(published, vote, now)
        except RuleRefusal as exc:
            lines.append(f"{label} refusé : {exc.message}")
            refused = True
        else:
            lines.append(f"{label} publié")
    commit = opening
    if published != reopened:
        commit = assembly.commit_proposal(
            published,
            opening,
            f"Avis donnés hors ligne sur la proposition n°{number}",
            writer=draft,
        )
    draft.flush()
    publish(
        assembly,
        [
            RefUpdate("branch", reopened.name, commit, None, None),
            RefUpdate("claim", f"{number:04d}", opening, None, None),
        ],
    )
    if commit != tip.local:
        _keep_for_the_record(assembly, tip, now)
    if not assembly.is_checked_out(tip.name):
        if reopened.name == tip.name:
            assembly.move_local_branch(tip.name, commit, tip.local)
        else:
            assembly.delete_local_branch(tip.name, tip.local)
    moved = f" sous le n°{number} (le n°{proposal.id} était pris)" if number != proposal.id else ""
    said = (
        f"proposition publiée{moved} ; échéance repoussée pour laisser le délai complet"
        if reopened.round.deadline != proposal.round.deadline
        else f"proposition publiée{moved}"
    )
    return SyncLine(reopened.name, " ; ".join([said, *lines]) + ".", not refused)


def _before_opening(assembly: Assembly, tip: str, path: str) -> str:
    """The commit before the one that opened a proposal offline (added its file): the text as
    the member proposed it, the proposal not yet there."""
    fork = assembly.fork_point(tip)
    previous = fork
    for sha, _parents, _message, _paths in assembly.commits_since(fork, tip):
        if assembly.read_text_at(sha, path) is not None:
            return previous
        previous = sha
    return fork


__all__ = ["BRANCH_PREFIX", "OfflineWork", "SyncLine", "offline_work", "sync"]
