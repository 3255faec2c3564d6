"""Rich rendering of `status` and `show` for people (French)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from rich.markup import escape

from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.french import format_duration, format_instant
from assemblee_cli.core.tally import CHOICE_LABELS, Tally
from assemblee_cli.services import ShowView, StatusView


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


def render_status(console: Any, view: StatusView) -> None:
    from rich.table import Table

    if view.open:
        # Long listings stay one line a proposal (cheaper to lay out, easier to scan).
        wrap = len(view.open) <= 30
        table = Table(title="Propositions en cours", title_justify="left")
        table.add_column("n°", justify="right", no_wrap=True)
        table.add_column("titre", ratio=3, no_wrap=not wrap, overflow="ellipsis")
        table.add_column("statut", ratio=2, no_wrap=not wrap, overflow="ellipsis")
        table.add_column("échéance", ratio=2, no_wrap=not wrap, overflow="ellipsis")
        table.add_column("reste", no_wrap=True)
        table.add_column("✓/∅/✗/⛔", no_wrap=True)
        table.add_column("vous", ratio=2, no_wrap=not wrap, overflow="ellipsis")
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
            mine = (
                "non connu"
                if view.me is None
                else CHOICE_LABELS[item.my_vote.choice]
                if item.my_vote
                else "pas encore"
            )
            table.add_row(
                str(p.id), escape(p.title), state, deadline, left, _tally_short(item.tally), mine
            )
        console.print(table)
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
            console.print(
                f"  n°{p.id} « {escape(p.title)} » : {lc.STATUS_LABELS[p.status]}, {lc.MODE_LABELS[p.round.mode]}, le {when}{tally}"
            )
    for error in view.errors:
        console.print(f"[red]Proposition illisible[/red] : {escape(error)}")


def render_show(console: Any, view: ShowView) -> None:
    from rich.markdown import Markdown
    from rich.syntax import Syntax

    p = view.proposal
    tz = ZoneInfo(p.rules.timezone)
    console.print(f"[bold]Proposition n°{p.id} — {escape(p.title)}[/bold]")
    console.print(
        f"Auteur·rice : {escape(p.author_name)} <{escape(p.author)}>, ouverte le {format_instant(p.opened_at, tz)} ({view.where})."
    )
    console.print(f"Statut : {lc.STATUS_LABELS[p.status]}.")
    if p.challenges:
        console.print(f"Remet en cause la décision n°{p.challenges}.")
    if p.description:
        console.print()
        console.print(Markdown(p.description))
    console.print("\n[bold]Modification du texte[/bold]")
    if view.diff.strip():
        console.print(Syntax(view.diff, "diff", theme="ansi_dark", word_wrap=True))
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
    by = f", saisi par {escape(view.roster.name_of(vote.recorded_by))}" if vote.recorded_by else ""
    reason = f" — « {escape(vote.reason)} »" if vote.reason else ""
    console.print(
        f"  • {escape(view.roster.name_of(vote.member))} : {CHOICE_LABELS[vote.choice]}{reason} "
        f"({format_instant(vote.cast_at, tz)}{by}){note}"
    )
