"""The README's first command runs the demonstration: it must keep working, end to end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_demonstration_runs_a_full_cycle(sealed_env: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "Traceback" not in out and "Erreur interne" not in out
    # one proposal adopted tacitly, one with votes, one blocked with an argued block
    assert "adoptée par consentement tacite (sans aucun avis)" in out
    assert "adoptée par consentement (1 d'accord, 1 s'abstient" in out
    assert "Un blocage doit être argumenté" in out
    assert "→ reportée" in out and "L'assemblée ne signe pas de partenariat officiel" in out
    assert "Proposition n°3 : tour 2 ouvert (consentement)" in out
    assert "aucune anomalie" in out
