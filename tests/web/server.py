"""A real `assemblee serve` on loopback over a clone of the shared remote, whose git identity
is the assembly's web server (a member with the secretariat role), next to the members' own
clones (tests/helpers.py)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

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


@dataclass
class Web:
    assembly: Assembly
    clone: Path  # the server's clone
    url: str
    process: subprocess.Popen[str]
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


def start_server(assembly: Assembly, clone: Path, now: str) -> Web:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ if assembly.env is None else assembly.env)
    env["ASSEMBLEE_NOW"] = now
    log = clone.parent / f"serve-{port}.log"
    handle = log.open("w", encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "assemblee_cli", "serve", "--port", str(port), "--url", url],
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
            time.sleep(0.1)
    return Web(assembly, clone, url, process, log)


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
