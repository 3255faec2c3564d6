"""Members without git, in a real browser: read the change word by word, block without a
reason (refused), block with one, change to d'accord; open a proposal from the page; the
secretariat records a position given at a meeting. Each time: the commit on the shared
remote, `show --json` and a clean `verify`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.helpers import QUALITES as SECTION
from tests.helpers import Assembly
from tests.web.server import NOW, SERVER, Web

ROSTER = "codesocial/membres.yml"


def verified(assembly: Assembly, who: str = "bob") -> None:
    proc = assembly.run(who, "verify", now=NOW)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "aucune anomalie" in proc.stdout


def last_commit(assembly: Assembly, branch: str) -> tuple[str, str, str]:
    """(author email, committer email, subject) of a branch's tip on the shared remote."""
    out = assembly.remote_git("log", "-1", "--format=%ae%x1f%ce%x1f%s", branch).strip()
    author, committer, subject = out.split("\x1f")
    return author, committer, subject


def votes(assembly: Assembly, ident: str) -> dict[str, Any]:
    shown = assembly.json("dave", "show", ident, now=NOW)
    return {v["membre"]: v for v in shown["votes"]}


def post_with_a_token_of(
    web: Web, page: Any, member: str, form: str, url: str, **fields: str
) -> None:
    """Send, from the page, a form that the page does not show `member`, with a valid
    one-time token of theirs for `form` (signed with the server's secret, as if they had
    one): what the server then refuses, it refuses by its rules, not by the token."""
    from datetime import datetime

    from assemblee_cli.usecases.links import Signer

    secret = (web.clone / ".git" / "assemblee" / "web-secret").read_bytes().strip()
    token = Signer(secret).form_token(member, form, datetime.fromisoformat(NOW).timestamp())
    with page.expect_navigation():
        page.evaluate(
            """([action, fields]) => {
                const form = document.createElement('form');
                form.method = 'post';
                form.action = action;
                for (const [k, v] of Object.entries(fields)) {
                    const input = document.createElement('input');
                    input.type = 'hidden'; input.name = k; input.value = v;
                    form.appendChild(input);
                }
                document.body.appendChild(form);
                form.submit();
            }""",
            [url, {"csrf": token, **fields}],
        )


def open_tools(a: Assembly, now: str = NOW) -> str:
    """Alice proposes to describe « Nos outils »: proposal n°1; its branch."""
    opened = a.propose_edit(
        "alice",
        "Nos outils",
        (SECTION, "## Nos outils\n\n[à compléter]", "## Nos outils\n\nUn dépôt git."),
        now=now,
    )
    return str(opened["branche"])


