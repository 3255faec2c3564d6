"""The history of an assembly's repository, as `verify` and the server's guard read it: the
commits that changed proposal files (with the blobs before and after, read in batches), the
versions of a proposal file and of the rules at any commit, the merges and the text changes on
main, the server's receipts, what the reflog saw, and what `verify` has already proven (kept in
`.git/assemblee/`, never in the working tree, never pushed).

It works on a member's clone (through its `Assembly`) and on the bare shared repository (the
guard's hooks): use cases ask it named questions and never see git."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.members import Roster
from assemblee_cli.core.rules import Rules
from assemblee_cli.errors import AssembleeError
from assemblee_cli.formats.codesocial import ROSTER_PATH, RULES_PATH, parse_roster, parse_rules
from assemblee_cli.formats.proposalfile import (
    FILE_PATTERN,
    PROPOSALS_DIR,
    parse_proposal,
    parse_with_added_votes,
    parse_with_same_votes,
    repeated_entries,
)
from assemblee_cli.git.objects import commit_parents
from assemblee_cli.git.repo import ZERO, CommitFacts, GitRepo, Identity, RawChange, open_repo
from assemblee_cli.store.assembly import Assembly

# The server's receipts: one line per commit accepted, on an append-only chain of commits.
RECEIPTS_REF = "refs/assemblee/recus"
RECEIPTS_FILE = "recus.txt"
SERVER = Identity("assemblee (serveur)", "serveur@assemblee.invalid")
PROOF_FILE = "verifie.json"

__all__ = [
    "ZERO",
    "CommitFacts",
    "History",
    "Log",
    "ProposalChange",
    "history_of",
    "open_shared",
]


@dataclass(frozen=True)
class ProposalChange:
    """One commit that changed proposal files: who made it, for each proposal file it
    changed, the blob before (None: added) and after (None: deleted), and the other files it
    changed."""

    sha: str
    parents: tuple[str, ...]
    author: str
    committer: str
    blobs: tuple[tuple[str, str | None, str | None], ...]  # (path, old blob, new blob)
    others: tuple[str, ...] = ()  # the files it changed outside proposals/
    submodules: tuple[str, ...] = ()  # paths of proposals/ it made submodules (no file)

    @property
    def files(self) -> tuple[str, ...]:
        """Every file the commit changed."""
        return (*(path for path, _old, _new in self.blobs), *self.submodules, *self.others)


Commit = tuple[str, tuple[str, ...], list[str]]  # (sha, parents, files changed)


@dataclass(frozen=True)
class Log:
    """What one `git log` of many refs says: the commits that changed proposal files (oldest
    first), and every commit it listed with its parents and the files it changed."""

    changes: list[ProposalChange]
    commits: dict[str, tuple[tuple[str, ...], list[str]]]

    def commits_of(self, rev: str) -> list[Commit]:
        """The commits of `rev`'s history that the log listed (all of them when nothing was
        excluded from it), as History.commits_with_files gives them."""
        found: list[Commit] = []
        stack, seen = [rev], set()
        while stack:
            sha = stack.pop()
            if sha in seen or sha not in self.commits:
                continue
            seen.add(sha)
            parents, files = self.commits[sha]
            found.append((sha, parents, files))
            stack.extend(parents)
        return found


class History:
    """Named questions about a repository's history (a clone or the bare shared one)."""

    def __init__(self, repo: GitRepo) -> None:
        self.repo = repo
        self._proposals: dict[tuple[str, str], lc.Proposal | str] = {}
        self._rules: dict[str, Rules | None] = {}
        self._rosters: dict[str, Roster | None] = {}
        self._parents: dict[str, tuple[str, ...]] = {}
        self._entries = repeated_entries()  # the rules and roster most versions share
        self._codesocial: dict[str, str | None] = {}  # commit:path -> blob, looked up at once

    # -- commits that changed proposal files -------------------------------------------------

    def log(self, include: Sequence[str], exclude: Sequence[str] = ()) -> Log:
        """Every commit of `include` (not of `exclude`), with the files it changed, and those
        that change a proposal file: one `git log`."""
        listed = self.repo.commits_raw(include, exclude=exclude)
        changes = self._changes(listed)
        for sha, parents, _author, _committer, _raw in listed:
            self._parents[sha] = parents
        commits = {
            sha: (parents, [change.path for change in raw])
            for sha, parents, _author, _committer, raw in listed
        }
        return Log(changes, commits)

    def commits_named(self, shas: Sequence[str]) -> list[ProposalChange]:
        """The same facts for given commits (those a new receipt names), oldest first."""
        if not shas:
            return []
        return self._changes(self.repo.commits_raw(shas, no_walk=True))

    @staticmethod
    def _changes(
        log: list[tuple[str, tuple[str, ...], str, str, list[RawChange]]],
    ) -> list[ProposalChange]:
        """The log's commits that changed something under proposals/, as ProposalChange,
        oldest first."""
        prefix = f"{PROPOSALS_DIR}/"
        changes = [
            ProposalChange(
                sha,
                parents,
                author,
                committer,
                tuple(
                    (c.path, None if c.old == ZERO else c.old, None if c.new == ZERO else c.new)
                    for c in raw
                    if c.path.startswith(prefix) and not c.submodule
                ),
                tuple(c.path for c in raw if not c.path.startswith(prefix)),
                tuple(c.path for c in raw if c.path.startswith(prefix) and c.submodule),
            )
            for sha, parents, author, committer, raw in log
            if any(c.path.startswith(prefix) for c in raw)
        ]
        changes.reverse()
        return changes

    def stream_blobs(self, shas: Sequence[str]) -> Generator[tuple[str, bytes | None]]:
        """The content of many blobs, in order, from one process (read as they are used)."""
        return self.repo.stream_contents(shas)

    def read_blobs_one(self, sha: str) -> bytes:
        """One blob's content through the persistent cat-file (empty when missing)."""
        return self.repo.read(sha) or b""

    def read_blobs(self, shas: Sequence[str]) -> dict[str, bytes]:
        """The content of many blobs, in one process."""
        return self.repo.contents(list(dict.fromkeys(shas)))

    def proposal_of_blob(
        self,
        blob: str,
        text: bytes,
        path: str,
        where: str,
        previous: tuple[bytes, lc.Proposal] | None = None,
    ) -> lc.Proposal | str:
        """A proposal file's version parsed once per blob (the same version is the « after »
        of one commit and the « before » of the next); a problem is its French sentence. With
        the `previous` version (text, proposal), a version that only adds votes reads only
        them."""
        key = (blob, path)
        found = self._proposals.get(key)
        if found is None:
            decoded = text.decode("utf-8", errors="replace")
            if previous is not None:
                before = previous[0].decode("utf-8", errors="replace")
                found = parse_with_added_votes(before, previous[1], decoded, path, where)
                if found is None:
                    found = parse_with_same_votes(
                        before, previous[1], decoded, path, where, self._entries
                    )
            if found is None:
                try:
                    found = parse_proposal(decoded, path, where, self._entries)
                except AssembleeError as exc:
                    found = exc.message
            self._proposals[key] = found
        return found

    def proposal_files(self, commit: str) -> dict[str, str]:
        """Name → blob of the proposal files (`NNNN-slug.md`) in `commit`'s proposals/."""
        return {
            entry.name.removesuffix(".md"): entry.sha
            for entry in self.repo.tree(f"{commit}:{PROPOSALS_DIR}")
            if entry.kind == "blob" and FILE_PATTERN.match(f"{PROPOSALS_DIR}/{entry.name}")
        }

    def blobs_at(self, specs: Sequence[str]) -> dict[str, str | None]:
        """The blob each `commit:path` names (None: absent), in one process."""
        return self.repo.shas(list(dict.fromkeys(specs)))

    def proposals_of_blobs(self, items: Sequence[tuple[str, str, str]]) -> list[lc.Proposal | str]:
        """Proposal files given as (blob, path, where they are read): a version already read
        is not parsed again; the others are read in one process. A problem is its French
        sentence, naming `where`."""
        missing = [blob for blob, path, _where in items if (blob, path) not in self._proposals]
        texts = self.read_blobs(missing)
        result: list[lc.Proposal | str] = []
        for blob, path, where in items:
            known = self._proposals.get((blob, path))
            if isinstance(known, lc.Proposal):
                result.append(known)
                continue
            try:
                text = texts.get(blob) or self.repo.read(blob) or b""
                result.append(
                    parse_proposal(
                        text.decode("utf-8", errors="replace"), path, where, self._entries
                    )
                )
            except AssembleeError as exc:
                result.append(exc.message)
        return result

    def proposal_at(self, commit: str, path: str) -> lc.Proposal | str | None:
        """The proposal file `path` at `commit` (None: absent; a string: why it is unreadable)."""
        found = self.repo.read_object(f"{commit}:{path}")
        if found is None:
            return None
        blob, _kind, data = found
        return self.proposal_of_blob(blob, data, path, f"commit {commit[:10]}")

    def file_at(self, commit: str, path: str) -> bytes | None:
        return self.repo.read(f"{commit}:{path}")

    def codesocial_at(
        self, commits: Sequence[str]
    ) -> dict[str, tuple[Rules | None, Roster | None]]:
        """The rules and roster in force at each commit (None: absent or unreadable), each
        version parsed once: two lookups for all the commits, one read per new version."""
        specs = [f"{c}:{p}" for c in commits for p in (RULES_PATH, ROSTER_PATH)]
        # Looked up beforehand (look_up_codesocial), or through the persistent cat-file.
        blobs = {
            spec: self._codesocial[spec] if spec in self._codesocial else self.repo.resolve(spec)
            for spec in specs
        }
        wanted = [
            sha
            for sha in {b for b in blobs.values() if b}
            if sha not in self._rules and sha not in self._rosters
        ]
        texts = {sha: self.repo.read(sha) or b"" for sha in wanted}
        for spec, sha in blobs.items():
            if sha is None or sha not in texts:
                continue
            text = texts[sha].decode("utf-8", errors="replace")
            try:
                if spec.endswith(RULES_PATH):
                    self._rules[sha] = parse_rules(text, RULES_PATH)
                else:
                    self._rosters[sha] = parse_roster(text, ROSTER_PATH)
            except AssembleeError:
                (self._rules if spec.endswith(RULES_PATH) else self._rosters)[sha] = None
        result = {}
        for commit in commits:
            rules_blob = blobs.get(f"{commit}:{RULES_PATH}")
            roster_blob = blobs.get(f"{commit}:{ROSTER_PATH}")
            result[commit] = (
                self._rules.get(rules_blob) if rules_blob else None,
                self._rosters.get(roster_blob) if roster_blob else None,
            )
        return result

    def look_up_codesocial(self, commits: Sequence[str]) -> None:
        """Find the rules and roster files of many commits in one process (codesocial_at
        then reads only the versions)."""
        specs = [f"{c}:{p}" for c in commits for p in (RULES_PATH, ROSTER_PATH)]
        self._codesocial.update(self.repo.shas(specs))

    def codesocial_digest(self, commit: str) -> str:
        """Which rules and roster a commit holds (their blobs)."""
        blobs = self.repo.shas([f"{commit}:{RULES_PATH}", f"{commit}:{ROSTER_PATH}"])
        return " ".join(blobs.get(s) or "-" for s in blobs)

    # -- the shape of the history ------------------------------------------------------------

    def first_parent(self, commit: str) -> str | None:
        """A commit's first parent (known from the log, or read from the commit object)."""
        parents = self._parents.get(commit)
        if parents is None:
            found = self.repo.read_object(commit)
            if found is None or found[1] != "commit":
                return None
            parents = tuple(commit_parents(found[2]))
            self._parents[commit] = parents
        return parents[0] if parents else None

    def first_parent_line(self, rev: str) -> list[str]:
        return self.repo.first_parent_line(rev)

    def merges_on(
        self, rev: str, exclude: str | None = None
    ) -> list[tuple[str, tuple[str, ...], str]]:
        """(sha, parents, message) of the merges on `rev`'s first-parent line (not on
        `exclude`'s), newest first."""
        return self.repo.first_parent_merges(rev, exclude=exclude)

    def commits_with_files(self, rev: str, exclude: str | None = None) -> list[Commit]:
        return self.repo.history_with_files(rev, exclude=exclude)

    def commits_between(self, tips: Sequence[str], exclude: str) -> dict[str, tuple[str, ...]]:
        return self.repo.commits_between(tips, exclude)

    def reachable(self, refs: Sequence[str]) -> set[str]:
        return self.repo.reachable(refs)

    def unreachable(self, commits: Sequence[str], refs: Sequence[str]) -> set[str]:
        """Those of `commits` that no longer belong to the history of `refs` (one process)."""
        if not commits:
            return set()
        return set(commits) & set(self.repo.commits_not_in(commits, refs))

    def signatures(
        self, refs: Sequence[str], roster: Roster, exclude: Sequence[str] = ()
    ) -> dict[str, tuple[str, str]]:
        """Signature status (%G?) and signer of every commit changing proposals, checked
        against the members' keys of `roster`."""
        lines = [f'{m.email} namespaces="git" {m.ssh_key}' for m in roster.members if m.ssh_key]
        return self.repo.signatures(
            refs, f"{PROPOSALS_DIR}/", "\n".join(lines) + "\n", exclude=exclude
        )

    def forced_updates(self, remote: str) -> list[tuple[str, str, str]]:
        """(branch, old, new) of every forced update this clone saw of the remote's main and
        proposal branches, from the reflog files (no git process)."""
        base = self.repo.git_dir / "logs" / "refs" / "remotes" / remote
        logs = [base / "main", *sorted((base / "proposition").glob("*"))]
        found = []
        for log in logs:
            if not log.is_file():
                continue
            for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
                if "forced-update" not in line:
                    continue
                old, new = line.split()[:2]
                name = log.name if log.parent.name == "proposition" else "main"
                found.append((name, old, new))
        return found

    # -- the server's receipts ---------------------------------------------------------------

    def receipts(self, remote: str | None) -> tuple[str | None, str | None]:
        """(commit, text) of the server's receipts (fetched as refs/remotes/<remote>-assemblee/
        recus in a clone); (None, None) when the server keeps none."""
        candidates = [RECEIPTS_REF]
        if remote:
            candidates.insert(0, f"refs/remotes/{remote}-assemblee/recus")
        for ref in candidates:
            commit = self.repo.resolve(ref)
            if commit is None:
                continue
            text = self.repo.read_text(f"{commit}:{RECEIPTS_FILE}")
            if text is not None:
                return commit, text
        return None, None

    def append_receipts(self, lines: Sequence[str], message: str) -> None:
        """Add lines to the server's receipts, by compare-and-swap (retried if another push
        wrote receipts meanwhile)."""
        for _attempt in range(50):
            parent = self.repo.resolve(RECEIPTS_REF)
            previous = (self.repo.read_text(f"{parent}:{RECEIPTS_FILE}") or "") if parent else ""
            text = previous + "".join(f"{line}\n" for line in lines)
            if self.repo.append_to_file_ref(RECEIPTS_REF, RECEIPTS_FILE, text, message, SERVER):
                return

    # -- what a push brings (the guard) ------------------------------------------------------

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        return self.repo.is_ancestor(ancestor, descendant)

    def new_commits(
        self,
        new: str,
        old: str,
        *,
        first_parent: bool = False,
        known_besides: Sequence[str] | None = None,
        known_before: Sequence[str] = (),
        vetted: Sequence[str] = (),
    ) -> list[str]:
        return self.repo.new_commits(
            new,
            old,
            first_parent=first_parent,
            known_besides=known_besides,
            known_before=known_before,
            vetted=vetted,
        )

    def tip_of(self, ref: str) -> str | None:
        """The commit a ref names, None when it does not exist."""
        return self.repo.resolve(ref)

    def commit_facts(self, sha: str) -> CommitFacts:
        return self.repo.commit_facts(sha)

    # -- what verify has proven --------------------------------------------------------------

    @property
    def _proof_path(self) -> Path:
        return self.repo.git_dir / "assemblee" / PROOF_FILE

    def proof_disabled(self) -> bool:
        return os.environ.get("ASSEMBLEE_SANS_CACHE") == "1"

    def load_proof(self) -> dict[str, Any] | None:
        """What the last `verify` proved, or None (missing, unreadable, disabled)."""
        if self.proof_disabled():
            return None
        try:
            data = json.loads(self._proof_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def save_proof(self, data: dict[str, Any]) -> None:
        """Keep what was proven (atomically; a failure to write only costs a full check)."""
        if self.proof_disabled():
            return
        folder = self._proof_path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=folder, prefix=".verifie-")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(data, out, ensure_ascii=False)
            os.replace(temporary, self._proof_path)
        except OSError:
            return


def history_of(assembly: Assembly) -> History:
    """The history of an assembly's clone."""
    return History(assembly.repo)


def open_shared(path: Path) -> History:
    """The history of the shared (bare) repository the guard's hooks run in."""
    return History(open_repo(path))


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
