"""Shared fixtures: tests sealed from the developer's machine, and real assemblies to run the
command line on (a bare shared remote and one clone per member).

Sealing: HOME points at a temporary folder with its own global git configuration
(init.defaultBranch=main and an identity), the system git configuration is ignored, and every
variable that could leak a date, an identity, a repository or a clock (GIT_*, ASSEMBLEE_*) is
removed.

The base assembly is built once per session (init, roster, remote, clones) and copied for each
test with shutil.copytree, then each clone's `origin` is pointed at the copied remote.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

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
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    env["GIT_TERMINAL_PROMPT"] = "0"
    env["LC_ALL"] = env["LANG"] = "C.UTF-8"
    env["COLUMNS"] = "200"  # rich's tables: wide enough not to cut titles
    return env


def write_global_gitconfig(home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / ".gitconfig").write_text(
        "[user]\n"
        f"\tname = {ALICE[0]}\n"
        f"\temail = {ALICE[1]}\n"
        "[init]\n"
        "\tdefaultBranch = main\n"
        "[advice]\n"
        "\tdetachedHead = false\n",
        encoding="utf-8",
    )


@pytest.fixture()
def sealed_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HOME in a temporary folder with a global gitconfig; no GIT_* or ASSEMBLEE_* variable
    (so no ASSEMBLEE_NOW, no GIT_AUTHOR_DATE…) unless a test sets one. Returns HOME."""
    home = tmp_path_factory.mktemp("home")
    write_global_gitconfig(home)
    for key in list(os.environ):
        if key.startswith(_LEAKY_PREFIXES):
            monkeypatch.delenv(key)
    for key, value in sealed_environ(home, {}).items():
        monkeypatch.setenv(key, value)
    return home


# -- running things ------------------------------------------------------------------------


def git(cwd: Path, *args: str, env: Mapping[str, str] | None = None) -> str:
    proc = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, env=env, check=False
    )
    assert proc.returncode == 0, f"git {' '.join(args)} a échoué :\n{proc.stderr}"
    return proc.stdout


def run_cli(
    cwd: Path,
    *args: str,
    now: str | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `python -m assemblee_cli ARGS` in a subprocess, with ASSEMBLEE_NOW=`now` when given.
    Never a traceback, whatever the outcome."""
    environment = dict(os.environ if env is None else env)
    if now is not None:
        environment["ASSEMBLEE_NOW"] = now
    proc = subprocess.run(
        [sys.executable, "-m", "assemblee_cli", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stdout, proc.stdout
    assert "Erreur interne" not in proc.stderr, proc.stderr
    return proc


# -- the assembly --------------------------------------------------------------------------


@dataclass
class Assembly:
    """A shared bare remote and one clone per person (`alice` is the repository `init` made)."""

    root: Path
    remote: Path
    clones: dict[str, Path]
    env: dict[str, str] | None = None  # None: the (sealed) process environment

    def path(self, who: str) -> Path:
        return self.clones[who]

    def email(self, who: str) -> str:
        return {**MEMBERS, **OUTSIDERS}[who][1]

    def run(self, who: str, *args: str, now: str | None = None) -> subprocess.CompletedProcess[str]:
        return run_cli(self.clones[who], *args, now=now, env=self.env)

    def ok(self, who: str, *args: str, now: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run and require success."""
        proc = self.run(who, *args, now=now)
        assert proc.returncode == 0, f"{who}: assemblee {' '.join(args)}\n{proc.stderr}"
        return proc

    def refused(self, who: str, *args: str, now: str | None = None) -> str:
        """Run and require a refusal: exit 1, one French sentence on stderr, nothing on stdout
        for --json. Returns the sentence."""
        proc = self.run(who, *args, now=now)
        assert proc.returncode == 1, (
            f"{who}: assemblee {' '.join(args)} aurait dû être refusé\n{proc.stdout}{proc.stderr}"
        )
        message = proc.stderr.strip()
        assert message, "un refus doit s'expliquer sur stderr"
        assert len(message.splitlines()) == 1, message
        if "--json" in args:
            assert proc.stdout == ""
        return message

    def json(self, who: str, *args: str, now: str | None = None) -> Any:
        proc = self.ok(who, *args, "--json", now=now)
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
        proc = subprocess.run(
            ["git", "show", f"{rev}:{path}"],
            cwd=self.remote,
            capture_output=True,
            text=True,
            env=self.env,
            check=False,
        )
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
        now: str,
    ) -> dict[str, Any]:
        """Edit (path, old, new) in `who`'s working tree, `propose --json` it, then put the
        working tree back as it was. Returns the proposal's JSON."""
        if edit is not None:
            self.edit(who, *edit)
        data: dict[str, Any] = self.json(who, "propose", title, *options, now=now)
        if edit is not None:
            self.git(who, "checkout", "-q", "--", edit[0])
        return data