def test_a_member_votes_from_their_link(web: Web, browser: Any, shots: Path) -> None:
    a = web.assembly
    opened = a.propose_edit(
        "alice",
        "Missions <script>alert('x')</script>",
        (SECTION, "## Missions\n\n[à compléter]", "## Missions\n\nS'éduquer ensemble aux communs."),
        "-m",
        "Décrire nos missions.",
        now=NOW,
    )
    branch = opened["branche"]
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # The public page, compressed for Chromium (it accepts gzip), reads as it is written.
    public = page.goto(web.url + "/proposition/1")
    assert public is not None and public.headers["content-encoding"] == "gzip"
    assert page.locator("ins", has_text="S'éduquer ensemble aux communs.").count() == 1
    page.goto(web.link("1", "bob"))
    assert page.title().startswith("Proposition n°1")
    # The change word by word, the title escaped (no script ran, it reads as text).
    assert page.locator("ins", has_text="S'éduquer ensemble aux communs.").count() == 1
    assert page.locator("del", has_text="[à compléter]").count() == 1
    assert "<script>alert('x')</script>" in page.locator("h1").inner_text()
    assert "Vous ne vous êtes pas encore positionné" in page.content()
    page.screenshot(path=str(shots / "1-lien-personnel.png"), full_page=True)

    # A block without a reason: refused, the sentence shown, nothing recorded.
    before = a.remote_branch(branch)
    page.get_by_role("radio", name="blocage").check()
    page.get_by_role("button", name="Enregistrer ma position").click()
    alert = page.get_by_role("alert")
    assert "Un blocage doit être argumenté" in alert.inner_text()
    assert a.remote_branch(branch) == before
    page.screenshot(path=str(shots / "2-blocage-sans-raison.png"), full_page=True)

    # With its reason: recorded, authored as Bob, committed by the server, marked as web.
    page.get_by_role("radio", name="blocage").check()
    page.get_by_label("Raison").fill("Il manque <b>l'éducation populaire</b>.")
    page.get_by_role("button", name="Enregistrer ma position").click()
    assert "Votre position est enregistrée" in page.get_by_role("status").inner_text()
    assert page.locator("li", has_text="Il manque <b>l'éducation populaire</b>.").count() == 1
    author, committer, subject = last_commit(a, branch)
    assert (author, committer) == ("bob@exemple.org", SERVER[1])
    assert "bob@exemple.org — blocage (par la page web" in subject
    vote = votes(a, "1")["bob@exemple.org"]
    assert (
        vote["choix"] == "blocage" and vote["raison"] == "Il manque <b>l'éducation populaire</b>."
    )
    assert vote["origine"] == "web" and vote["saisi_par"] == SERVER[1]
    # Said as the page says it, on the command line: not « saisi par » the server, as if a
    # secretary had written it down at a meeting.
    shown = " ".join(a.ok("dave", "show", "1", now=NOW).stdout.split())
    assert "(lundi 2 novembre 2026 à 10 h, par la page web)" in shown, shown
    assert "saisi par" not in shown
    verified(a)
    page.screenshot(path=str(shots / "3-blocage-argumente.png"), full_page=True)

    # Changed to d'accord: the last position counts.
    assert page.get_by_role("radio", name="blocage").is_checked()
    page.get_by_role("radio", name="d'accord", exact=True).check()
    page.get_by_role("button", name="Enregistrer ma position").click()
    assert "Vous avez choisi : d'accord" in page.locator("section.vote").inner_text()
    assert votes(a, "1")["bob@exemple.org"]["choix"] == "d-accord"
    [listed] = a.json("carol", "status", now=NOW)["ouvertes"]
    assert listed["decompte"] == {"d-accord": 1, "abstention": 0, "pas-d-accord": 0, "blocage": 0}
    verified(a)
    # The command line sees the web vote after a pull, and the member's clone is untouched.
    a.git("bob", "pull", "-q")
    assert "bob@exemple.org" in votes(a, "1")
    assert errors == []


def test_a_member_opens_a_proposal_from_the_page(web: Web, browser: Any, shots: Path) -> None:
    a = web.assembly
    a.propose_edit(
        "alice",
        "Histoire",
        (SECTION, "## Histoire\n\n[à compléter]", "## Histoire\n\nNée en 2020."),
        now=NOW,
    )
    page = browser.new_page()
    page.goto(web.home_link("1", "dave"))
    assert "Bonjour Dave Moreau" in page.content()
    page.get_by_role("link", name="Proposer une modification du code social").click()
    page.get_by_label("Quelle section").select_option(SECTION)
    page.get_by_role("button", name="Continuer").click()
    text = page.get_by_label("Le texte de la section")
    assert "## Nos outils" in text.input_value()
    text.fill(
        text.input_value().replace(
            "## Nos outils\n\n[à compléter]", "## Nos outils\n\nUn dépôt git et une page web."
        )
    )
    page.get_by_label("Titre de la proposition").fill("Nos outils <img src=x>")
    page.get_by_label("Description").fill("Dire quels outils nous utilisons.")
    page.get_by_role("button", name="Voir la modification").click()
    assert page.locator("ins", has_text="Un dépôt git et une page web.").count() == 1
    page.screenshot(path=str(shots / "4-proposer-apercu.png"), full_page=True)
    page.get_by_role("button", name="Confirmer et ouvrir la proposition").click()
    assert "Votre proposition est ouverte" in page.get_by_role("status").inner_text()
    assert page.locator("h1").inner_text() == "Proposition n°2 : Nos outils <img src=x>"
    page.screenshot(path=str(shots / "5-proposition-ouverte.png"), full_page=True)

    shown = a.json("bob", "show", "2", now=NOW)
    assert shown["titre"] == "Nos outils <img src=x>" and shown["statut"] == "ouverte"
    assert shown["auteur"]["email"] == "dave@exemple.org"
    branch = shown["branche"]
    author, committer, _subject = last_commit(a, branch)
    assert (author, committer) == ("dave@exemple.org", SERVER[1])
    # The same branch and file as `assemblee propose`: the text change and the proposal file.
    changed = a.remote_git("diff", "--name-only", "main", branch).split()
    assert sorted(changed) == ["proposals/0002-nos-outils-img-src-x.md", SECTION]
    assert "Un dépôt git et une page web." in (a.remote_file(branch, SECTION) or "")
    verified(a)


