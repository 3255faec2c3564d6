"""A year in the life of an assembly (issue 11): six members, then seven, each in their own
clone against one shared remote, the twelve monthly meetings of 2027 (last Thursday, 19:00)
with its French public holidays, and 25 proposals (and two refused): text changes, decisions without text, two
proposals on one paragraph (the second in conflict, brought up to date by its author with the
commands the tool gives), an amendment after votes, a withdrawal, a consent decision
challenged, the block → relaunch → block → 2/3 → 3-month lock → challenge path, a rules change
adopted mid-year with proposals opened before and after it, a member joining and one leaving
by proposal, a member working offline for a week. Every member keeps their clone as a git user
does (`git pull` on main, edit, propose). After every close `verify` is clean; at the end
every proposal's state and main's text are checked."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import datetime
from typing import Any

import yaml
from tests.helpers import DROITS, QUALITES, VALEURS, clone_member, git

RICHESSES = "sections/05-richesses.md"
ROSTER = "codesocial/membres.yml"
RULES = "codesocial/regles.yml"
TODO = "[à compléter]"

NEWCOMERS = {
    "farid": ("Farid Benali", "farid@exemple.org"),
    "gaelle": ("Gaëlle Roux", "gaelle@exemple.org"),
    "hugo": ("Hugo Lambert", "hugo@exemple.org"),
}


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> str:
    """An instant of 2027, Paris time (summer time from 28 March to 31 October)."""
    offset = "+02:00" if (3, 28) <= (month, day) < (10, 31) else "+01:00"
    return f"2027-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:00{offset}"


def dated(moment: str) -> dict[str, str]:
    """The environment of a plain git command made at `moment` of the story."""
    return {**os.environ, "GIT_AUTHOR_DATE": moment, "GIT_COMMITTER_DATE": moment}


def environ(a: Any) -> dict[str, str]:
    return dict(os.environ if a.env is None else a.env)


def roster_entry(who: str) -> str:
    name, email = NEWCOMERS[who]
    return f"- nom: {name}\n  email: {email}\n"


class Year:
    """The assembly and the gestures of its members."""

    def __init__(self, a: Any) -> None:
        self.a = a
        self.ids: dict[str, int] = {}

    def pull(self, *who: str) -> None:
        for person in who:
            self.a.git(person, "pull", "-q", "--ff-only")

    def fill(self, who: str, path: str, heading: str, text: str) -> None:
        """Write `text` in the paragraph under `heading` still marked [à compléter]."""
        self.a.edit(who, path, f"{heading}\n\n{TODO}", f"{heading}\n\n{text}")

    def propose(self, key: str, who: str, title: str, *options: str, now: str) -> dict[str, Any]:
        p: dict[str, Any] = self.a.json(who, "propose", title, *options, now=now)
        self.ids[key] = p["id"]
        # The member's clone is left so that git pull works: nothing of the edit stays.
        assert self.a.git(who, "status", "--porcelain", "--untracked-files=no") == ""
        return p

    def vote(self, key: str, who: str, choice: str, *options: str, now: str) -> None:
        self.a.ok(who, "vote", str(self.ids[key]), choice, *options, now=now)

    def close(self, now: str, who: str = "carol") -> dict[int, str]:
        items = self.a.json(who, "close", now=now)
        self.verified(who)
        return {item["id"]: item["statut"] for item in items}

    def verified(self, who: str = "carol") -> None:
        report = self.a.json(who, "verify")
        assert report["anomalies"] == [], report["anomalies"]

    def main_text(self, path: str) -> str:
        text = self.a.remote_file("main", path)
        assert text is not None
        return str(text)


def test_a_year_of_an_assembly(assembly):
    a = assembly
    a.in_process = True  # some 150 commands: no interpreter start for each
    y = Year(a)
    # Before the year: the roster has six members, each with their own clone.
    with (a.path("alice") / ROSTER).open("a", encoding="utf-8") as handle:
        handle.write(roster_entry("farid") + roster_entry("gaelle"))
    a.git("alice", "commit", "-qam", "Farid et Gaëlle rejoignent l'assemblée")
    a.git("alice", "push", "-q", "origin", "main")
    for who in ("farid", "gaelle"):
        a.clones[who] = clone_member(a.root, a.remote, who, NEWCOMERS[who], environ(a))
    y.pull("bob", "carol", "dave")

    # -- January: three proposals, two with votes, all adopted (one tacitly) ------------------
    y.fill("alice", QUALITES, "# Qualités de l'assemblée", "Une assemblée ouverte.")
    y.propose("qualites", "alice", "Qui nous sommes", now=at(1, 4))
    y.propose("atelier", "bob", "Atelier de janvier", "-m", "Un atelier le 20.", now=at(1, 4))
    y.fill("carol", DROITS, "## Conditions d'entrée dans l'assemblée", "Deux réunions.")
    y.propose("entree", "carol", "Conditions d'entrée", now=at(1, 5))
    y.vote("qualites", "dave", "d-accord", now=at(1, 6))
    y.vote("entree", "farid", "abstention", now=at(1, 6))
    assert set(y.close(at(1, 28, 17)).values()) == {"adoptee"}

    # -- February: two proposals on one paragraph; an amendment after votes -------------------
    y.pull("alice", "bob", "carol", "farid", "gaelle")  # dave forgets: his clone is stale
    y.fill("dave", VALEURS, "## Valeurs clés", "Le soin.")
    y.propose("soin", "dave", "Le soin", now=at(2, 1))
    y.fill("farid", VALEURS, "## Valeurs clés", "La joie.")
    joie = y.propose("joie", "farid", "La joie", now=at(2, 1))
    y.vote("joie", "alice", "d-accord", now=at(2, 2))
    y.fill("gaelle", RICHESSES, "## Les partenaires", "La ville et les voisins.")
    partners = y.propose("partenaires", "gaelle", "Nos partenaires", now=at(2, 1))
    y.vote("partenaires", "alice", "d-accord", now=at(2, 2))
    y.vote("partenaires", "bob", "d-accord", now=at(2, 2))
    branch = partners["branche"]
    a.git("gaelle", "fetch", "-q")
    a.git("gaelle", "switch", "-q", "-c", branch, f"origin/{branch}")
    a.edit("gaelle", RICHESSES, "La ville et les voisins.", "La ville, les voisins, les écoles.")
    # A plain git commit made on the day of the story: an amendment counts from its commit.
    git(a.path("gaelle"), "commit", "-qam", "Les écoles aussi", env=dated(at(2, 3)))
    a.git("gaelle", "push", "-q", "origin", branch)
    a.git("gaelle", "switch", "-q", "main")
    shown = a.json("bob", "show", str(y.ids["partenaires"]), now=at(2, 3))
    assert shown["decompte"]["d-accord"] == 0  # votes on the old text no longer count
    y.vote("partenaires", "alice", "d-accord", now=at(2, 4))
    proc = a.run("carol", "close", "--json", now=at(2, 25, 17))
    assert proc.returncode == 1 and f"la proposition n°{y.ids['joie']}" in proc.stderr
    y.verified()
    items = {i["id"]: i for i in json.loads(proc.stdout)}
    assert items[y.ids["soin"]]["statut"] == "adoptee"
    assert items[y.ids["partenaires"]]["statut"] == "adoptee"
    assert items[y.ids["joie"]]["probleme"] == "conflit"
    # Farid follows the commands to the letter in his clone.
    for command in items[y.ids["joie"]]["commandes"]:
        if command.startswith("("):
            merged = y.main_text(VALEURS).replace("Le soin.", "Le soin et la joie.")
            (a.path("farid") / VALEURS).write_text(merged, encoding="utf-8")
            a.git("farid", "add", VALEURS)
            git(a.path("farid"), "commit", "--no-edit", env=dated(at(2, 26)))
            continue
        done = subprocess.run(
            command, shell=True, cwd=a.path("farid"), capture_output=True, env=dated(at(2, 26))
        )
        assert (done.returncode != 0) == command.startswith("git merge"), command
    assert a.remote_branch(joie["branche"]) is not None

    # -- March: a withdrawal; a proposal blocked twice; the conflict's proposal adopted -------
    y.pull("alice", "bob", "carol", "dave", "farid", "gaelle")
    out = a.ok("bob", "vote", str(y.ids["joie"]), "d-accord", now=at(3, 1)).stdout
    assert "modifié" in out  # the resolved text is a new text: the window restarts
    y.fill("alice", QUALITES, "## Histoire", "Un essai.")
    y.propose("essai", "alice", "Un essai", now=at(3, 1))
    a.ok("alice", "withdraw", str(y.ids["essai"]), now=at(3, 2))
    y.fill("bob", VALEURS, "## Gouvernance", "La gratuité avant tout.")
    y.propose("gratuite", "bob", "La gratuité", now=at(3, 1))
    y.vote("gratuite", "carol", "blocage", "-r", "Pas tenable.", now=at(3, 2))
    # The amended proposal got a full window from its merge commit: it closes with the block.
    assert y.close(at(3, 5)) == {y.ids["joie"]: "adoptee", y.ids["gratuite"]: "reportee"}
    a.ok("bob", "relaunch", str(y.ids["gratuite"]), now=at(3, 8))
    y.vote("gratuite", "carol", "blocage", "-r", "Toujours pas.", now=at(3, 9))
    assert y.close(at(3, 12)) == {y.ids["gratuite"]: "reportee"}
    assert y.close(at(3, 25, 17)) == {}

    # -- April: a member joins by proposal; the 2/3 round after two meetings ------------------
    y.pull("alice", "bob", "carol", "dave", "farid", "gaelle")
    with (a.path("alice") / ROSTER).open("a", encoding="utf-8") as handle:
        handle.write(roster_entry("hugo"))
    y.propose("hugo", "alice", "Accueillir Hugo", now=at(4, 5))
    y.fill("carol", DROITS, "## Conditions d'exclusion de l'assemblée", "En réunion.")
    y.propose("exclusion", "carol", "Exclusion", now=at(4, 5))
    assert set(y.close(at(4, 29, 17)).values()) == {"adoptee"}
    a.ok("bob", "relaunch", str(y.ids["gratuite"]), "--two-thirds", now=at(4, 29, 19))
    for who in ("alice", "bob", "dave", "farid", "gaelle"):
        y.vote("gratuite", who, "d-accord", now=at(4, 30))
    y.vote("gratuite", "carol", "blocage", "-r", "Je maintiens.", now=at(4, 30))
    assert y.close(at(5, 5)) == {y.ids["gratuite"]: "adoptee"}
    a.clones["hugo"] = clone_member(a.root, a.remote, "hugo", NEWCOMERS["hugo"], environ(a))

    # -- May: the 3-month lock holds, from the paragraph as from --challenges -----------------
    y.pull("alice", "bob", "carol", "dave", "farid", "gaelle")
    a.edit("dave", VALEURS, "La gratuité avant tout.", "La gratuité, parfois.")
    message = a.refused("dave", "propose", "Assouplir", now=at(5, 10))
    assert "deux tiers" in message and f"n°{y.ids['gratuite']}" in message
    message = a.refused(
        "dave", "propose", "Assouplir", "--challenges", str(y.ids["gratuite"]), now=at(5, 10)
    )
    assert "3 mois" in message
    a.git("dave", "checkout", "-q", "--", VALEURS)
    y.fill("hugo", QUALITES, "## Missions", "Faire vivre les communs.")
    y.propose("missions", "hugo", "Nos missions", now=at(5, 10))
    y.vote("missions", "gaelle", "d-accord", now=at(5, 11))
    assert set(y.close(at(5, 27, 17)).values()) == {"adoptee"}

    # -- June: the rules change (72 h → 96 h), with a proposal opened before its adoption -----
    y.pull("alice", "bob", "carol", "dave", "farid", "gaelle", "hugo")
    a.edit("carol", RULES, "duree_minimale_heures: 72", "duree_minimale_heures: 96")
    y.propose("regles", "carol", "Quatre jours pour décider", now=at(6, 1))
    y.fill("farid", RICHESSES, "## Organisation financière", "Une caisse commune.")
    before = y.propose("caisse", "farid", "La caisse", now=at(6, 2))
    assert datetime.fromisoformat(before["echeance"]) == datetime.fromisoformat(at(6, 7))
    assert set(y.close(at(6, 24, 17)).values()) == {"adoptee"}

    # -- July: a proposal under the new rules; a consent decision challenged at once ----------
    y.pull("alice", "bob", "carol", "dave", "farid", "gaelle", "hugo")
    y.fill("gaelle", QUALITES, "## Nos outils", "Un dépôt git.")
    after = y.propose("outils", "gaelle", "Nos outils", now=at(7, 5))
    assert datetime.fromisoformat(after["echeance"]) == datetime.fromisoformat(at(7, 9))
    a.edit("bob", DROITS, "Deux réunions.", "Une réunion.")
    challenge = y.propose(
        "entree2", "bob", "Une réunion suffit", "--challenges", str(y.ids["entree"]), now=at(7, 5)
    )
    assert challenge["conteste"] == y.ids["entree"]
    assert set(y.close(at(7, 29, 17)).values()) == {"adoptee"}

    # -- August: the 2/3 decision may be challenged once its three months are over ------------
    y.pull("alice", "bob", "carol", "dave", "farid", "gaelle", "hugo")
    y.propose("piquenique", "alice", "Pique-nique", "-m", "Le 21 août au parc.", now=at(8, 2))
    a.edit("dave", VALEURS, "La gratuité avant tout.", "La gratuité, parfois.")
    a.refused("dave", "propose", "Assouplir", "--challenges", str(y.ids["gratuite"]), now=at(8, 2))
    y.propose("parfois", "dave", "Assouplir", "--challenges", str(y.ids["gratuite"]), now=at(8, 9))
    assert set(y.close(at(8, 26, 17)).values()) == {"adoptee"}

    # -- September: Farid works offline for a week ------------------------------------------
    y.pull("alice", "bob", "carol", "dave", "farid", "gaelle", "hugo")
    y.fill("alice", VALEURS, "# Valeurs véhiculées par l'assemblée", "Des valeurs partagées.")
    y.propose("vehiculees", "alice", "Nos valeurs", now=at(9, 6))
    y.fill("carol", QUALITES, "## Histoire", "Née en 2026.")
    y.propose("histoire", "carol", "Notre histoire", now=at(9, 8, 9))
    a.git("farid", "fetch", "-q")  # the last fetch before a week without network
    y.vote("vehiculees", "farid", "d-accord", "--offline", now=at(9, 8, 11))
    y.vote("histoire", "farid", "d-accord", "--offline", now=at(9, 8, 11))
    y.fill("farid", RICHESSES, "# Faisceaux de richesses", "Ce qui circule entre nous.")
    offline = a.json("farid", "propose", "Ce qui circule", "--offline", now=at(9, 9))
    y.propose("fete", "gaelle", "Fête de rentrée", "-m", "Le 25 septembre.", now=at(9, 9, 12))
    assert offline["id"] == y.ids["fete"]  # the same number, taken meanwhile
    assert y.close(at(9, 10)) == {y.ids["vehiculees"]: "adoptee"}
    proc = a.run("farid", "sync", now=at(9, 13, 8))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"proposition n°{y.ids['vehiculees']}" in proc.stdout  # refused by name
    assert a.git("farid", "for-each-ref", "refs/assemblee/hors-ligne/")
    y.ids["circule"] = y.ids["fete"] + 1
    assert f"n°{y.ids['circule']}" in proc.stdout
    assert a.run("farid", "sync", now=at(9, 13, 8)).returncode == 0
    shown = a.json("carol", "show", str(y.ids["histoire"]), now=at(9, 13, 8))
    assert [v["membre"] for v in shown["votes"]] == ["farid@exemple.org"]
    y.verified()
    assert set(y.close(at(9, 30, 17)).values()) == {"adoptee"}

    # -- October: a member leaves by proposal ------------------------------------------------
    y.pull("alice", "bob", "carol", "dave", "farid", "gaelle", "hugo")
    a.edit("dave", ROSTER, "- nom: Dave Moreau\n  email: dave@exemple.org\n", "")
    y.propose("depart", "dave", "Dave s'en va", now=at(10, 4))
    y.fill("alice", DROITS, "# Droits d'accès", "Ouverts à toutes et tous.")
    y.propose("acces", "alice", "Droits d'accès", now=at(10, 4))
    assert set(y.close(at(10, 28, 17)).values()) == {"adoptee"}

    # -- November and December ---------------------------------------------------------------
    y.pull("alice", "bob", "carol", "dave", "farid", "gaelle", "hugo")
    y.fill("hugo", VALEURS, "## Modèle social et humain", "Coopératif.")
    y.propose("modele", "hugo", "Le modèle social", now=at(11, 2))
    assert "membres" in a.refused("dave", "vote", str(y.ids["modele"]), "d-accord", now=at(11, 3))
    y.vote("modele", "hugo", "d-accord", now=at(11, 3))
    assert set(y.close(at(11, 25, 17)).values()) == {"adoptee"}
    y.pull("alice", "bob", "carol", "farid", "gaelle", "hugo")
    y.propose("bilan", "gaelle", "Bilan de l'année", "-m", "Le bilan en décembre.", now=at(12, 1))
    assert set(y.close(at(12, 30, 17)).values()) == {"adoptee"}

    # -- The end of the year: every proposal's state, main's text ------------------------------
    assert len(y.ids) == 25 and sorted(y.ids.values()) == list(range(1, 26))
    names = a.remote_git("ls-tree", "--name-only", "main", "proposals/").split()
    states = {}
    for path in names:
        if path.endswith(".md") and path[10:14].isdigit():
            front = a.remote_file("main", path).split("---\n", 2)[1]
            states[int(path[10:14])] = yaml.safe_load(front)["statut"]
    expected = {number: "adoptee" for number in y.ids.values()}
    expected[y.ids["essai"]] = "retiree"
    assert states == expected
    assert not [r for r in a.remote_refs() if r.startswith("refs/heads/proposition/")]
    qualites, valeurs = y.main_text(QUALITES), y.main_text(VALEURS)
    droits, richesses = y.main_text(DROITS), y.main_text(RICHESSES)
    for sentence in ("Une assemblée ouverte.", "Née en 2026.", "Faire vivre", "Un dépôt git."):
        assert sentence in qualites
    for sentence in ("Le soin et la joie.", "La gratuité, parfois.", "Coopératif.", "partagées"):
        assert sentence in valeurs
    for sentence in ("Ouverts à toutes et tous.", "Une réunion.", "En réunion."):
        assert sentence in droits
    for sentence in ("les écoles", "Une caisse commune.", "Ce qui circule entre nous."):
        assert sentence in richesses
    assert TODO not in qualites + valeurs + droits + richesses
    roster = y.main_text(ROSTER)
    assert "hugo@exemple.org" in roster and "dave@exemple.org" not in roster
    assert "duree_minimale_heures: 96" in y.main_text(RULES)
    y.verified("hugo")
