"""The typer application and what every command module shares: the common options, opening the
assembly, the clock, the console and JSON output."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from assemblee_cli.cli.french_help import FrenchGroup

app = typer.Typer(
    name="assemblee",
    cls=FrenchGroup,
    help=(
        "Faire vivre le code social d'une assemblée dans git : proposer une modification, se "
        "positionner (d'accord, s'abstient, pas d'accord, blocage), appliquer les décisions."
    ),
    add_completion=True,
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

Offline = Annotated[
    bool,
    typer.Option("--offline", help="Ne pas échanger avec le dépôt partagé (ni fetch ni push)."),
]
Json = Annotated[bool, typer.Option("--json", help="Afficher un document JSON (pour les scripts).")]
Ident = Annotated[
    str,
    typer.Argument(
        metavar="ID", help="Numéro de la proposition : 7, 0007 ou le nom de sa branche."
    ),
]

_state: dict[str, Any] = {"dir": Path("."), "assemblies": []}


def _print_version(value: bool) -> None:
    if value:
        from assemblee_cli import __version__

        sys.stdout.write(f"assemblee {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def main_options(
    directory: Annotated[
        Path, typer.Option("-C", "--depot", help="Travailler dans ce dépôt plutôt qu'ici.")
    ] = Path("."),
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Afficher la version d'assemblee.",
            is_eager=True,
            callback=lambda value: _print_version(value),
        ),
    ] = False,
) -> None:
    _state["dir"] = directory
    _state["assemblies"] = []


def workdir() -> Path:
    """The directory given by -C/--depot (by default: here)."""
    path: Path = _state["dir"]
    return path


def open_here(offline: bool) -> Any:
    from assemblee_cli.store.assembly import open_assembly

    assembly = open_assembly(_state["dir"], offline=offline)
    _state["assemblies"].append(assembly)
    return assembly


def print_notices() -> None:
    """Warnings gathered while working (a file of codesocial/ broken on main…), on stderr."""
    seen: set[str] = set()
    for assembly in _state["assemblies"]:
        for notice in assembly.notices:
            if notice not in seen:
                seen.add(notice)
                sys.stderr.write(notice + "\n")
    _state["assemblies"] = []


def clock() -> Any:
    """The clock of the command (cli/hooks.clock: the guards read it without typer)."""
    from assemblee_cli.cli.hooks import clock as command_clock

    return command_clock()


def escape(text: str) -> str:
    """User text (titles, names, reasons, paths) printed literally, never read as rich markup."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def console() -> Any:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


@contextmanager
def working(message: str) -> Iterator[None]:
    """While a command that can take seconds works, say so on stderr (an animated line, on a
    terminal only: scripts and pipes see nothing more than before)."""
    if not sys.stderr.isatty():
        yield
        return
    from rich.console import Console

    with Console(stderr=True).status(message, spinner="dots"):
        yield


@contextmanager
def counting(message: str) -> Iterator[Callable[[int, int], None] | None]:
    """Like `working`, with a count: « message : n / N commits » on stderr (on a terminal
    only), updated as the work goes."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console

    with Console(stderr=True).status(f"{message}…", spinner="dots") as status:

        def progress(done: int, total: int) -> None:
            status.update(f"{message} : {done} / {total} commits")

        yield progress


def print_json(data: Any) -> None:
    import json  # only when a command prints JSON: not for --help

    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def when(moment: Any, rules: Any) -> str:
    """An instant in words, in the assembly's time zone."""
    from assemblee_cli.core.french import format_instant
    from assemblee_cli.core.rules import tz_of

    return format_instant(moment, tz_of(rules))


def waits_for_sync(assembly: Any, what: str) -> None:
    """Say, after a write made with --offline in a clone that has a shared repository, that
    it waits in the clone for `assemblee sync`."""
    if not assembly.online and assembly.remote is not None:
        console().print(escape(f"Hors ligne : {what}"))