def test_a_member_without_git_proposes_to_welcome_a_member(
    web: Web, browser: Any, shots: Path
) -> None:
    """Welcoming a member is a change of codesocial/membres.yml: the page offers it (and the
    rules) beside the sections. A text the tool could not read is refused on the preview, in
    French with its line, and nothing is written."""
    a = web.assembly
    open_tools(a)
    page = browser.new_page()
    page.goto(web.home_link("1", "dave"))
    page.get_by_role("link", name="Proposer une modification du code social").click()
    page.get_by_label("Quelle section").select_option(ROSTER)
    page.get_by_role("button", name="Continuer").click()
    text = page.get_by_label(f"Le fichier {ROSTER}")
    assert "dave@exemple.org" in text.input_value()
    page.get_by_label("Titre de la proposition").fill("Accueillir Élise")
    text.fill(text.input_value() + "- nom: Élise Petit\n  email: elise\n")
    page.get_by_role("button", name="Voir la modification").click()
    error = page.get_by_role("alert").inner_text()
    assert "ligne" in error and "du membre n°6 (Élise Petit)" in error, error
    assert page.get_by_role("button", name="Confirmer et ouvrir la proposition").count() == 0
    page.screenshot(path=str(shots / "6-proposer-membre-erreur.png"), full_page=True)
    assert a.remote_git("for-each-ref", "--format=%(refname)", "refs/heads/").count("\n") == 2

    text = page.get_by_label(f"Le fichier {ROSTER}")
    text.fill(text.input_value().replace("email: elise\n", "email: elise@exemple.org\n"))
    page.get_by_role("button", name="Voir la modification").click()
    assert page.locator("ins", has_text="elise@exemple.org").count() == 1
    page.get_by_role("button", name="Confirmer et ouvrir la proposition").click()
    assert "Votre proposition est ouverte" in page.get_by_role("status").inner_text()

    shown = a.json("bob", "show", "2", now=NOW)
    assert shown["auteur"]["email"] == "dave@exemple.org" and shown["fichiers"] == [ROSTER]
    assert "elise@exemple.org" in (a.remote_file(shown["branche"], ROSTER) or "")
    verified(a)


def test_the_secretariat_records_a_position_given_at_a_meeting(
    web: Web,
    browser: Any,
    shots: Path,
) -> None:
    a = web.assembly
    opened = a.propose_edit(
        "alice",
        "Histoire",
        (SECTION, "## Histoire\n\n[à compléter]", "## Histoire\n\nNée en 2020."),
        now=NOW,
    )
    page = browser.new_page()
    page.goto(web.home_link("1", "carol"))
    page.get_by_role("link", name="Secrétariat — proposition n°1").click()
    page.get_by_label("Membre").select_option("dave@exemple.org")
    page.get_by_role("radio", name="pas d'accord").check()
    page.get_by_label("Raison").fill("Dit en réunion.")
    page.get_by_role("button", name="Enregistrer cette position").click()
    assert "Position de dave@exemple.org enregistrée" in page.get_by_role("status").inner_text()
    page.screenshot(path=str(shots / "6-secretariat.png"), full_page=True)
    vote = votes(a, "1")["dave@exemple.org"]
    assert vote["choix"] == "pas-d-accord" and vote["saisi_par"] == "carol@exemple.org"
    assert vote["origine"] is None
    author, committer, _subject = last_commit(a, opened["branche"])
    assert (author, committer) == ("carol@exemple.org", SERVER[1])
    verified(a)

    # A member without the role gets a French 403 page for the secretariat's page.
    bob_page = web.home_link("1", "bob") + "/secretariat/1"
    response = page.goto(bob_page)
    assert response is not None and response.status == 403
    assert "Réservé au secrétariat" in page.content()


