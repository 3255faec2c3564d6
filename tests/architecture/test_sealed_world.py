"""Every test runs in one sealed world: a temporary HOME with its own global git configuration,
no system configuration, no inherited GIT_* or ASSEMBLEE_* variable, an empty template folder.
(The session itself fails if anything wrote to the developer's real HOME: conftest.py.)"""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import REAL_HOME
from tests.helpers import ALICE, git


def test_home_is_a_temporary_folder(sealed_env: Path) -> None:
    home = Path(os.environ["HOME"]).resolve()
    assert home == sealed_env.resolve()
    assert home != REAL_HOME
    assert Path(os.environ["XDG_CONFIG_HOME"]).resolve() == home / ".config"
    assert Path(os.environ["XDG_CACHE_HOME"]).resolve() == home / ".cache"


def test_git_sees_only_the_sealed_configuration(tmp_path: Path, sealed_env: Path) -> None:
    assert os.environ["GIT_CONFIG_NOSYSTEM"] == "1"
    git(tmp_path, "init", "-q", "depot")
    depot = tmp_path / "depot"
    assert git(depot, "config", "user.email").strip() == ALICE[1]
    assert git(depot, "symbolic-ref", "HEAD").strip() == "refs/heads/main"
    origins = git(depot, "config", "--list", "--show-origin").splitlines()
    assert all(str(sealed_env) in line or "file:.git/config" in line for line in origins), origins
    assert not list((depot / ".git" / "hooks").glob("*")), "aucun modèle de la machine"


def test_no_clock_or_identity_leaks_in() -> None:
    leaked = {
        key
        for key in os.environ
        if key.startswith(("GIT_", "ASSEMBLEE_"))
        and key not in {"GIT_CONFIG_NOSYSTEM", "GIT_TERMINAL_PROMPT", "GIT_TEMPLATE_DIR"}
    }
    assert leaked == set()


def test_a_global_write_lands_in_the_sealed_home(tmp_path: Path, sealed_env: Path) -> None:
    git(tmp_path, "config", "--global", "assemblee.essai", "oui")
    assert "essai = oui" in (sealed_env / ".gitconfig").read_text(encoding="utf-8")
