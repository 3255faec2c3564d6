"""Signed votes: when the code social requires them, `verify` checks that each vote commit is
signed by the key of the member who wrote it (keys read from the roster on main)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from tests.helpers import (
    NOW,
    copy_repositories,
    dump_record,
    git,
    init_signed,
    run_cli,
    split_record,
    vote_entry,
)

pytestmark = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen absent")


@pytest.fixture(scope="module")
def signed_template(
    tmp_path_factory: pytest.TempPathFactory, session_env: dict[str, str]
) -> tuple[Path, Path, Path]:
    """Alice's repository (signed votes required, bob in the roster, a key each) with
    proposal n°1 open, made once for the module: (repository, alice's key, bob's key)."""
    repo, keys = init_signed(tmp_path_factory.mktemp("signes"), ("bob",), NOW, env=session_env)
    proposed = run_cli(repo, "propose", "Sujet", "--offline", now=NOW, env=session_env)
    assert proposed.returncode == 0, proposed.stderr
    return repo, keys["alice"], keys["bob"]


@pytest.fixture()
def signed_assembly(
    sealed_env: Path, tmp_path: Path, signed_template: tuple[Path, Path, Path]
) -> tuple[Path, Path, Path]:
    """A fresh copy of signed_template (the keys are shared: they are only read)."""
    template, alice_key, bob_key = signed_template
    repo = tmp_path / "a"
    copy_repositories(template, repo)
    return repo, alice_key, bob_key


def test_votes_signed_by_their_member_pass(signed_assembly: tuple[Path, Path, Path]) -> None:
    repo, _alice_key, bob_key = signed_assembly
    assert run_cli(repo, "vote", "1", "d-accord", "--offline", now=NOW).returncode == 0
    git(repo, "config", "user.email", "bob@exemple.org")
    git(repo, "config", "user.signingkey", str(bob_key))
    assert run_cli(repo, "vote", "1", "pas-d-accord", "--offline", now=NOW).returncode == 0
    proc = run_cli(repo, "verify", "--offline", now=NOW)
    assert proc.returncode == 0, proc.stdout
    assert "aucune anomalie" in proc.stdout


def test_vote_signed_with_another_members_key_is_found(
    signed_assembly: tuple[Path, Path, Path],
) -> None:
    repo, _alice_key, _bob_key = signed_assembly
    git(repo, "config", "user.email", "bob@exemple.org")  # Bob votes with Alice's key
    assert run_cli(repo, "vote", "1", "d-accord", "--offline", now=NOW).returncode == 0
    proc = run_cli(repo, "verify", "--offline", "--json", now=NOW)
    assert proc.returncode == 1
    messages = [f["message"] for f in json.loads(proc.stdout)["anomalies"]]
    assert any("signé par la clé de alice@exemple.org" in m for m in messages), messages


def test_unsigned_vote_is_refused_and_found(signed_assembly: tuple[Path, Path, Path]) -> None:
    repo, _alice_key, _bob_key = signed_assembly
    git(repo, "config", "commit.gpgsign", "false")
    refused = run_cli(repo, "vote", "1", "d-accord", "--offline", now=NOW)
    assert refused.returncode == 1
    assert "avis signés" in refused.stderr
    # The same vote written by hand, in an unsigned commit: verify finds it.
    git(repo, "switch", "-q", "proposition/0001-sujet")
    path = repo / "proposals" / "0001-sujet.md"
    data, body = split_record(path.read_text(encoding="utf-8"))
    version = data["tours"][0]["version_texte"]
    data["votes"] = [vote_entry("alice@exemple.org", "d-accord", "2026-11-26T10:00:00Z", version)]
    path.write_text(dump_record(data, body), encoding="utf-8")
    git(repo, "commit", "-qam", "Vote à la main")
    git(repo, "switch", "-q", "main")
    proc = run_cli(repo, "verify", "--offline", now=NOW)
    assert proc.returncode == 1
    assert "non signé" in proc.stdout
