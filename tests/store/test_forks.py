"""Forks (store/forks.py): what each branch changes since it left main is the answer of a full
`git diff-tree` from its fork point, though `proposals/` is never listed whole; and the fork
index changes no answer: cold, warm, damaged, disabled, after main moved, and for branches
that do what the tool never does (change another proposal's file, merge main in, rename their
own file)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from tests.helpers import git
from tests.perf.test_process_counts import generate

from assemblee_cli.errors import AssembleeError
from assemblee_cli.git.repo import GitRepo
from assemblee_cli.store import assembly as assembly_module
from assemblee_cli.store.assembly import Fork, open_assembly
from assemblee_cli.store.forks import ForkIndex


def _commit_file(repo: Path, branch: str, path: str, text: str, message: str) -> None:
    """One commit on `branch` that writes `path` (in a temporary worktree-free way)."""
    git(repo, "checkout", "-q", branch)
    target = repo / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    git(repo, "add", path)
    git(repo, "commit", "-q", "-m", message)


def _reference(repo: Path, trunk: str, tip: str) -> tuple[bool, frozenset[str], list[str]]:
    """A fork worked out the long way: its own commits, whether they leave the trunk from one
    commit, and `git diff-tree -r` from there (or from the merge base)."""
    own = frozenset(git(repo, "rev-list", tip, "--not", trunk).split())
    bases = set()
    for line in git(repo, "rev-list", "--parents", tip, "--not", trunk).splitlines():
        bases |= {parent for parent in line.split()[1:] if parent not in own}
    base = next(iter(bases)) if len(bases) == 1 else git(repo, "merge-base", trunk, tip).strip()
    if not own:
        base = tip
    raw = git(repo, "diff-tree", "-r", "--no-renames", base, tip)
    return len(bases) == 1 or not own, own, raw.splitlines()


def _described(fork: Fork) -> tuple[bool, frozenset[str], list[str]]:
    return (
        fork.single_base,
        fork.own,
        [
            f":{c.old_mode} {c.new_mode} {c.old_sha} {c.new_sha} {c.status}\t{c.path}"
            for c in fork.changes
        ],
    )


@pytest.fixture()
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    summary = generate.generate(tmp_path / "gen", decided=8, open_count=6, votes=2, due=3, seed=3)
    repo = Path(summary.repo)
    for key in ("NAME", "EMAIL"):
        monkeypatch.setenv(f"GIT_AUTHOR_{key}", "Test" if key == "NAME" else "t@exemple.org")
        monkeypatch.setenv(f"GIT_COMMITTER_{key}", "Test" if key == "NAME" else "t@exemple.org")
    git(repo, "checkout", "-q", "-f", "main")
    branches = git(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads/proposition/")
    names = branches.split()
    decided = git(repo, "ls-tree", "--name-only", "main", "proposals/").split()
    # Branches that do what the tool never does, so that the quick path must step aside.
    _commit_file(repo, names[0], decided[0], "modifié à la main\n", "Autre fichier")
    _commit_file(repo, names[1], "proposals/9999-autre.md", "---\n", "Un fichier de plus")
    git(repo, "checkout", "-q", names[2])
    own = f"proposals/{names[2].removeprefix('proposition/')}.md"
    git(repo, "mv", own, "proposals/renomme.md")
    git(repo, "commit", "-q", "-m", "Renommé")
    _commit_file(repo, "main", "sections/nouvelle.md", "# Nouvelle\n", "Sur main")
    git(repo, "checkout", "-q", names[3])
    git(repo, "merge", "-q", "--no-edit", "main")  # main merged in: the fork point moves
    _commit_file(repo, names[4], "LISEZMOI.md", "à la racine\n", "Un fichier à la racine")
    git(repo, "checkout", "-q", "main")
    return repo


def _forks(repo: Path) -> tuple[str, list[str], list[Fork]]:
    assembly = open_assembly(repo, offline=True)
    tips = [tip.sha for tip in assembly.snapshot.branches.values()]
    return assembly.trunk, tips, assembly.forks(tips)


def test_forks_equal_a_full_diff_cold_warm_damaged_disabled_and_after_main_moved(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = ForkIndex(open_assembly(repo, offline=True).repo).path
    # Branches as the tool makes them (one with main merged in): `proposals/` is not listed.
    asked: list[Sequence[str] | None] = []
    listing = GitRepo.changes_many

    def recorded(self: GitRepo, pairs: Any, **options: Any) -> Any:
        asked.append(options.get("paths"))
        return listing(self, pairs, **options)

    monkeypatch.setattr(GitRepo, "changes_many", recorded)
    assembly = open_assembly(repo, offline=True)
    usual = [tip.sha for tip in assembly.snapshot.branches.values()][3:]
    trunk = assembly.trunk
    quick = assembly.forks(usual)
    assert [_described(fork) for fork in quick] == [_reference(repo, trunk, t) for t in usual]
    assert asked == [None, ["LISEZMOI.md", "codesocial", "sections"]], asked
    asked.clear()
    index.unlink()

    trunk, tips, cold = _forks(repo)
    assert asked[-1] is not None and "proposals" in asked[-1]  # listed: some branches are odd
    assert len(tips) == 6
    expected = [_reference(repo, trunk, tip) for tip in tips]
    assert [_described(fork) for fork in cold] == expected
    assert {fork.text_version for fork in cold}  # worked out from the changes
    assert index.exists()

    _, _, warm = _forks(repo)  # from the index
    assert warm == cold
    stored = index.read_text(encoding="utf-8")
    for damaged in (
        stored[: len(stored) // 2],
        "\x00garbage\xff",
        stored.replace('"', "'", 3),  # its digest no longer matches
    ):
        index.write_text(damaged, encoding="utf-8")
        assert _forks(repo)[2] == cold
    index.unlink()
    monkeypatch.setenv("ASSEMBLEE_SANS_CACHE", "1")
    assert _forks(repo)[2] == cold
    assert not index.exists()  # disabled: nothing written
    monkeypatch.delenv("ASSEMBLEE_SANS_CACHE")
    _forks(repo)

    # main moves: the index of the old main is not believed
    _commit_file(repo, "main", "sections/encore.md", "# Encore\n", "Encore sur main")
    trunk2, tips2, moved = _forks(repo)
    assert trunk2 != trunk and tips2 == tips
    assert [_described(fork) for fork in moved] == [_reference(repo, trunk2, t) for t in tips2]
    [on_main] = open_assembly(repo, offline=True).forks([trunk])  # a tip main already has
    assert _described(on_main) == (True, frozenset(), [])


def test_a_new_tip_is_worked_out_alone(repo: Path) -> None:
    """A vote fetched on one branch: the others come from the index; the new tip is right."""
    trunk, tips, before = _forks(repo)
    name = git(repo, "for-each-ref", "--format=%(refname:short)", "--points-at", tips[5])
    branch = name.split()[0]
    own = f"proposals/{branch.removeprefix('proposition/')}.md"
    text = git(repo, "show", f"{tips[5]}:{own}")
    _commit_file(repo, branch, own, text + "\n", "Un avis")
    git(repo, "checkout", "-q", "main")
    trunk2, tips2, after = _forks(repo)
    assert trunk2 == trunk and tips2[:5] == tips[:5] and tips2[5] != tips[5]
    assert after[:5] == before[:5]
    assert _described(after[5]) == _reference(repo, trunk, tips2[5])


def test_tips_a_few_votes_further_are_derived_in_memory_and_equal_a_full_diff(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Votes fetched on every branch (one, two or three each), and on one branch a change of
    its text after a vote: a tip whose commits since a known tip change only its own
    proposal file is derived from that tip's fork, without git; every other tip is worked
    out as before; all equal a full diff, and the index is disabled or not."""
    first = open_assembly(repo, offline=True)
    trunk = first.trunk
    tips = [tip.sha for tip in first.snapshot.branches.values()]
    # one by one: the odd branches do not send the usual ones the long way (see changes_since)
    before = [first.forks([tip])[0] for tip in tips]
    monkeypatch.setenv("ASSEMBLEE_SANS_CACHE", "1")  # a view that keeps what it works out
    view = open_assembly(repo, offline=True)
    for tip in tips:
        view.forks([tip])
    monkeypatch.delenv("ASSEMBLEE_SANS_CACHE")
    branches = {}
    for tip in tips:
        name = git(repo, "for-each-ref", "--format=%(refname:short)", "--points-at", tip)
        branches[tip] = next(b for b in name.split() if b.startswith("proposition/"))
    for count, tip in enumerate(tips):
        branch = branches[tip]
        own = f"proposals/{branch.removeprefix('proposition/')}.md"
        text = (
            git(repo, "show", f"{tip}:{own}")
            if own in git(repo, "ls-tree", "-r", "--name-only", tip)
            else ""
        )
        for vote in range(count % 3 + 1):
            text += f"avis {vote}\n"
            _commit_file(repo, branch, own, text, f"Un avis ({vote})")
    edited = branches[tips[4]]
    _commit_file(repo, edited, "sections/ajout.md", "# Ajout\n", "Le texte change")
    git(repo, "checkout", "-q", "main")

    def derivable(fork: Fork) -> bool:
        files = [c for c in fork.changes if c.path.startswith("proposals/")]
        return fork.single_base and bool(fork.own) and fork.folders is not None and len(files) == 1

    expected_alone = {tips[i] for i, fork in enumerate(before) if not derivable(fork)}
    assert tips[4] not in expected_alone and len(expected_alone) < len(tips) - 1
    worked: list[str] = []
    original = assembly_module.work_out

    def recorded(repo_: Any, trunk_: str, missing: Sequence[str], *rest: Any) -> Any:
        worked.extend(missing)
        return original(repo_, trunk_, missing, *rest)

    monkeypatch.setattr(assembly_module, "work_out", recorded)
    for disabled in ("", "1"):  # from the index, or from what the same view worked out
        monkeypatch.setenv("ASSEMBLEE_SANS_CACHE", disabled)
        assembly = view if disabled else open_assembly(repo, offline=True)
        assembly.refresh()
        worked.clear()
        new_tips = [tip.sha for tip in assembly.snapshot.branches.values()]
        assert assembly.trunk == trunk and not set(new_tips) & set(tips)
        after = assembly.forks(new_tips)
        assert [_described(fork) for fork in after] == [
            _reference(repo, trunk, tip) for tip in new_tips
        ]
        by_branch = {branches[old]: new for old, new in zip(tips, new_tips, strict=True)}
        assert set(worked) == {by_branch[branches[t]] for t in expected_alone} | {by_branch[edited]}

    # By hand, another proposal's file beside a derived branch's own: its proposals/ folder is
    # no longer the known one with that file only (checked by the folder's id): worked out.
    meddled = branches[tips[5]]
    assert tips[5] not in expected_alone
    _commit_file(repo, meddled, "proposals/9999-autre.md", "autre\n", "Un autre fichier")
    git(repo, "checkout", "-q", "main")
    monkeypatch.setenv("ASSEMBLEE_SANS_CACHE", "")
    assembly = open_assembly(repo, offline=True)
    worked.clear()
    new_tips = [tip.sha for tip in assembly.snapshot.branches.values()]
    after = assembly.forks(new_tips)
    assert [_described(fork) for fork in after] == [
        _reference(repo, trunk, tip) for tip in new_tips
    ]
    assert worked == [git(repo, "rev-parse", meddled).strip()]


