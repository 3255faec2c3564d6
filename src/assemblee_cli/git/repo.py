"""The one git adapter. Every question asked of git lives here, as small named functions that
return plain data. Reads go through one persistent `git cat-file --batch` process and one
`for-each-ref`; writes build commits with a temporary index and move refs by compare-and-swap,
never touching the user's working tree. GitPython is imported lazily, here only."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from assemblee_cli.errors import GitError, RemoteBusy

if TYPE_CHECKING:
    import git

ZERO = "0" * 40
_STRIPPED = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX")


@dataclass(frozen=True)
class Identity:
    name: str
    email: str


TREE_MODE = "40000"
GITLINK_MODE = "160000"  # a submodule: a commit of another repository, no file here
_KIND_OF_MODE = {TREE_MODE: "tree", GITLINK_MODE: "commit"}  # anything else: a file, a blob


def is_file_mode(mode: str) -> bool:
    """Whether a tree entry's mode names a file (a blob), not a folder or a submodule."""
    return mode not in _KIND_OF_MODE


@dataclass(frozen=True)
class TreeEntry:
    mode: str
    kind: str  # as `git ls-tree` says it: "tree", "blob" (a file) or "commit" (a submodule)
    sha: str
    name: str


@dataclass(frozen=True)
class Change:
    status: str
    path: str
    old_sha: str
    new_sha: str
    old_mode: str = "100644"
    new_mode: str = "100644"


@dataclass(frozen=True)
class MergeResult:
    tree: str | None  # the merged tree, None when some files are in conflict
    conflicts: tuple[str, ...]
    partial: str | None = None  # then: the tree git wrote, conflict markers in those files


class RawChange(NamedTuple):
    """A file a commit changed, as `git log --raw` gives it."""

    path: str
    old: str  # ZERO where the file is absent
    new: str
    submodule: bool = False  # the new side is a submodule (a gitlink), not a file


class CommitFacts(NamedTuple):
    parents: list[str]
    author: str  # email
    committer: str  # email (the server, for a vote recorded from the web page)
    stamp: int  # committer time
    files: list[str]  # changed against the first parent
    message: str


class BlamedLine(NamedTuple):
    commit: str  # the commit that wrote the line (or the boundary where the search stopped)
    line: int  # its number in the file at that commit, from 1
    path: str  # the file's name at that commit
    boundary: bool  # the search stopped there: the line may be older
    content: str


@dataclass(frozen=True)
class PushResult:
    ok: bool
    rejected: tuple[str, ...]
    message: str


# Settings of the user's that would change what the tool reads: `log.showSignature` prints a
# signature check among `git log`'s output, before each signed commit's own lines.
_ALWAYS = ("-c", "log.showSignature=false")


def _dated_now(ident: str, variable: str) -> str | None:
    """`ident` (`Name <email> time zone`, as git gave it once) with the time of now: the
    instant in `variable` when it is set as `<seconds> <zone>` (how assemblee sets a
    simulated clock), the clock and its local zone when it is not set, None for any other form
    of that variable (git alone reads those)."""
    person = ident.rsplit(" ", 2)[0]
    given = os.environ.get(variable, "").strip()
    if given:
        seconds, _, zone = given.partition(" ")
        if seconds.isdigit() and len(zone) == 5 and zone[0] in "+-" and zone[1:].isdigit():
            return f"{person} {seconds} {zone}"
        return None
    offset = time.localtime().tm_gmtoff // 60
    sign = "-" if offset < 0 else "+"
    return f"{person} {int(time.time())} {sign}{abs(offset) // 60:02d}{abs(offset) % 60:02d}"


