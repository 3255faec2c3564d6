"""Foreseeable failures: one French sentence, a non-zero exit, nothing of the user's lost."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.helpers import NOW, copy_repositories, git, run_cli


@pytest.fixture(scope="module")
def initialised(tmp_path_factory: pytest.TempPathFactory, session_env: dict[str, str]) -> Path:
    """A fresh `init a`, made once for the module in the session's sealed environment."""
    folder = tmp_path_factory.mktemp("echecs")
    assert run_cli(folder, "init", "a", now=NOW, env=session_env).returncode == 0
    return folder / "a"


@pytest.fixture()
def repo(sealed_env: Path, tmp_path: Path, initialised: Path) -> Path:
    """A copy of `initialised` for one test."""
    copy_repositories(initialised, tmp_path / "a")
    return tmp_path / "a"


def snapshot(repo: Path) -> tuple[str, str, str]:
    return (
        git(repo, "status", "--porcelain", "--untracked-files=all"),
        git(repo, "for-each-ref", "--format=%(refname) %(objectname)"),
        git(repo, "symbolic-ref", "HEAD"),
    )


def test_unreachable_remote_is_one_sentence_and_nothing_changes(repo: Path) -> None:
    git(repo, "remote", "add", "origin", str(repo.parent / "disparu.git"))
    (repo / "sections" / "04-droits.md").write_text("# Droits\n\nnouveau\n", encoding="utf-8")
    before = snapshot(repo)
    for args in (("status",), ("propose", "Titre"), ("vote", "1", "d-accord"), ("close",)):
        proc = run_cli(repo, *args, now=NOW)
        assert proc.returncode == 1, args
        assert "injoignable" in proc.stderr and "--offline" in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1
    assert snapshot(repo) == before
    assert run_cli(repo, "propose", "Titre", "--offline", now=NOW).returncode == 0


def test_a_rebase_in_progress_is_refused_before_anything(repo: Path) -> None:
    (repo / ".git" / "rebase-merge").mkdir()
    before = snapshot(repo)
    proc = run_cli(repo, "propose", "Titre", "--offline", now=NOW)
    assert proc.returncode == 1
    assert "rebase" in proc.stderr
    assert snapshot(repo) == before


def test_missing_identity_is_explained(repo: Path) -> None:
    home = Path(os.environ["HOME"])
    git(home, "config", "--global", "--unset", "user.email")
    git(home, "config", "--global", "--unset", "user.name")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GIT_AUTHOR", "GIT_COMMITTER", "EMAIL"))
    }
    proc = subprocess.run(
        [sys.executable, "-m", "assemblee_cli", "propose", "Titre", "--offline"],
        cwd=repo,
        env=env | {"ASSEMBLEE_NOW": NOW},
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert "identité git" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_repository_without_code_social_is_named(repo: Path, tmp_path: Path) -> None:
    other = tmp_path / "autre"
    other.mkdir()
    git(other, "init", "-q")
    (other / "x").write_text("x")
    git(other, "add", "x")
    git(other, "commit", "-qm", "x")
    proc = run_cli(other, "status", now=NOW)
    assert proc.returncode == 1
    assert "codesocial/regles.yml" in proc.stderr or "code social" in proc.stderr
    proc = run_cli(other, "propose", "Titre", now=NOW)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