def test_decided_files_are_found_by_binary_search_as_by_the_whole_listing(repo: Path) -> None:
    """`show N` of a decided proposal and the branches left of a decided one: found in
    `proposals/` without listing it, the same as from the whole listing, with names that the
    tool never writes (more leading zeros, a folder, two files under one number)."""
    git(repo, "checkout", "-q", "main")
    for path in ("proposals/00003-a.md", "proposals/0004-aa.md", "proposals/0005-x.md/y"):
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text("x\n", encoding="utf-8")
        git(repo, "add", path)
    git(repo, "commit", "-q", "-m", "Des noms inhabituels")
    decided = git(repo, "ls-tree", "--name-only", "main", "proposals/").split()
    left = decided[1].removeprefix("proposals/").removesuffix(".md")
    git(repo, "branch", f"proposition/{left}", "main")  # a branch left of a decided one
    assembly = open_assembly(repo, offline=True)
    names = assembly.decided_names()
    assert left not in assembly.snapshot.branches
    for number in range(0, 16):
        expected = next((n for n in names if int(n.split("-")[0]) == number), None)
        if expected is None:
            if number in {int(n.split("-")[0]) for n in assembly.snapshot.branches}:
                continue
            with pytest.raises(AssembleeError):
                assembly.find(str(number))
        else:
            assert assembly.find(str(number)) == (expected, None), number
