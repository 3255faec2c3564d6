"""`assemblee --help` printed from the page kept in the user's cache folder (cli/quick_help.py)
is the page typer prints, byte for byte: cold, warm, at another width, damaged, disabled."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from tests.helpers import run_cli

from assemblee_cli.cli import quick_help

REQUESTS = (("--help",), ("-h",), ())


def kept_pages(home: Path) -> list[Path]:
    return sorted((home / ".cache" / "assemblee" / "aide").glob("*.txt"))


def typer_page(tmp_path: Path, *args: str, columns: str = "200") -> str:
    proc = run_cli(tmp_path, *args, extra={"ASSEMBLEE_SANS_CACHE": "1", "COLUMNS": columns})
    assert proc.returncode == 0 and proc.stderr == ""
    return proc.stdout


@pytest.mark.parametrize("args", REQUESTS, ids=("help", "h", "none"))
def test_cold_and_warm_pages_are_typer_s(
    tmp_path: Path, sealed_env: Path, args: tuple[str, ...]
) -> None:
    expected = typer_page(tmp_path, *args)
    assert "Utilisation :" in expected and "status" in expected
    assert kept_pages(sealed_env) == []  # disabled: nothing kept
    for _ in range(2):  # cold (typer prints it, it is kept), then warm (from the file)
        proc = run_cli(tmp_path, *args, extra={"COLUMNS": "200"})
        assert (proc.returncode, proc.stdout, proc.stderr) == (0, expected, "")
        assert len(kept_pages(sealed_env)) == 1


def test_each_width_gets_its_page(tmp_path: Path, sealed_env: Path) -> None:
    for columns in ("200", "60", "60", "200", "0", "pas-un-nombre"):
        expected = typer_page(tmp_path, "--help", columns=columns)
        proc = run_cli(tmp_path, "--help", extra={"COLUMNS": columns})
        assert proc.stdout == expected, columns
    assert typer_page(tmp_path, "--help", columns="60") != expected


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda t: t.replace("status", "statut"), id="edited-text"),
        pytest.param(lambda t: t[: len(t) // 2], id="cut-short"),
        pytest.param(lambda t: "v0|autre clé" + t[t.index("\n") :], id="other-key"),
        pytest.param(lambda t: "", id="empty"),
    ],
)
def test_a_damaged_page_is_not_believed(tmp_path: Path, sealed_env: Path, damage: object) -> None:
    expected = typer_page(tmp_path, "--help")
    run_cli(tmp_path, "--help", extra={"COLUMNS": "200"})
    (page,) = kept_pages(sealed_env)
    page.write_text(damage(page.read_text(encoding="utf-8")), encoding="utf-8")  # type: ignore[operator]
    for _ in range(2):  # printed by typer, kept again, then from the file
        assert run_cli(tmp_path, "--help", extra={"COLUMNS": "200"}).stdout == expected


def test_other_command_lines_are_not_kept(tmp_path: Path, sealed_env: Path) -> None:
    for args in (("status", "--help"), ("--version",), ("--depot", ".", "--help")):
        assert run_cli(tmp_path, *args).returncode == 0
    assert kept_pages(sealed_env) == []
    assert quick_help.request(["--help", "--help"]) is None


def test_completion_never_reads_a_page(monkeypatch: pytest.MonkeyPatch) -> None:
    assert quick_help.request([]) is not None
    monkeypatch.setenv("_ASSEMBLEE_COMPLETE", "complete_bash")
    assert quick_help.request([]) is None


def test_the_key_follows_the_code_typer_and_width(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Any Python file of the package or of typer that changes (size or time) changes the key."""
    package = tmp_path / "paquet"
    (package / "sous").mkdir(parents=True)
    (package / "a.py").write_text("x = 1\n", encoding="utf-8")
    (package / "sous" / "b.py").write_text("y = 2\n", encoding="utf-8")
    before = quick_help._sources(str(package))
    os.utime(package / "sous" / "b.py", ns=(1, 1))
    assert quick_help._sources(str(package)) != before and len(before) == 2

    import typer

    _path, key = quick_help.request(["--help"]) or ("", "")
    assert os.path.dirname(typer.__file__) + "/main.py:" in key
    assert os.path.dirname(quick_help.__file__) + "/app.py:" in key
    monkeypatch.setenv("COLUMNS", "60")
    assert (quick_help.request(["--help"]) or ("", ""))[1] != key


@pytest.mark.parametrize("columns", ["", "0", "-3", "abc", "20", "60", "79", "80", "81", "300"])
def test_the_width_is_click_s(monkeypatch: pytest.MonkeyPatch, columns: str) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    expected = max(min(shutil.get_terminal_size().columns, 80) - 2, 50)  # click's HelpFormatter
    assert quick_help._width() == expected


def test_a_closed_output_is_no_error(tmp_path: Path, sealed_env: Path) -> None:
    """With its standard output closed, `--help` prints nothing and succeeds, as click does,
    whether typer prints the page or it was kept."""
    import subprocess
    import sys

    for _ in range(2):
        proc = subprocess.run(
            [sys.executable, "-m", "assemblee_cli", "--help"],
            cwd=tmp_path,
            env=dict(os.environ),
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=lambda: os.close(1),  # the tool starts with no standard output
            check=False,
        )
        assert (proc.returncode, proc.stderr) == (0, "")
    assert len(kept_pages(sealed_env)) == 1
