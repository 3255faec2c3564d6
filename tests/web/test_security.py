"""The web page as a public service: forged, expired, someone else's and replayed tokens, a
form without its token, script in a title, a reason and a section: refused or escaped, and
nothing recorded. GET never writes; every page sends the Content-Security-Policy; the secret
stays out of git and the logs."""

from __future__ import annotations

import base64
import os
import stat
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import httpx
import pytest
from tests.helpers import Assembly
from tests.web.forms import csrf_of, vote
from tests.web.server import NOW, SERVER, Web, add_members, server_clone, start_server

SCRIPT = "<script>alert('x')</script>"


def forbidden(response: httpx.Response) -> None:
    assert response.status_code == 403
    assert "text/html" in response.headers["content-type"]
    assert "Traceback" not in response.text
    assert "rien n&#39;a été enregistré" in response.text


def secret_of(web: Web) -> bytes:
    return (web.clone / ".git" / "assemblee" / "web-secret").read_bytes().strip()


@pytest.fixture()
def opened(web: Web) -> Web:
    web.assembly.propose_edit(
        "alice",
        f"Missions {SCRIPT}",
        ("sections/02-qualites.md", "## Missions\n\n[à compléter]", "## Missions\n\nApprendre."),
        now=NOW,
    )
    return web


def test_bad_links_get_a_french_403_and_record_nothing(opened: Web) -> None:
    from assemblee_cli.usecases.links import Signer

    web, a = opened, opened.assembly
    before = a.remote_refs()
    link = web.link("1", "bob")
    prefix, token, rest = link.split("/m/", 1)[0], *link.split("/m/", 1)[1].split("/", 1)
    v, who, until, signature = token.split(".")
    carol = base64.urlsafe_b64encode(b"carol@exemple.org").rstrip(b"=").decode()
    signer = Signer(secret_of(web))
    past = signer.member_token("bob@exemple.org", time.time() - 3600 * 24 * 365 * 5)
    others = Signer(b"un autre secret").member_token("bob@exemple.org", 4_000_000_000)
    bad = {
        "forged": f"{v}.{who}.{until}.{signature[:-2]}AA",
        "other member": f"{v}.{carol}.{until}.{signature}",
        "longer": f"{v}.{who}.{int(until) + 1000}.{signature}",
        "expired": past,
        "other secret": others,
        "garbage": "n'importe-quoi",
    }
    with httpx.Client() as client, ThreadPoolExecutor(len(bad)) as pool:

        def both(forged: str) -> None:
            url = f"{prefix}/m/{forged}/{rest}"
            forbidden(client.get(url))
            forbidden(client.post(url, data={"csrf": "x", "choix": "blocage", "raison": "r"}))

        # At once: the growing delays of these bad links are waited side by side.
        list(pool.map(both, bad.values()))
        # A genuine link, only too old, says so and until when it was good; the others say
        # nothing of what is wrong with them.
        expired = client.get(f"{prefix}/m/{past}/{rest}").text
        assert "Ce lien a expiré" in expired and "valait jusqu&#39;au " in expired
        assert str(time.gmtime(time.time() - 3600 * 24 * 365 * 5).tm_year) in expired
        for name in ("forged", "other member", "longer", "other secret"):
            assert (
                "Ce lien n&#39;est pas valable" in client.get(f"{prefix}/m/{bad[name]}/{rest}").text
            )
        # Repeated bad links are slowed down.
        started = time.monotonic()
        client.get(f"{prefix}/m/encore-faux/{rest}")
        assert time.monotonic() - started >= 0.25
    assert a.remote_refs() == before
    log = web.log.read_text(encoding="utf-8")
    assert signature not in log and secret_of(web).decode() not in log


