"""A real `assemblee serve` on loopback over a clone of the shared remote, whose git identity
is the assembly's web server (a member with the secretariat role), next to the members' own
clones (tests/helpers.py).

Each server is a process of its own. Where the assembly runs the tool in process (the web tier
but test_load, see tests/conftest.py), it is forked from the session's fork server
(tests/web/forkserver.py), which has imported the tool and the web stack once: the same entry
point with the same arguments, environment, folder and log as `python -m assemblee_cli serve`,
without some 0.5 s of CPU of imports per server. Elsewhere, or with `own_interpreter`, it is
`python -m assemblee_cli serve` itself."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from tests.helpers import QUALITES, Assembly, clone_member

NOW = "2026-11-02T10:00:00+01:00"  # a Monday: the deadline is Thursday at 10:00
SERVER = ("Serveur de l'assemblée", "serveur@exemple.org")
SERVER_MEMBER = f"""\
- nom: {SERVER[0]}
  email: {SERVER[1]}
  roles: [secretariat]
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Process(Protocol):
    """What the tests use of a server's process (a subprocess.Popen, or a Forked)."""

    def poll(self) -> int | None: ...

    def wait(self, timeout: float | None = None) -> int: ...

    def terminate(self) -> None: ...


@dataclass
class Web:
    assembly: Assembly
    clone: Path  # the server's clone
    url: str
    process: Process
    log: Path

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`assemblee ARGS` in the server's clone."""
        proc = self.assembly.run_in(self.clone, *args, now=NOW)
        assert proc.returncode == 0, proc.stderr
        return proc

    def links(self, ident: str) -> dict[str, str]:
        proc = self.run("links", ident, "--url", self.url, "--json")
        return {item["membre"]: item["lien"] for item in json.loads(proc.stdout)}

    def link(self, ident: str, who: str) -> str:
        return self.links(ident)[self.assembly.email(who)]

    def home_link(self, ident: str, who: str) -> str:
        """A member's personal page (their link without the proposal)."""
        return self.link(ident, who).rsplit("/proposition/", 1)[0]


def add_members(assembly: Assembly, roster_text: str, now: str = NOW) -> None:
    """Alice adds members to the roster on main and pushes (before any proposal opens)."""
    alice = assembly.path("alice")
    with (alice / "codesocial" / "membres.yml").open("a", encoding="utf-8") as handle:
        handle.write(roster_text)
    assembly.git("alice", "commit", "-q", "-am", "Membres : le serveur de la page web")
    assembly.git("alice", "push", "-q", "origin", "main")


def start_server(assembly: Assembly, clone: Path, now: str, own_interpreter: bool = False) -> Web:
    """`assemblee serve` in `clone` on a free port, once it answers: forked from the fork
    server where the assembly runs the tool in process, unless `own_interpreter` (then, like
    elsewhere, `python -m assemblee_cli serve`, with a hash seed of its own)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ if assembly.env is None else assembly.env)
    env["ASSEMBLEE_NOW"] = now
    log = clone.parent / f"serve-{port}.log"
    args = ["serve", "--port", str(port), "--url", url]
    process: Process
    if assembly.in_process and not own_interpreter:
        log.touch()
        process = fork_server(env).start(args, clone, env, log)
    else:
        with log.open("w", encoding="utf-8") as handle:
            process = subprocess.Popen(
                [sys.executable, "-m", "assemblee_cli", *args],
                cwd=clone,
                env=env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                text=True,
            )
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/static/style.css", timeout=2):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(log.read_text(encoding="utf-8")) from None
            time.sleep(0.05)
    return Web(assembly, clone, url, process, log)


class ForkServer:
    """The session's fork server (tests/web/forkserver.py), spoken to through its pipes."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("forkserver.py"))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
            encoding="utf-8",
        )
        self.lock = threading.Lock()

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin and self.process.stdout
        with self.lock:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
            answer = self.process.stdout.readline()
        assert answer, "le serveur de fork s'est arrêté"
        return dict(json.loads(answer))

    def start(self, args: list[str], cwd: Path, env: dict[str, str], log: Path) -> Forked:
        job = {"argv": args, "cwd": str(cwd), "env": env, "log": str(log)}
        return Forked(self, int(self.ask({"start": job})["pid"]))

    def close(self) -> None:
        """Stops the servers still running, then the fork server."""
        assert self.process.stdin
        self.process.stdin.close()
        self.process.wait(timeout=30)


class Forked:
    """A server forked by the fork server, with what the tests use of subprocess.Popen (its
    exit status comes from the fork server, its parent)."""

    def __init__(self, forks: ForkServer, pid: int) -> None:
        self.forks, self.pid = forks, pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self.forks.ask({"poll": self.pid})["returncode"]
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while (code := self.poll()) is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"serveur {self.pid}", timeout or 0)
            time.sleep(0.02)
        return code

    def terminate(self) -> None:
        if self.poll() is None:  # not reaped yet: the pid is still this server's
            os.kill(self.pid, signal.SIGTERM)


_fork_server: list[ForkServer] = []


def fork_server(env: dict[str, str]) -> ForkServer:
    """The session's fork server, started (in `env`) by the first server a test asks for."""
    if not _fork_server:
        _fork_server.append(ForkServer(env))
    return _fork_server[0]


def close_fork_server() -> None:
    while _fork_server:
        _fork_server.pop().close()


def server_clone(assembly: Assembly) -> Path:
    return clone_member(assembly.root, assembly.remote, "serveur", SERVER, assembly.env or {})


def open_two(web: Web) -> None:
    """Two open proposals: n°1 by alice (a text), n°2 by bob (a decision without text, with
    markup in its title)."""
    a = web.assembly
    a.propose_edit(
        "alice",
        "Missions",
        (QUALITES, "## Missions\n\n[à compléter]", "## Missions\n\nApprendre."),
        now=NOW,
    )
    a.propose_edit("bob", "Réunions <b>gras</b>", None, "-m", "Se réunir le mardi.", now=NOW)
