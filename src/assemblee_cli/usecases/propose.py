"""`assemblee propose`: open a proposal from the changes of the member's clone."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from assemblee_cli.core import calendar
from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.french import format_instant
from assemblee_cli.core.members import normalise_email
from assemblee_cli.core.rules import tz_of
from assemblee_cli.errors import AssembleeError, RuleRefusal
from assemblee_cli.formats.proposalfile import (
    BRANCH_PREFIX,
    PROPOSALS_DIR,
    slugify,
)
from assemblee_cli.store.assembly import TRUNK, Assembly, Identity
from assemblee_cli.store.publish import RefUpdate, publish
from assemblee_cli.usecases.common import (
    TEXT_DIRS,
    check_codesocial,
    deadline_from,
    holidays_of,
    member_or_refuse,
    parse_until,
    retrying,
)


@dataclass(frozen=True)
class ProposeResult:
    proposal: lc.Proposal
    source: str
    files: tuple[str, ...]
    restored: tuple[str, ...] = ()  # files of the working tree put back as on main
    from_branch: bool = False  # taken from the commits of the member's own branch


def _capture_change(assembly: Assembly, trunk: str, me: Identity) -> tuple[str, str, bool]:
    """The commit the proposal branch starts from, and a French description of what was taken.
    Returns (parent commit, description, whether the working tree is to be taken)."""
    if assembly.bare:
        return trunk, "aucune modification du texte (dépôt sans copie de travail)", False
    current = assembly.current_branch() or ""
    if current.startswith(f"refs/heads/{BRANCH_PREFIX}"):
        raise AssembleeError(
            f"Vous êtes sur la branche {current.removeprefix('refs/heads/')}, celle d'une "
            "proposition : pour l'amender, faites un commit sur cette branche et poussez-le ; "
            "pour une nouvelle proposition, revenez sur main (git switch main)."
        )
    head = assembly.head()
    if head and head != trunk and not assembly.is_ancestor(head, trunk):
        return head, "les commits de la branche courante absents de main", True
    # Edits in the working tree are edits of HEAD's text, replayed on main as it is now on the
    # shared repository (never on a stale local main): see `_onto_trunk`.
    return trunk, "", bool(head)


def _refuse_own_open_proposal_commits(assembly: Assembly, trunk: str, head: str, me: str) -> None:
    """Refuse a branch that carries the commits of one of the member's own open proposals
    (their branch, proposed already, with a commit more): a second proposal would hold the
    first's text, where they meant to amend it; say how. Building on someone else's open
    proposal (to take part of it back, say) is a proposal of its own."""
    own = {sha for sha, _parents, _message, _files in assembly.commits_since(trunk, head)}
    mine = sorted(
        (
            (item.proposal, item.tip.sha)
            for item in assembly.open_proposals()
            if item.tip and item.proposal and normalise_email(item.proposal.author) == me
        ),
        key=lambda found: found[0].id,
    )
    forks = assembly.forks([tip for _proposal, tip in mine])
    for (proposal, _tip), fork in zip(mine, forks, strict=True):
        if fork.own & own:
            raise RuleRefusal(
                f"Votre branche contient déjà le texte de la proposition n°{proposal.id}, en "
                "cours : rien n'a été proposé. Pour l'amender, faites vos commits sur sa branche "
                f"(git switch {proposal.branch}, puis git cherry-pick de vos nouveaux commits, "
                "puis git push) ; pour une autre proposition, partez de main (git switch main)."
            )


def _onto_trunk(
    assembly: Assembly, head: str, trunk: str, worktree: dict[str, bytes | None]
) -> dict[str, bytes | None]:
    """The working tree's edits (made on HEAD's text) replayed on the trunk's text: a file main
    did not change since HEAD is taken as it is; one it changed is merged three ways (HEAD,
    the edit, main). Only what differs from the trunk is returned."""
    result: dict[str, bytes | None] = {}
    stale: list[str] = []
    for path, ours in worktree.items():
        base = assembly.read_at(head, path) if head != trunk else None
        theirs = assembly.read_at(trunk, path)
        if head == trunk or base == theirs:
            merged: bytes | None = ours
        elif ours == theirs:
            merged = ours
        elif ours is None or theirs is None or base is None:
            stale.append(path)
            continue
        else:
            merged = assembly.merge_texts(base, ours, theirs)
            if merged is None:
                stale.append(path)
                continue
        if merged != theirs:
            result[path] = merged
    if stale:
        raise RuleRefusal(
            f"{', '.join(stale[:3])} a changé sur main depuis votre dernière mise à jour, au même "
            "endroit que votre modification : mettez votre copie à jour (git stash, git pull, "
            "git stash pop, puis corrigez), et relancez ; rien n'a été proposé."
        )
    if worktree and not result:
        raise RuleRefusal(
            f"Vos modifications ({', '.join(sorted(worktree)[:3])}) sont déjà dans le texte de "
            "main : il n'y a rien à proposer ; « assemblee update » met votre copie à jour."
        )
    return result


def _worktree_changes(assembly: Assembly) -> dict[str, bytes | None]:
    root = assembly.root
    changes: dict[str, bytes | None] = {}
    for status, path in assembly.worktree_status():
        if path.startswith(f"{PROPOSALS_DIR}/"):
            continue
        if status == "??" and not path.startswith(TEXT_DIRS):
            continue
        file = root / path
        if file.is_symlink() or any(folder.is_symlink() for folder in _folders(root, file)):
            raise AssembleeError(
                f"{path} est un lien symbolique : assemblee ne le suit pas (il pourrait "
                "publier un fichier hors du dépôt). Remplacez-le par un vrai fichier, puis "
                "relancez la proposition."
            )
        changes[path] = file.read_bytes() if file.is_file() else None
    return changes


def _folders(root: Path, file: Path) -> list[Path]:
    """The folders between the repository's root and a file of its working tree."""
    folders = []
    current = file.parent
    while current != root and root in current.parents:
        folders.append(current)
        current = current.parent
    return folders


