"""Fifty members vote through the page at the same moment (a pool of HTTP clients against
the real server), while members vote from the command line: every vote reaches the shared
remote and `verify` finds nothing wrong."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
from tests.helpers import Assembly
from tests.web.forms import vote
from tests.web.server import NOW, SERVER_MEMBER, add_members, server_clone, start_server

CROWD = 50
CHOICES = ["d-accord", "abstention", "pas-d-accord", "blocage"]


def test_fifty_web_voters_and_command_line_voters_at_once(assembly: Assembly) -> None:
    crowd = [f"membre{i:02d}@exemple.org" for i in range(CROWD)]
    add_members(
        assembly,
        SERVER_MEMBER
        + "".join(f"- nom: Membre {i:02d}\n  email: {m}\n" for i, m in enumerate(crowd)),
    )
    assembly.propose_edit("alice", "Une décision pour tous", None, "-m", "Sans texte.", now=NOW)
    web = start_server(assembly, server_clone(assembly), NOW)
    try:
        links = web.links("1")

        def web_voter(index: int) -> int:
            choice = CHOICES[index % 4]
            reason = f"Raison n°{index}" if choice == "blocage" else ""
            with httpx.Client(timeout=120) as client:
                return vote(client, links[crowd[index]], choice, reason).status_code

        def cli_voter(who: str) -> int:
            return assembly.run(who, "vote", "1", "d-accord", now=NOW).returncode

        with ThreadPoolExecutor(max_workers=CROWD + 3) as pool:
            web_done = [pool.submit(web_voter, i) for i in range(CROWD)]
            cli_done = [pool.submit(cli_voter, who) for who in ("bob", "carol", "dave")]
            assert [f.result() for f in web_done] == [303] * CROWD
            assert [f.result() for f in cli_done] == [0, 0, 0]
    finally:
        web.process.terminate()
        web.process.wait(timeout=10)
    assert "Traceback" not in web.log.read_text(encoding="utf-8")

    shown = assembly.json("alice", "show", "1", now=NOW)
    votes = {v["membre"]: v for v in shown["votes"]}
    assert set(votes) == {*crowd, "bob@exemple.org", "carol@exemple.org", "dave@exemple.org"}
    for index, member in enumerate(crowd):
        assert votes[member]["choix"] == CHOICES[index % 4]
        assert votes[member]["origine"] == "web"
    assert shown["decompte"]["blocage"] == CROWD // 4 + (1 if CROWD % 4 > 3 else 0)
    proc = assembly.run("bob", "verify", now=NOW)
    assert proc.returncode == 0 and "aucune anomalie" in proc.stdout, proc.stdout
