"""Many members at once on one shared remote: 50 members vote in parallel processes on one
proposal over a real `git daemon` on loopback, and 10 do the same, twice, over file://; 8
members propose at the same moment. Every vote lands in the proposal's record on the
remote, every proposal gets its own number, and `assemblee verify` passes.

Run with `pytest -s` to see the figures: duration of each wave, the pushes per vote and the
number of extra attempts (a push refused because someone else wrote first, then redone on the
fresh state), counted on the server side (receive-pack requests)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.helpers import (
    EDIT_DROITS,
    EDIT_VALEURS,
    NEXT_DAY,
    OPEN,
    TIMEOUT,
    copy_repositories,
    git,
    git_run,
    no_traceback,
    record,
)

CROWD = 50
CHOICES = ("d-accord", "abstention", "pas-d-accord", "blocage")
PROPOSERS = 8
FIGURES: list[str] = []


def member(index: int) -> tuple[str, str]:
    return f"Membre {index:02d}", f"m{index:02d}@exemple.org"


@pytest.fixture(scope="module")
def crowd_template(
    tmp_path_factory: pytest.TempPathFactory, assembly_template: Path, session_env: Any, copy_of
) -> Path:
    """The base assembly with 50 more members on main, one clone each (crowd/mNN), and two
    open proposals by alice (n°1 values, n°2 rights)."""
    folder = tmp_path_factory.mktemp("stress") / "assembly"
    a = copy_of(assembly_template, folder, env=session_env)
    alice = a.path("alice")
    with (alice / "codesocial" / "membres.yml").open("a", encoding="utf-8") as roster:
        for index in range(1, CROWD + 1):
            name, email = member(index)
            roster.write(f"- nom: {name}\n  email: {email}\n")
    git(alice, "commit", "-q", "-am", "Cinquante membres de plus", env=session_env)
    git(alice, "push", "-q", "origin", "main", env=session_env)
    a.propose_edit("alice", "Valeurs", EDIT_VALEURS, now=OPEN)
    a.propose_edit("alice", "Droits", EDIT_DROITS, now=OPEN)
    crowd = folder / "crowd"
    crowd.mkdir()
    first = crowd / "m01"
    git(crowd, "clone", "-q", str(a.remote), first.name, env=session_env)
    for index in range(1, CROWD + 1):
        clone = crowd / f"m{index:02d}"
        if index > 1:
            copy_repositories(first, clone)
        # what `git config user.name/user.email` writes, without two git processes a clone
        name, email = member(index)
        with (clone / ".git" / "config").open("a", encoding="utf-8") as config:
            config.write(f"[user]\n\tname = {name}\n\temail = {email}\n")
    assert git(crowd / "m50", "config", "user.email", env=session_env).strip() == member(50)[1]
    return folder


@dataclass
class Crowd:
    root: Path
    remote: Path
    url: str
    count_pushes: Any  # () -> int: receive-pack requests the server saw so far

    def clone(self, index: int) -> Path:
        return self.root / "crowd" / f"m{index:02d}"

    @property
    def alice(self) -> Path:
        return self.root / "alice"


def repoint(template: Path, folder: Path, url: str, extra: str = "") -> None:
    """Every clone of the crowd's assembly copied from `template` to `folder` with its origin
    at `url` (and `extra` lines in its [remote "origin"] section): the lines `git remote
    set-url` (and `git config`) would write, in each config's text, without two git processes
    a clone."""
    old = f"url = {template / 'remote.git'}\n"
    for clone in [folder / "alice", *sorted((folder / "crowd").iterdir())]:
        config = clone / ".git" / "config"
        text = config.read_text(encoding="utf-8")
        assert old in text, f"{clone.name} : origin n'est pas le dépôt du modèle"
        config.write_text(text.replace(old, f"url = {url}\n{extra}"), encoding="utf-8")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_daemon(base: Path, request: pytest.FixtureRequest) -> tuple[str, Path]:
    """`git daemon` serving `base` on a free loopback port, stopped by a finalizer. Returns
    the URL of base/remote.git and the daemon's log (--verbose: one line per request)."""
    for _ in range(5):
        port = free_port()
        log = base / f"daemon-{port}.log"
        with log.open("w") as handle:
            daemon = subprocess.Popen(
                [
                    "git",
                    "daemon",
                    "--reuseaddr",
                    "--listen=127.0.0.1",
                    f"--port={port}",
                    f"--base-path={base}",
                    "--export-all",
                    "--enable=receive-pack",
                    "--max-connections=0",
                    "--verbose",
                    str(base),
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=handle,
            )

        def stop(daemon: subprocess.Popen[bytes] = daemon) -> None:
            if daemon.poll() is None:
                daemon.terminate()
                try:
                    daemon.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    daemon.kill()
                    daemon.wait(timeout=10)

        request.addfinalizer(stop)
        url = f"git://127.0.0.1:{port}/remote.git"
        limit = time.monotonic() + 15
        while daemon.poll() is None and time.monotonic() < limit:
            probe = git_run(base, "ls-remote", url, timeout=10)
            if probe.returncode == 0:
                return url, log
            time.sleep(0.1)
        stop()
    pytest.fail("git daemon n'a pas démarré sur un port libre")


@pytest.fixture()
def over_daemon(
    sealed_env: Path, crowd_template: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Crowd]:
    folder = tmp_path / "assembly"
    copy_repositories(crowd_template, folder)
    url, log = start_daemon(folder, request)
    repoint(crowd_template, folder, url)
    assert git(folder / "crowd" / "m50", "remote", "get-url", "origin").strip() == url

    def count() -> int:
        return log.read_text(errors="replace").count("Request receive-pack")

    yield Crowd(folder, folder / "remote.git", url, count)


@pytest.fixture()
def over_file(sealed_env: Path, crowd_template: Path, tmp_path: Path) -> Iterator[Crowd]:
    folder = tmp_path / "assembly"
    remote = folder / "remote.git"
    log = folder / "pushes.log"
    counter = folder / "receive-pack"
    url = remote.as_uri()
    copy_repositories(crowd_template, folder)
    repoint(crowd_template, folder, url, f"\treceivepack = {counter}\n")
    log.touch()
    counter.write_text(f'#!/bin/sh\necho push >> "{log}"\nexec git receive-pack "$@"\n')
    counter.chmod(0o755)
    last = folder / "crowd" / "m50"
    assert git(last, "config", "remote.origin.receivepack").strip() == str(counter)

    def count() -> int:
        return len(log.read_text().splitlines())

    yield Crowd(folder, remote, url, count)


# -- running many at once -------------------------------------------------------------------

# One interpreter imports the tool once, then forks one process per command, all at the same
# moment; each runs the entry point (`assemblee_cli.__main__.main`, what `python -m
# assemblee_cli` runs) in its own folder, with its own arguments and its own stdout and stderr
# (files, as pipes would be: not a terminal). They are separate processes writing to one remote
# at once, as before; what they share is the interpreter's start and the imports (some 0.5 s of
# CPU for each of the 90 processes of this module), which are not what this module tests: the
# tool's modules, and the libraries it imports lazily (GitPython, and `holidays` with its 250
# country modules, some 0.3 s of CPU more per process, all at the same moment).
LAUNCHER = """
import importlib, json, os, pkgutil, sys, traceback
import assemblee_cli
from assemblee_cli.__main__ import main
for module in pkgutil.walk_packages(assemblee_cli.__path__, "assemblee_cli."):
    if not module.name.startswith("assemblee_cli.web"):
        importlib.import_module(module.name)
import git, holidays.countries
jobs = json.loads(sys.stdin.read())
sys.stdin = open(os.devnull)
os.dup2(sys.stdin.fileno(), 0)
sys.stdout.flush()
sys.stderr.flush()
children = []
for job in jobs:
    child = os.fork()
    if child == 0:
        code = 3
        try:
            for fd, path in ((1, job["out"]), (2, job["err"])):
                target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                os.dup2(target, fd)
                os.close(target)
            os.chdir(job["cwd"])
            sys.argv = ["assemblee", *job["args"]]
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    children.append(child)
print(json.dumps([os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]) for child in children]))
"""


def at_once(commands: list[tuple[Path, list[str]]]) -> list[subprocess.CompletedProcess[str]]:
    """Start every `assemblee` command at the same moment, each in its own process (LAUNCHER);
    wait for all (bounded)."""
    env = {**os.environ, "ASSEMBLEE_NOW": NEXT_DAY}
    streams = Path(tempfile.mkdtemp(prefix="assemblee-crowd-"))
    jobs = [
        {
            "cwd": str(cwd),
            "args": args,
            "out": str(streams / f"{index}.out"),
            "err": str(streams / f"{index}.err"),
        }
        for index, (cwd, args) in enumerate(commands)
    ]
    launcher = subprocess.Popen(
        [sys.executable, "-c", LAUNCHER],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its children with it, should they have to be stopped
    )
    try:
        out, err = launcher.communicate(json.dumps(jobs), timeout=TIMEOUT)
    finally:
        if launcher.poll() is None:
            os.killpg(launcher.pid, signal.SIGKILL)
            launcher.wait()
    assert launcher.returncode == 0, err
    codes = json.loads(out)
    results = [
        subprocess.CompletedProcess(
            job["args"],
            code,
            Path(job["out"]).read_text(encoding="utf-8"),
            Path(job["err"]).read_text(encoding="utf-8"),
        )
        for job, code in zip(jobs, codes, strict=True)
    ]
    shutil.rmtree(streams, ignore_errors=True)
    for result in results:
        no_traceback(result)
        assert result.returncode == 0, f"{result.args}: {result.stderr}"
    return results


def remote_record(remote: Path, number: int) -> dict[str, Any]:
    pattern = f"refs/heads/proposition/{number:04d}-*"
    refs = git(remote, "for-each-ref", "--format=%(refname)", pattern).split()
    assert len(refs) == 1, refs
    name = refs[0].removeprefix("refs/heads/proposition/")
    return record(git(remote, "show", f"{refs[0]}:proposals/{name}.md"))


def vote_wave(crowd: Crowd, number: int, voters: int, shift: int, label: str) -> None:
    expected: dict[str, str] = {}
    commands = []
    for index in range(1, voters + 1):
        choice = CHOICES[(index + shift) % len(CHOICES)]
        expected[member(index)[1]] = choice
        reason = ["-r", f"Raison du membre {index}."] if choice == "blocage" else []
        commands.append((crowd.clone(index), ["vote", str(number), choice, *reason]))
    pushes = crowd.count_pushes()
    start = time.monotonic()
    at_once(commands)
    elapsed = time.monotonic() - start
    sent = crowd.count_pushes() - pushes
    retries = sent - voters
    data = remote_record(crowd.remote, number)
    assert {v["membre"]: v["choix"] for v in data["votes"]} == expected
    assert len(data["votes"]) == voters
    figure = (
        f"[stress {label}] {voters} votes simultanés sur la proposition n°{number} : "
        f"{elapsed:.1f} s, {sent / voters:.1f} push par avis ({retries} nouvelles tentatives)"
    )
    FIGURES.append(figure)
    print(f"\n{figure}")


def propose_wave(crowd: Crowd, first_free: int, label: str) -> None:
    commands = [
        (crowd.clone(index), ["propose", f"Sujet {index} en même temps", "--json"])
        for index in range(1, PROPOSERS + 1)
    ]
    pushes = crowd.count_pushes()
    start = time.monotonic()
    results = at_once(commands)
    elapsed = time.monotonic() - start
    retries = crowd.count_pushes() - pushes - PROPOSERS
    ids = [json.loads(r.stdout)["id"] for r in results]
    assert sorted(ids) == list(range(first_free, first_free + PROPOSERS)), ids
    refs = git(crowd.remote, "for-each-ref", "--format=%(refname)").split()
    for index, number in zip(range(1, PROPOSERS + 1), ids, strict=True):
        branch = f"refs/heads/proposition/{number:04d}-sujet-{index}-en-meme-temps"
        assert branch in refs, (branch, refs)
        assert f"refs/assemblee/numeros/{number:04d}" in refs
        assert remote_record(crowd.remote, number)["titre"] == f"Sujet {index} en même temps"
    figure = (
        f"[stress {label}] {PROPOSERS} propositions simultanées : {elapsed:.1f} s, "
        f"{retries} nouvelles tentatives, numéros {sorted(ids)}"
    )
    FIGURES.append(figure)
    print(f"\n{figure}")


def verify_passes(crowd: Crowd) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "assemblee_cli", "verify"],
        cwd=crowd.alice,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    no_traceback(proc)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "aucune anomalie" in proc.stdout


