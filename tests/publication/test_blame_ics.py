"""`assemblee blame` on a real history, and `assemblee calendar --ics` parsed back by an
iCalendar library."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from publication_scenario import NOW, VALEURS_TEXT, Scene

PARIS = ZoneInfo("Europe/Paris")


def test_blame_names_the_decision_of_each_paragraph(scene: Scene) -> None:
    data = scene.json("carol", "blame", "valeurs")
    assert data["fichier"] == "sections/03-valeurs.md"
    paragraphs = data["paragraphes"]
    header = paragraphs[0]
    assert header["type"] == "en-tête" and header["lignes"][0] == 1
    [origin] = header["origines"]
    assert origin["type"] == "commit-direct"
    assert origin["message"].startswith("Création du code social")
    written = next(p for p in paragraphs if VALEURS_TEXT[:20] in p["texte"])
    [decision] = written["origines"]
    assert decision["type"] == "proposition"
    assert (decision["id"], decision["statut"], decision["mode"]) == (1, "adoptee", "consentement")
    assert decision["date"] == "2026-11-05T11:00:00Z"
    assert decision["decompte"]["d-accord"] == 1
    assert decision["remise_en_cause"] == {"possible": True, "a_partir_du": None}
    # Every line of the file belongs to exactly one paragraph or to none (blank lines).
    covered = [n for p in paragraphs for n in range(p["lignes"][0], p["lignes"][1] + 1)]
    assert len(covered) == len(set(covered))

    text = scene.ok("carol", "blame", "sections/03-valeurs.md").stdout
    assert "décision n°1 « Compléter les valeurs clés », adoptée par consentement" in text
    assert "le jeudi 5 novembre 2026 à 12 h" in text
    assert "possible à tout moment (assemblee propose … --challenges 1)" in text
    assert "écrit hors proposition (commit direct" in text


def test_blame_says_the_same_from_its_index_cold_warm_damaged_off_and_after_a_decision(
    fresh: Scene,
) -> None:
    """The index of each line's provenance (.git/assemblee/provenance) changes no word of
    `blame`, text or JSON: cold, warm, damaged, turned off, and extended once carol's `close`
    adopted n°4 from her clone and bob's next `blame` fetched it."""
    index = fresh.path("bob") / ".git" / "assemblee" / "provenance"
    targets = ("droits", "valeurs", "codesocial/regles.yml")

    def shown(now: str, **extra: str) -> dict[str, tuple[str, str]]:
        return {
            target: (
                fresh.ok("bob", "blame", target, now=now, extra=extra).stdout,
                fresh.ok("bob", "blame", target, "--json", now=now, extra=extra).stdout,
            )
            for target in targets
        }

    before = shown(NOW, ASSEMBLEE_SANS_CACHE="1")
    assert not index.exists()
    assert shown(NOW) == before  # cold
    assert len(list(index.rglob("*.json"))) == len(targets)
    assert shown(NOW) == before  # warm
    for entry in index.rglob("*.json"):
        entry.write_text('{"fichier": "abîmé', encoding="utf-8")
    assert shown(NOW) == before

    later = "2026-11-27T12:00:00+01:00"
    assert "adoptée" in fresh.ok("carol", "close", now=later).stdout
    after = shown(later)
    assert after == shown(later, ASSEMBLEE_SANS_CACHE="1")
    assert "décision n°4 « Conditions d'entrée »" in after["droits"][0]
    unchanged = [json.loads(view["valeurs"][1])["paragraphes"] for view in (before, after)]
    assert unchanged[0] == unchanged[1]


def test_blame_refuses_an_unknown_file(scene: Scene) -> None:
    assert "n'existe pas sur main" in scene.refused("carol", "blame", "sections/99-rien.md")
    assert "plusieurs sections" in scene.refused("carol", "blame", "e")


def test_calendar_ics_is_read_back_by_an_icalendar_library(scene: Scene, tmp_path) -> None:
    icalendar = pytest.importorskip("icalendar")
    target = tmp_path / "assemblee.ics"
    proc = scene.ok("alice", "calendar", "--ics", "--reunions", "3", "-o", str(target))
    assert "3 réunion(s), 2 échéance(s)" in proc.stdout
    raw = target.read_bytes()
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n")
    cal = icalendar.Calendar.from_ical(raw)
    assert str(cal["VERSION"]) == "2.0" and "PRODID" in cal
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris"]
    events = cal.walk("VEVENT")
    uids = [str(e["UID"]) for e in events]
    assert len(uids) == len(set(uids)) == 5

    meetings = [e for e in events if str(e["UID"]).startswith("reunion-")]
    starts = [e.decoded("DTSTART") for e in meetings]
    assert starts == [
        datetime(2026, 11, 26, 19, 0, tzinfo=PARIS),
        datetime(2026, 12, 31, 19, 0, tzinfo=PARIS),
        datetime(2027, 1, 28, 19, 0, tzinfo=PARIS),
    ]
    assert all(str(e["SUMMARY"]) == "Réunion — Assemblée de test" for e in meetings)
    assert meetings[0]["DTSTART"].params["TZID"] == "Europe/Paris"

    deadlines = {str(e["SUMMARY"]): e for e in events if str(e["UID"]).startswith("echeance-")}
    entry = deadlines["Échéance : proposition n°4 « Conditions d'entrée »"]
    assert entry.decoded("DTSTART") == datetime(2026, 11, 26, 10, 0, tzinfo=PARIS)
    assert "assemblee vote 4 d-accord" in str(entry["DESCRIPTION"])
    [alarm] = entry.walk("VALARM")
    assert alarm.decoded("TRIGGER").total_seconds() == -86400
    missions = deadlines["Échéance : proposition n°5 « Missions »"]
    assert missions.decoded("DTSTART") == datetime(2026, 11, 30, 10, 0, tzinfo=PARIS)
    # The postponed proposal has no running vote, hence no deadline.
    assert not any("n°2" in summary for summary in deadlines)

    # Without -o, the file goes to standard output; -o alone is a usage error.
    assert scene.ok("alice", "calendar", "--ics").stdout.startswith("BEGIN:VCALENDAR")
    usage = scene.run("alice", "calendar", "-o", str(target))
    assert usage.returncode == 2 and "--ics" in usage.stderr
