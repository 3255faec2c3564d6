"""The command-line contract for scripts: `--json` prints exactly one JSON document with the
contract's fields and types; exit codes are 0 (done), 1 (refused, one French sentence on
stderr) and 2 (usage error); never a traceback."""

from __future__ import annotations

import json
from datetime import datetime

from tests.helpers import DEADLINE, NEXT_DAY, OPEN

EDIT = ("sections/03-valeurs.md", "## Valeurs clés\n\n[à compléter]", "## Valeurs clés\n\nSoin.")

STATUSES = {"ouverte", "adoptee", "reportee", "rejetee", "retiree"}
MODES = {"consentement", "deux-tiers"}
CHOICES = {"d-accord", "abstention", "pas-d-accord", "blocage"}


def document(a, who: str, *args: str, now: str):
    """Run a `--json` command: exit 0, nothing on stderr, one JSON document on stdout."""
    proc = a.run(who, *args, "--json", now=now)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    return json.loads(proc.stdout)


def instant(value) -> datetime:
    assert isinstance(value, str)
    moment = datetime.fromisoformat(value)
    assert moment.tzinfo is not None, f"{value} sans fuseau horaire"
    return moment


def check_proposal(p: dict) -> None:
    assert type(p["id"]) is int
    assert isinstance(p["titre"], str) and p["titre"]
    assert p["statut"] in STATUSES
    assert p["mode"] in MODES
    assert type(p["tour"]) is int and p["tour"] >= 1
    instant(p["echeance"])
    assert isinstance(p["branche"], str) and p["branche"].startswith("proposition/")
    assert set(p["decompte"]) == CHOICES
    assert all(type(n) is int and n >= 0 for n in p["decompte"].values())


def test_json_outputs_are_single_documents_matching_the_contract(assembly):
    a = assembly
    p = a.propose_edit("alice", "Prendre soin", EDIT, "-m", "Le soin d'abord.", now=OPEN)
    check_proposal(p)
    assert (p["id"], p["statut"], p["mode"], p["tour"]) == (1, "ouverte", "consentement", 1)
    assert instant(p["echeance"]) == instant(DEADLINE)
    textless = document(a, "bob", "propose", "Fête de quartier", now=OPEN)
    check_proposal(textless)
    assert textless["id"] == 2

    a.ok("bob", "vote", "1", "block", "-r", "Le soin de qui ?", now=NEXT_DAY)
    a.ok("alice", "vote", "1", "abstain", now=NEXT_DAY)
    a.ok("carol", "vote", "1", "d'accord", "--member", "dave@exemple.org", now=NEXT_DAY)

    status = document(a, "dave", "status", now=NEXT_DAY)
    assert set(status) >= {"ouvertes", "decisions", "erreurs"}
    assert status["decisions"] == [] and status["erreurs"] == []
    opened = {p["id"]: p for p in status["ouvertes"]}
    assert set(opened) == {1, 2}
    for item in opened.values():
        check_proposal(item)
    assert opened[1]["decompte"] == {
        "d-accord": 1,
        "abstention": 1,
        "pas-d-accord": 0,
        "blocage": 1,
    }
    assert opened[1]["mon_avis"] == "d-accord" and opened[2]["mon_avis"] is None

    shown = document(a, "alice", "show", "0001", now=NEXT_DAY)
    check_proposal(shown)
    assert shown["description"] == "Le soin d'abord."
    votes = {v["membre"]: v for v in shown["votes"]}
    assert set(votes) == {"alice@exemple.org", "bob@exemple.org", "dave@exemple.org"}
    for vote in votes.values():
        assert vote["choix"] in CHOICES
        assert vote["raison"] is None or isinstance(vote["raison"], str)
        assert instant(vote["date"]) == instant(NEXT_DAY)
    assert votes["bob@exemple.org"]["raison"] == "Le soin de qui ?"
    assert votes["alice@exemple.org"]["choix"] == "abstention"

    closed = document(a, "carol", "close", now=DEADLINE)
    assert isinstance(closed, list)
    for item in closed:
        assert type(item["id"]) is int and isinstance(item["statut"], str)
    assert {(i["id"], i["statut"]) for i in closed} == {(1, "reportee"), (2, "adoptee")}

    after = document(a, "bob", "status", now=DEADLINE)
    [postponed] = after["ouvertes"]
    check_proposal(postponed)
    assert (postponed["id"], postponed["statut"]) == (1, "reportee")
    [decided] = after["decisions"]
    check_proposal(decided)
    assert (decided["id"], decided["statut"]) == (2, "adoptee")


def test_exit_codes_usage_errors_and_refusals(assembly):
    a = assembly

    def usage_error(*args: str) -> str:
        proc = a.run("bob", *args)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        return proc.stderr

    assert "Commande inconnue" in usage_error("revoter", "1")
    assert "Il manque ID" in usage_error("vote")
    assert "Il manque CHOIX" in usage_error("vote", "1")
    assert "Option inconnue : --bavard" in usage_error("status", "--bavard")

    assert "Position inconnue « peut-être »" in a.refused("bob", "vote", "1", "peut-être")
    assert "Aucune proposition n°99" in a.refused("bob", "show", "99", "--json")
    assert "n'est pas un numéro de proposition" in a.refused("bob", "show", "abc")
    assert "ASSEMBLEE_NOW" in a.refused("bob", "status", now="mardi prochain")