def test_an_author_withdraws_their_proposal_from_their_page(
    web: Web, browser: Any, shots: Path
) -> None:
    a = web.assembly
    branch = open_tools(a)
    name = branch.removeprefix("proposition/")
    page = browser.new_page()
    # Another member sees no withdrawal; a withdrawal form sent with a valid token of theirs
    # (as if they had one) is refused by the rule, in French, and nothing changes.
    page.goto(web.link("1", "bob"))
    assert page.locator("section.withdraw").count() == 0
    before = a.remote_refs()
    post_with_a_token_of(
        web,
        page,
        "bob@exemple.org",
        "retrait-1",
        web.link("1", "bob") + "/retirer",
        confirmer="oui",
    )
    assert "Seul·e l'auteur·rice de la proposition n°1" in page.get_by_role("alert").inner_text()
    assert a.remote_refs() == before

    # Its author withdraws it: the box to tick, then the button.
    page.goto(web.link("1", "alice"))
    section = page.locator("section.withdraw")
    assert "Vous en êtes l'auteur·rice" in section.inner_text()
    page.screenshot(path=str(shots / "7-retirer.png"), full_page=True)
    page.get_by_label("Je retire la proposition n°1").check()
    page.get_by_role("button", name="Retirer ma proposition").click()
    assert "Votre proposition est retirée" in page.get_by_role("status").inner_text()
    assert page.locator("p.status").inner_text().startswith("Retirée")
    assert page.locator("section.withdraw").count() == 0
    page.screenshot(path=str(shots / "8-retiree.png"), full_page=True)

    # The same record as `assemblee withdraw`: the branch archived, the record on main,
    # authored as Alice and committed by the server; verify agrees.
    refs = a.remote_refs()
    assert f"refs/heads/{branch}" not in refs and f"refs/archives/{branch}" in refs
    record_text = a.remote_file("main", f"proposals/{name}.md") or ""
    assert "statut: retiree" in record_text
    out = a.remote_git("log", "-1", "--format=%ae%x1f%ce", "main").strip()
    assert out.split("\x1f") == ["alice@exemple.org", SERVER[1]]
    assert a.json("carol", "status", now=NOW)["ouvertes"] == []
    verified(a)


def test_the_secretariat_opens_the_next_round_of_a_postponed_proposal(
    web: Web, browser: Any, shots: Path
) -> None:
    a = web.assembly
    branch = open_tools(a, now="2026-10-22T10:00:00+02:00")
    a.ok("dave", "vote", "1", "blocage", "-r", "Trop tôt.", now="2026-10-23T10:00:00+02:00")
    [closed] = a.json("carol", "close", now="2026-10-28T10:00:00+01:00")
    assert closed["statut"] == "reportee"

    # A member without the role: refused by the role, with a valid form token of theirs.
    page = browser.new_page()
    page.goto(web.link("1", "bob"))
    before = a.remote_branch(branch)
    post_with_a_token_of(
        web,
        page,
        "bob@exemple.org",
        "secretariat-1",
        web.home_link("1", "bob") + "/secretariat/1",
        action="relancer",
        mode="consentement",
    )
    assert "Réservé au secrétariat" in page.content()
    assert a.remote_branch(branch) == before

    # The secretariat: a two-thirds round is refused by the rules (one blocked round only),
    # in their words; a round by consent opens.
    page.goto(web.home_link("1", "carol"))
    page.get_by_role("link", name="Secrétariat — proposition n°1").click()
    assert "Cette proposition est reportée" in page.content()
    page.get_by_role("radio", name="aux deux tiers").check()
    page.get_by_role("button", name="Ouvrir le tour suivant").click()
    assert (
        "le vote aux deux tiers n'est possible qu'après" in page.get_by_role("alert").inner_text()
    )
    assert a.remote_branch(branch) == before
    page.get_by_role("radio", name="par consentement").check()
    page.get_by_role("button", name="Ouvrir le tour suivant").click()
    assert "Tour 2 ouvert (consentement), échéance le jeudi 5 novembre 2026 à 10 h" in (
        page.get_by_role("status").inner_text()
    )
    page.screenshot(path=str(shots / "9-tour-suivant.png"), full_page=True)
    # The same as `assemblee relaunch`, authored by the secretariat, committed by the server;
    # the positions of the new round can be recorded at once on the same page.
    assert page.get_by_role("button", name="Enregistrer cette position").count() == 1
    shown = a.json("bob", "show", "1", now=NOW)
    assert shown["statut"] == "ouverte" and shown["tour"] == 2
    author, committer, subject = last_commit(a, branch)
    assert (author, committer) == ("carol@exemple.org", SERVER[1])
    assert subject == "Proposition n°1 : tour 2 (consentement)"
    verified(a)


