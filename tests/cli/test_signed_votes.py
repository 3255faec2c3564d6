"""Signed votes: when the code social requires them, `verify` checks that each vote commit is
signed by the key of the member who wrote it (keys read from the roster on main)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen absent")

NOW = "2026-11-26T10:00:00+01:00"


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, ASSEMBLEE_NOW=NOW)
    proc = subprocess.run(
        [sys.executable, "-m", "assemblee_cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def keygen(folder: Path, name: str) -> tuple[Path, str]:
    key = folder / f"{name}_key"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True
    )
    public = " ".join(key.with_suffix(".pub").read_text().split()[:2])
    return key, public


@pytest.fixture()
def signed_assembly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, Path]:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    git(home, "config", "--global", "user.name", "Alice")
    git(home, "config", "--global", "user.email", "alice@exemple.org")
    git(home, "config", "--global", "init.defaultBranch", "main")
    alice_key, alice_pub = keygen(tmp_path, "alice")
    bob_key, bob_pub = keygen(tmp_path, "bob")
    assert cli(tmp_path, "init", "a").returncode == 0
    repo = tmp_path / "a"
    rules = repo / "codesocial" / "regles.yml"
    rules.write_text(rules.read_text().replace("votes_signes: false", "votes_signes: true"))
    roster = repo / "codesocial" / "membres.yml"
    roster.write_text(
        roster.read_text()
        + f"  cle_ssh: {alice_pub}\n- nom: Bob\n  email: bob@exemple.org\n  cle_ssh: {bob_pub}\n"
    )
    git(repo, "commit", "-qam", "Avis signés")
    git(repo, "config", "gpg.format", "ssh")
    git(repo, "config", "commit.gpgsign", "true")
    git(repo, "config", "user.signingkey", str(alice_key))
    assert cli(repo, "propose", "Sujet", "--offline").returncode == 0
    return repo, alice_key, bob_key


def test_votes_signed_by_their_member_pass(signed_assembly: tuple[Path, Path, Path]) -> None:
    repo, _alice_key, bob_key = signed_assembly
    assert cli(repo, "vote", "1", "d-accord", "--offline").returncode == 0
    git(repo, "config", "user.email", "bob@exemple.org")
    git(repo, "config", "user.signingkey", str(bob_key))
    assert cli(repo, "vote", "1", "pas-d-accord", "--offline").returncode == 0
    proc = cli(repo, "verify", "--offline")
    assert proc.returncode == 0, proc.stdout
    assert "aucune anomalie" in proc.stdout


def test_vote_signed_with_another_members_key_is_found(
    signed_assembly: tuple[Path, Path, Path],
) -> None:
    repo, _alice_key, _bob_key = signed_assembly
    git(repo, "config", "user.email", "bob@exemple.org")  # Bob votes with Alice's key
    assert cli(repo, "vote", "1", "d-accord", "--offline").returncode == 0
    proc = cli(repo, "verify", "--offline", "--json")
    assert proc.returncode == 1
    messages = [f["message"] for f in json.loads(proc.stdout)["anomalies"]]
    assert any("signé par la clé de alice@exemple.org" in m for m in messages), messages


def test_unsigned_vote_is_found(signed_assembly: tuple[Path, Path, Path]) -> None:
    repo, _alice_key, _bob_key = signed_assembly
    git(repo, "config", "commit.gpgsign", "false")
    assert cli(repo, "vote", "1", "d-accord", "--offline").returncode == 0
    proc = cli(repo, "verify", "--offline")
    assert proc.returncode == 1
    assert "non signé" in proc.stdout
