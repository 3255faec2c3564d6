"""The table of open proposals (render.print_table): it fits the console, keeps the short
columns whole while the title gives way, and keeps every word of a cell when it wraps."""

from __future__ import annotations

import io

import pytest
from rich.cells import cell_len
from rich.console import Console

from assemblee_cli.cli.tables import STATUS_COLUMNS, Column, print_table

COLUMNS = [
    Column("n°", right=True),
    Column("titre", shrink=3, least=16),
    Column("statut", shrink=2),
    Column("échéance", shrink=1, least=8),
    Column("✓/∅/✗/⛔"),
]
TITLE = "Charte d'accueil des nouveaux membres et de leurs parrains et marraines"


def rows(count: int) -> list[list[str]]:
    return [
        [str(i + 1), f"{TITLE} ({i + 1})", "ouverte", "ven. 27 nov. 8 h 45", "17/1/2/0"]
        for i in range(count)
    ]


def draw(width: int, table_rows: list[list[str]], wrap: bool) -> list[str]:
    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None, legacy_windows=False)
    print_table(console, "Propositions en cours", COLUMNS, table_rows, wrap=wrap)
    return out.getvalue().splitlines()


@pytest.mark.parametrize("width", [60, 80, 100, 120, 200])
@pytest.mark.parametrize("wrap", [True, False])
def test_the_table_fits_the_console(width: int, wrap: bool) -> None:
    lines = draw(width, rows(3), wrap)
    assert lines[0] == "Propositions en cours"
    assert all(cell_len(line) <= width for line in lines), lines
    assert lines[1].startswith("┏") and lines[-1].startswith("└")


def test_a_wide_console_shows_every_cell_whole() -> None:
    lines = draw(200, rows(3), wrap=False)
    assert len(lines) == 4 + 3 + 1  # title, top, header, rule; 3 rows; bottom
    for i, line in enumerate(lines[4:7]):
        assert f"{TITLE} ({i + 1})" in line and "ven. 27 nov. 8 h 45" in line
    assert lines[4].startswith("│  1 │")  # numbers are right-aligned


def test_the_title_gives_way_first_and_ends_with_an_ellipsis() -> None:
    lines = draw(90, rows(2), wrap=False)
    body = lines[4:6]
    assert all("…" in line for line in body)
    assert all("ouverte" in line and "ven. 27 nov. 8 h 45" in line for line in body)


def test_short_listings_wrap_without_losing_a_word() -> None:
    lines = draw(90, rows(1), wrap=True)
    body = lines[4:-1]
    assert len(body) > 1
    title_cells = " ".join(line.split("│")[2].strip() for line in body)
    assert title_cells == f"{TITLE} (1)"


def test_at_80_columns_the_status_table_wraps_between_words_never_inside_one() -> None:
    """Issue 11: « ouvert|e », « report|ée » at 80 columns."""
    table_rows = [
        [
            "7",
            TITLE,
            "reportée (tour 2, consentement) — texte modifié, avis à redonner",
            "ven. 27 nov. 8 h 45",
            "2 j 3 h",
            "17/1/2/0",
            "pas encore",
        ],
        [
            "8",
            TITLE,
            "ouverte",
            "nouveau tour à décider",
            "—",
            "0/0/0/0",
            "s'abstient",
        ],
    ]
    out = io.StringIO()
    console = Console(file=out, width=80, color_system=None, legacy_windows=False)
    print_table(console, "Propositions en cours", STATUS_COLUMNS, table_rows, wrap=True)
    lines = out.getvalue().splitlines()
    assert all(cell_len(line) <= 80 for line in lines), lines
    words = {w for line in lines for cell in line.split("│") for w in cell.split()}
    for row in table_rows:
        for cell in row:
            for word in cell.split():
                assert word in words, (word, lines)
