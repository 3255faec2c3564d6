"""One deadline (issue 11, item 5): after an amendment, every reading command gives the same
deadline at any moment — 72 working hours after the amending commit — before and after a vote
records the amendment, and after the original deadline has passed."""

from __future__ import annotations

import os
from datetime import datetime

from tests.helpers import (
    EDIT_DROITS,
    EDIT_VALEURS,
    MONDAY,
    NEXT_DAY,
    OPEN,
    VALEURS,
    branch_of,
    git,
)

DROITS = EDIT_DROITS[0]

RESTARTED = "2026-12-03T10:00:00+01:00"  # Thursday: 72 working hours after MONDAY 10:00
INSTANTS = (
    "2026-11-30T12:00:00+01:00",  # two hours after the amendment, nothing recorded yet
    "2026-12-01T11:00:00+01:00",  # the original deadline has passed
    "2026-12-02T12:00:00+01:00",  # remind: it ends tomorrow
    "2026-12-03T09:30:00+01:00",  # half an hour before the end
)


def same(a: str, b: str) -> bool:
    return datetime.fromisoformat(a) == datetime.fromisoformat(b)


def check_all_agree(a, now: str) -> None:
    [item] = a.json("carol", "status", now=now)["ouvertes"]
    assert same(item["echeance"], RESTARTED), (now, item["echeance"])
    assert same(a.json("dave", "show", "1", now=now)["echeance"], RESTARTED), now
    assert a.json("carol", "close", "--dry-run", now=now) == [], now
    agenda = a.ok("carol", "agenda", now=now).stdout
    assert "3 décembre 2026 à 10 h" in agenda, agenda
    assert "échue" not in agenda, agenda
    ics = a.ok("carol", "calendar", "--ics", now=now).stdout
    assert "20261203T090000Z" in ics or "20261203T100000" in ics, ics
    remind = a.ok("carol", "remind", now=now).stdout
    if now.startswith(("2026-12-02", "2026-12-03")):
        assert "n°1" in remind, remind
    else:
        assert "Aucune proposition" in remind, remind


def test_every_command_gives_the_same_deadline_after_an_amendment(assembly):
    a = assembly
    a.propose_edit("alice", "Valeurs", EDIT_VALEURS, now=OPEN)
    branch = branch_of(a, 1)
    bob = a.path("bob")
    a.git("bob", "fetch", "-q")
    a.git("bob", "switch", "-q", branch)
    a.edit("bob", VALEURS, "Le soin.", "Le soin et l'écoute.")
    on_monday = {**os.environ, "GIT_AUTHOR_DATE": MONDAY, "GIT_COMMITTER_DATE": MONDAY}
    git(bob, "commit", "-q", "-am", "Amendement", env=on_monday)
    a.git("bob", "push", "-q", "origin", branch)
    a.git("bob", "switch", "-q", "main")

    check_all_agree(a, INSTANTS[0])
    a.ok("dave", "vote", "1", "d-accord", now=INSTANTS[0])  # records the amendment
    for now in INSTANTS:
        check_all_agree(a, now)
    [item] = a.json("carol", "close", now=RESTARTED)
    assert item["statut"] == "adoptee"
    assert "l'écoute" in (a.remote_file("main", VALEURS) or "")


def test_an_amendment_that_touches_another_file_restarts_the_round_everywhere(assembly):
    """Seen live: a decision without text, amended with plain git to change a file; `show`
    said the round restarted, while `status` (and so the web's home page, the agenda and the
    reminders) kept the old deadline and counted the vote cast on the text before it. The
    same with a proposal amended to change one more file than it did."""
    a = assembly
    a.propose_edit("alice", "Valeurs", EDIT_VALEURS, now=OPEN)
    a.ok("carol", "vote", "1", "d-accord", now=NEXT_DAY)
    branch = branch_of(a, 1)
    a.git("bob", "fetch", "-q")
    a.git("bob", "switch", "-q", branch)
    a.edit("bob", *EDIT_DROITS)  # a file the proposal did not change
    on_monday = {**os.environ, "GIT_AUTHOR_DATE": MONDAY, "GIT_COMMITTER_DATE": MONDAY}
    git(a.path("bob"), "commit", "-q", "-am", "Amendement", env=on_monday)
    a.git("bob", "push", "-q", "origin", branch)
    a.git("bob", "switch", "-q", "main")

    for now in INSTANTS:
        [item] = a.json("carol", "status", now=now)["ouvertes"]
        assert same(item["echeance"], RESTARTED), (now, item["echeance"])
        assert item["texte_modifie"] is True, now
        assert item["decompte"]["d-accord"] == 0, now
        assert item["mon_avis"] is None, now
        shown = a.json("dave", "show", "1", now=now)
        assert same(shown["echeance"], RESTARTED), now
        agenda = a.ok("carol", "agenda", now=now).stdout
        assert "3 décembre 2026 à 10 h" in agenda, agenda
    [item] = a.json("carol", "close", "--dry-run", now=INSTANTS[-1])
    assert item["statut"] == "ouverte" and "3 décembre 2026 à 10 h" in item["explication"]
    [item] = a.json("carol", "close", now=RESTARTED)
    assert item["statut"] == "adoptee"
    assert "Ouverts." in (a.remote_file("main", DROITS) or "")