def _refuse_locked_paragraphs(
    assembly: Assembly, trunk: str, commit: str, files: list[str], now: datetime
) -> None:
    """A change of text written by a 2/3 decision less than its delay old is refused: the
    paragraphs it touches (main's text against the proposed one) and the decisions that wrote
    them (as `assemblee blame` knows them)."""
    from assemblee_cli.core.textdiff import touched_lines
    from assemblee_cli.usecases.blame import challenge_state, paragraphs_of

    for path in files:
        if not path.startswith("sections/") or not path.endswith(".md"):
            continue
        old = assembly.read_text_at(trunk, path)
        if old is None:
            continue
        lines = touched_lines(old, assembly.read_text_at(commit, path) or "")
        if not lines:
            continue
        for paragraph in paragraphs_of(assembly, trunk, path, now):
            if not any(paragraph.first <= n <= paragraph.last for n in lines):
                continue
            for origin in paragraph.origins:
                allowed, when = challenge_state(origin, now)
                if allowed or origin.proposal is None or when is None:
                    continue
                decided = origin.proposal
                raise RuleRefusal(
                    f"Le passage « {paragraph.text[:60]} » de {path} a été écrit par la "
                    f"proposition n°{decided.id}, décidée aux deux tiers : il ne peut pas être "
                    f"remis en cause avant le {format_instant(when, tz_of(decided.rules))}."
                )