def test_forms_need_their_own_fresh_token(opened: Web) -> None:
    web, a = opened, opened.assembly
    branch = a.json("bob", "show", "1", now=NOW)["branche"]
    bob, dave = web.link("1", "bob"), web.link("1", "dave")
    before = a.remote_branch(branch)
    with httpx.Client() as client:
        # No token, an empty one, a token of another member's form: refused.
        forbidden(client.post(bob, data={"choix": "d-accord"}))
        forbidden(client.post(bob, data={"csrf": "", "choix": "d-accord"}))
        forbidden(
            client.post(dave, data={"csrf": csrf_of(client.get(bob).text), "choix": "d-accord"})
        )
        assert a.remote_branch(branch) == before
        # A form sent once is recorded; sent again (replayed), refused.
        token = csrf_of(client.get(bob).text)
        sent = client.post(bob, data={"csrf": token, "choix": "d-accord"})
        assert sent.status_code == 303
        after = a.remote_branch(branch)
        assert after != before
        forbidden(client.post(bob, data={"csrf": token, "choix": "blocage", "raison": "rejoué"}))
        assert a.remote_branch(branch) == after
        # GET never writes, whatever it carries.
        client.get(bob, params={"choix": "blocage", "raison": "r", "csrf": token})
    assert a.remote_branch(branch) == after
    assert a.json("bob", "show", "1", now=NOW)["votes"][0]["choix"] == "d-accord"


def test_user_text_is_escaped_everywhere(opened: Web) -> None:
    web, a = opened, opened.assembly
    # A section whose title carries a script, adopted on main by hand.
    alice = a.path("alice")
    (alice / "sections" / "06-piege.md").write_text(
        f'---\ntitre: "Piège {SCRIPT}"\nfaisceau: valeurs\n---\n# Piège {SCRIPT}\n\nTexte {SCRIPT}.\n',
        encoding="utf-8",
    )
    a.git("alice", "add", "sections/06-piege.md")
    a.git("alice", "commit", "-q", "-m", "Une section piégée")
    a.git("alice", "push", "-q", "origin", "main")
    with httpx.Client() as client:
        assert vote(client, web.link("1", "bob"), "blocage", f"Raison {SCRIPT}").status_code == 303
        # The server fetches what was pushed within seconds.
        deadline = time.monotonic() + 15
        while "Piège" not in client.get(web.url + "/code-social").text:
            assert time.monotonic() < deadline, "la section poussée n'apparaît pas"
            time.sleep(0.1)
        pages = ["/", "/proposition/1", "/code-social", "/decisions", "/m/x"]
        member = web.home_link("1", "carol").removeprefix(web.url)
        pages += [
            member,
            f"{member}/proposition/1",
            f"{member}/proposer",
            f"{member}/proposer?section=sections/06-piege.md",
            f"{member}/secretariat/1",
        ]
        for path in pages:
            response = client.get(web.url + path)
            assert response.status_code in (200, 403), (path, response.status_code)
            assert "<script" not in response.text, path
            csp = response.headers["content-security-policy"]
            assert "default-src 'none'" in csp and "unsafe-inline" not in csp
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["referrer-policy"] == "no-referrer"
        page = client.get(web.url + "/proposition/1").text
        assert "Raison &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
        assert "Missions &lt;script&gt;" in page
        assert "Piège &lt;script&gt;" in client.get(web.url + "/code-social").text
        feed = client.get(web.url + "/flux.atom").text
        assert "<script" not in feed and "Missions &lt;script&gt;" in feed
        # A section path that is not a section of main: refused, nothing written.
        before = a.remote_refs()
        bad = client.get(web.url + f"{member}/proposer", params={"section": "../../etc/passwd"})
        assert bad.status_code == 404
        assert a.remote_refs() == before


