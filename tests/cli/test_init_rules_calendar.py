"""`assemblee init`, `rules` and `calendar` through the command line, on real repositories: the
entry point run in the test's process (tests/cli/test_every_command.py runs each command as
its own process, and every assembly of the suite starts with `init` in its own process), but
the help pages, which depend on how the program meets its streams, in their own processes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.helpers import NOW, git, run_cli, run_in_process

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def home(sealed_env: Path) -> Path:
    """A sealed HOME whose git identity is Alice Martin <alice@exemple.org>."""
    return sealed_env


def test_init_creates_a_code_social_with_a_first_commit_on_main(home: Path, tmp_path: Path) -> None:
    proc = run_in_process(
        tmp_path, "init", "roubaix", "--nom", "Assemblée des communs de Roubaix", now=NOW
    )
    assert proc.returncode == 0, proc.stderr
    repo = tmp_path / "roubaix"
    assert git(repo, "branch", "--show-current").strip() == "main"
    assert git(repo, "rev-list", "--count", "main").strip() == "1"
    assert git(repo, "status", "--porcelain") == ""
    files = git(repo, "ls-files").split()
    assert "codesocial/regles.yml" in files and "codesocial/membres.yml" in files
    assert [f for f in files if f.startswith("sections/")] == sorted(
        f for f in files if f.startswith("sections/")
    )
    assert len([f for f in files if f.startswith("sections/")]) == 5
    roster = (repo / "codesocial" / "membres.yml").read_text(encoding="utf-8")
    assert "email: alice@exemple.org" in roster and "nom: Alice Martin" in roster
    rules = json.loads(run_in_process(repo, "rules", "--json", now=NOW).stdout)
    assert rules["regles"]["nom"] == "Assemblée des communs de Roubaix"
    assert rules["regles"]["decision"]["duree_minimale_heures"] == 72
    assert rules["membres"] == 1
    droits = (repo / "sections" / "04-droits.md").read_text(encoding="utf-8")
    assert "[à compléter]" in droits


def test_init_refuses_to_overwrite_an_existing_code_social(home: Path, tmp_path: Path) -> None:
    assert run_in_process(tmp_path, "init", "a", now=NOW).returncode == 0
    before = git(tmp_path / "a", "rev-parse", "HEAD")
    proc = run_in_process(tmp_path, "init", "a", now=NOW)
    assert proc.returncode == 1
    assert "contient déjà un code social" in proc.stderr
    assert git(tmp_path / "a", "rev-parse", "HEAD") == before


def test_init_refuses_without_a_git_identity(home: Path, tmp_path: Path) -> None:
    git(home, "config", "--global", "--unset", "user.email")
    git(home, "config", "--global", "--unset", "user.name")
    env_free = tmp_path / "x"
    proc = run_in_process(tmp_path, "init", str(env_free), now=NOW)
    assert proc.returncode == 1
    assert "identité git" in proc.stderr
    assert not (env_free / "codesocial").exists()


def test_init_from_duplicates_the_lille_code_social_with_a_fresh_history(
    home: Path, tmp_path: Path
) -> None:
    source = tmp_path / "lille"
    git(tmp_path, "clone", "--quiet", str(ROOT), str(source))
    proc = run_in_process(tmp_path, "init", "copie", "--from", str(source), now=NOW)
    assert proc.returncode == 0, proc.stderr
    copy = tmp_path / "copie"
    assert git(copy, "rev-list", "--count", "main").strip() == "1"
    message = git(copy, "log", "-1", "--format=%B")
    source_head = git(source, "rev-parse", "HEAD").strip()
    assert message.startswith("Code social « Assemblée des communs de Lille », dupliqué depuis")
    assert source_head[:12] in message
    for section in (source / "sections").iterdir():
        assert (copy / "sections" / section.name).read_bytes() == section.read_bytes()
    assert (copy / "codesocial" / "regles.yml").read_bytes() == (
        source / "codesocial" / "regles.yml"
    ).read_bytes()
    roster = (copy / "codesocial" / "membres.yml").read_text(encoding="utf-8")
    assert "alice@exemple.org" in roster
    assert not list((copy / "proposals").glob("0*.md"))


def test_init_from_refuses_a_folder_that_is_not_a_code_social(home: Path, tmp_path: Path) -> None:
    other = tmp_path / "autre"
    other.mkdir()
    git(other, "init", "--quiet")
    (other / "x.txt").write_text("x", encoding="utf-8")
    git(other, "add", ".")
    git(other, "commit", "--quiet", "-m", "x")
    proc = run_in_process(tmp_path, "init", "copie", "--from", str(other), now=NOW)
    assert proc.returncode == 1
    assert "n'est pas un code social" in proc.stderr
    missing = run_in_process(
        tmp_path, "init", "copie2", "--from", str(tmp_path / "nulle-part"), now=NOW
    )
    assert missing.returncode == 1
    assert "Impossible de lire" in missing.stderr


def test_rules_reads_the_rules_in_force_on_main_in_plain_french(home: Path, tmp_path: Path) -> None:
    run_in_process(tmp_path, "init", "a", now=NOW)
    repo = tmp_path / "a"
    proc = run_in_process(repo, "rules", now=NOW)
    assert proc.returncode == 0, proc.stderr
    for words in (
        "72 h hors samedis, dimanches et jours fériés",
        "blocage doit être argumenté",
        "même sans aucun avis",
        "2/3",
        "3 mois",
        "dernier jeudi",
        "Membres : 1 inscrit·e dans",  # the founder alone: singular
    ):
        assert words in proc.stdout
    rules_file = repo / "codesocial" / "regles.yml"
    rules_file.write_text(
        rules_file.read_text(encoding="utf-8").replace(
            "duree_minimale_heures: 72", "duree_minimale_heures: 96"
        ),
        encoding="utf-8",
    )
    assert "72 h" in run_in_process(repo, "rules", now=NOW).stdout, (
        "uncommitted edits are not the rules in force"
    )
    git(repo, "commit", "--quiet", "-am", "96 h")
    assert "96 h" in run_in_process(repo, "rules", now=NOW).stdout


def test_rules_names_file_key_and_line_of_a_broken_rules_file(home: Path, tmp_path: Path) -> None:
    run_in_process(tmp_path, "init", "a", now=NOW)
    repo = tmp_path / "a"
    rules_file = repo / "codesocial" / "regles.yml"
    rules_file.write_text(
        rules_file.read_text(encoding="utf-8").replace(
            "jours_entre_tours: 7", "jours_entre_tours: sept"
        ),
        encoding="utf-8",
    )
    git(repo, "commit", "--quiet", "-am", "cassé")
    proc = run_in_process(repo, "rules", now=NOW)
    assert proc.returncode == 1
    assert "codesocial/regles.yml, ligne" in proc.stderr
    assert "decision.jours_entre_tours" in proc.stderr


def test_calendar_shows_the_deadline_of_a_proposal_opened_now(home: Path, tmp_path: Path) -> None:
    run_in_process(tmp_path, "init", "a", now=NOW)
    repo = tmp_path / "a"
    proc = run_in_process(repo, "calendar", "--json", now="2026-11-26T10:00:00+01:00")
    data = json.loads(proc.stdout)
    assert data["echeance_si_ouverte_maintenant"] == "2026-12-01T09:00:00Z"
    assert data["reunions"][0]["date"] == "2026-11-26T18:00:00Z"
    assert data["reunions"][1]["date"] == "2026-12-31T18:00:00Z"
    text = run_in_process(repo, "calendar", now="2026-11-10T10:00:00+01:00").stdout
    assert "lundi 16 novembre 2026 à 10 h" in text  # Armistice (Wed) not counted
    assert "2026-11-11" in text and "Armistice" in text


def test_outside_a_repository_commands_say_so_in_french(home: Path, tmp_path: Path) -> None:
    proc = run_in_process(tmp_path, "status", now=NOW)
    assert proc.returncode == 1
    # the folder named as the member sees it, never "." (the tool runs in the current folder)
    assert proc.stderr.startswith(f"Le dossier {tmp_path} n'est pas dans un dépôt git"), proc.stderr


def test_bad_clock_is_refused(home: Path, tmp_path: Path) -> None:
    run_in_process(tmp_path, "init", "a", now=NOW)
    proc = run_in_process(tmp_path / "a", "calendar", now="demain")
    assert proc.returncode == 1
    assert "ASSEMBLEE_NOW" in proc.stderr


def test_help_is_in_french(home: Path, tmp_path: Path) -> None:
    proc = run_cli(tmp_path, "--help", now=NOW)
    assert proc.returncode == 0
    assert "code social" in proc.stdout
    vote_help = run_cli(tmp_path, "vote", "--help", now=NOW).stdout
    assert "Se positionner" in vote_help
    for page in (proc.stdout, vote_help, run_cli(tmp_path, "calendar", "--help", now=NOW).stdout):
        for english in ("Usage:", "Show this message", "[required]", "[default:", "<str>"):
            assert english not in page
    assert "Afficher cette aide et quitter." in vote_help and "[obligatoire]" in vote_help
