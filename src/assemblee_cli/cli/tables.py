"""Rich rendering of `status` and `show` for people (French)."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from rich.markup import escape

from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.french import format_duration, format_instant
from assemblee_cli.core.tally import CHOICE_LABELS, Tally
from assemblee_cli.usecases.show import ShowView
from assemblee_cli.usecases.status import StatusView


def _tally_short(tally: Tally) -> str:
    return f"{tally.agree}/{tally.abstain}/{tally.disagree}/{tally.block}"


def _short_instant(moment: Any, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    days = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")
    months = (
        "janv.",
        "févr.",
        "mars",
        "avr.",
        "mai",
        "juin",
        "juil.",
        "août",
        "sept.",
        "oct.",
        "nov.",
        "déc.",
    )
    minutes = f"{local.minute:02d}" if local.minute else ""
    return f"{days[local.weekday()]} {local.day} {months[local.month - 1]} {local.hour} h {minutes}".rstrip()


@dataclass(frozen=True)
class Column:
    header: str
    right: bool = False
    shrink: int = 0  # 0: never narrower than its content; the highest shrinks first
    least: int = 6  # the width it keeps when shrunk


# The status table: the title shrinks first, the short structured columns keep their words.
STATUS_COLUMNS = [
    Column("n°", right=True),
    Column("titre", shrink=3, least=16),
    Column("statut", shrink=2),
    Column("échéance", shrink=1, least=8),
    Column("reste", shrink=1),
    Column("✓/∅/✗/⛔"),
    Column("vous", shrink=2),
]


def print_table(
    console: Any, title: str, columns: list[Column], rows: list[list[str]], wrap: bool
) -> None:
    """A table in rich's heavy-head style, laid out here: rich's Table measures and renders
    every cell through its layout engine (about 100 ms for 200 rows), this is a few
    milliseconds. Until the table fits the console, the widest column of the highest `shrink`
    loses a character, down to its `least` width; a cell too long for its column wraps
    (`wrap`) or ends with « … »."""
    from rich.cells import cell_len
    from rich.text import Text

    widths = [
        max([cell_len(c.header)] + [cell_len(row[i]) for row in rows])
        for i, c in enumerate(columns)
    ]
    excess = sum(widths) + 3 * len(columns) + 1 - console.width
    # A column wraps between words: never narrower than its longest word (when wrapping).
    longest_word = [
        max([c.least] + [cell_len(w) for row in rows for w in row[i].split()]) if wrap else c.least
        for i, c in enumerate(columns)
    ]
    while excess > 0:
        candidates = [i for i, c in enumerate(columns) if c.shrink and widths[i] > longest_word[i]]
        if not candidates:
            break  # a console too narrow: the lines are cropped
        widest = max(candidates, key=lambda i: (columns[i].shrink, widths[i]))
        widths[widest] -= 1
        excess -= 1

    def cell_lines(text: str, width: int) -> list[str]:
        if cell_len(text) <= width:
            return [text]
        if wrap:
            return textwrap.wrap(text, width, break_on_hyphens=False, break_long_words=False) or [
                ""
            ]
        return [_crop(text, width)]

    def line(cells: list[str], left: str, middle: str, right: str) -> str:
        return left + middle.join(cells) + right

    def pad(text: str, i: int) -> str:
        space = " " * (widths[i] - cell_len(text))
        return f" {space}{text} " if columns[i].right else f" {text}{space} "

    out = Text(no_wrap=True, overflow="crop")
    out.append(title + "\n", style="italic")
    out.append(line(["━" * (w + 2) for w in widths], "┏", "┳", "┓") + "\n")
    out.append("┃")
    for i, column in enumerate(columns):
        out.append(pad(_crop(column.header, widths[i]), i), style="bold")
        out.append("┃")
    out.append("\n" + line(["━" * (w + 2) for w in widths], "┡", "╇", "┩") + "\n")
    body = []
    for row in rows:
        split = [cell_lines(cell, widths[i]) for i, cell in enumerate(row)]
        for k in range(max(len(lines) for lines in split)):
            cells = [pad(lines[k] if k < len(lines) else "", i) for i, lines in enumerate(split)]
            body.append(line(cells, "│", "│", "│"))
    body.append(line(["─" * (w + 2) for w in widths], "└", "┴", "┘"))
    out.append("\n".join(body))
    console.print(out, crop=True, highlight=False)


def _crop(text: str, width: int) -> str:
    from rich.cells import cell_len, set_cell_size

    if cell_len(text) <= width:
        return text
    return set_cell_size(text, max(width - 1, 0)).rstrip() + "…"


def render_status(console: Any, view: StatusView) -> None:
    if view.open:
        rows = []
        for item in view.open:
            p = item.proposal
            tz = ZoneInfo(p.rules.timezone)
            if p.status is lc.Status.OPEN:
                left = format_duration(p.round.deadline - view.now)
                deadline = _short_instant(p.round.deadline, tz)
            else:
                left = "—"
                deadline = "nouveau tour à décider"
            state = lc.STATUS_LABELS[p.status]
            if p.round.number > 1:
                state += f" (tour {p.round.number}, {lc.MODE_LABELS[p.round.mode]})"
            if item.amended:
                state += " — texte modifié, avis à redonner"
            if item.conflict:
                state = "échue, en conflit avec main : à mettre à jour"
                left = "—"
            mine = (
                "non connu"
                if view.me is None
                else CHOICE_LABELS[item.my_vote.choice]
                if item.my_vote
                else "pas encore"
            )
            rows.append([str(p.id), p.title, state, deadline, left, _tally_short(item.tally), mine])
        print_table(
            console,
            "Propositions en cours",
            STATUS_COLUMNS,
            rows,
            # Long listings stay one line a proposal (easier to scan); short ones wrap.
            wrap=len(rows) <= 30,
        )
        console.print("✓ d'accord, ∅ s'abstient, ✗ pas d'accord, ⛔ blocage", style="dim")
    else:
        console.print("Aucune proposition en cours.")
    if view.decided:
        console.print("\n[bold]Dernières décisions[/bold]")
        for p in view.decided:
            tz = ZoneInfo(p.rules.timezone)
            when = format_instant(p.decided_at, tz) if p.decided_at else ""
            tally = ""
            if p.round.tally is not None:
                tally = (
                    f" ({p.round.tally.describe()})"
                    if p.round.tally.total
                    else " (sans aucun avis)"
                )
            if p.status is lc.Status.WITHDRAWN:  # no vote decided it: no mode, no tally
                how, tally = " par son auteur·rice", ""
            else:
                how = f", {lc.MODE_LABELS[p.round.mode]}"
            console.print(
                f"  n°{p.id} « {escape(p.title)} » : {lc.STATUS_LABELS[p.status]}{how}, le {when}{tally}"
            )
    for error in view.errors:
        console.print(f"[red]Proposition illisible[/red] : {escape(error)}")


def render_show(console: Any, view: ShowView) -> None:
    from rich.markdown import Markdown

    p = view.proposal
    tz = ZoneInfo(p.rules.timezone)
    console.print(f"[bold]Proposition n°{p.id} — {escape(p.title)}[/bold]")
    console.print(
        f"Auteur·rice : {escape(p.author_name)} <{escape(p.author)}>, ouverte le {format_instant(p.opened_at, tz)} ({view.where})."
    )
    if view.conflict:
        console.print("Statut : ouverte, en conflit avec le texte de main (non fusionnable).")
    else:
        console.print(f"Statut : {lc.STATUS_LABELS[p.status]}.")
    if p.challenges:
        console.print(f"Remet en cause la décision n°{p.challenges}.")
    if p.description:
        console.print()
        console.print(Markdown(p.description))
    if view.conflict:
        console.print(
            f"\n[bold red]En conflit avec main[/bold red] ({escape(', '.join(view.conflict))}) : "
            "rien ne sera fusionné tant que l'auteur·rice ne l'aura pas mise à jour, dans son "
            "clone :"
        )
        for command in view.commands:
            console.print(f"    {escape(command)}")
        console.print(
            "Si le texte proposé change, les avis sont à redonner et le délai repart ; sinon "
            "ils sont gardés."
        )
    console.print("\n[bold]Modification du texte[/bold]")
    if view.changes:
        render_changes(console, view.changes)
    else:
        console.print("Aucune : c'est une décision sur un autre sujet que le texte.")
    console.print("\n[bold]Tours[/bold]")
    for r in p.rounds:
        result = f" → {lc.STATUS_LABELS[lc.Status(r.result.value)]}" if r.result else ""
        tally = f" ({r.tally.describe()})" if r.tally else ""
        console.print(
            f"  tour {r.number}, {lc.MODE_LABELS[r.mode]} : ouvert le {format_instant(r.opened_at, tz)}, "
            f"échéance le {format_instant(r.deadline, tz)}{result}{tally}"
        )
    if view.amended:
        console.print(
            "[yellow]Le texte a été modifié depuis l'ouverture du tour : les avis précédents ne comptent plus.[/yellow]"
        )
    console.print(f"\n[bold]Avis du tour {p.round.number}[/bold] : {view.tally.describe()}")
    for vote in view.counted.values():
        _print_vote(console, view, vote, tz, "")
    for vote in view.outdated:
        _print_vote(
            console,
            view,
            vote,
            tz,
            " [dim](sur une version antérieure du texte : ne compte plus)[/dim]",
        )
    silent = [m for m in p.members if m not in view.counted]
    if p.status is lc.Status.OPEN and silent:
        console.print(
            f"Pas encore positionné·es ({len(silent)}) : "
            + ", ".join(escape(view.roster.name_of(m)) for m in silent)
        )


def _print_vote(console: Any, view: ShowView, vote: lc.Vote, tz: ZoneInfo, note: str) -> None:
    recorded = lc.recorded_words(vote, view.roster.name_of)
    by = f", {escape(recorded)}" if recorded else ""
    reason = f" — « {escape(vote.reason)} »" if vote.reason else ""
    console.print(
        f"  • {escape(view.roster.name_of(vote.member))} : {CHOICE_LABELS[vote.choice]}{reason} "
        f"({format_instant(vote.cast_at, tz)}{by}){note}"
    )


def render_changes(console: Any, changes: list[Any]) -> None:
    """The change word by word: removed words struck out in red as [−…], added ones in green
    as [+…]; wrapped between words at the console's width, never cut."""
    from rich.text import Text

    from assemblee_cli.core.textdiff import ADDED, REMOVED

    for change in changes:
        console.print(Text(f"{change.path} ({change.kind}) :", style="bold"), soft_wrap=False)
        for block in change.blocks:
            where = (
                f"ligne {block.old_first}"
                if block.old_last <= block.old_first
                else f"lignes {block.old_first} à {block.old_last}"
            )
            console.print(Text(f"  {where} :", style="dim"), soft_wrap=False)
            text = Text("    ")
            for piece in block.pieces:
                if piece.kind == REMOVED and piece.text.strip():
                    text.append(f"[−{piece.text.strip()}]", style="red strike")
                    text.append(" " if piece.text.endswith((" ", "\n")) else "")
                elif piece.kind == ADDED and piece.text.strip():
                    text.append(f"[+{piece.text.strip()}]", style="green bold")
                    text.append(" " if piece.text.endswith((" ", "\n")) else "")
                elif piece.kind not in (REMOVED, ADDED):
                    text.append(piece.text.replace("\n", "\n    "))
            console.print(text, soft_wrap=False, overflow="fold")
