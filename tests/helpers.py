"""The one place for what the tests share: the dates of the stories they play, the members, the
sealed environment, plain git, the tool in a subprocess, an assembly of real repositories (a bare
shared remote and one clone per member), and reading or tampering with proposal records.

Fixtures live in tests/conftest.py; they build on these helpers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

# -- the dates of the stories --------------------------------------------------------------

OPEN = "2026-11-26T10:00:00+01:00"  # a Thursday (the day of the November meeting)
NOW = OPEN
NEXT_DAY = "2026-11-27T10:00:00+01:00"
MONDAY = "2026-11-30T10:00:00+01:00"
JUST_BEFORE = "2026-12-01T09:59:59+01:00"
DEADLINE = "2026-12-01T10:00:00+01:00"  # 72 h of working days after OPEN
AFTER = "2026-12-02T10:00:00+01:00"

# -- the text they edit ----------------------------------------------------------------------

VALEURS = "sections/03-valeurs.md"
DROITS = "sections/04-droits.md"
QUALITES = "sections/02-qualites.md"
EDIT_VALEURS = (VALEURS, "## Valeurs clés\n\n[à compléter]", "## Valeurs clés\n\nLe soin.")
EDIT_DROITS = (DROITS, "# Droits d'accès\n\n[à compléter]", "# Droits d'accès\n\nOuverts.")
EDIT_QUALITES = (
    QUALITES,
    "# Qualités de l'assemblée\n\n[à compléter]",
    "# Qualités de l'assemblée\n\nLa patience.",
)

# -- the members -------------------------------------------------------------------------------

ALICE = ("Alice Martin", "alice@exemple.org")
MEMBERS: dict[str, tuple[str, str]] = {
    "alice": ALICE,
    "bob": ("Bob Leroy", "bob@exemple.org"),
    "carol": ("Carol Petit", "carol@exemple.org"),
    "dave": ("Dave Moreau", "dave@exemple.org"),
}
# A clone whose identity is not in the roster.
OUTSIDERS: dict[str, tuple[str, str]] = {"eve": ("Eve Intruse", "eve@exemple.org")}

ROSTER_ADDITIONS = """\
- nom: Bob Leroy
  email: bob@exemple.org
- nom: Carol Petit
  email: carol@exemple.org
  roles: [secretariat]
- nom: Dave Moreau
  email: dave@exemple.org
"""

TIMEOUT = 180  # seconds a git or tool process may take before the test fails
_LEAKY_PREFIXES = ("GIT_", "ASSEMBLEE_")


# -- a sealed environment ------------------------------------------------------------------


def sealed_environ(home: Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """A copy of the environment that sees nothing of the developer's git setup or clock."""
    env = {
        key: value
        for key, value in (base if base is not None else os.environ).items()
        if not key.startswith(_LEAKY_PREFIXES)
    }
    env["HOME"] = str(home)
    env["XDG_CONFIG_HOME"] = str(home / ".config")
    env["XDG_CACHE_HOME"] = str(home / ".cache")  # the holidays kept (store/holidays.py)
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    env["GIT_TERMINAL_PROMPT"] = "0"
    env["LC_ALL"] = env["LANG"] = "C.UTF-8"
    env["GIT_TEMPLATE_DIR"] = str(home / "git-templates")  # no hooks or excludes of the machine
    env["COLUMNS"] = "200"  # rich's tables: wide enough not to cut titles
    return env


def write_global_gitconfig(home: Path, identity: tuple[str, str] = ALICE, extra: str = "") -> None:
    # An empty template: no sample hooks or excludes of the machine, but the hooks/ folder the
    # guard tests install into.
    (home / "git-templates" / "hooks").mkdir(parents=True, exist_ok=True)
    (home / ".gitconfig").write_text(
        "[user]\n"
        f"\tname = {identity[0]}\n"
        f"\temail = {identity[1]}\n"
        "[init]\n"
        "\tdefaultBranch = main\n"
        "[advice]\n"
        f"\tdetachedHead = false\n{extra}",
        encoding="utf-8",
    )


