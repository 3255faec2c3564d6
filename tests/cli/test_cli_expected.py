"""The command line people expect (issue 11, item 8): --version, a suggestion in French for a
mistyped command, --json on sync."""

from __future__ import annotations

import json

from tests.helpers import run_cli

from assemblee_cli import __version__


def test_version(tmp_path):
    proc = run_cli(tmp_path, "--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"assemblee {__version__}"


def test_a_mistyped_command_gets_a_suggestion_in_french(tmp_path):
    proc = run_cli(tmp_path, "statsu")
    assert proc.returncode == 2
    assert "Vouliez-vous dire « status » ?" in proc.stderr and "Did you mean" not in proc.stderr


def test_sync_speaks_json(assembly):
    proc = assembly.run("bob", "sync", "--json")
    assert proc.returncode == 0
    [line] = json.loads(proc.stdout)
    assert line["ok"] is True and "Rien à publier" in line["texte"]
