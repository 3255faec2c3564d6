"""The assembly as stored in git: the trunk (`main`) with the rules, roster and decided
proposals; proposal branches `proposition/NNNN-slug` with the open ones; archive refs
`refs/archives/proposition/…` with the text of rejected and withdrawn ones.

With a remote (and without --offline), the remote is the truth: reads use the remote-tracking
refs right after one fetch, and writes are pushed with explicit leases. Offline, the local refs
are read and moved by compare-and-swap."""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from assemblee_cli.core.lifecycle import Proposal, with_lawful_deadlines
from assemblee_cli.core.members import Roster
from assemblee_cli.core.rules import Rules
from assemblee_cli.errors import AssembleeError, GitError
from assemblee_cli.formats.codesocial import (
    ROSTER_PATH,
    RULES_PATH,
    missing_file,
    parse_roster,
    parse_rules,
)
from assemblee_cli.formats.proposalfile import (
    BRANCH_PREFIX,
    PROPOSALS_DIR,
    data_after,
    dump_proposal,
    id_order,
    parse_name,
    parse_proposal_data,
    parse_proposal_with_data,
    repeated_entries,
)
from assemblee_cli.formats.yamlio import Entries
from assemblee_cli.git.objects import Entry, ObjectWriter
from assemblee_cli.git.repo import (
    TREE_MODE,
    ZERO,
    Change,
    GitRepo,
    Identity,
    is_file_mode,
    short_ref,
)
from assemblee_cli.store.cache import HeaderCache, Listing
from assemblee_cli.store.draft import Draft
from assemblee_cli.store.forks import (
    EMPTY_VERSION,
    Fork,
    ForkIndex,
    extend_forks,
    version_of,
    work_out,
)
from assemblee_cli.store.holidays import holidays_of
from assemblee_cli.store.memo import Memo, immutable

TRUNK = "main"
# The line of a commit message naming the proposal that a merge (or a record) on main decides.
MERGE_TRAILER = "Assemblee-Proposition"
ARCHIVE_PREFIX = "refs/archives/proposition/"
CLAIM_PREFIX = "refs/assemblee/numeros/"
# Votes cast offline that could not be published, kept for the record (`sync`).
KEPT_PREFIX = "refs/assemblee/hors-ligne/"
# A long-running reader writes its listing of the open proposals at most this often (seconds).
LISTING_SECONDS = 60.0
# A listing of the open proposals that finds more new files than this keeps them only in its
# own file (one write), not also in the header cache.
LOOSE_LIMIT = 16
T = TypeVar("T")


@dataclass(frozen=True)
class BranchTip:
    """Where a proposal branch is read from: its ref and sha, local and remote views."""

    name: str
    sha: str
    local: str | None = None
    remote: str | None = None


@dataclass
class Loaded:
    """A proposal read from a branch tip, or the error that prevented reading it."""

    name: str
    tip: BranchTip | None
    proposal: Proposal | None = None
    error: str | None = None


@dataclass
class Snapshot:
    """Refs of interest, read in one `for-each-ref`."""

    trunk_ref: str
    trunk_sha: str
    branches: dict[str, BranchTip] = field(default_factory=dict)
    archives: dict[str, str] = field(default_factory=dict)
    local_trunk: str | None = None