def leaky_variables() -> list[str]:
    return [key for key in os.environ if key.startswith(_LEAKY_PREFIXES)]


# -- running things ------------------------------------------------------------------------


def git_run(
    cwd: Path,
    *args: str,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
    timeout: float = TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args],
        cwd=cwd,
        env=None if env is None else dict(env),
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def git(
    cwd: Path, *args: str, env: Mapping[str, str] | None = None, input: str | None = None
) -> str:
    """Plain git, required to succeed; its output."""
    proc = git_run(cwd, *args, env=env, input=input)
    assert proc.returncode == 0, f"git {' '.join(args)} a échoué :\n{proc.stderr}"
    return proc.stdout


def no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    for stream in (proc.stdout or "", proc.stderr or ""):
        assert "Traceback" not in stream, stream
        assert "Erreur interne" not in stream, stream


def run_cli(
    cwd: Path,
    *args: str,
    now: str | None = None,
    env: Mapping[str, str] | None = None,
    extra: Mapping[str, str] | None = None,
    timeout: float = TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    """`python -m assemblee_cli ARGS` in a subprocess, with ASSEMBLEE_NOW=`now` when given (and
    none otherwise) and the variables of `extra`. Never a traceback, whatever the outcome."""
    environment = dict(os.environ if env is None else env)
    environment.pop("ASSEMBLEE_NOW", None)
    if now is not None:
        environment["ASSEMBLEE_NOW"] = now
    environment.update(extra or {})
    proc = subprocess.run(
        [sys.executable, "-m", "assemblee_cli", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        check=False,
    )
    no_traceback(proc)
    return proc


def same_instant(value: str, expected: str) -> bool:
    return datetime.fromisoformat(value) == datetime.fromisoformat(expected)


# -- proposal records ----------------------------------------------------------------------


def split_record(text: str | None) -> tuple[dict[str, Any], str]:
    """(frontmatter, body) of a proposal file."""
    assert text is not None, "fichier de proposition absent"
    _, front, body = text.split("---\n", 2)
    return yaml.safe_load(front), body


def record(text: str | None) -> dict[str, Any]:
    """The YAML frontmatter of a proposal file."""
    return split_record(text)[0]


def dump_record(data: Mapping[str, Any], body: str) -> str:
    header = yaml.safe_dump(dict(data), sort_keys=False, allow_unicode=True)
    return f"---\n{header}---\n{body}"


def name_of(branch: str) -> str:
    return branch.removeprefix("proposition/")


# -- the assembly --------------------------------------------------------------------------


def call_in_process(
    cwd: Path, args: Sequence[str | bytes], environment: Mapping[str, str | bytes]
) -> subprocess.CompletedProcess[bytes]:
    """The tool's entry point called in this process as `python -m assemblee_cli ARGS` would run
    in `cwd` with exactly `environment`: arguments and variables given as bytes reach the tool
    as the interpreter would hand them over (surrogate-escaped), its streams are bytes written
    with the error handlers Python gives a process under LC_ALL=C.UTF-8 with piped streams, its
    stdin is empty, and SystemExit becomes the exit code. Returns the exit code and the bytes of
    both streams; the process's environment, argv, cwd and streams are restored afterwards."""
    import contextlib
    import io
    import threading

    from assemblee_cli.__main__ import main

    assert "ASSEMBLEE_TEST_KILL_AT" not in environment, "un arrêt brutal tuerait pytest"
    # It swaps the process's environment, cwd and streams: one command at a time.
    assert threading.current_thread() is threading.main_thread(), "jamais depuis un thread"
    saved_environ, saved_argv, saved_cwd, saved_stdin = (
        dict(os.environ),
        sys.argv,
        os.getcwd(),
        sys.stdin,
    )
    out_bytes, err_bytes = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(out_bytes, encoding="utf-8", errors="surrogateescape")
    err = io.TextIOWrapper(err_bytes, encoding="utf-8", errors="backslashreplace")
    code: int = 0
    try:
        os.environ.clear()
        os.environ.update({key: os.fsdecode(value) for key, value in environment.items()})
        sys.argv = ["assemblee", *(os.fsdecode(arg) for arg in args)]
        sys.stdin = io.StringIO("")
        os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main()
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            finally:
                out.flush()
                err.flush()
    finally:
        os.chdir(saved_cwd)
        sys.argv, sys.stdin = saved_argv, saved_stdin
        os.environ.clear()
        os.environ.update(saved_environ)
    return subprocess.CompletedProcess(
        ["assemblee", *args], code, out_bytes.getvalue(), err_bytes.getvalue()
    )


def run_in_process(
    cwd: Path,
    *args: str,
    now: str | None = None,
    env: Mapping[str, str] | None = None,
    extra: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`run_cli` without starting an interpreter (call_in_process): the same environment, exit
    code and streams (decoded as `run_cli` decodes them), never a traceback."""
    environment = dict(os.environ if env is None else env)
    environment.pop("ASSEMBLEE_NOW", None)
    if now is not None:
        environment["ASSEMBLEE_NOW"] = now
    environment.update(extra or {})
    raw = call_in_process(cwd, args, environment)
    proc = subprocess.CompletedProcess(
        raw.args, raw.returncode, raw.stdout.decode("utf-8"), raw.stderr.decode("utf-8")
    )
    no_traceback(proc)
    return proc


@dataclass
class Assembly:
    """A shared bare remote and one clone per person (`alice` is the repository `init` made).
    `env`: the environment commands run in (None: the sealed process environment); `now`: the
    clock of commands that give none."""

    root: Path
    remote: Path
    clones: dict[str, Path]
    env: dict[str, str] | None = None
    now: str | None = None
    in_process: bool = False  # run the tool in this process (long scenarios)

    def path(self, who: str) -> Path:
        return self.clones[who]

    def email(self, who: str) -> str:
        return {**MEMBERS, **OUTSIDERS}[who][1]

    def run(
        self,
        who: str,
        *args: str,
        now: str | None = None,
        extra: Mapping[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        return self.run_in(self.clones[who], *args, now=now, extra=extra)

    def run_in(
        self,
        folder: Path,
        *args: str,
        now: str | None = None,
        extra: Mapping[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """The tool in any folder (a clone that is not a member's), as `run` runs it."""
        runner = run_in_process if self.in_process else run_cli
        return runner(folder, *args, now=now or self.now, env=self.env, extra=extra)

    def ok(self, who: str, *args: str, **options: Any) -> subprocess.CompletedProcess[str]:
        """Run and require success."""
        proc = self.run(who, *args, **options)
        assert proc.returncode == 0, f"{who}: assemblee {' '.join(args)}\n{proc.stderr}"
        return proc

    def refused(self, who: str, *args: str, **options: Any) -> str:
        """Run and require a refusal: exit 1, one French sentence on stderr, nothing on stdout
        for --json. Returns the sentence."""
        proc = self.run(who, *args, **options)
        assert proc.returncode == 1, (
            f"{who}: assemblee {' '.join(args)} aurait dû être refusé\n{proc.stdout}{proc.stderr}"
        )
        message = proc.stderr.strip()
        assert message, "un refus doit s'expliquer sur stderr"
        assert len(message.splitlines()) == 1, message
        if "--json" in args:
            assert proc.stdout == ""
        return message

    def json(self, who: str, *args: str, **options: Any) -> Any:
        proc = self.ok(who, *args, "--json", **options)
        return json.loads(proc.stdout)

    def git(self, who: str, *args: str) -> str:
        return git(self.clones[who], *args, env=self.env)

    def git_in(self, folder: Path, *args: str) -> str:
        return git(folder, *args, env=self.env)

    def remote_git(self, *args: str) -> str:
        return git(self.remote, *args, env=self.env)

    def remote_refs(self) -> dict[str, str]:
        """Every ref of the shared remote, name → sha."""
        out = self.remote_git("for-each-ref", "--format=%(refname) %(objectname)")
        refs = {}
        for line in out.splitlines():
            name, _, sha = line.partition(" ")
            refs[name] = sha
        return refs

    def remote_ref(self, ref: str) -> str | None:
        return self.remote_refs().get(ref)

    def remote_branch(self, name: str) -> str | None:
        return self.remote_ref(f"refs/heads/{name}")

    def remote_show(self, rev_path: str) -> str:
        return self.remote_git("show", rev_path)

    def remote_file(self, rev: str, path: str) -> str | None:
        proc = git_run(self.remote, "show", f"{rev}:{path}", env=self.env)
        return proc.stdout if proc.returncode == 0 else None

    def edit(self, who: str, path: str, old: str, new: str, count: int = 1) -> None:
        file = self.clones[who] / path
        text = file.read_text(encoding="utf-8")
        assert old in text, f"{old!r} absent de {path}"
        file.write_text(text.replace(old, new, count), encoding="utf-8")

    def propose_edit(
        self,
        who: str,
        title: str,
        edit: tuple[str, str, str] | None,
        *options: str,
        now: str | None = None,
        extra: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """Edit (path, old, new) in `who`'s working tree, `propose --json` it, then put the
        working tree back as it was. Returns the proposal's JSON."""
        if edit is not None:
            self.edit(who, *edit)
        data: dict[str, Any] = self.json(who, "propose", title, *options, now=now, extra=extra)
        if edit is not None:
            self.git(who, "checkout", "-q", "--", edit[0])
        return data


def init_assembly(
    folder: Path,
    env: dict[str, str],
    roster_additions: str = ROSTER_ADDITIONS,
    name: str = "Assemblée de test",
) -> Path:
    """`assemblee init alice` in `folder`, the roster completed and committed; alice's clone."""
    proc = run_cli(folder, "init", "alice", "--nom", name, env=env)
    assert proc.returncode == 0, proc.stderr
    alice = folder / "alice"
    with (alice / "codesocial" / "membres.yml").open("a", encoding="utf-8") as handle:
        handle.write(roster_additions)
    git(alice, "config", "user.name", ALICE[0], env=env)
    git(alice, "config", "user.email", ALICE[1], env=env)
    git(alice, "commit", "-q", "-am", "Membres de l'assemblée de test", env=env)
    return alice


def clone_member(
    folder: Path, remote: Path, who: str, identity: tuple[str, str], env: dict[str, str]
) -> Path:
    git(folder, "clone", "-q", str(remote), who, env=env)
    git(folder / who, "config", "user.name", identity[0], env=env)
    git(folder / who, "config", "user.email", identity[1], env=env)
    return folder / who


def build_assembly(folder: Path, env: dict[str, str]) -> None:
    """The base assembly: alice's `init`, a bare remote, a clone per member and one outsider."""
    alice = init_assembly(folder, env)
    remote = folder / "remote.git"
    git(folder, "clone", "-q", "--bare", str(alice), str(remote), env=env)
    git(alice, "remote", "add", "origin", str(remote), env=env)
    git(alice, "push", "-q", "-u", "origin", "main", env=env)
    for who, identity in {**MEMBERS, **OUTSIDERS}.items():
        if who != "alice":
            clone_member(folder, remote, who, identity, env)
    pack_repositories(folder, env)


def pack_repositories(folder: Path, env: dict[str, str]) -> None:
    """Each repository of an assembly folder with its objects in one pack, as a clone over the
    network has them: a template is copied for every test, and a few files copy faster than a
    file and a folder per loose object. Every object is kept, reachable or not."""
    for repository in sorted(folder.iterdir()):
        if (repository / "HEAD").is_file() or (repository / ".git" / "HEAD").is_file():
            git(repository, "repack", "-a", "-d", "-q", "--keep-unreachable", env=env)


def _under_objects(folder: Path) -> bool:
    """Whether `folder` is, or is inside, the `objects` folder of a git repository."""
    return any(
        path.name == "objects" and (path.parent / "HEAD").is_file()
        for path in (folder, *folder.parents)
    )


def copy_repositories(source: Path, target: Path) -> None:
    """shutil.copytree(source, target, symlinks=True) of a folder holding git repositories,
    whose object files are hard links to the source's, as `git clone --local` makes them: git
    never writes an object or pack file in place (it writes a new file and renames it; gc and
    prune unlink), so the copies share them safely. Everything else (refs, logs, index, config,
    the working trees) is copied."""
    shared: dict[str, bool] = {}

    def link_or_copy(src: str, dst: str) -> str:
        folder = os.path.dirname(src)
        if folder not in shared:
            shared[folder] = _under_objects(Path(folder))
        if shared[folder]:
            try:
                os.link(src, dst)
                return dst
            except OSError:  # another file system: a copy
                pass
        return shutil.copy2(src, dst)

    shutil.copytree(source, target, symlinks=True, copy_function=link_or_copy)


def copy_assembly(
    template: Path,
    target: Path,
    env: dict[str, str] | None = None,
    now: str | None = None,
) -> Assembly:
    """Copy an assembly folder (remote and clones) and re-point every clone at the copy."""
    copy_repositories(template, target)
    remote = target / "remote.git"
    clones = {
        path.name: path
        for path in sorted(target.iterdir())
        if path.is_dir() and (path / ".git").is_dir()
    }
    # Each clone's origin is the template's remote: re-pointed in its config's text (what
    # `git remote set-url` writes, without a git process per clone).
    old_url, new_url = f"url = {template / 'remote.git'}\n", f"url = {remote}\n"
    for clone in clones.values():
        config = clone / ".git" / "config"
        text = config.read_text(encoding="utf-8")
        assert old_url in text, f"{clone.name} : origin n'est pas le dépôt du modèle"
        config.write_text(text.replace(old_url, new_url), encoding="utf-8")
    return Assembly(target, remote, clones, env, now)


# -- what a member can do with plain git ---------------------------------------------------


def branch_of(assembly: Assembly, number: int) -> str:
    """The remote branch `proposition/NNNN-…` of proposal `number`."""
    prefix = f"refs/heads/proposition/{number:04d}-"
    [ref] = [r for r in assembly.remote_refs() if r.startswith(prefix)]
    return ref.removeprefix("refs/heads/")


def tamper(
    assembly: Assembly,
    who: str,
    branch: str,
    change: Callable[[dict[str, Any]], None],
    message: str = "Modification à la main",
    *,
    push: bool = True,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str] | None:
    """What a member can do with plain git: check out the proposal branch, edit the record
    (`change` mutates the frontmatter), commit as themselves and push. Returns the push."""
    clone = assembly.path(who)
    git(clone, "fetch", "-q", "origin")
    git(clone, "switch", "-q", "-C", branch, f"origin/{branch}")
    path = clone / "proposals" / f"{name_of(branch)}.md"
    data, body = split_record(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(dump_record(data, body), encoding="utf-8")
    git(clone, "commit", "-q", "-am", message)
    result = None
    if push:
        result = git_run(clone, "push", "origin", f"{branch}:{branch}", env=env)
    git(clone, "switch", "-q", "main")
    return result


def draft_edit(store: Any, draft: Any, edit: tuple[str, str, str]) -> str:
    """A commit on top of the store's trunk, made in memory in `draft` (store.draft()), with
    one edit (path, old, new) of the trunk's text."""
    path, old, new = edit
    text = store.read_text_at(store.trunk, path) or ""
    assert old in text, f"{old!r} absent de {path}"
    tree = draft.with_files(draft.tree_of(store.trunk), {path: text.replace(old, new).encode()})
    return str(draft.commit(tree, [store.trunk], f"Sur main : {path}"))


def verified(assembly: Assembly, who: str, **options: Any) -> dict[str, Any]:
    """`verify --json` in `who`'s clone, on what it proved before (incremental), checked to
    give exactly what `verify --tout --json` gives (the anomalies in any order) on the same
    refs (the second run does not fetch again)."""

    def run(*args: str) -> dict[str, Any]:
        proc = assembly.run(who, "verify", *args, "--json", **options)
        assert proc.returncode in (0, 1), proc.stderr
        document: dict[str, Any] = json.loads(proc.stdout)
        assert proc.returncode == (1 if document["anomalies"] else 0)
        return document

    def key(document: dict[str, Any]) -> dict[str, Any]:
        found = sorted(json.dumps(f, sort_keys=True) for f in document["anomalies"])
        return {**document, "anomalies": found}

    incremental = run()
    assert key(incremental) == key(run("--tout", "--offline")), "verify et verify --tout diffèrent"
    return incremental


def vote_entry(
    member: str, choice: str, when: str, version: str, reason: str | None = None
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "membre": member,
        "choix": choice,
        "tour": 1,
        "date": when,
        "version_texte": version,
    }
    if reason:
        entry["raison"] = reason
    return entry


def assert_sound(repo: Path, env: Mapping[str, str] | None = None) -> None:
    """`git fsck` finds nothing and every ref resolves to an object."""
    fsck = git_run(repo, "fsck", "--no-dangling", "--no-progress", env=env)
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr
    refs = git(repo, "for-each-ref", "--format=%(refname)", env=env).split()
    for ref in refs:
        proc = git_run(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", env=env)
        assert proc.returncode == 0, f"{ref} ne désigne pas un commit dans {repo}"


# -- plain data for the core's tests ---------------------------------------------------------

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday 2 March 2026, 10:00 in Paris


def open_sample(**options: Any) -> Any:
    """Proposal n°7 « Ajouter les conditions d'entrée » by alice, opened at T0 (72 h later is
    its deadline), with Lille's rules; any argument of `open_proposal` may be given."""
    from assemblee_cli.core.lifecycle import open_proposal
    from assemblee_cli.core.rules import Rules

    arguments: dict[str, Any] = {
        "number": 7,
        "slug": "conditions-d-entree",
        "title": "Ajouter les conditions d'entrée",
        "author": ALICE[1],
        "author_name": ALICE[0],
        "now": T0,
        "deadline": T0 + timedelta(days=3),
        "rules": Rules(),
        "members": [ALICE[1], "bob@exemple.org"],
        "text_version": "v1",
        "description": "Préciser qui peut rejoindre l'assemblée.",
    }
    arguments.update(options)
    if arguments["rules"] is None:
        arguments["rules"] = Rules()
    return open_proposal(**arguments)


def cast(
    proposal: Any,
    member: str,
    choice: Any,
    at: datetime,
    reason: str | None = None,
    recorded_by: str | None = None,
) -> Any:
    """The proposal once `member`'s position is recorded at `at` (on the current round)."""
    from assemblee_cli.core.lifecycle import Vote, record_vote

    return record_vote(proposal, Vote(member, choice, 0, at, "", reason, recorded_by), at)


# -- the server's guard ---------------------------------------------------------------------

CLOCK_FILE = "horloge-serveur"


def install_guard(remote: Path) -> None:
    """The server's guard on a bare remote: `assemblee hook pre-receive` (refusals) and
    `assemblee hook post-receive` (receipts). The server's clock is the file CLOCK_FILE of the
    remote when a test sets it (set_server_clock), so that it can differ from the clock of the
    member who pushes; otherwise ASSEMBLEE_NOW of the push, or the real clock."""
    for name in ("pre-receive", "post-receive"):
        hook = remote / "hooks" / name
        hook.write_text(
            "#!/bin/sh\n"
            f'if [ -f "{remote / CLOCK_FILE}" ]; then\n'
            f'  ASSEMBLEE_NOW="$(cat "{remote / CLOCK_FILE}")"; export ASSEMBLEE_NOW\n'
            "fi\n"
            f"exec {sys.executable} -m assemblee_cli hook {name}\n",
            encoding="utf-8",
        )
        hook.chmod(0o755)


def set_server_clock(remote: Path, now: str) -> None:
    (remote / CLOCK_FILE).write_text(now, encoding="utf-8")


# -- signed votes --------------------------------------------------------------------------


def keygen(folder: Path, name: str) -> tuple[Path, str]:
    """A new SSH key pair for `name`: (private key file, public key line)."""
    key = folder / f"{name}_key"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True
    )
    public = " ".join(key.with_suffix(".pub").read_text().split()[:2])
    return key, public


def init_signed(
    folder: Path, others: tuple[str, ...], now: str, env: dict[str, str] | None = None
) -> tuple[Path, dict[str, Path]]:
    """`init a` in `folder` with signed votes required, alice and `others` (who@exemple.org) in
    the roster with a key each, committed; alice's repository signs. `env`: the environment
    of the commands (None: the sealed process environment). Returns (repository, private key
    file of each person)."""
    keys = {who: keygen(folder, who) for who in ("alice", *others)}
    assert run_cli(folder, "init", "a", now=now, env=env).returncode == 0
    repo = folder / "a"
    rules = repo / "codesocial" / "regles.yml"
    rules.write_text(rules.read_text().replace("votes_signes: false", "votes_signes: true"))
    roster = repo / "codesocial" / "membres.yml"
    roster.write_text(
        roster.read_text()
        + f"  cle_ssh: {keys['alice'][1]}\n"
        + "".join(
            f"- nom: {who.title()}\n  email: {who}@exemple.org\n  cle_ssh: {keys[who][1]}\n"
            for who in others
        )
    )
    git(repo, "commit", "-qam", "Avis signés", env=env)
    sign_as(repo, keys["alice"][0], env=env)
    return repo, {who: key for who, (key, _public) in keys.items()}


def sign_as(clone: Path, key: Path, env: dict[str, str] | None = None) -> None:
    """Every commit of `clone` signed with the SSH `key`."""
    git(clone, "config", "gpg.format", "ssh", env=env)
    git(clone, "config", "commit.gpgsign", "true", env=env)
    git(clone, "config", "user.signingkey", str(key), env=env)


# -- a random history of main, in plain git ------------------------------------------------

_SENTENCES = (
    "Chaque membre peut proposer un changement.",
    "Les réunions sont ouvertes à toutes et à tous.",
    "Le local est partagé.",
    "Nous décidons par consentement.",
    "Le secrétariat tient le registre.",
    "Les comptes sont publics.",
    "- une personne, une voix",
    "- le soin des communs",
)


class RandomHistory:
    """A repository, in plain git (no tool), whose main grows the way an assembly's does, at
    random (`seed`): proposals forked from main or from a few commits of main back, edited in
    one to three commits (a paragraph written, rewritten, moved or removed, repeated lines and
    blank lines where diffs hesitate), sometimes updated with main, merged with the trailer
    line; conflicts settled by hand; direct commits and decision records on main; and main
    rewritten now and then. `SECTIONS` change, `RULES` never does (a file with one commit)."""

    SECTIONS = ("sections/01-un.md", "sections/02-deux.md")
    RULES = "codesocial/regles.yml"
    FILES = (*SECTIONS, RULES)

    def __init__(self, folder: Path, seed: int) -> None:
        import random

        self.repo = folder
        self.random = random.Random(seed)
        self.clock = 1_780_000_000
        self.number = 0
        folder.mkdir(parents=True, exist_ok=True)
        git(folder, "init", "-q", "-b", "main")
        for index, path in enumerate(self.SECTIONS):
            body = [f"# Section {index + 1}", ""]
            for _ in range(4):
                body += [self.random.choice(_SENTENCES), ""]
            self._write(path, ["---", f"titre: Section {index + 1}", "---", *body])
        self._write(self.RULES, ["delai_heures: 72", "", "quorum: 0"])
        self._commit("Création du code social")

    # -- plain git with a clock ------------------------------------------------------------

    def git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        self.clock += 3600
        stamp = f"@{self.clock} +0000"
        env = dict(os.environ, GIT_AUTHOR_DATE=stamp, GIT_COMMITTER_DATE=stamp)
        proc = git_run(self.repo, *args, env=env)
        assert not check or proc.returncode == 0, f"git {' '.join(args)}\n{proc.stderr}"
        return proc

    def main(self) -> str:
        return self.git("rev-parse", "main").stdout.strip()

    def _read(self, path: str) -> list[str]:
        return (self.repo / path).read_text(encoding="utf-8").split("\n")

    def _write(self, path: str, lines: list[str]) -> None:
        (self.repo / path).parent.mkdir(parents=True, exist_ok=True)
        (self.repo / path).write_text("\n".join(lines), encoding="utf-8")

    def _commit(self, message: str) -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)

    # -- edits of a section --------------------------------------------------------------------

    def edit(self, path: str) -> None:
        lines = self._read(path)
        start = lines.index("---", 1) + 1  # after the header
        body = lines[start:]
        blocks = [i for i, line in enumerate(body) if line.strip()]
        pick = self.random.random()
        sentence = self.random.choice(_SENTENCES)
        if pick < 0.3 and blocks:  # rewrite a line
            body[self.random.choice(blocks)] = sentence
        elif pick < 0.55:  # write a paragraph (sometimes two lines long)
            at = self.random.randrange(len(body) + 1)
            more = [self.random.choice(_SENTENCES)] if self.random.random() < 0.3 else []
            body[at:at] = ["", sentence, *more, ""]
        elif pick < 0.7 and len(blocks) > 2:  # remove a paragraph
            at = self.random.choice(blocks[1:])
            del body[at : at + 2]
        elif pick < 0.85 and len(blocks) > 2:  # move a paragraph
            moved = body.pop(self.random.choice(blocks[1:]))
            at = self.random.randrange(len(body) + 1)
            body[at:at] = [moved, ""]
        else:  # a blank line more or less
            at = self.random.randrange(len(body) + 1)
            if at < len(body) and not body[at].strip():
                del body[at]
            else:
                body.insert(at, "")
        self._write(path, lines[:start] + body)

    # -- what happens to main --------------------------------------------------------------

    def step(self) -> str:
        """One random event on main; its kind."""
        pick = self.random.random()
        if pick < 0.12:
            self.git("checkout", "-q", "main")
            self.edit(self.random.choice(self.SECTIONS))
            self._commit("Correction directe")
            return "direct"
        if pick < 0.2:
            self.number += 1
            self.git("checkout", "-q", "main")
            self._write(f"proposals/{self.number:04d}-p.md", ["rejetée"])
            self._commit(f"Proposition n°{self.number} rejetée\n\nAssemblee-Proposition: x")
            return "record"
        if pick < 0.25:
            self.rewrite()
            return "rewrite"
        self.proposal()
        return "proposal"

    def proposal(self) -> None:
        self.number += 1
        line = self.git("rev-list", "--first-parent", "-5", "main").stdout.split()
        base = self.random.choice(line[:1] * 3 + line)
        self.git("checkout", "-q", "-B", "proposition", base)
        for commit in range(self.random.randint(1, 3)):
            for path in self.random.sample(self.SECTIONS, self.random.randint(1, 2)):
                self.edit(path)
            self._commit(f"Proposition n°{self.number}, version {commit + 1}")
            updated = self.random.random() < 0.2  # brought up to date with main
            if updated and self.git("merge", "-q", "--no-edit", "main", check=False).returncode:
                self.git("merge", "--abort")
        self.git("checkout", "-q", "main")
        message = (
            f"Proposition n°{self.number} adoptée\n\n"
            f"Assemblee-Proposition: {self.number:04d}-p{self.number}"
        )
        if self.git("merge", "-q", "--no-ff", "-m", message, "proposition", check=False).returncode:
            conflicted = self.git("diff", "--name-only", "--diff-filter=U").stdout.split()
            for path in conflicted:  # settled by hand: one side, or one side edited again
                side = self.random.choice(("--ours", "--theirs"))
                self.git("checkout", side, "--", path)
                if self.random.random() < 0.5:
                    self.edit(path)
            self._commit(message)

    def rewrite(self) -> None:
        """main loses its last commits (first-parent) and takes another one instead."""
        self.git("checkout", "-q", "main")
        depth = len(self.git("rev-list", "--first-parent", "-4", "main").stdout.split())
        if depth > 1:
            self.git("reset", "-q", "--hard", f"main~{self.random.randint(1, depth - 1)}")
        self.edit(self.random.choice(self.SECTIONS))
        self._commit("Historique réécrit")