def propose(
    assembly: Assembly,
    now: datetime,
    title: str,
    description: str = "",
    until: str | None = None,
    challenges: str | None = None,
    author: Identity | None = None,
    files: Mapping[str, bytes | None] | None = None,
) -> ProposeResult:
    """Open a proposal. From the command line the change is taken from the current branch or
    the working tree and the author is the git identity; the web page gives the member as
    `author` (the current identity stays the committer) and the text's new `files` (path ->
    content, None to remove; an empty mapping for a decision without text)."""
    title = " ".join(title.split())
    if not title:
        raise AssembleeError(
            "Donnez un titre à la proposition, par exemple « Conditions d'entrée »."
        )
    me = author or assembly.identity()
    tried: set[int] = set()
    taken_from_worktree: list[str] = []

    def attempt() -> ProposeResult:
        trunk = assembly.trunk
        rules = assembly.rules_at(trunk)
        roster = assembly.roster_at(trunk)
        member_or_refuse(roster, me.email, "faire une proposition", own_git=author is None)
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
        if files is None:
            parent, source, has_worktree = _capture_change(assembly, trunk, me)
            if source:
                _refuse_own_open_proposal_commits(
                    assembly, trunk, parent, normalise_email(me.email)
                )
            worktree = _worktree_changes(assembly) if has_worktree else {}
            taken_from_worktree[:] = sorted(worktree)
            if worktree and not source:
                head = assembly.head() or trunk
                worktree = _onto_trunk(assembly, head, trunk, worktree)
        else:
            parent, source, worktree = trunk, "", _given_changes(assembly, trunk, files)
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
            writer = assembly.draft()
            text_commit = writer.commit(
                writer.with_files(writer.tree_of(parent), worktree),
                [parent],
                f"Texte de la proposition n°{number} : {title}",
                author=author,
            )
            writer.flush()
        fork = assembly.forks([text_commit])[0]
        paths, version = fork.text_paths, fork.text_version
        edited = (
            "le texte modifié" if files is not None else "les modifications de la copie de travail"
        )
        taken = [s for s in (source, edited if worktree else "") if s]
        what = (
            " et ".join(taken)
            if paths
            else "aucune modification du texte : décision sur un autre sujet"
        )
        mine = _refuse_duplicate(assembly, version, paths, (me.email, title, now))
        if mine is not None:
            return ProposeResult(mine, what, tuple(paths), from_branch=bool(source))
        check_codesocial(assembly, text_commit, paths)
        _refuse_locked_paragraphs(assembly, trunk, text_commit, paths, now)
        proposal = replace(
            draft,
            rounds=(replace(draft.round, text_version=version),),
            files=tuple(paths),
        )
        commit = assembly.commit_proposal(
            proposal,
            text_commit,
            f"Proposition n°{number} : {title}\n\n{description}".strip(),
            author=author,
        )
        publish(
            assembly,
            [
                RefUpdate("branch", proposal.name, commit, None, None),
                RefUpdate("claim", f"{number:04d}", commit, None, None),
            ],
        )
        return ProposeResult(proposal, what, tuple(paths), from_branch=bool(source))

    result = retrying(assembly, attempt)
    if taken_from_worktree and result.files and assembly.current_branch() == f"refs/heads/{TRUNK}":
        # The edit now lives on the proposal's branch: on main, the working tree goes back to
        # main's text for those files, so that `git pull` brings the decision when it comes.
        head = assembly.head()
        if head is not None:
            assembly.restore_worktree(head, taken_from_worktree)
            result = replace(result, restored=tuple(taken_from_worktree))
    return result


def _given_changes(
    assembly: Assembly, trunk: str, files: Mapping[str, bytes | None]
) -> dict[str, bytes | None]:
    """The given text files that differ from main (only the text's folders may be changed)."""
    changes: dict[str, bytes | None] = {}
    for path, content in files.items():
        if not path.startswith(TEXT_DIRS) or ".." in path.split("/"):
            raise AssembleeError(
                f"« {path} » n'est pas un fichier du texte (sections/ ou codesocial/)."
            )
        if assembly.read_at(trunk, path) != content:
            changes[path] = content
    return changes


def _refuse_duplicate(
    assembly: Assembly, version: str, files: list[str], this_command: tuple[str, str, datetime]
) -> lc.Proposal | None:
    """Refuse a text already proposed, unless this very command proposed it (same author,
    title and second): its push reached the shared repository before the server cut the
    connection, and the step is being retried. That proposal is returned, not a second one."""
    if not files:
        return None
    author, title, now = this_command
    for loaded in assembly.open_proposals():
        p = loaded.proposal
        if (
            p
            and p.status in (lc.Status.OPEN, lc.Status.POSTPONED)
            and p.round.text_version == version
        ):
            if (p.author, p.title, p.opened_at) == (author, title, now.replace(microsecond=0)):
                return p
            raise RuleRefusal(
                f"Ces modifications font déjà l'objet de la proposition n°{p.id} (« {p.title} ») : "
                "votez sur celle-ci, ou modifiez le texte avant de proposer."
            )
    return None


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