def test_the_secret_stays_out_of_git_and_rotating_it_revokes_every_link(opened: Web) -> None:
    web, a = opened, opened.assembly
    link = web.link("1", "bob")
    secret = web.clone / ".git" / "assemblee" / "web-secret"
    assert stat.S_IMODE(os.stat(secret).st_mode) == 0o600
    assert a.git_in(web.clone, "status", "--porcelain") == ""
    value = secret.read_text(encoding="utf-8").strip()
    assert value not in a.remote_git("log", "--all", "-p")
    # Rotate: forget the secret and restart the server; the old link is refused.
    web.process.terminate()
    web.process.wait(timeout=10)
    secret.unlink()
    again = start_server(a, web.clone, NOW)
    try:
        with httpx.Client() as client:
            forbidden(client.get(link.replace(web.url, again.url)))
            assert secret.read_text(encoding="utf-8").strip() != value
            fresh = again.link("1", "bob")
            assert client.get(fresh).status_code == 200
    finally:
        again.process.terminate()
        again.process.wait(timeout=10)
    web.process = again.process  # the fixture's teardown waits on the live one


def test_the_page_refuses_with_the_command_line_sentences(web: Web) -> None:
    """Late, not a member at the opening: the same French sentences as `assemblee vote`, in a
    page with status 400, and nothing recorded."""
    from assemblee_cli.usecases.links import Signer

    a = web.assembly
    a.propose_edit("alice", "Déjà close", None, now="2026-10-01T10:00:00+02:00")  # past deadline
    a.propose_edit("alice", "Ouverte", None, now=NOW)
    signer = Signer(secret_of(web))
    moment = datetime.fromisoformat(NOW).timestamp()
    before = a.remote_refs()
    with httpx.Client() as client:
        late = web.link("1", "bob")
        page = client.get(late)
        assert page.status_code == 200 and '<form method="post"' not in page.text
        token = late.split("/m/")[1].split("/")[0]
        member = base64.urlsafe_b64decode(token.split(".")[1] + "==").decode()
        form = signer.form_token(member, "vote-1", moment)
        refused = client.post(late, data={"csrf": form, "choix": "d-accord"})
        assert refused.status_code == 400
        assert "Le vote sur la proposition n°1 est clos depuis le" in refused.text
        # Eve was never a member: her (validly signed) link shows the proposal, no form, and a
        # forged form is refused with the sentence of the command line.
        eve = signer.member_token("eve@exemple.org", 4_000_000_000)
        link = f"{web.url}/m/{eve}/proposition/2"
        assert "ne figuriez pas dans la liste des membres" in client.get(link).text
        form = signer.form_token("eve@exemple.org", "vote-2", moment)
        refused = client.post(link, data={"csrf": form, "choix": "d-accord"})
        assert refused.status_code == 400
        assert (
            "eve@exemple.org ne figurait pas dans la liste des membres à l&#39;ouverture"
            in refused.text
        )
    assert a.remote_refs() == before


def test_a_server_without_the_secretariat_role_says_so_and_records_nothing(
    assembly: Assembly,
) -> None:
    """The server's identity is a member without the secretariat role (a set-up mistake): `serve`
    warns its administrator when it starts, and a member's position sent from the page is
    refused with a sentence that tells the member what to do, not a git identity's rights."""
    add_members(assembly, f"- nom: {SERVER[0]}\n  email: {SERVER[1]}\n")
    web = start_server(assembly, server_clone(assembly), NOW)
    try:
        log = web.log.read_text(encoding="utf-8")
        assert f"Attention : {SERVER[1]} n'a pas le rôle « secretariat »" in log
        assembly.propose_edit("alice", "Ouverte", None, now=NOW)
        before = assembly.remote_refs()
        with httpx.Client() as client:
            bob = web.link("1", "bob")
            refused = client.post(
                bob, data={"csrf": csrf_of(client.get(bob).text), "choix": "d-accord"}
            )
        assert refused.status_code == 400
        assert "La page web ne peut pas enregistrer votre position" in refused.text
        assert "prévenez le secrétariat" in refused.text
        assert assembly.remote_refs() == before
    finally:
        web.process.terminate()
        web.process.wait(timeout=10)
