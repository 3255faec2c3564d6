"""The pages come from memory: after a vote only the proposal that moved is read again, the
pages are the ones a fresh server shows, a reader never waits for a page being recomputed
(the builder held by the test), and a member who has just voted sees their vote at once."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.helpers import Assembly, branch_of, clone_member
from tests.web.forms import vote
from tests.web.server import (
    NOW,
    SERVER,
    SERVER_MEMBER,
    Web,
    add_members,
    open_two,
    server_clone,
    start_server,
)

from assemblee_cli.web.app import FETCH_SECONDS

PAGES = ["/", "/proposition/1", "/proposition/2"]
REBUILT = re.compile(r"page (\S+) calculée en \d+ ms \((\d+) fichier")


def rebuilds(log: Path) -> list[tuple[str, int]]:
    """The pages the server computed, in order, with the proposal files each parsed."""
    return [(m[1], int(m[2])) for m in REBUILT.finditer(log.read_text(encoding="utf-8"))]


def shown(
    http: httpx.Client, url: str, wanted: str, seconds: float = 15, unlike: str | None = None
) -> str:
    """The page at `url` once it shows `wanted` (or, with `unlike`, once it differs from that
    page): a server fetches every few seconds."""
    deadline = time.monotonic() + seconds
    while True:
        html = http.get(url, timeout=10).text
        if (
            html != unlike if unlike is not None else wanted in html
        ) or time.monotonic() > deadline:
            return html
        time.sleep(0.2)


def test_a_reader_gets_the_last_complete_page_while_it_is_recomputed(
    assembly: Assembly, browser: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    add_members(assembly, SERVER_MEMBER)
    clone = server_clone(assembly)
    hold = tmp_path / "hold"  # while it exists, the server's builder waits (store/faults.py)
    monkeypatch.setenv("ASSEMBLEE_TEST_PAUSE_AT", f"web:rebuild@{hold}")
    web = start_server(assembly, clone, NOW)
    monkeypatch.delenv("ASSEMBLEE_TEST_PAUSE_AT")
    http = httpx.Client(timeout=10)  # one client: each new one costs some 60 ms of CPU
    try:
        open_two(web)
        for page in PAGES:  # the first pages: computed while the reader waits (none before)
            assert http.get(web.url + page, timeout=30).status_code == 200
        read_at = time.monotonic()  # the server has read the refs (and fetched) before this
        before = {page: http.get(web.url + page).text for page in PAGES}
        # The proposal pages reuse the files that the assembly's page parsed.
        assert rebuilds(web.log) == [("home", 2), ("proposal-1", 0), ("proposal-2", 0)]

        hold.touch()
        assembly.ok("dave", "vote", "1", "pas-d-accord", "-r", "Trop vague.", now=NOW)
        # Past the server's next fetch (FETCH_SECONDS after it read the refs): the readers
        # below find its refs stale.
        time.sleep(max(0.0, read_at + FETCH_SECONDS + 0.3 - time.monotonic()))
        tab = browser.new_page()
        for _ in range(3):  # the builder is held: every reader gets the last complete page
            tab.goto(web.url + "/proposition/1")
            assert tab.title().startswith("Proposition n°1")
            assert "Trop vague." not in tab.content()
            assert http.get(web.url + "/").text == before["/"]
        assert len(rebuilds(web.log)) == 3

        # A member who votes now sees their vote on the page the form leads to, built for
        # them (and then shown to all); the assembly's page is still the last complete one.
        with httpx.Client(timeout=30, follow_redirects=True) as client:
            answer = vote(client, web.link("1", "carol"), "blocage", "Il manque tout.")
        assert answer.status_code == 200 and "Votre position est enregistrée" in answer.text
        assert "Il manque tout." in answer.text and "Trop vague." in answer.text
        assert "Il manque tout." in http.get(web.url + "/proposition/1").text
        assert http.get(web.url + "/").text == before["/"]

        hold.unlink()  # the builder goes on: the readers get the new pages
        assert "Il manque tout." in shown(http, web.url + "/proposition/1", "Il manque tout.")
        tab.goto(web.url + "/proposition/1")
        assert "Trop vague." in tab.content() and "Il manque tout." in tab.content()
        after = {
            # The assembly's page shows counts, not reasons: it is new once it has changed.
            "/": shown(http, web.url + "/", "", unlike=before["/"]),
            "/proposition/1": shown(http, web.url + "/proposition/1", "Il manque tout."),
        }
        assert after["/"] != before["/"]
        after["/proposition/2"] = http.get(web.url + "/proposition/2").text
    finally:
        http.close()
        web.process.terminate()
        web.process.wait(timeout=10)
    log = web.log.read_text(encoding="utf-8")
    assert "Traceback" not in log

    # After the votes, the assembly's page (which shows both proposals) and n°1's page were
    # computed again, reading n°1's new file and never n°2's again; n°2's page (its branch
    # did not move) was not computed again.
    again = rebuilds(web.log)[3:]
    assert {name for name, _count in again} == {"home", "proposal-1"}, again
    assert all(count <= 1 for _name, count in again) and sum(c for _n, c in again) >= 1, again
    assert after["/proposition/2"] == before["/proposition/2"]

    # A fresh server over a fresh clone shows the same pages, byte for byte; in an interpreter
    # of its own (not forked like the first: a hash seed of its own, so the pages do not
    # depend on the order of a set).
    fresh_clone = clone_member(
        assembly.root, assembly.remote, "serveur2", SERVER, assembly.env or {}
    )
    fresh = start_server(assembly, fresh_clone, NOW, own_interpreter=True)
    try:
        with httpx.Client(timeout=30) as http:
            for page in PAGES:
                assert http.get(fresh.url + page).text == after[page], page
    finally:
        fresh.process.terminate()
        fresh.process.wait(timeout=10)


def test_a_page_whose_proposal_is_gone_is_not_served_from_memory(web: Web) -> None:
    """A branch deleted by hand on the shared repository: the page kept in memory is dropped
    once the builder finds the proposal gone, and readers get the French 404 page."""
    open_two(web)
    url = web.url + "/proposition/2"
    with httpx.Client(timeout=30) as http:
        assert http.get(url).status_code == 200
        web.assembly.remote_git("branch", "-D", branch_of(web.assembly, 2))
        deadline = time.monotonic() + 15
        while (answer := http.get(url)).status_code == 200:
            assert time.monotonic() < deadline, "la page d'une proposition disparue reste servie"
            time.sleep(0.1)
        assert answer.status_code == 404 and "Aucune proposition n°2" in answer.text
        assert http.get(web.url + "/proposition/1").status_code == 200