class Assembly:
    """The repository of a code social, as the commands see it."""

    def __init__(
        self,
        repo: GitRepo,
        *,
        offline: bool = False,
        remote: str | None = None,
        memo: Memo | None = None,
    ) -> None:
        self.repo = repo
        # What a long-running reader keeps from one state of the refs to the next (None: a
        # command, which reads once).
        self.memo = memo
        remotes = repo.remotes() if remote is None else [remote]
        self.remote = remote or (
            "origin" if "origin" in remotes else (remotes[0] if remotes else None)
        )
        self.online = self.remote is not None and not offline
        self._fetched = False
        self._snapshot: Snapshot | None = None
        self.cache = HeaderCache(repo.git_dir)
        self.notices: list[str] = []  # warnings for the user (a broken file on main…)
        self._blobs: dict[str, str | None] = {}  # `commit:path` → blob, looked up already
        self._objects = ObjectWriter(repo)  # trees read in place (binary search), for lookups
        # A branch tip's `proposals/` tree as its fork point's with the branch's own file:
        # made, not read, by the drafts (a `close` writes on every due branch).
        self._derived: dict[str, tuple[str, dict[str, Entry | None]]] = {}
        # The forks worked out by this view, for its trunk (what the fork index keeps, also
        # when it is disabled): a tip a few votes further is derived from its ancestor's.
        self._forks: dict[str, dict[str, Fork]] = {}

    # -- reading -----------------------------------------------------------------------------

    def fetched_already(self) -> None:
        """Read the remote's refs as last fetched, without fetching again (a long-running
        reader, the web page, fetches every few seconds rather than on every page)."""
        self._fetched = True

    def refresh(self, force: bool = False, only: Sequence[str] | None = None) -> None:
        """Fetch once (online; again when `force`), then read the refs. `only` (proposal
        names): what a write refused because others moved these branches needs again, these
        branches and nothing else; the other refs stay as read (see `_fetch_only`)."""
        if self.online and only and self._fetched and self._fetch_only(only):
            self._objects = ObjectWriter(self.repo)
            return
        if self.online and (force or not self._fetched):
            assert self.remote is not None
            self.repo.fetch(self.remote)
            self._fetched = True
        self._snapshot = None
        self._objects = ObjectWriter(self.repo)  # a long-lived view keeps only this main's trees

    def _fetch_only(self, names: Sequence[str]) -> bool:
        """Fetch the branches of `names` alone and move them in the snapshot (no other ref
        moved: the fetch wrote only theirs). False when that cannot be done (no snapshot yet,
        a branch it does not hold, or one gone from the remote): a full fetch is needed."""
        snapshot, remote = self._snapshot, self.remote
        if snapshot is None or remote is None or any(n not in snapshot.branches for n in names):
            return False
        found = self.repo.fetch_branches(remote, [f"{BRANCH_PREFIX}{name}" for name in names])
        if found is None:
            return False
        for name in names:
            tip = snapshot.branches[name]
            sha = found[f"{BRANCH_PREFIX}{name}"]
            snapshot.branches[name] = BranchTip(name, sha, tip.local, sha)
        return True

    @property
    def snapshot(self) -> Snapshot:
        if self._snapshot is None:
            self._snapshot = self._read_snapshot()
        return self._snapshot

    def _read_snapshot(self) -> Snapshot:
        remote = self.remote
        patterns = [f"refs/heads/{TRUNK}", f"refs/heads/{BRANCH_PREFIX}", ARCHIVE_PREFIX]
        if remote:
            patterns += [
                f"refs/remotes/{remote}/{TRUNK}",
                f"refs/remotes/{remote}/{BRANCH_PREFIX}",
                f"refs/remotes/{remote}-archives/proposition/",
            ]
        refs = self.repo.refs(*patterns)
        local_trunk = refs.get(f"refs/heads/{TRUNK}")
        remote_trunk = refs.get(f"refs/remotes/{remote}/{TRUNK}") if remote else None
        if remote_trunk and (
            self.online
            or not local_trunk
            or (local_trunk != remote_trunk and self.repo.is_ancestor(local_trunk, remote_trunk))
        ):
            # Offline, a local main that is only behind the last fetched one is stale: the
            # proposals were opened on the newer one, which is read instead.
            trunk_ref, trunk_sha = f"refs/remotes/{remote}/{TRUNK}", remote_trunk
        elif local_trunk:
            trunk_ref, trunk_sha = f"refs/heads/{TRUNK}", local_trunk
        else:
            raise AssembleeError(
                "Ce dépôt n'a pas de branche « main » : ce n'est pas un code social géré par "
                "assemblee (créez-en un avec « assemblee init »)."
            )
        snapshot = Snapshot(trunk_ref, trunk_sha, local_trunk=local_trunk)
        locals_: dict[str, str] = {}
        remotes_: dict[str, str] = {}
        for ref, sha in refs.items():
            if ref.startswith(f"refs/heads/{BRANCH_PREFIX}"):
                locals_[ref.removeprefix(f"refs/heads/{BRANCH_PREFIX}")] = sha
            elif remote and ref.startswith(f"refs/remotes/{remote}/{BRANCH_PREFIX}"):
                remotes_[ref.removeprefix(f"refs/remotes/{remote}/{BRANCH_PREFIX}")] = sha
            elif ref.startswith(ARCHIVE_PREFIX):
                snapshot.archives[ref.removeprefix(ARCHIVE_PREFIX)] = sha
            elif remote and ref.startswith(f"refs/remotes/{remote}-archives/proposition/"):
                name = ref.removeprefix(f"refs/remotes/{remote}-archives/proposition/")
                snapshot.archives.setdefault(name, sha)
        # A proposal whose record is on the trunk is decided: a branch left of it (a local
        # branch someone checked out to amend it, say) must not make it look open again.
        for name in sorted(set(locals_) | set(remotes_)):
            if parse_name(name) is None or self.recall(
                "decided-on",
                (trunk_sha, name),
                functools.partial(self._decided_on, trunk_sha, name),
            ):
                continue
            local, remote_sha = locals_.get(name), remotes_.get(name)
            preferred = remote_sha if self.online else local
            tip_sha = preferred or local or remote_sha
            assert tip_sha is not None
            snapshot.branches[name] = BranchTip(name, tip_sha, local, remote_sha)
        return snapshot

    def recall(self, kind: str, key: Hashable, make: Callable[[], T]) -> T:
        """`make()`, kept in the memo of a long-running reader by `kind` and `key` (which must
        name every git object the result is read from), or made each time without one."""
        return make() if self.memo is None else self.memo.recall(kind, key, make)

    def known(self, kind: str, key: Hashable) -> tuple[Any] | None:
        """What the memo keeps for (kind, key), in a 1-tuple; None without it."""
        return None if self.memo is None else self.memo.known(kind, key)

    def keep(self, kind: str, key: Hashable, value: object) -> None:
        """Keep `value` in the memo, if any (see `recall`)."""
        if self.memo is not None:
            self.memo.keep(kind, key, value)

    def _decided_on(self, commit: str, name: str) -> bool:
        """Whether `commit` has the record of proposal `name` (a file in `proposals/`): found
        by binary search in that folder, never listed whole. A folder or a submodule (gitlink)
        of that name is no record, as in `decided_names`."""
        entry = self._objects.entry(self._objects.tree_of(commit), f"{PROPOSALS_DIR}/{name}.md")
        return entry is not None and is_file_mode(entry[0])

    def _decided_numbered(self, number: int) -> str | None:
        """The name of the decided proposal n°`number` on the trunk, as `find` takes it from
        `decided_names` (the first in id order), found by the names' prefix."""
        try:
            folder = self._objects.entry(self._objects.tree_of(self.trunk), PROPOSALS_DIR)
        except GitError:
            return None
        if folder is None or folder[0] != TREE_MODE:
            return None
        found = []
        zeros = max(4 - len(str(number)), 0)  # a number is written on four digits or more
        while zeros == 0 or self._objects.names_starting(folder[1], "0" * zeros, limit=1):
            prefix = "0" * zeros + f"{number}-"
            for file, mode in self._objects.names_starting(folder[1], prefix):
                parsed = parse_name(file.removesuffix(".md"))
                if is_file_mode(mode) and file.endswith(".md") and parsed and parsed[0] == number:
                    found.append((parsed, file.removesuffix(".md")))
            zeros += 1
        return min(found)[1] if found else None

    @property
    def trunk(self) -> str:
        return self.snapshot.trunk_sha

    def rules_at(self, commit: str, strict: bool = False) -> Rules:
        """The rules on `commit`. On the trunk, unless `strict`, a file made invalid by hand
        falls back to its last valid version on main (with a notice), so that members can
        still propose the repair."""
        return self._codesocial(commit, RULES_PATH, parse_rules, strict)

    def roster_at(self, commit: str, strict: bool = False) -> Roster:
        """The roster on `commit` (see `rules_at` for the fallback on the trunk)."""
        return self._codesocial(commit, ROSTER_PATH, parse_roster, strict)

    def _codesocial(
        self, commit: str, path: str, parse: Callable[[str, str], T], strict: bool
    ) -> T:
        text = self.repo.read_text(f"{commit}:{path}")
        if text is None:
            raise missing_file(path)
        try:
            return parse(text, path)
        except AssembleeError as exc:
            if strict or commit != self.trunk:
                raise
            found = self._last_valid(commit, path, parse)
            if found is None:
                raise
            notice = (
                f"Attention : {exc.message.rstrip('.')}. En attendant qu'une proposition le "
                f"répare, sa dernière version valide sur main est utilisée."
            )
            if notice not in self.notices:
                self.notices.append(notice)
            return found

    def _last_valid(self, commit: str, path: str, parse: Callable[[str, str], T]) -> T | None:
        for sha in self.repo.first_parent_commits_touching(commit, path)[:50]:
            for spec in (f"{sha}:{path}", f"{sha}^:{path}"):
                text = self.repo.read_text(spec)
                if text is None:
                    continue
                try:
                    return parse(text, path)
                except AssembleeError:
                    continue
        return None

    def load_branch(self, tip: BranchTip) -> Loaded:
        return self.load_branches([tip], batch=False)[0]

    def load_branches(
        self, tips: Sequence[BranchTip], batch: bool = True, listing: bool = False
    ) -> list[Loaded]:
        return self._load_many(
            [(tip.name, tip, tip.sha, f"branche {BRANCH_PREFIX}{tip.name}") for tip in tips],
            batch,
            self._listing() if listing else None,
        )

    def _listing(self) -> Listing:
        """The last listing of the open proposals: from its file, or, for a long-running
        reader, from its memo (the file read once, written at most once a minute)."""
        if self.memo is None:
            return Listing(self.cache)
        return self.memo.recall(
            "listing", self.cache.folder, lambda: Listing(self.cache, every=LISTING_SECONDS)
        )

    def open_proposals(self) -> list[Loaded]:
        return self.load_branches(list(self.snapshot.branches.values()), listing=True)

    def _load_many(
        self,
        items: Sequence[tuple[str, BranchTip | None, str, str]],
        batch: bool,
        listing: Listing | None = None,
        one_commit: bool = False,
    ) -> list[Loaded]:
        """Proposal files of many commits at once: the cache for the blob ids and headers already
        known, one process for the other ids, one for the contents of the other blobs. With a
        `listing` (all the open proposals), what it kept is read first, and it is saved with
        what this call found; the header cache then keeps only a few new entries (a vote or
        two since the last listing), not a whole new set."""
        specs = [f"{commit}:{PROPOSALS_DIR}/{name}.md" for name, _tip, commit, _where in items]
        # One file: through the persistent cat-file processes; a listing: one process for all
        # the ids and one for all the contents not yet cached (no round trip per file).
        few = not batch
        kept_blobs = listing.blobs if listing else {}
        kept_headers = listing.headers if listing else {}
        blobs: dict[str, str | None] = {s: self._blobs[s] for s in specs if s in self._blobs}
        blobs |= self._known_blobs([s for s in specs if s not in blobs])
        blobs |= {s: kept_blobs[s] for s in specs if s not in blobs and s in kept_blobs}
        blobs |= self.cache.blob_many([s for s in specs if s not in blobs])
        unknown = [s for s, sha in blobs.items() if sha is None]
        found: dict[str, str | None] = dict(self._looked_up(unknown) if one_commit else {})
        unknown = [s for s in unknown if s not in found]
        found |= {s: self.repo.resolve(s) for s in unknown} if few else self.repo.shas(unknown)
        blobs |= found
        self._blobs.update(blobs)
        self._keep_blobs(blobs)
        # A file parsed already by this reader (its blob, its path, where it is read from):
        # taken from the memo, neither read nor parsed again.
        memo = self.memo
        parsed: dict[tuple[str, str, str, bool], tuple[Proposal | None, str | None]] = {}
        wanted: set[str] = set()  # the blobs to read (from the cache, or from git)
        for spec, (name, tip, _commit, where) in zip(specs, items, strict=True):
            sha = blobs.get(spec)
            if not sha:
                continue
            key = (sha, f"{PROPOSALS_DIR}/{name}.md", where, tip is not None)
            found_parsed = None if memo is None else memo.known("proposal", key)
            if found_parsed is not None:
                parsed[key] = found_parsed[0]
            else:
                wanted.add(sha)
        cached: dict[str, tuple[Any, str] | None]
        cached = {sha: kept_headers[sha] for sha in wanted if sha in kept_headers}
        cached |= self.cache.get_many([sha for sha in wanted if sha not in cached])
        missing = [sha for sha, hit in cached.items() if hit is None]
        headers: dict[str, tuple[Any, str]] = {}  # what the listing keeps
        new_headers: dict[str, tuple[Any, str]] = {}  # parsed here, for the cache
        # The rules and roster each file copies, parsed once for all the files read here.
        entries = repeated_entries() if len(missing) > 1 else None
        # A file the listing knew in an earlier version (its branch moved: votes fetched) is
        # read with that version, and only what it adds is parsed (`data_after`).
        earlier = {
            spec.partition(":")[2]: sha for spec, sha in kept_blobs.items() if sha in kept_headers
        }
        to_parse = set(missing)
        previous = {
            sha: before
            for spec in specs
            if (sha := blobs.get(spec)) in to_parse
            and (before := earlier.get(spec.partition(":")[2])) not in (None, sha)
        }
        reading = [*missing, *{before for before in previous.values() if before not in to_parse}]
        if few:
            texts = {sha: self.repo.read(sha) or b"" for sha in reading}
        else:
            texts = self.repo.contents(reading)
        result = []
        for spec, (name, tip, _commit, where) in zip(specs, items, strict=True):
            path = f"{PROPOSALS_DIR}/{name}.md"
            sha = blobs.get(spec)
            if sha is None:
                result.append(
                    Loaded(
                        name, tip, error=f"{path} ({where}) : fichier de proposition introuvable."
                    )
                )
                continue
            key = (sha, path, where, tip is not None)
            if key in parsed:
                done, error = parsed[key]
                result.append(Loaded(name, tip, done, error))
                continue
            try:
                hit = cached.get(sha)
                if hit is not None:
                    proposal = parse_proposal_data(
                        hit[0], hit[1], path, where, functools.partial(self._text_of, sha)
                    )
                else:
                    text = texts.get(sha, b"").decode("utf-8", errors="replace")
                    before = previous.get(sha)
                    earlier_version = (
                        None
                        if before is None or before not in texts
                        else (texts[before].decode("utf-8", errors="replace"), kept_headers[before])
                    )
                    proposal, hit = _parsed(text, path, where, earlier_version, entries)
                    new_headers[sha] = hit
                headers[sha] = hit
            except AssembleeError as exc:
                if memo is not None:
                    memo.keep("proposal", key, (None, exc.message))
                result.append(Loaded(name, tip, error=exc.message))
                continue
            if tip is not None:
                proposal = lawful(proposal)
            if memo is not None:
                memo.keep("proposal", key, (proposal, None))
            result.append(Loaded(name, tip, proposal))
        if listing is not None:
            # Every file found, with its header when it was read here or kept by the listing
            # (a file the memo answered for was not: its header is carried over if known).
            kept = {s: sha for s in specs if (sha := blobs.get(s))}
            for sha in kept.values():
                if sha not in headers and sha in kept_headers:
                    headers[sha] = kept_headers[sha]
            listing.save(kept, headers)
        # What was found here, for the next command: unless a listing keeps it, and it is more
        # than a vote or two since the last one.
        new_blobs = {spec: sha for spec, sha in found.items() if sha is not None}
        if listing is None or max(len(new_blobs), len(new_headers)) <= LOOSE_LIMIT:
            self.cache.put_many(new_headers, new_blobs)
        return result

    def _looked_up(self, specs: Sequence[str]) -> dict[str, str]:
        """The files of `specs` (`commit:path`, files of one commit: decided proposals on
        main) found in that commit's tree read here: one read of a `proposals/` folder and a
        binary search per file, where git would read the folder again for each (a `blame`
        reads a thousand decisions' files). A path that is not a file there is left to git.
        The same whatever their number, so that the processes started do not depend on it."""
        groups: dict[str, list[str]] = {}
        for spec in specs:
            if immutable(spec):
                groups.setdefault(spec.partition(":")[0], []).append(spec)
        found: dict[str, str] = {}
        for commit, group in groups.items():
            try:
                tree = self._objects.tree_of(commit)
                for spec in group:
                    entry = self._objects.entry(tree, spec.partition(":")[2])
                    if entry is not None and is_file_mode(entry[0]):
                        found[spec] = entry[1]
            except GitError:  # not a commit, or unreadable: git says so below
                continue
        return found

    def _known_blobs(self, specs: Sequence[str]) -> dict[str, str | None]:
        """The blobs of `specs` this reader has looked up already (in the memo)."""
        if self.memo is None:
            return {}
        known = {}
        for spec in specs:
            found = self.memo.known("blob", spec)
            if found is not None:
                known[spec] = found[0]
        return known

    def _keep_blobs(self, blobs: Mapping[str, str | None]) -> None:
        if self.memo is not None:
            for spec, sha in blobs.items():
                if immutable(spec):
                    self.memo.keep("blob", spec, sha)

    def _text_of(self, sha: str) -> str:
        return self.repo.read_text(sha) or ""

    def decided_names(self, commit: str | None = None) -> list[str]:
        """Names (`NNNN-slug`) of proposal files on the trunk (or on `commit`), in id order."""
        names = []
        for entry in self.repo.tree(f"{commit or self.trunk}:{PROPOSALS_DIR}"):
            if entry.kind == "blob" and entry.name.endswith(".md"):
                name = entry.name.removesuffix(".md")
                if parse_name(name):
                    names.append(name)
        return sorted(names, key=id_order)

    def load_decided(self, name: str, commit: str | None = None) -> Loaded:
        return self.load_decided_many([name], commit, batch=False)[0]

    def load_decided_many(
        self, names: Sequence[str], commit: str | None = None, batch: bool = True
    ) -> list[Loaded]:
        where = "main" if commit is None else f"commit {commit[:10]}"
        return self._load_many(
            [(name, None, commit or self.trunk, where) for name in names], batch, one_commit=True
        )

    def all_numbers(self) -> set[int]:
        names: Iterable[str] = [
            *self.snapshot.branches,
            *self.snapshot.archives,
            *self.decided_names(),
        ]
        return {parsed[0] for parsed in map(parse_name, names) if parsed}

    def find(self, ident: str) -> tuple[str, BranchTip | None]:
        """Resolve `7`, `0007`, `0007-slug` or `proposition/0007-slug` to a proposal name and
        its open branch (None when it is decided and only on main)."""
        wanted = _parse_ident(ident)
        exact = ident.strip().removeprefix("refs/heads/").removeprefix(BRANCH_PREFIX)
        if exact in self.snapshot.branches:
            return exact, self.snapshot.branches[exact]
        candidates = [
            (name, tip)
            for name, tip in self.snapshot.branches.items()
            if parse_name(name) and parse_name(name)[0] == wanted  # type: ignore[index]
        ]
        if len(candidates) > 1:
            # A branch pushed by hand under the same number (without a proposal file, say)
            # is skipped: the one with a readable proposal is the proposal.
            loaded = self.load_branches([tip for _name, tip in candidates])
            readable = [(item.name, item.tip) for item in loaded if item.proposal is not None]
            if len(readable) != 1:
                names = ", ".join(f"{BRANCH_PREFIX}{name}" for name, _tip in candidates)
                raise AssembleeError(
                    f"Plusieurs branches portent le n°{wanted} ({names}) : donnez le nom complet "
                    "de la branche."
                )
            candidates = readable  # type: ignore[assignment]
        if candidates:
            return candidates[0]
        decided = self._decided_numbered(wanted)
        if decided is not None:
            return decided, None
        raise AssembleeError(
            f"Aucune proposition n°{wanted} : « assemblee status » liste les propositions ouvertes."
        )

    # -- versions of the text ---------------------------------------------------------------

    def forks(self, tips: Sequence[str]) -> list[Fork]:
        """Where each branch tip forked from the trunk, and what it changes since (see
        store/forks.py): from the fork index when the trunk and the tip are known, else
        worked out, a few processes for any number of branches, and indexed. A branch with
        several fork points (it merged the trunk in, say) asks `git merge-base`."""
        trunk = self.trunk
        index = ForkIndex(self.repo)
        known = index.load(trunk) | self._forks.get(trunk, {})
        missing = [tip for tip in dict.fromkeys(tips) if tip not in known]
        names = {tip.sha: name for name, tip in self.snapshot.branches.items()}
        derived = extend_forks(self._objects, missing, known, names, self.blobs) if missing else {}
        if derived:
            known |= derived
            missing = [tip for tip in missing if tip not in derived]
        if missing or derived:
            if missing:
                known |= work_out(self.repo, trunk, missing, names, self.blobs)
            kept = {tip.sha for tip in self.snapshot.branches.values()} | set(tips)
            self._forks = {trunk: {tip: fork for tip, fork in known.items() if tip in kept}}
            index.save(trunk, self._forks[trunk])
        for tip in tips:
            fork = known[tip]
            if fork.folders is not None:
                old, new = fork.folders
                own = [c for c in fork.changes if c.path.startswith(f"{PROPOSALS_DIR}/")]
                self._derived[new] = (
                    old,
                    {
                        c.path.removeprefix(f"{PROPOSALS_DIR}/"): None
                        if c.new_sha == ZERO
                        else (c.new_mode, c.new_sha)
                        for c in own
                    },
                )
        return [known[tip] for tip in tips]

    def blobs(self, specs: Sequence[str]) -> dict[str, str | None]:
        """The blob each `commit:path` names (None: nothing there), those already looked up
        by this command without a process, the others in one."""
        result = {spec: self._blobs[spec] for spec in specs if spec in self._blobs}
        result |= self._known_blobs([spec for spec in specs if spec not in result])
        unknown = [spec for spec in specs if spec not in result]
        if unknown:
            found = self.repo.shas(unknown)
            self._blobs.update(found)
            self._keep_blobs(found)
            result |= found
        return result

    # -- writing -----------------------------------------------------------------------------

    def commit_proposal(
        self,
        proposal: Proposal,
        parent: str,
        message: str,
        extra: Mapping[str, bytes | None] | None = None,
        writer: Draft | None = None,
        author: Identity | None = None,
    ) -> str:
        """A commit on top of `parent` whose only changes are the proposal file (and `extra`),
        authored by the current git identity. Stored at once, unless made in the draft
        `writer` of a larger change (whose owner flushes it)."""
        own = writer or self.draft()
        changes: dict[str, bytes | None] = dict(extra or {})
        changes[proposal.path] = dump_proposal(proposal).encode()
        commit = own.commit(
            own.with_files(own.tree_of(parent), changes), [parent], message, author=author
        )
        if writer is None:
            own.flush()
        return commit

    def text_changed_at(self, tip: str) -> datetime | None:
        """When the proposed text last changed on a branch: the committer date of its newest
        commit (not on the trunk) that changes the text. It fixes the instant of an
        amendment once and for all; the server's guard refuses commits whose date is not the
        time they arrive, so that it cannot be set by hand (see README)."""
        trunk = self.trunk
        stamp = self.recall(
            "text-changed-at",
            (tip, trunk),
            lambda: self.repo.last_change_time(tip, trunk, PROPOSALS_DIR),
        )
        return None if stamp is None else datetime.fromtimestamp(stamp, UTC)

    def local_branch_ref(self, name: str) -> str:
        return f"refs/heads/{BRANCH_PREFIX}{name}"

    def draft(self) -> Draft:
        """Commits to make in memory, stored together (see store/draft.py)."""
        return Draft(self.repo, self._derived)

    # -- what the use cases ask of the clone (they are never handed its git repository) ------

    def identity(self) -> Identity:
        """The person using this clone: their git identity (asked once)."""
        return self.repo.identity()

    @property
    def signs(self) -> bool:
        """Whether this clone signs its commits."""
        return self.repo.signs

    def config_value(self, key: str) -> str | None:
        """A setting of this clone's git configuration (`assemblee.url`…), or None."""
        return self.repo.config(key)

    @property
    def root(self) -> Path:
        """The folder of the clone's working tree (of the repository itself, when bare)."""
        return self.repo.root

    @property
    def bare(self) -> bool:
        """Whether the repository has no working tree (a shared repository, say)."""
        return self.repo.bare

    @property
    def private_folder(self) -> Path:
        """This clone's own folder, inside the git directory: never committed nor pushed
        (the web page's secret, what `update` saw last, the cache)."""
        return self.repo.git_dir / "assemblee"

    def read_at(self, commit: str, path: str) -> bytes | None:
        """The content of a file on a commit, or None when it has none."""
        return self.repo.read(f"{commit}:{path}")

    def read_text_at(self, commit: str, path: str) -> str | None:
        """The text of a file on a commit, or None when it has none."""
        return self.repo.read_text(f"{commit}:{path}")

    def changes(self, old: str, new: str) -> list[Change]:
        """The files that differ between two commits."""
        return self.repo.changes(old, new)

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        return self.repo.is_ancestor(ancestor, descendant)

    def has_commit(self, commit: str) -> bool:
        """Whether this clone has `commit` (a commit seen once may have been pruned since)."""
        return self.repo.resolve(commit) is not None

    def fork_point(self, tip: str) -> str:
        """Where `tip` left the trunk: their common ancestor (the trunk when there is none)."""
        return self.repo.merge_base(self.trunk, tip) or self.trunk

    def text_diff(self, old: str, new: str) -> str:
        """The unified diff of the text between two commits (the proposal files aside)."""
        return self.repo.diff(old, new, exclude=PROPOSALS_DIR)

    def is_file_at(self, commit: str, path: str) -> bool:
        """Whether `path` names a file (not a folder) on `commit`."""
        spec = f"{commit}:{path}"
        return self.repo.resolve(spec) is not None and not self.repo.tree(spec)

    def file_names_at(self, commit: str, folder: str) -> list[str]:
        """The names of the files directly inside `folder` on `commit`."""
        return [e.name for e in self.repo.tree(f"{commit}:{folder}") if e.kind == "blob"]

    def merge_texts(self, base: bytes, ours: bytes, theirs: bytes) -> bytes | None:
        """Two edits of one file's `base` reconciled, or None when they touch the same lines."""
        return self.repo.merge_file(base, ours, theirs)

    # -- the member's working tree and local branches ---------------------------------------

    def head(self) -> str | None:
        """The commit checked out in the working tree (None: no commit yet)."""
        return self.repo.resolve("HEAD")

    def current_branch(self) -> str | None:
        """The ref checked out in the working tree (`refs/heads/main`…), None when detached."""
        return self.repo.current_branch()

    def worktree_status(self) -> list[tuple[str, str]]:
        """(XY, path) for every change of the working tree and index (new files included)."""
        return self.repo.worktree_status()

    def restore_worktree(self, commit: str, paths: Sequence[str]) -> None:
        """Put `paths` back in the working tree and index as they are on `commit`."""
        self.repo.restore_paths(commit, paths)

    def local_proposal_branches(self) -> dict[str, str]:
        """Name (`0007-slug`) → commit of this clone's own proposal branches."""
        prefix = f"refs/heads/{BRANCH_PREFIX}"
        return {
            ref.removeprefix(prefix): sha for ref, sha in sorted(self.repo.refs(prefix).items())
        }

    def is_checked_out(self, name: str) -> bool:
        """Whether the working tree is on this clone's branch of proposal `name`."""
        return self.repo.current_branch() == self.local_branch_ref(name)

    def move_local_branch(self, name: str, new: str, old: str) -> None:
        """Move this clone's branch of a proposal from `old` to `new` (compare-and-swap)."""
        self.repo.update_ref(self.local_branch_ref(name), new, old)

    def delete_local_branch(self, name: str, old: str) -> None:
        self.repo.delete_ref(self.local_branch_ref(name), old)

    def move_local_trunk(self, new: str, old: str, follow_worktree: bool = False) -> None:
        """Bring this clone's main from `old` to `new` (a fast-forward), and the working tree
        with it when `follow_worktree` (main is checked out)."""
        self.repo.update_ref(f"refs/heads/{TRUNK}", new, old)
        if follow_worktree:
            self.repo.follow_in_worktree(old, new)

    def commits_since(
        self, base: str, tip: str, paths: bool = False
    ) -> list[tuple[str, tuple[str, ...], str, list[str]]]:
        """(sha, parents, message, files it changes against its first parent: when `paths`)
        of the commits of `tip`'s first-parent line that `base` does not have, oldest first:
        what a clone's main or branch holds that the shared one does not."""
        history = self.repo.first_parent_history(tip, since=base, paths=paths)
        return [
            (sha, parents, message, [path for path, _blob in changes])
            for sha, parents, message, changes in reversed(history)
        ]

    def set_aside_local_archive(self, name: str, stamp: str) -> str | None:
        """Move this clone's own archive of proposal `name` (a withdrawal made offline) under
        KEPT_PREFIX, so that the shared archive is the one read; its new ref (None: none)."""
        ref = f"{ARCHIVE_PREFIX}{name}"
        sha = self.repo.resolve(ref)
        if sha is None:
            return None
        kept = self.keep_for_the_record(name, stamp, sha)
        self.repo.delete_ref(ref, sha)
        return kept

    def keep_for_the_record(self, name: str, stamp: str, commit: str) -> str:
        """Keep `commit` of proposal `name` under KEPT_PREFIX (once for a `stamp`); its ref."""
        ref = f"{KEPT_PREFIX}{name}/{stamp}"
        if self.repo.resolve(ref) is None:
            self.repo.update_ref(ref, commit, None)
        return ref