def _build_template(folder: Path, env: dict[str, str]) -> None:
    proc = run_cli(folder, "init", "alice", "--nom", "Assemblée de test", env=env)
    assert proc.returncode == 0, proc.stderr
    alice = folder / "alice"
    with (alice / "codesocial" / "membres.yml").open("a", encoding="utf-8") as handle:
        handle.write(ROSTER_ADDITIONS)
    git(alice, "config", "user.name", ALICE[0], env=env)
    git(alice, "config", "user.email", ALICE[1], env=env)
    git(alice, "commit", "-q", "-am", "Membres de l'assemblée de test", env=env)
    remote = folder / "remote.git"
    git(folder, "clone", "-q", "--bare", str(alice), str(remote), env=env)
    git(alice, "remote", "add", "origin", str(remote), env=env)
    git(alice, "push", "-q", "-u", "origin", "main", env=env)
    for who, (name, email) in {**MEMBERS, **OUTSIDERS}.items():
        if who == "alice":
            continue
        git(folder, "clone", "-q", str(remote), who, env=env)
        git(folder / who, "config", "user.name", name, env=env)
        git(folder / who, "config", "user.email", email, env=env)


@pytest.fixture(scope="session")
def assembly_template(
    tmp_path_factory: pytest.TempPathFactory, session_env: dict[str, str]
) -> Path:
    """The base assembly, built once per session; tests get copies (see `assembly`)."""
    folder = tmp_path_factory.mktemp("assembly-template")
    _build_template(folder, session_env)
    return folder


def copy_assembly(template: Path, target: Path, env: dict[str, str] | None = None) -> Assembly:
    """Copy an assembly folder (remote and clones) and re-point every clone at the copy.
    `env`: the environment to run commands in (None: the sealed process environment)."""
    shutil.copytree(template, target, symlinks=True)
    remote = target / "remote.git"
    clones = {
        who: target / who for who in (*MEMBERS, *OUTSIDERS) if (target / who / ".git").is_dir()
    }
    for clone in clones.values():
        git(clone, "remote", "set-url", "origin", str(remote), env=env)
    return Assembly(target, remote, clones, env)


@pytest.fixture(scope="session")
def session_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A sealed environment for session-scoped fixtures that run commands."""
    home = tmp_path_factory.mktemp("session-home")
    write_global_gitconfig(home)
    return sealed_environ(home)


@pytest.fixture()
def assembly(sealed_env: Path, assembly_template: Path, tmp_path: Path) -> Iterator[Assembly]:
    """A fresh copy of the base assembly: alice (author, the `init` identity), bob, carol
    (secretariat), dave, and eve who is not a member; all share `remote.git`."""
    yield copy_assembly(assembly_template, tmp_path / "assembly")


@pytest.fixture(scope="session")
def copy_of() -> Any:
    """`copy_of(template, target, env=None)`: an Assembly copied from a template folder, for
    test modules that build their own templates (a state reached once, reused by tests)."""
    return copy_assembly
