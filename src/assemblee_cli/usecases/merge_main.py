"""Bring a proposal in conflict with main up to date, for its author: what the command line
asks of them in their clone (`git merge origin/main`, resolve, commit, push), done by the web
page from the text they give for each file in conflict. The merge is an amendment of the
text: the earlier positions stop counting and the round restarts from it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.members import normalise_email
from assemblee_cli.errors import RuleRefusal
from assemblee_cli.store.assembly import Assembly, Identity
from assemblee_cli.store.publish import publish
from assemblee_cli.usecases.common import branch_update, open_branch, retrying, text_conflicts


@dataclass(frozen=True)
class Conflict:
    """A proposal in conflict with main, as its author sees it to resolve it."""

    proposal: lc.Proposal
    files: tuple[str, ...]  # in conflict with main
    mine: dict[str, str]  # each file as the proposal has it
    main: dict[str, str]  # each file as it is on main now


def conflict_of(assembly: Assembly, ident: str) -> Conflict:
    """The files of an open proposal that conflict with main, with both versions."""
    assembly.refresh()
    tip, proposal = open_branch(assembly, ident)
    [files] = text_conflicts(assembly, [tip.sha])
    trunk = assembly.trunk
    return Conflict(
        proposal,
        files,
        {path: assembly.read_text_at(tip.sha, path) or "" for path in files},
        {path: assembly.read_text_at(trunk, path) or "" for path in files},
    )


def merge_main(
    assembly: Assembly,
    now: datetime,
    ident: str,
    texts: Mapping[str, str],
    by: Identity | None = None,
) -> lc.Proposal:
    """Merge main into the proposal's branch, each file in conflict taking the text its
    author gives in `texts`: one merge commit (the branch, then main), theirs as author (the
    server's identity as committer, through the web page)."""
    me = by or assembly.identity()

    def attempt() -> lc.Proposal:
        tip, proposal = open_branch(assembly, ident)
        if normalise_email(me.email) != proposal.author:
            raise RuleRefusal(
                f"Seul·e l'auteur·rice de la proposition n°{proposal.id} "
                f"({proposal.author_name}) peut la mettre à jour."
            )
        trunk = assembly.trunk
        # One merge, as `close` makes it (git's, and the roster's own additions): the tree
        # git wrote, with the author's text for each file left in conflict.
        draft = assembly.draft()
        merged = draft.merge(trunk, tip.sha, None)
        conflicts = merged.conflicts
        if merged.partial is None:
            raise RuleRefusal(
                f"La proposition n°{proposal.id} n'est pas en conflit avec main : il n'y a "
                "rien à mettre à jour."
            )
        missing = [path for path in conflicts if path not in texts]
        if missing:
            raise RuleRefusal(
                f"Donnez le texte de {', '.join(missing)} : il est modifié à la fois par la "
                "proposition et sur main."
            )
        files: dict[str, bytes | None] = {path: texts[path].encode() for path in conflicts}
        commit = draft.commit(
            draft.with_files(merged.partial, files),
            [tip.sha, trunk],
            f"Proposition n°{proposal.id} mise à jour avec main : {', '.join(conflicts)}",
            author=by,
        )
        draft.flush()
        publish(assembly, [branch_update(tip, commit)])
        return proposal

    return retrying(assembly, attempt)
