"""Every command through the real entry point (`python -m assemblee_cli` in its own process), once:
the tiers that test what the commands decide (tests/e2e, integrity, publication…) run the tool
in the test's process; this one proves that each command also works as a separate program on a
pipe, with exit code 0, its answer on stdout and nothing on stderr but its notices.

init runs in its own process at the start of every assembly of the suite (tests/helpers.py,
init_assembly); sync and verify have their own tests in this folder; serve and hook run as real
processes in tests/web and tests/integrity."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import DEADLINE, EDIT_VALEURS, NEXT_DAY, OPEN, VALEURS, Assembly

RELAUNCH = "2026-12-03T10:00:00+01:00"  # a week after OPEN: a postponed proposal may go on


def test_each_command_runs_as_its_own_process(assembly: Assembly, tmp_path: Path) -> None:
    a = assembly
    assert not a.in_process

    def said(who: str, *args: str, now: str) -> str:
        proc = a.ok(who, *args, now=now)
        assert proc.stderr == "", proc.stderr
        return proc.stdout

    a.propose_edit("alice", "Valeurs", EDIT_VALEURS, now=OPEN)
    assert "Proposition n°2 ouverte" in said(
        "alice", "propose", "Une décision", "-m", "Sans texte.", now=OPEN
    )
    assert "est enregistré" in said(
        "bob", "vote", "1", "blocage", "-r", "Pas encore.", now=NEXT_DAY
    )
    shown = said("dave", "show", "1", now=NEXT_DAY)
    assert "Proposition n°1 — Valeurs" in shown and "« Pas encore. »" in shown
    assert "Proposition n°2 retirée" in said("alice", "withdraw", "2", now=NEXT_DAY)
    assert "Proposition n°1 : Valeurs" in said("carol", "announce", "1", now=NEXT_DAY)
    assert "Aucune proposition ne se termine" in said("carol", "remind", now=NEXT_DAY)
    # The first links of a clone make its web secret, and say what that means.
    first = a.ok("carol", "links", "1", "--url", "https://exemple.org/", now=NEXT_DAY)
    assert "Un nouveau secret de page web vient d'être créé dans ce clone" in first.stderr
    links = said("carol", "links", "1", "--url", "https://exemple.org/", now=NEXT_DAY)
    assert links == first.stdout
    assert links.count("https://exemple.org/m/") == 4 and "bob@exemple.org\t" in links
    assert "n°1 « Valeurs » → reportée" in said("carol", "close", now=DEADLINE)
    assert "tour 2 ouvert" in said("carol", "relaunch", "1", now=RELAUNCH)
    updated = said("dave", "update", now=RELAUNCH)
    assert "Votre main est à jour" in updated and "n°2 « Une décision » est retirée" in updated
    assert "n°2 « Une décision »" in said("dave", "agenda", now=RELAUNCH)
    assert "# Code social — Assemblée de test" in said(
        "dave", "export", "--format", "md", now=RELAUNCH
    )
    assert "écrit hors proposition" in said("dave", "blame", VALEURS, now=RELAUNCH)
    assert "72 h hors samedis, dimanches et jours fériés" in said("dave", "rules", now=RELAUNCH)
    assert "Armistice" in said("dave", "calendar", now="2026-11-10T10:00:00+01:00")
    site = tmp_path / "site"
    proc = a.ok("dave", "site", str(site), now=RELAUNCH)
    assert proc.stdout == "" and "fichiers écrits" in proc.stderr
    assert "Valeurs" in (site / "proposition-1.html").read_text(encoding="utf-8")
