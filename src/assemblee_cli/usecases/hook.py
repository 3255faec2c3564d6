"""`assemblee hook pre-receive`: the guard the shared repository runs on every push, with the
server's clock."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from assemblee_cli.core import lifecycle as lc
from assemblee_cli.formats.proposalfile import FILE_PATTERN
from assemblee_cli.git.repo import ZERO, GitRepo
from assemblee_cli.usecases.verify import check_transition, load_proposal_at


def pre_receive(repo: GitRepo, lines: Iterable[str], now: datetime) -> list[str]:
    """Refusals for a push, checked with the server's clock (empty: accept)."""
    problems: list[str] = []
    for line in lines:
        parts = line.split()
        if len(parts) != 3:
            continue
        old, new, ref = parts
        if new == ZERO or not ref.startswith("refs/heads/proposition/"):
            continue
        range_args = [new, f"^{old}"] if old != ZERO else [new, "--not", "--all"]
        shas = repo.out("rev-list", "--reverse", "--no-merges", *range_args).split()
        for sha in shas:
            info = repo.out(
                "log", "-1", "--no-renames", "--format=%P%x1f%ae%x1f%ce", "--name-only", sha
            )
            header, _, body = info.partition("\n")
            parents, author, committer = header.split("\x1f")
            files = [f for f in body.splitlines() if f.strip()]
            parent = parents.split()[0] if parents.split() else None
            for path in files:
                if not FILE_PATTERN.match(path):
                    continue
                new_p = load_proposal_at(repo, sha, path)
                if isinstance(new_p, str):
                    problems.append(f"{ref} ({sha[:10]}) : {new_p}")
                    continue
                if new_p is None:
                    continue
                old_p = load_proposal_at(repo, parent, path) if parent else None
                old_p = old_p if isinstance(old_p, lc.Proposal) else None
                for problem in check_transition(old_p, new_p, author, files, now, committer):
                    problems.append(f"{ref.removeprefix('refs/heads/')} ({sha[:10]}) : {problem}")
    return problems