def test_an_author_brings_a_proposal_in_conflict_up_to_date_from_their_page(
    web: Web, browser: Any, shots: Path
) -> None:
    """Two proposals change the same line; the close merges the first; the second is in
    conflict. Its author, without git, gives the text on top of main from their page: a merge
    of main into their branch, authored by them, an amendment (the round restarts); the next
    close merges it."""
    a = web.assembly
    before_now = "2026-10-22T10:00:00+02:00"
    line = "## Nos outils\n\n[à compléter]"
    a.propose_edit(
        "alice", "Un dépôt", (SECTION, line, "## Nos outils\n\nUn dépôt git."), now=before_now
    )
    second = a.propose_edit(
        "bob", "Une page", (SECTION, line, "## Nos outils\n\nUne page web."), now=before_now
    )
    proc = a.run("carol", "close", "--json", now="2026-10-28T10:00:00+01:00")
    assert proc.returncode == 1  # the close could not apply n°2
    items = json.loads(proc.stdout)
    assert [(i["id"], i["probleme"]) for i in items] == [(1, None), (2, "conflit")]
    branch = second["branche"]

    page = browser.new_page()
    page.goto(web.link("2", "alice"))  # not the author: no way to update it
    assert "En conflit avec le texte actuel de main" in page.content()
    assert page.get_by_role("link", name="Mettre à jour ma proposition").count() == 0
    page.goto(web.link("2", "bob"))
    page.get_by_role("link", name="Mettre à jour ma proposition").click()
    mine = page.get_by_label("Votre version (rappel)")
    assert "Une page web." in mine.input_value()
    text = page.get_by_label("Le texte de main, à modifier")
    assert "Un dépôt git." in text.input_value()
    text.fill(text.input_value().replace("Un dépôt git.", "Un dépôt git et une page web."))
    page.screenshot(path=str(shots / "10-mise-a-jour.png"), full_page=True)
    page.get_by_label("J'amende ma proposition").check()
    page.get_by_role("button", name="Mettre à jour ma proposition").click()
    assert "Votre proposition est mise à jour" in page.get_by_role("status").inner_text()
    assert "En conflit" not in page.content()

    # A merge of main into the branch, authored by bob, committed by the server.
    parents = a.remote_git("log", "-1", "--format=%P", branch).split()
    assert parents[1] == a.remote_git("rev-parse", "main").strip()
    author, committer, _subject = last_commit(a, branch)
    assert (author, committer) == ("bob@exemple.org", SERVER[1])
    assert "Un dépôt git et une page web." in (a.remote_file(branch, SECTION) or "")
    shown = a.json("dave", "show", "2", now=NOW)
    assert shown["statut"] == "ouverte" and shown["echeance"] > "2026-11-02"
    verified(a)
    # After the new deadline, the close merges it cleanly.
    [item] = a.json("carol", "close", now="2026-11-06T10:00:00+01:00")
    assert (item["id"], item["statut"], item["probleme"]) == (2, "adoptee", None)
    assert "Un dépôt git et une page web." in (a.remote_file("main", SECTION) or "")
    verified(a)
