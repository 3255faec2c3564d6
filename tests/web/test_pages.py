"""The public pages and what goes with them: `links --json`, the static site, the calendar
and the feed, what members push from the command line shown within seconds, clear French
pages for what does not exist."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.web.forms import csrf_of
from tests.web.server import NOW, SERVER, Web, open_two


def test_links_give_each_member_of_the_frozen_roster_their_own_link(web: Web) -> None:
    open_two(web)
    proc = web.run("links", "2", "--url", "https://assemblee.exemple.org/vote/", "--json")
    data = json.loads(proc.stdout)
    assert [item["membre"] for item in data] == [
        "alice@exemple.org",
        "bob@exemple.org",
        "carol@exemple.org",
        "dave@exemple.org",
        SERVER[1],
    ]
    links = [item["lien"] for item in data]
    assert len(set(links)) == len(links)
    assert all(link.startswith("https://assemblee.exemple.org/vote/m/v1.") for link in links)
    assert all(link.endswith("/proposition/2") for link in links)
    # Without --json: one line per member; the same links (signed with the same secret).
    text = web.run("links", "0002", "--url", "https://assemblee.exemple.org/vote").stdout
    assert text.splitlines() == [f"{i['membre']}\t{i['lien']}" for i in data]
    # An unknown proposal: one French sentence, exit 1.
    proc = web.assembly.run_in(web.clone, "links", "9")
    assert proc.returncode == 1 and "Aucune proposition n°9" in proc.stderr


def test_pages_show_what_members_push_within_seconds(web: Web) -> None:
    open_two(web)
    a = web.assembly
    with httpx.Client() as client:
        home = client.get(web.url + "/")
        assert home.status_code == 200
        assert (
            "Proposition n°1 : Missions" in home.text
            and "Réunions &lt;b&gt;gras&lt;/b&gt;" in home.text
        )
        assert "Prochaine réunion" in home.text and "Le silence vaut consentement" in home.text
        assert "il reste" in home.text
        page = client.get(web.url + "/proposition/1").text
        assert "<del>[à compléter]</del><ins>Apprendre.</ins>" in page
        assert "Pas encore positionné·es" in page and "Dave Moreau" in page
        a.ok("dave", "vote", "1", "pas-d-accord", "-r", "Trop vague.", now=NOW)
        deadline = time.monotonic() + 10
        while "Trop vague." not in client.get(web.url + "/proposition/1").text:
            assert time.monotonic() < deadline, "le vote poussé n'apparaît pas sur la page"
            time.sleep(0.3)
        ics = client.get(web.url + "/calendrier.ics")
        assert ics.headers["content-type"].startswith("text/calendar")
        assert "BEGIN:VCALENDAR" in ics.text and "Missions" in ics.text
        feed = client.get(web.url + "/flux.atom")
        assert feed.headers["content-type"].startswith("application/atom+xml")
        assert "<feed" in feed.text and "Ouverte : Missions" in feed.text
        missing = client.get(web.url + "/proposition/42")
        assert missing.status_code == 404 and "Aucune proposition n°42" in missing.text
        assert client.get(web.url + "/nulle-part").status_code == 404
        assert client.post(web.url + "/proposition/1").status_code == 405


def test_a_blocked_proposal_is_said_postponed_in_the_feed_and_on_the_home_page(web: Web) -> None:
    """A postponed proposal is no longer « Ouverte » in the feed: its entry (a new id) says
    it was postponed, when, and why; the home page does not tell to block it before a deadline
    that has passed."""
    open_two(web)
    a = web.assembly
    a.ok("dave", "vote", "1", "blocage", "-r", "Trop vague.", now=NOW)
    a.ok("carol", "close", now="2026-11-05T11:00:00+01:00")  # after Thursday's deadline
    with httpx.Client() as client:
        deadline = time.monotonic() + 10
        while "Reportée : Missions" not in (feed := client.get(web.url + "/flux.atom").text):
            assert time.monotonic() < deadline, feed
            time.sleep(0.3)
    assert "Ouverte : Missions" not in feed
    assert "/proposition/1#reportee-1</id>" in feed
    assert "au moins un blocage à l'échéance" in feed
    assert "1 blocage" in feed
    # On the home page, what silence means is for a running round, not a postponed proposal.
    home = httpx.get(web.url + "/").text
    assert "Reportée" in home and "Missions" in home
    assert "Le silence vaut consentement" not in home


def test_public_pages_are_compressed_for_the_browsers_that_accept_it(web: Web) -> None:
    """A public page goes compressed to whom accepts gzip (computed once with the page), the
    same bytes once unpacked; as it is to whom does not, or refuses it; and a member's page,
    which holds their link and a form token, never compressed (BREACH)."""
    import gzip

    open_two(web)
    with httpx.Client() as client:
        for path in ("/", "/proposition/1", "/code-social", "/decisions"):
            plain = client.get(web.url + path, headers={"Accept-Encoding": "identity"})
            assert plain.status_code == 200 and "content-encoding" not in plain.headers
            assert plain.headers["vary"] == "Accept-Encoding"
            with client.stream(
                "GET", web.url + path, headers={"Accept-Encoding": "gzip, deflate, br"}
            ) as packed:
                raw = b"".join(packed.iter_raw())
            assert packed.headers["content-encoding"] == "gzip", path
            assert packed.headers["content-type"] == "text/html; charset=utf-8"
            assert gzip.decompress(raw) == plain.content and len(raw) < len(plain.content)
            refused = client.get(web.url + path, headers={"Accept-Encoding": "gzip;q=0"})
            assert "content-encoding" not in refused.headers and refused.content == plain.content
        personal = client.get(web.link("1", "bob"), headers={"Accept-Encoding": "gzip"})
        assert personal.status_code == 200 and "content-encoding" not in personal.headers
        assert 'name="csrf"' in personal.text


def test_site_writes_the_public_pages_without_forms(web: Web, tmp_path: Path) -> None:
    open_two(web)
    web.assembly.ok("carol", "vote", "1", "blocage", "-r", "Il manque <i>tout</i>.", now=NOW)
    later = "2026-11-06T10:00:00+01:00"  # after Thursday's deadline: n°1 is postponed
    web.assembly.ok("bob", "close", now=later)
    out = tmp_path / "public"
    proc = web.assembly.run("bob", "site", str(out), now=later)
    assert proc.returncode == 0, proc.stderr
    names = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert names == [
        "calendrier.ics",
        "code-social.html",
        "decisions.html",
        "flux.atom",
        "index.html",
        "proposition-1.html",
        "proposition-2.html",
        "static/style.css",
    ]
    for name in names:
        if name.endswith(".html"):
            html = (out / name).read_text(encoding="utf-8")
            assert "<form" not in html and "<script" not in html and "/m/" not in html
            assert 'href="static/style.css"' in html
    page = (out / "proposition-1.html").read_text(encoding="utf-8")
    assert "Il manque &lt;i&gt;tout&lt;/i&gt;." in page
    # Each round's result in words, as on the command line (never the file's "reportee").
    assert "— reportée (0 d&#39;accord, 0 s&#39;abstient, 0 pas d&#39;accord, 1 blocage)" in page
    assert 'href="proposition-2.html"' in (out / "index.html").read_text(encoding="utf-8")
    # The member's clone is untouched.
    assert web.assembly.git("bob", "status", "--porcelain") == ""


def test_a_decision_without_text_from_the_page(web: Web) -> None:
    """No section chosen: the proposal changes no text, like `assemblee propose` on a clean
    clone; a title is required (the same sentence as the command line)."""
    a = web.assembly
    a.propose_edit("alice", "Missions", None, now=NOW)
    page = web.home_link("1", "bob") + "/proposer"
    with httpx.Client() as client:
        empty = client.post(
            page, data={"csrf": csrf_of(client.get(page).text), "etape": "confirmer"}
        )
        assert empty.status_code == 400 and "Donnez un titre à la proposition" in empty.text
        sent = client.post(
            page,
            data={
                "csrf": csrf_of(empty.text),
                "titre": "Adhérer au réseau des communs",
                "description": "Une décision, pas un texte.",
                "etape": "confirmer",
            },
        )
        assert sent.status_code == 303 and sent.headers["location"].endswith(
            "/proposition/2?cree=1"
        )
    shown = a.json("carol", "show", "2", now=NOW)
    assert shown["auteur"]["email"] == "bob@exemple.org" and shown["statut"] == "ouverte"
    assert a.remote_git("diff", "--name-only", "main", shown["branche"]).split() == [
        "proposals/0002-adherer-au-reseau-des-communs.md"
    ]
    proc = a.run("carol", "verify", now=NOW)
    assert proc.returncode == 0, proc.stdout


def test_pages_already_computed_answer_without_starting_git(
    assembly: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Between two fetches, the home and proposal pages come from memory: the server starts no
    git process for them (counted with GIT_TRACE, as tests/perf does)."""
    from tests.perf.test_process_counts import bench
    from tests.web.server import SERVER_MEMBER, add_members, server_clone, start_server

    add_members(assembly, SERVER_MEMBER)
    trace = tmp_path / "trace.txt"
    clone = server_clone(assembly)
    web = Web(assembly, clone, "", None, trace)  # type: ignore[arg-type]
    open_two(web)
    monkeypatch.setenv("GIT_TRACE", str(trace))
    server = start_server(assembly, clone, NOW)
    monkeypatch.delenv("GIT_TRACE")
    try:
        with httpx.Client() as client:
            pages = ["/", "/proposition/1", "/proposition/2"]
            quiet = 0
            for _attempt in range(5):  # a busy machine may let a fetch fall in between
                for page in pages:
                    assert client.get(server.url + page).status_code == 200
                before = bench.count_git_processes(trace.read_text(errors="replace"))
                for page in pages * 3:
                    assert client.get(server.url + page).status_code == 200
                after = bench.count_git_processes(trace.read_text(errors="replace"))
                quiet += after == before
            assert quiet > 0, "chaque page relancée démarre git"
    finally:
        server.process.terminate()
        server.process.wait(timeout=10)