def lawful(proposal: Proposal) -> Proposal:
    """An open proposal with its deadlines recomputed from the rules frozen at its opening (a
    deadline shortened by hand is not believed). Reads the holiday calendar only when a
    round is open."""
    if all(item.result is not None for item in proposal.rounds):
        return proposal
    return with_lawful_deadlines(proposal, holidays_of(proposal.rules))


def amendment_instant(assembly: Assembly, proposal: Proposal, tip: str) -> datetime:
    """When the text of an open round was amended: its commit's date, never before the round
    opened. It depends on the repository only, so every command gives the same deadline."""
    changed = assembly.text_changed_at(tip)
    return max(changed or proposal.round.opened_at, proposal.round.opened_at)


def _parse_ident(ident: str) -> int:
    text = ident.strip()
    parsed = parse_name(text)
    if parsed:
        return parsed[0]
    if text.isdigit() and int(text) > 0:
        return int(text)
    raise AssembleeError(
        f"« {ident} » n'est pas un numéro de proposition : donnez par exemple 7, 0007 ou "
        "proposition/0007-titre."
    )


def open_assembly(path: Path, *, offline: bool, memo: Memo | None = None) -> Assembly:
    from assemblee_cli.git.repo import open_repo

    repo = open_repo(path)
    operation = repo.operation_in_progress()
    if operation:
        raise GitError(
            f"Le dépôt est au milieu d'{operation} : terminez-le ou annulez-le (git status vous "
            "guide) avant d'utiliser assemblee ; rien n'a été modifié."
        )
    return Assembly(repo, offline=offline, memo=memo)


def _parsed(
    text: str,
    path: str,
    where: str,
    earlier: tuple[str, tuple[Any, str]] | None,
    entries: Entries | None,
) -> tuple[Proposal, tuple[Any, str]]:
    """A proposal file's proposal and header (data, body): derived from an `earlier` version
    (its text, its header) when the header is the same or only adds votes, else parsed whole
    (which also words any error)."""
    if earlier is not None:
        found = data_after(earlier[0], earlier[1][0], text)
        if found is not None:
            try:
                return parse_proposal_data(*found, path, where, lambda: text), found
            except AssembleeError:
                pass  # worded by the whole parse below
    proposal, data, body = parse_proposal_with_data(text, path, where, entries)
    return proposal, (data, body)


__all__ = [
    "EMPTY_VERSION",
    "ZERO",
    "Assembly",
    "BranchTip",
    "Change",
    "Fork",
    "Identity",
    "Loaded",
    "open_assembly",
    "short_ref",
    "version_of",
]