def test_fifty_members_vote_at_once_over_git_daemon(over_daemon: Crowd):
    start = time.monotonic()
    vote_wave(over_daemon, 1, CROWD, 0, "git://")
    propose_wave(over_daemon, 3, "git://")
    verify_passes(over_daemon)
    print(f"\n[stress git://] total {time.monotonic() - start:.1f} s")


def test_ten_members_vote_at_once_over_file_url(over_file: Crowd):
    start = time.monotonic()
    vote_wave(over_file, 1, 10, 2, "file://")
    vote_wave(over_file, 2, 10, 3, "file://")
    propose_wave(over_file, 3, "file://")
    verify_passes(over_file)
    print(f"\n[stress file://] total {time.monotonic() - start:.1f} s")


def test_a_push_that_loses_the_race_on_the_server_is_redone(assembly):
    """The race the stress test found, made deterministic: the lease holds against the refs
    the server advertised, but another push moves the branch before the server updates it
    (`cannot lock ref …: is at X but expected Y`). That is a conflict to redo on the fresh
    state, not a refusal by the server."""
    a = assembly
    a.propose_edit("alice", "Valeurs", EDIT_VALEURS, now=OPEN)
    branch = "proposition/0001-valeurs"
    a.ok("carol", "status", now=OPEN)
    a.ok("carol", "vote", "1", "blocage", "-r", "Pas encore.", "--offline", now=NEXT_DAY)
    a.git("carol", "push", "-q", "origin", f"{branch}:refs/tmp/course")
    marker = a.root / "course-jouee"
    hook = a.remote / "hooks" / "pre-receive"
    hook.write_text(
        "#!/bin/sh\ncat >/dev/null\n"
        f'if [ ! -e "{marker}" ]; then\n'
        f'  : > "{marker}"\n'
        f"  env -u GIT_QUARANTINE_PATH git update-ref refs/heads/{branch} refs/tmp/course\n"
        "fi\n",
        encoding="utf-8",
    )
    hook.chmod(0o755)

    trace = a.root / "trace-bob.txt"
    a.ok("bob", "vote", "1", "d-accord", now=NEXT_DAY, extra={"GIT_TRACE": str(trace)})
    assert marker.exists()
    # The attempt after the refusal fetches the vote's branch alone, then makes the vote
    # again on its new tip with git processes of the exchange only: the other refs are as
    # read a moment ago, the branch's fork is derived from its previous tip's (carol's vote
    # only changes the proposal file), the objects go in one process.
    started = [
        line.split("trace: built-in: git ", 1)[1]
        for line in trace.read_text(errors="replace").splitlines()
        if "trace: built-in: git " in line
    ]
    fetches = [i for i, command in enumerate(started) if command.startswith("fetch ")]
    pushes = [i for i, command in enumerate(started) if command.startswith("push ")]
    assert len(fetches) == 2 and len(pushes) == 2, started
    assert "refs/heads/*" in started[fetches[0]]
    assert started[fetches[1]].split()[-1] == (
        f"+refs/heads/{branch}:refs/remotes/origin/{branch}"
    ), started[fetches[1]]
    redone = [command.split()[0] for command in started[fetches[1] + 1 : pushes[1]]]
    # the fetch's own (upload-pack, pack-objects, unpack-objects, its connectivity check
    # rev-list), then the vote's objects stored (unpack-objects)
    assert sorted(redone) == sorted(
        ["upload-pack", "pack-objects", "unpack-objects", "rev-list", "unpack-objects"]
    ), started[fetches[1] :]
    votes = record(a.remote_file(branch, "proposals/0001-valeurs.md"))["votes"]
    assert {v["membre"]: v["choix"] for v in votes} == {
        "carol@exemple.org": "blocage",
        "bob@exemple.org": "d-accord",
    }
    assert a.ok("dave", "verify").returncode == 0
