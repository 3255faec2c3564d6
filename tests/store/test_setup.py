"""The store outside an assembly's repository: the person's identity, a source read, and the
first commit of a new code social (on `main`, whatever git's default branch)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import ALICE, git

from assemblee_cli.store.setup import first_commit, has_history, person_identity, read_source


def test_the_person_is_who_git_says(tmp_path: Path) -> None:
    assert person_identity(tmp_path) == ALICE


def test_the_first_commit_is_on_main_with_only_the_given_paths(tmp_path: Path) -> None:
    folder = tmp_path / "neuf"
    (folder / "sections").mkdir(parents=True)
    (folder / "sections" / "a.md").write_text("A\n", encoding="utf-8")
    (folder / "brouillon.txt").write_text("pas à publier\n", encoding="utf-8")
    assert not has_history(tmp_path)
    first_commit(folder, ["sections"], "Création du code social")
    assert has_history(folder)
    assert git(folder, "symbolic-ref", "HEAD").strip() == "refs/heads/main"
    assert git(folder, "ls-tree", "-r", "--name-only", "main").split() == ["sections/a.md"]
    assert git(folder, "log", "--format=%s").strip() == "Création du code social"


def test_an_empty_repository_gets_its_first_commit_on_main(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "--initial-branch=autre")
    (tmp_path / "codesocial").mkdir()
    (tmp_path / "codesocial" / "regles.yml").write_text("nom: Test\n", encoding="utf-8")
    first_commit(tmp_path, ["codesocial"], "Création")
    assert git(tmp_path, "branch", "--format=%(refname)").split() == ["refs/heads/main"]


def test_a_source_is_read_from_its_last_commit(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    (source / "a.md").write_text("A\n", encoding="utf-8")
    first_commit(source, ["a.md"], "Un")
    commit = read_source(str(source), tmp_path / "copie")
    assert commit == git(source, "rev-parse", "HEAD").strip()
    assert (tmp_path / "copie" / "a.md").read_text(encoding="utf-8") == "A\n"
    assert read_source(str(tmp_path / "nulle-part"), tmp_path / "autre") is None