class GitRepo:
    """A working repository (or a bare one) and the questions the tool asks of it."""

    def __init__(self, root: Path, git_dir: Path, bare: bool) -> None:
        self.root = root
        self.git_dir = git_dir
        self.bare = bare
        self._git: git.Git | None = None
        self._signs: bool | None = None
        self._author: str | None = None
        self._committer: str | None = None

    # -- process plumbing -------------------------------------------------------------------

    @property
    def git(self) -> git.Git:
        if self._git is None:
            import git as gitpython

            for name in _STRIPPED:
                os.environ.pop(name, None)
            self._git = gitpython.Git(str(self.root))
        return self._git

    def run(
        self,
        *args: str,
        input: bytes | None = None,
        env: Mapping[str, str] | None = None,
        check: bool = True,
    ) -> tuple[int, str, str]:
        """Run `git ARGS`; returns (status, stdout, stderr). Raises GitError when `check`."""
        with tempfile.TemporaryFile() as handle:
            if input is not None:
                handle.write(input)
                handle.seek(0)
            return self._execute(args, handle if input is not None else None, env, check)

    def _execute(
        self, args: Sequence[str], stdin: Any, env: Mapping[str, str] | None, check: bool
    ) -> tuple[int, str, str]:
        try:
            status, out, err = self.git.execute(
                ["git", *_ALWAYS, *args],
                istream=stdin,
                env=dict(env) if env else None,
                with_extended_output=True,
                with_exceptions=False,
                strip_newline_in_stdout=False,
                stdout_as_string=True,
            )
        except OSError as exc:
            raise GitError(
                f"Impossible de lancer git ({exc}) : vérifiez que git est installé."
            ) from None
        out_text = str(out)
        err_text = str(err)
        if check and status != 0:
            raise GitError(explain_failure(args, err_text))
        return int(status), out_text, err_text

    def out(
        self, *args: str, input: bytes | None = None, env: Mapping[str, str] | None = None
    ) -> str:
        return self.run(*args, input=input, env=env)[1]

    def close(self) -> None:
        if self._git is not None:
            self._git.clear_cache()

    # -- reading objects (one persistent cat-file process) ---------------------------------

    def read_object(self, spec: str) -> tuple[str, str, bytes] | None:
        """(sha, type, content) through the persistent `cat-file --batch`, or None."""
        try:
            sha, kind, _size, data = self.git.get_object_data(spec)
        except ValueError:
            return None
        raw: Any = (sha, kind, data)
        return raw[0].decode(), raw[1].decode(), bytes(raw[2])

    def _pipe(self, args: Sequence[str], payload: bytes) -> bytes:
        """One git process fed all its input at once (batch reads without round trips)."""
        import subprocess

        env = {k: v for k, v in os.environ.items() if k not in _STRIPPED}
        proc = subprocess.run(
            ["git", *_ALWAYS, *args],
            cwd=self.root,
            env=env,
            input=payload,
            capture_output=True,
            check=False,
        )
        if proc.returncode != 0:
            raise GitError(explain_failure(args, proc.stderr.decode(errors="replace")))
        return proc.stdout

    def shas(self, specs: Sequence[str]) -> dict[str, str | None]:
        """The object each expression names (None when missing), in one process."""
        if not specs:
            return {}
        out = self._pipe(
            ["cat-file", "--batch-check=%(objectname)"], "".join(f"{s}\n" for s in specs).encode()
        )
        result: dict[str, str | None] = {}
        for spec, line in zip(specs, out.decode(errors="replace").splitlines(), strict=False):
            value = line.strip()
            result[spec] = value if len(value) == 40 and " " not in value else None
        return result

    def contents(self, shas: Sequence[str]) -> dict[str, bytes]:
        """Content of many objects, in one process."""
        if not shas:
            return {}
        out = self._pipe(["cat-file", "--batch"], "".join(f"{s}\n" for s in shas).encode())
        result: dict[str, bytes] = {}
        index = 0
        while index < len(out):
            end = out.index(b"\n", index)
            header = out[index:end].decode(errors="replace").split()
            index = end + 1
            if len(header) != 3:
                continue
            size = int(header[2])
            result[header[0]] = out[index : index + size]
            index += size + 1
        return result

    def stream_contents(self, shas: Sequence[str]) -> Generator[tuple[str, bytes | None]]:
        """(sha, content or None when missing) of many objects, in order, from one
        `cat-file --batch` fed by a thread: one process however many objects, and only what
        the caller holds in memory."""
        import subprocess
        import threading

        if not shas:
            return
        env = {k: v for k, v in os.environ.items() if k not in _STRIPPED}
        proc = subprocess.Popen(
            ["git", "cat-file", "--batch"],
            cwd=self.root,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert proc.stdin is not None and proc.stdout is not None
        stdin, stdout = proc.stdin, proc.stdout

        def feed() -> None:
            try:
                for sha in shas:
                    stdin.write(f"{sha}\n".encode())
                stdin.close()
            except OSError:
                return

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        try:
            for sha in shas:
                header = stdout.readline().decode(errors="replace").split()
                if len(header) != 3:
                    yield sha, None
                    continue
                data = stdout.read(int(header[2]) + 1)[:-1]
                yield sha, data
        finally:
            stdout.close()
            proc.kill()
            proc.wait()
            writer.join()

    def read(self, spec: str) -> bytes | None:
        """Content of an object (`rev:path`, a sha), or None when it does not exist."""
        found = self.read_object(spec)
        return None if found is None else found[2]

    def read_text(self, spec: str) -> str | None:
        data = self.read(spec)
        return None if data is None else data.decode("utf-8", errors="replace")

    def resolve(self, spec: str) -> str | None:
        """The sha an expression names, or None; no extra process."""
        try:
            sha, _kind, _size = self.git.get_object_header(spec)
        except ValueError:
            return None
        raw: Any = sha
        return str(raw.decode())

    def tree(self, spec: str) -> list[TreeEntry]:
        """Entries of a tree (`rev:dir` or `rev^{tree}`), parsed from the raw object."""
        found = self.read_object(spec)
        if found is None or found[1] != "tree":
            return []
        data = found[2]
        entries: list[TreeEntry] = []
        index = 0
        while index < len(data):
            space = data.index(b" ", index)
            nul = data.index(b"\0", space)
            mode = data[index:space].decode()
            name = data[space + 1 : nul].decode("utf-8", errors="replace")
            sha = data[nul + 1 : nul + 21].hex()
            entries.append(TreeEntry(mode, _KIND_OF_MODE.get(mode, "blob"), sha, name))
            index = nul + 21
        return entries

    # -- refs --------------------------------------------------------------------------------

    def refs(self, *patterns: str) -> dict[str, str]:
        """Ref name → sha for every ref under the patterns, in one process."""
        text = self.out("for-each-ref", "--format=%(objectname) %(refname)", *patterns)
        result: dict[str, str] = {}
        for line in text.splitlines():
            sha, _, name = line.partition(" ")
            result[name] = sha
        return result

    def ref_values(self, refs: Sequence[str]) -> dict[str, str | None]:
        """Where each of a few full ref names points now (None: no such ref), read through
        the persistent `cat-file` (no process)."""
        return {ref: self.resolve(ref) for ref in refs}

    def update_ref(self, ref: str, new: str, old: str | None, message: str = "assemblee") -> None:
        """Move `ref` from `old` (None: must not exist) to `new`; fails if someone moved it."""
        status, _out, err = self.run(
            "update-ref", "-m", message, ref, new, old or ZERO, check=False
        )
        if status != 0:
            raise GitError(
                f"La référence {short_ref(ref)} a changé pendant l'opération : relancez la "
                "commande (rien n'a été perdu)."
                if "but expected" in err or "exists" in err or "cannot lock" in err
                else explain_failure(("update-ref",), err)
            )

    def delete_ref(self, ref: str, old: str) -> None:
        self.run("update-ref", "-d", ref, old)

    def update_refs(self, updates: Sequence[tuple[str, str | None, str | None]]) -> None:
        """Several ref moves in one transaction: (ref, new or None to delete, old or None)."""
        lines = []
        for ref, new, old in updates:
            if new is None:
                lines.append(f"delete {ref} {old or ''}".rstrip())
            else:
                lines.append(f"update {ref} {new} {old or ZERO}")
        payload = ("start\n" + "\n".join(lines) + "\nprepare\ncommit\n").encode()
        status, _out, err = self.run("update-ref", "--stdin", input=payload, check=False)
        if status != 0:
            raise GitError(
                "Des références ont changé pendant l'opération : relancez la commande "
                f"(rien n'a été perdu). Détail : {err.strip().splitlines()[-1] if err.strip() else ''}"
            )

    # -- identity and configuration ----------------------------------------------------------

    def config(self, key: str) -> str | None:
        status, out, _err = self.run("config", "--get", key, check=False)
        return out.strip() if status == 0 and out.strip() else None

    def identity(self) -> Identity:
        ident = self._author_ident()
        name, _, rest = ident.partition("<")
        return Identity(name.strip(), rest.partition(">")[0].strip())

    def _author_ident(self) -> str:
        """`git var GIT_AUTHOR_IDENT`, asked once: `Name <email> time zone`."""
        if self._author is not None:
            return self._author
        status, out, _err = self.run("var", "GIT_AUTHOR_IDENT", check=False)
        ident = out.strip()
        if status != 0 or "<" not in ident or "<>" in ident:
            raise GitError(
                "Votre identité git n'est pas configurée : lancez « git config --global "
                "user.name 'Prénom Nom' » et « git config --global user.email vous@exemple.org »."
            )
        self._author = ident
        return ident

    # -- writing commits without a working tree ---------------------------------------------

    def write_objects(self, objects: Sequence[tuple[str, bytes, str]]) -> None:
        """Store objects built in memory, (type, content, expected id), as loose objects, in
        one `unpack-objects --strict` process fed a pack of them (git computes each id and
        checks each object itself, as `hash-object` does); then refuses if an expected id is
        not stored (a bug, never published), checked through the persistent `cat-file`."""
        from assemblee_cli.git.pack import PackEntry, pack

        if not objects:
            return
        self._pipe(
            ["unpack-objects", "-q", "--strict"],
            pack([PackEntry(k, d, sha) for k, d, sha in objects]),
        )
        if any(self.resolve(sha) != sha for _kind, _data, sha in objects):
            raise GitError(
                "git a calculé d'autres identifiants d'objets que prévu : rien n'a été publié."
            )

    def write_pack(self, data: bytes, expected: Sequence[str]) -> None:
        """Store a pack built in memory (git/pack.py) with `index-pack --fix-thin`, which
        computes every id itself and adds the bases the pack refers to; refuses if an expected
        object is not in the stored pack (a bug, never published)."""
        from assemblee_cli.git.pack import index_ids

        out = self._pipe(["index-pack", "--stdin", "--fix-thin"], data).decode().split()
        objects = self.git_dir / "objects"
        common = self.git_dir / "commondir"  # a linked worktree keeps its objects there
        if common.exists():
            objects = (self.git_dir / common.read_text().strip()).resolve() / "objects"
        idx = objects / "pack" / f"pack-{out[-1] if out else ''}.idx"
        try:
            held = set(index_ids(idx.read_bytes()))
        except (OSError, ValueError):
            found = self._pipe(
                ["cat-file", "--batch-check=%(objectname)"],
                "".join(f"{s}\n" for s in expected).encode(),
            )
            held = set(found.decode().split())
        if any(sha not in held for sha in expected):
            raise GitError(
                "git a calculé d'autres identifiants d'objets que prévu : rien n'a été publié."
            )

    def commit_idents(self) -> tuple[str, str]:
        """The author and committer lines of a new commit (`Name <email> time zone`): the
        names asked of git once, the time of this very commit (a long-running server makes
        commits for days with one repository object)."""
        if self._committer is None:
            self._committer = self.out("var", "GIT_COMMITTER_IDENT").strip()
        author = _dated_now(self._author_ident(), "GIT_AUTHOR_DATE")
        committer = _dated_now(self._committer, "GIT_COMMITTER_DATE")
        if author is None or committer is None:  # a date git reads and we do not: ask it
            author = self.out("var", "GIT_AUTHOR_IDENT").strip()
            committer = self.out("var", "GIT_COMMITTER_IDENT").strip()
        return author, committer

    @property
    def signs(self) -> bool:
        """Whether commits must be signed (asked once, not for every commit)."""
        if self._signs is None:
            self._signs = (
                self.config("assemblee.signer") == "true" or self.config("commit.gpgsign") == "true"
            )
        return self._signs

    def commit_tree(
        self,
        tree: str,
        parents: Iterable[str],
        message: str,
        *,
        author: Identity | None = None,
        date: str | None = None,
    ) -> str:
        args = ["commit-tree", tree]
        for parent in parents:
            args += ["-p", parent]
        env: dict[str, str] = {}
        if author is not None:
            env |= {"GIT_AUTHOR_NAME": author.name, "GIT_AUTHOR_EMAIL": author.email}
        if date is not None:
            env |= {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
        if self.signs:
            args.append("-S")
        args += ["-F", "-"]
        return self.out(*args, input=message.encode(), env=env).strip()

    # -- comparing ---------------------------------------------------------------------------

    def merge_base(self, a: str, b: str) -> str | None:
        status, out, _err = self.run("merge-base", a, b, check=False)
        return out.strip() if status == 0 else None

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        status, _out, _err = self.run(
            "merge-base", "--is-ancestor", ancestor, descendant, check=False
        )
        return status == 0

    def changes(self, a: str, b: str) -> list[Change]:
        """Files that differ between two tree-ishes (no rename detection)."""
        return self.changes_many([(a, b)])[0]

    def changes_many(
        self,
        pairs: Sequence[tuple[str, str]],
        *,
        recursive: bool = True,
        paths: Sequence[str] | None = None,
    ) -> list[list[Change]]:
        """`changes` of many (from, to) pairs of commits, in one process. Not `recursive`: the
        entries of the top folder that differ (a folder as one entry, its tree ids). With
        `paths`, only the files under those top-level names: git then never opens the other
        folders (a folder of ten thousand files costs nothing when it is not named)."""
        if not pairs:
            return []
        # `diff-tree --stdin` reads "COMMIT PARENT" and compares PARENT with COMMIT; --always
        # writes the header line of every pair, even with no difference, to keep them apart.
        payload = "".join(f"{b} {a}\n" for a, b in pairs).encode()
        args = ["diff-tree", "--stdin", "--always", "-z", "--no-renames"]
        if recursive:
            args.append("-r")
        if paths is not None:
            args += ["--", *(f":(top,literal){path}" for path in paths)]
        out = self._pipe(args, payload)
        fields = out.decode("utf-8", errors="replace").split("\0")
        result: list[list[Change]] = []
        index = 0
        while index < len(fields):
            field = fields[index].strip("\n")
            if field.startswith(":") and result and index + 1 < len(fields):
                meta = field[1:].split()
                result[-1].append(
                    Change(meta[4], fields[index + 1], meta[2], meta[3], meta[0], meta[1])
                )
                index += 2
                continue
            if field:
                result.append([])  # the header of the next pair
            index += 1
        if len(result) != len(pairs):
            raise GitError("git diff-tree a répondu de façon inattendue : relancez la commande.")
        return result

    def commits_between(self, tips: Sequence[str], exclude: str) -> dict[str, tuple[str, ...]]:
        """Commit → parents for every commit reachable from `tips` but not from `exclude`, in
        one process (its length grows with the branches, not with the history)."""
        if not tips:
            return {}
        out = self.out("rev-list", "--parents", "--stdin", "--", input=_revisions(tips, [exclude]))
        graph: dict[str, tuple[str, ...]] = {}
        for line in out.splitlines():
            commit, *parents = line.split()
            graph[commit] = tuple(parents)
        return graph

    def diff(self, a: str, b: str, exclude: str | None = None, context: int | None = None) -> str:
        """The unified diff from `a` to `b` (renames found), without `exclude`; `context`
        lines around each change (git's default: 3)."""
        args = ["diff", "--no-color", "--no-ext-diff", "--find-renames"]
        if context is not None:
            args.append(f"--unified={context}")
        args += [a, b, "--"]
        if exclude:
            args += [".", f":(exclude){exclude}"]
        return self.out(*args)

    # -- history, as named questions ---------------------------------------------------------

    def blame_commits(
        self, rev: str, path: str, first_parent: bool = False
    ) -> list[tuple[str, str]]:
        """(commit that wrote it, content) of each line of `path` at `rev`; with
        `first_parent`, the commit of `rev`'s first-parent line that brought it."""
        extra = ("--first-parent",) if first_parent else ()
        out = self.out("blame", *extra, "--line-porcelain", rev, "--", path)
        lines: list[tuple[str, str]] = []
        current: str | None = None
        for line in out.split("\n"):
            if line.startswith("\t"):
                if current is not None:
                    lines.append((current, line[1:]))
                current = None
            elif current is None and len(line) >= 40 and " " in line:
                current = line.split(" ", 1)[0]
        return lines

    def commit_log(
        self, rev: str, since: str | None = None
    ) -> list[tuple[str, tuple[str, ...], int, str, str]]:
        """(sha, parents, committer time, author name, message) of every commit of `rev`, or
        only of those not in `since` when it is given (an error when `since` is unknown)."""
        limit = (rev,) if since is None else (rev, "--not", since, "--")
        return _log_records(self.out("log", "-z", f"--format={_LOG_FORMAT}", *limit))

    def describe_commits(
        self, shas: Sequence[str]
    ) -> list[tuple[str, tuple[str, ...], int, str, str]]:
        """What `commit_log` says of each commit of `shas` (and of them only), in one process."""
        if not shas:
            return []
        out = self.out(
            "log",
            "--no-walk=unsorted",
            "--stdin",
            "-z",
            f"--format={_LOG_FORMAT}",
            input="".join(f"{sha}\n" for sha in shas).encode(),
        )
        return _log_records(out)

    def blame_since(self, rev: str, since: str, path: str) -> list[BlamedLine]:
        """Who wrote each line of `path` at `rev`, searching only the commits of `rev` that
        are not in `since`: a line older than them is given to the commit where the search
        stopped (`boundary`), with its number and the file's name there. One process whose
        work follows the commits since `since`, not the whole history."""
        out = self.out("blame", "--line-porcelain", f"{since}..{rev}", "--", path)
        lines: list[BlamedLine] = []
        header: list[str] | None = None
        name, boundary = path, False
        for line in out.split("\n"):
            if line.startswith("\t"):
                if header is not None:
                    lines.append(BlamedLine(header[0], int(header[1]), name, boundary, line[1:]))
                header, name, boundary = None, path, False
            elif header is None and len(line) >= 40 and " " in line:
                header = line.split(" ")
            elif line.startswith("filename "):
                name = line.removeprefix("filename ")
            elif line == "boundary":
                boundary = True
        return lines

    def merge_naming(self, line: str, rev: str) -> str | None:
        """The newest merge of `rev` whose message has the line `line` (None: none has)."""
        out = self.out("log", "-1", "--merges", "--format=%H", f"--grep=^{line}$", rev).strip()
        return out or None

    def first_parent_commits_touching(self, rev: str, path: str) -> list[str]:
        """The commits of `rev`'s first-parent line that change `path`, newest first."""
        return self.out("rev-list", "--first-parent", rev, "--", path).split()

    def last_change_time(self, tip: str, exclude_rev: str, exclude_path: str) -> int | None:
        """Committer time of the newest commit of `tip` (not of `exclude_rev`) that changes
        anything but `exclude_path`."""
        out = self.out(
            "log",
            "-1",
            "--format=%ct",
            tip,
            "--not",
            exclude_rev,
            "--",
            ".",
            f":(exclude){exclude_path}",
        ).strip()
        return int(out) if out.isdigit() else None

    def commits_raw(
        self,
        revs: Sequence[str],
        *,
        exclude: Sequence[str] = (),
        no_walk: bool = False,
    ) -> list[tuple[str, tuple[str, ...], str, str, list[RawChange]]]:
        """(sha, parents, author email, committer email, [RawChange]) of every
        commit of `revs` but not of `exclude` (only `revs` themselves when `no_walk`), newest
        first, with every file it changes against its first parent; a blob is ZERO where the
        file is absent. One process, the revisions given on its standard input (any number of
        them); merges list no files. No path limit: git diffs a long flat folder faster than
        it decides, commit by commit, whether a path changed."""
        args = ["log", "--no-renames", "--root", "--raw", "--no-abbrev", "-z", "--stdin"]
        if no_walk:
            args.append("--no-walk=unsorted")
        args.append("--format=%x1e%H%x1f%P%x1f%ae%x1f%ce")
        out = self.out(*args, "--", input=_revisions(revs, exclude))
        commits = []
        for record in out.split("\x1e"):
            header, _, body = record.partition("\0")
            if not header.strip():
                continue
            sha, parents, author, committer = header.split("\x1f")
            fields = body.lstrip("\n").split("\0")
            files = []
            for meta, name in zip(fields[::2], fields[1::2], strict=False):
                parts = meta.lstrip("\n").split()  # :old-mode new-mode old-id new-id status
                if len(parts) >= 5 and parts[0].startswith(":"):
                    files.append(RawChange(name, parts[2], parts[3], parts[1] == GITLINK_MODE))
            commits.append((sha, tuple(parents.split()), author, committer, files))
        return commits

    def commits_not_in(self, commits: Sequence[str], refs: Sequence[str]) -> list[str]:
        """The commits reachable from `commits` but not from `refs` (one process; empty when
        all of `commits` belong to the history of `refs`). A commit this repository does not
        have is returned as such."""
        if not commits:
            return []
        status, out, _err = self.run(
            "rev-list", "--stdin", "--", input=_revisions(commits, refs), check=False
        )
        return out.split() if status == 0 else list(commits)

    def signatures(
        self,
        refs: Sequence[str],
        path: str,
        allowed_signers: str,
        exclude: Sequence[str] = (),
    ) -> dict[str, tuple[str, str]]:
        """Signature status (%G?) and signer (%GS) of every commit of `refs` changing `path`,
        checked against `allowed_signers` (the lines of an SSH allowed-signers file)."""
        import tempfile

        with tempfile.NamedTemporaryFile("w", suffix=".allowed_signers", delete=False) as handle:
            handle.write(allowed_signers)
            signers = handle.name
        try:
            out = self.out(
                "-c",
                f"gpg.ssh.allowedSignersFile={signers}",
                "log",
                "--full-history",
                "--format=%H%x1f%G?%x1f%GS",
                "--stdin",
                "--",
                path,
                input=_revisions(refs, exclude),
            )
        finally:
            os.unlink(signers)
        result = {}
        for line in out.splitlines():
            parts = line.split("\x1f")
            if len(parts) == 3:
                result[parts[0]] = (parts[1], parts[2])
        return result

    def reachable(self, refs: Sequence[str]) -> set[str]:
        """Every commit reachable from `refs`."""
        return set(self.out("rev-list", "--stdin", "--", input=_revisions(refs)).split())

    def first_parent_line(self, rev: str) -> list[str]:
        """`rev` and its first parents, newest first."""
        return self.out("rev-list", "--first-parent", rev).split()

    def parents_graph(self, rev: str) -> dict[str, tuple[str, ...]]:
        """Commit → parents for every commit of `rev`."""
        graph: dict[str, tuple[str, ...]] = {}
        for line in self.out("rev-list", "--parents", rev).splitlines():
            commit, *parents = line.split()
            graph[commit] = tuple(parents)
        return graph

    def first_parent_merges(
        self, rev: str, exclude: str | None = None
    ) -> list[tuple[str, tuple[str, ...], str]]:
        """(sha, parents, message) of the merges on `rev`'s first-parent line (not in
        `exclude`'s history), newest first."""
        out = self.out(
            "log",
            "--first-parent",
            "--merges",
            "--format=%x1e%H%x1f%P%x1f%B",
            rev,
            *([f"^{exclude}"] if exclude else []),
        )
        merges = []
        for record in out.split("\x1e"):
            if record.strip():
                sha, parents, message = record.split("\x1f", 2)
                merges.append((sha, tuple(parents.split()), message))
        return merges

    def first_parent_history(
        self, rev: str, since: str | None = None, paths: bool = True, limit: int | None = None
    ) -> list[tuple[str, tuple[str, ...], str, list[tuple[str, str | None]]]]:
        """(sha, parents, message, changes) of the commits on `rev`'s first-parent line (only
        those not in `since`, when given; the `limit` newest, when given), newest first, in one
        process. The changes (when `paths`) are those against the first parent, merges
        included: (path, new blob, None when deleted or no longer a file: a submodule); a path
        git had to quote is given with its quotes."""
        args = ["-c", "core.quotepath=off", "log", "--first-parent", "--no-renames"]
        if limit is not None:
            args.append(f"--max-count={limit}")
        if paths:
            args += ["--diff-merges=first-parent", "--raw", "--no-abbrev"]
        args += ["--format=%x1e%H%x1f%P%x1f%B%x1d", rev if since is None else f"{since}..{rev}"]
        history = []
        for record in self.out(*args, "--").split("\x1e"):
            if not record.strip():
                continue
            head, _, raw = record.partition("\x1d")
            sha, parents, message = head.split("\x1f", 2)
            changes: list[tuple[str, str | None]] = []
            for line in raw.splitlines():
                if not line.startswith(":"):
                    continue
                fields, _, path = line.partition("\t")
                parts = fields.split()
                if len(parts) >= 5:  # :old-mode new-mode old-id new-id status
                    gone = parts[4].startswith("D") or parts[1] == GITLINK_MODE
                    changes.append((path, None if gone else parts[3]))
            history.append((sha, tuple(parents.split()), message, changes))
        return history

    def history_with_files(
        self, rev: str, exclude: str | None = None
    ) -> list[tuple[str, tuple[str, ...], list[str]]]:
        """(sha, parents, files changed against the first parent) of every commit of `rev`
        (not in `exclude`'s history); the names as they are (never quoted)."""
        out = self.out(
            "log",
            "--no-renames",
            "--root",
            "--format=%x1e%H%x1f%P",
            "--name-only",
            "-z",
            rev,
            *([f"^{exclude}"] if exclude else []),
            "--",
        )
        history = []
        for record in out.split("\x1e"):
            header, _, body = record.partition("\0")
            if not header.strip():
                continue
            sha, parents = header.split("\x1f")
            files = [name for name in body.removeprefix("\n").split("\0") if name]
            history.append((sha, tuple(parents.split()), files))
        return history

    def new_commits(
        self,
        new: str,
        old: str,
        *,
        first_parent: bool = False,
        reverse: bool = True,
        known_besides: Sequence[str] | None = None,
        known_before: Sequence[str] = (),
        vetted: Sequence[str] = (),
    ) -> list[str]:
        """The commits of `new` not in `old` (oldest first). With `known_besides` (the refs a
        push has just updated, in the server's post-receive): the commits the repository did
        not have before the push, that is not in `old`, in the commits `known_before` (the
        former tips of those refs) or in any other ref. Without it, when `old` is ZERO (a new
        ref): the commits not in any ref of the repository."""
        args = ["rev-list"]
        if reverse:
            args.append("--reverse")
        if first_parent:
            args.append("--first-parent")
        args.append(new)
        if old != ZERO:
            args.append(f"^{old}")
        args += [f"^{sha}" for sha in vetted if sha != ZERO]  # and not in these commits
        if known_besides is not None:
            args += [f"^{sha}" for sha in known_before if sha != ZERO]
            # every ref but those (not --all: HEAD would name main's new tip)
            args += ["--not", *(f"--exclude={r}" for r in known_besides), "--glob=refs/*"]
        elif old == ZERO:
            args += ["--not", "--all"]
        return self.out(*args).split()

    def commit_facts(self, sha: str) -> CommitFacts:
        """Parents, author and committer, time, files changed against the first parent (their
        names as they are, never quoted), and message of one commit."""
        info = self.out("show", "-s", "--format=%P%x1f%ae%x1f%ce%x1f%ct%x1f%B", sha)
        parents, author, committer, stamp, message = info.split("\x1f", 4)
        files = self.out(
            "diff-tree",
            "--no-commit-id",
            "--name-only",
            "-r",
            "--no-renames",
            "-m",
            "--first-parent",
            "-z",
            sha,
        ).split("\0")
        return CommitFacts(
            parents.split(), author, committer, int(stamp), [f for f in files if f.strip()], message
        )

    def append_to_file_ref(
        self, ref: str, path: str, text: str, message: str, who: Identity
    ) -> bool:
        """One more commit on `ref` whose tree is the single file `path` with `text`, made by
        `who`; moved by compare-and-swap: False when someone else moved `ref` meanwhile."""
        parent = self.resolve(ref)
        blob = self.out("hash-object", "-w", "--stdin", input=text.encode()).strip()
        tree = self.out("mktree", input=f"100644 blob {blob}\t{path}\n".encode()).strip()
        args = ["commit-tree", tree, *(["-p", parent] if parent else []), "-m", message]
        identity = {
            "GIT_AUTHOR_NAME": who.name,
            "GIT_AUTHOR_EMAIL": who.email,
            "GIT_COMMITTER_NAME": who.name,
            "GIT_COMMITTER_EMAIL": who.email,
        }
        commit = self.out(*args, env=identity).strip()
        status, _out, _err = self.run("update-ref", ref, commit, parent or ZERO, check=False)
        return status == 0

    # -- working tree (the one write: following a fast-forward) ------------------------------

    def follow_in_worktree(self, old: str, new: str) -> None:
        """Bring the index and working tree from commit `old` to `new` (two-tree merge, as a
        fast-forward does; local changes that conflict make it fail, none is lost)."""
        self.run("read-tree", "-m", "-u", old, new)

    def merge_tree(self, ours: str, theirs: str) -> MergeResult:
        """Merge two commits in memory (`git merge-tree --write-tree`)."""
        status, out, err = self.run(
            "merge-tree", "--write-tree", "--name-only", "--no-messages", ours, theirs, check=False
        )
        lines = out.splitlines()
        if status == 0 and lines:
            return MergeResult(lines[0].strip(), ())
        if status == 1 and lines:
            conflicts = tuple(line for line in lines[1:] if line.strip())
            return MergeResult(None, conflicts, lines[0].strip())
        raise GitError(explain_failure(("merge-tree",), err))

    def merge_file(self, base: bytes, ours: bytes, theirs: bytes) -> bytes | None:
        """Three-way merge of one file's contents (`git merge-file`); None on conflict."""
        with tempfile.TemporaryDirectory(prefix="assemblee-") as folder:
            paths = []
            for label, data in (("ours", ours), ("base", base), ("theirs", theirs)):
                path = Path(folder) / label
                path.write_bytes(data)
                paths.append(str(path))
            status, _out, _err = self.run("merge-file", *paths, check=False)
            if status != 0:
                return None
            return Path(paths[0]).read_bytes()

    def restore_paths(self, commit: str, paths: Sequence[str]) -> None:
        """Put `paths` back as they are in `commit` in the index and the working tree (files
        absent from `commit` are removed)."""
        present = [p for p in paths if self.resolve(f"{commit}:{p}") is not None]
        absent = [p for p in paths if p not in present]
        if present:
            self.run("checkout", "-q", commit, "--", *present)
        if absent:
            self.run("rm", "-q", "--cached", "--ignore-unmatch", "--", *absent)
            for path in absent:
                (self.root / path).unlink(missing_ok=True)

    # -- working tree (read-only questions) --------------------------------------------------

    def current_branch(self) -> str | None:
        status, out, _err = self.run("symbolic-ref", "-q", "HEAD", check=False)
        return out.strip() if status == 0 else None

    def worktree_status(self) -> list[tuple[str, str]]:
        """(XY, path) for every change in the working tree and index (untracked included)."""
        out = self.out("status", "--porcelain=v1", "-z", "--untracked-files=all")
        result = []
        fields = out.split("\0")
        index = 0
        while index < len(fields):
            entry = fields[index]
            if len(entry) > 3:
                result.append((entry[:2], entry[3:]))
                if entry[0] in "RC":
                    index += 1
            index += 1
        return result

    def operation_in_progress(self) -> str | None:
        for name, label in (
            ("rebase-merge", "un rebase"),
            ("rebase-apply", "un rebase"),
            ("MERGE_HEAD", "une fusion"),
            ("CHERRY_PICK_HEAD", "un cherry-pick"),
            ("REVERT_HEAD", "un revert"),
        ):
            if (self.git_dir / name).exists():
                return label
        return None

    # -- remotes -----------------------------------------------------------------------------

    def remotes(self) -> list[str]:
        return self.out("remote").split()

    def fetch(self, remote: str) -> None:
        status, _out, err = self.run(
            "fetch",
            "--quiet",
            "--prune",
            remote,
            f"+refs/heads/*:refs/remotes/{remote}/*",
            f"+refs/archives/*:refs/remotes/{remote}-archives/*",
            f"+refs/assemblee/recu*:refs/remotes/{remote}-assemblee/recu*",
            check=False,
        )
        if status != 0:
            raise _remote_failure(remote, err, status)

    def fetch_branches(self, remote: str, branches: Sequence[str]) -> dict[str, str] | None:
        """Fetch only `branches` (`proposition/0007-slug`…) into their remote-tracking refs,
        as the full `fetch` would, and return where each now is (read through the persistent
        `cat-file`: no other process). None when one of them is no longer on the remote (a
        proposal closed meanwhile, say): a full fetch tells the rest. The repository's
        automatic maintenance is left to the full fetches (this one comes right after one)."""
        tracking = {branch: f"refs/remotes/{remote}/{branch}" for branch in branches}
        refspecs = [f"+refs/heads/{branch}:{ref}" for branch, ref in tracking.items()]
        status, _out, err = self.run(
            "fetch", "--quiet", "--no-auto-maintenance", remote, *refspecs, check=False
        )
        if status != 0:
            failure = _remote_failure(remote, err, status)
            if isinstance(failure, RemoteBusy):
                raise failure
            return None
        found = self.ref_values(list(tracking.values()))
        if any(sha is None for sha in found.values()):
            return None
        return {branch: found[ref] or "" for branch, ref in tracking.items()}

    def push(
        self,
        remote: str,
        refspecs: Sequence[str],
        leases: Mapping[str, str | None] | None = None,
        atomic: bool = True,
    ) -> PushResult:
        """Push with explicit leases (ref → expected sha, None: must not exist)."""
        args = ["push", "--porcelain"]
        if atomic and len(refspecs) > 1:
            args.append("--atomic")
        for ref, expected in (leases or {}).items():
            args.append(f"--force-with-lease={ref}:{expected or ''}")
        status, out, err = self.run(*args, remote, *refspecs, check=False)
        rejected = tuple(
            line.split("\t")[1] if "\t" in line else line
            for line in out.splitlines()
            if line.startswith("!")
        )
        if status == 0:
            return PushResult(True, (), "")
        refused_by_server = [
            line
            for line in out.splitlines()
            if line.startswith("!")
            and "remote rejected" in line
            and "atomic push failed" not in line
        ]
        if refused_by_server and _lost_a_race(err):
            # The server's own compare-and-swap failed: another push moved (or created) the
            # ref after the advertisement our leases were checked against. A conflict, retried.
            return PushResult(False, rejected, out + err)
        if refused_by_server:
            said = [
                line.removeprefix("remote:").strip()
                for line in err.splitlines()
                if line.startswith("remote:") and line.removeprefix("remote:").strip()
            ]
            detail = " ".join(said) or refused_by_server[0].split("\t")[-1]
            raise GitError(f"Le dépôt partagé « {remote} » a refusé l'écriture : {detail}")
        if rejected:
            return PushResult(False, rejected, out + err)
        raise _remote_failure(remote, err, status)


# What git says when the server cut the connection mid-exchange (a git daemon past its
# --max-connections, an sshd past its MaxStartups): the server is there but busy.
_BUSY_MARKERS = (
    "connection reset by peer",
    "broken pipe",
    "the remote end hung up unexpectedly",
    "early eof",
    "kex_exchange_identification",
)


def _remote_failure(remote: str, err: str, status: int) -> GitError:
    """The error of a failed exchange with `remote`: RemoteBusy when the server cut the
    connection (worth a retry), else a GitError that says what to do. git writing to a
    connection the server closed dies of SIGPIPE (status -13, or 141 through a shell), silently."""
    lowered = err.lower()
    cut = status in (-13, 141) or any(marker in lowered for marker in _BUSY_MARKERS)
    if cut and "permission denied" not in lowered:
        return RemoteBusy(
            f"Le dépôt partagé « {remote} » a coupé la connexion (trop d'échanges à la fois) : "
            "relancez la commande dans un instant ; rien n'a été perdu."
        )
    return GitError(explain_remote_failure(remote, err))


_RACE_MARKERS = ("but expected", "reference already exists", ".lock': File exists")


_LOG_FORMAT = "%H%x1f%P%x1f%ct%x1f%an%x1f%B"


def _revisions(include: Sequence[str], exclude: Sequence[str] = ()) -> bytes:
    """Revisions for `--stdin` (no limit on their number, unlike a command line): those of
    `include`, without the history of `exclude`."""
    lines = [*dict.fromkeys(include), *(f"^{rev}" for rev in dict.fromkeys(exclude))]
    return "".join(f"{line}\n" for line in lines).encode()


def _log_records(out: str) -> list[tuple[str, tuple[str, ...], int, str, str]]:
    commits = []
    for record in out.split("\0"):
        fields = record.strip("\n").split("\x1f", 4)
        if len(fields) < 5 or not fields[0]:
            continue
        sha, parents, stamp, author, message = fields
        commits.append((sha, tuple(parents.split()), int(stamp), author, message))
    return commits


def _lost_a_race(err: str) -> bool:
    """receive-pack refused a ref update because another push moved, created or locked the
    ref first (`cannot lock ref …`), not because a hook or a rule refused it."""
    return any(
        "cannot lock ref" in line and any(marker in line for marker in _RACE_MARKERS)
        for line in err.splitlines()
    )


def short_ref(ref: str) -> str:
    for prefix in ("refs/heads/", "refs/remotes/", "refs/"):
        if ref.startswith(prefix):
            return ref[len(prefix) :]
    return ref


def explain_failure(args: Sequence[str], err: str) -> str:
    detail = err.strip().splitlines()[-1] if err.strip() else "erreur inconnue"
    lowered = err.lower()
    if "no space left" in lowered:
        return "Le disque est plein : libérez de la place puis relancez la commande (rien n'a été perdu)."
    if "index.lock" in lowered or "cannot lock ref" in lowered:
        return (
            "Une autre opération git est en cours sur ce dépôt (verrou présent) : attendez-la, "
            "ou supprimez le verrou si elle a été interrompue, puis relancez."
        )
    if "not a git repository" in lowered:
        return "Ce dossier n'est pas un dépôt git : placez-vous dans le dépôt du code social."
    command = args[0] if args else "git"
    return f"git {command} a échoué : {detail}"


def explain_remote_failure(remote: str, err: str) -> str:
    lowered = err.lower()
    if any(
        word in lowered
        for word in (
            "could not resolve",
            "connection refused",
            "unable to access",
            "could not read from remote",
            "does not appear to be a git repository",
            "unable to connect",
            "network is unreachable",
            "timed out",
        )
    ):
        if "permission denied" in lowered or "authentication" in lowered:
            return (
                f"Le dépôt partagé « {remote} » a refusé l'authentification : vérifiez vos "
                "accès (clé SSH, jeton), ou travaillez hors ligne avec --offline."
            )
        return (
            f"Le dépôt partagé « {remote} » est injoignable : vérifiez la connexion, ou "
            "travaillez hors ligne avec --offline (puis « assemblee sync »)."
        )
    if "permission denied" in lowered or "authentication failed" in lowered or "403" in lowered:
        return (
            f"Le dépôt partagé « {remote} » a refusé l'authentification : vérifiez vos accès "
            "(clé SSH, jeton), ou travaillez hors ligne avec --offline."
        )
    return explain_failure(("échange avec le dépôt partagé",), err)


def open_repo(path: Path) -> GitRepo:
    """The repository containing `path`; a clear refusal when there is none."""
    import subprocess

    env = {k: v for k, v in os.environ.items() if k not in _STRIPPED}
    base = ["git", "rev-parse", "--is-bare-repository", "--absolute-git-dir"]
    try:
        proc = subprocess.run(
            [*base, "--show-toplevel"],
            cwd=path,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0 and "work tree" in proc.stderr:  # a bare repository
            proc = subprocess.run(
                base, cwd=path, env=env, capture_output=True, text=True, check=False
            )
    except FileNotFoundError:
        raise GitError("git est introuvable : installez git puis relancez.") from None
    except NotADirectoryError:
        raise GitError(f"{path} n'est pas un dossier.") from None
    lines = proc.stdout.splitlines()
    if proc.returncode != 0 or len(lines) < 2:
        raise GitError(
            f"Le dossier {Path(path).absolute()} n'est pas dans un dépôt git : placez-vous dans "
            "le dépôt du code social, ou créez-en un avec « assemblee init »."
        )
    bare = lines[0].strip() == "true"
    git_dir = Path(lines[1].strip())
    root = git_dir if bare or len(lines) < 3 else Path(lines[2].strip())
    return GitRepo(root, git_dir, bare)
