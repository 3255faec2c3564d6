"""Runs the command line: registers every command module and turns usage errors of the
command-line parser into a French sentence and exit code 2. Errors of the tool itself
(AssembleeError) go up to `assemblee_cli.__main__`, the one place that maps them to exit codes."""

from __future__ import annotations

import functools
import importlib
import sys
from typing import Any

import typer

from assemblee_cli.cli import quick_help
from assemblee_cli.cli.app import app, print_notices
from assemblee_cli.cli.french_help import FrenchCommand, FrenchGroup, LazyCommands

# Each command module registers its commands on `app`, in the order the help lists them.
for _module in ("proposals", "integrity", "publication", "web"):
    importlib.import_module(f"assemblee_cli.cli.{_module}")


def run(argv: list[str] | None = None) -> int:
    """Run the command line; usage errors become a French sentence and exit code 2. Arguments
    that are not UTF-8 are decoded here, at the edge (decode_argument). A help page that the
    next run can print without typer is kept (cli/quick_help.py)."""
    argv = sys.argv[1:] if argv is None else argv
    if quick_help.request(argv) is None:
        return _run(argv)
    import contextlib
    import io

    page = io.StringIO()
    with contextlib.redirect_stdout(page):
        code = _run(argv)
    if sys.stdout is not None:  # none when the output is closed
        sys.stdout.write(page.getvalue())
    if code == 0:
        quick_help.keep(argv, page.getvalue())
    return code


def _run(argv: list[str]) -> int:
    if not all(arg.isascii() for arg in argv):  # only then can one need decoding (not --help)
        from assemblee_cli.core.french import decode_argument

        argv = [decode_argument(arg) for arg in argv]
    click = _click_exceptions()
    aborts: tuple[type[BaseException], ...] = (typer.Abort, *_click_aborts())

    try:
        result = _group()(args=argv, standalone_mode=False, prog_name="assemblee")
    except click.NoArgsIsHelpError as exc:
        if exc.ctx is not None:
            sys.stdout.write(exc.ctx.get_help() + "\n")
        return 0
    except click.UsageError as exc:
        sys.stderr.write(_usage_message(exc) + "\n")
        return 2
    except aborts:
        sys.stderr.write("Interrompu.\n")
        return 130
    except SystemExit:
        print_notices()
        raise
    print_notices()
    return result if isinstance(result, int) else 0


@functools.cache
def _group() -> Any:
    """The command-line group of `app`, whose commands are made from their typer definitions
    (parameters read from each function's signature) only when one is needed: to run it, for
    its help, for shell completion. `assemblee --help` lists them from their help texts (the
    same lines: the stand-in of a command is a command with its name and help). Made once per
    process (click keeps no state of a run in its commands): a process that runs several
    commands, such as the tests run in process, builds it once."""
    import copy
    import inspect

    from typer.main import get_command, get_command_from_info, get_command_name

    bare = copy.copy(app)  # the main options and the groups; the commands come below
    bare.registered_commands = []
    group = get_command(bare)
    assert isinstance(group, FrenchGroup)
    groups = dict(group.commands)  # listed after the commands, as typer lists them
    group.commands = LazyCommands({})
    for info in app.registered_commands:
        assert info.callback is not None
        name = info.name or get_command_name(info.callback.__name__)
        text = inspect.getdoc(info.callback) if info.help is None else inspect.cleandoc(info.help)
        stand_in = (info.cls or FrenchCommand)(
            name=name,
            help=text,
            short_help=info.short_help,
            hidden=info.hidden,
            deprecated=info.deprecated,
        )

        def make(info: Any = info) -> Any:
            return get_command_from_info(
                info,
                pretty_exceptions_short=app.pretty_exceptions_short,
                rich_markup_mode=app.rich_markup_mode,
            )

        group.commands.defer(name, make, stand_in)
    for name, command in groups.items():
        group.commands[name] = command
    return group


def _click_exceptions() -> Any:
    """The exception classes of the click that typer runs on: recent typer (0.2x) bundles its
    own copy (typer._click), older ones use the click package."""
    import importlib

    try:
        return importlib.import_module("typer._click.exceptions")
    except ImportError:  # pragma: no cover - older typer
        return importlib.import_module("click.exceptions")


def _click_aborts() -> tuple[type[BaseException], ...]:
    abort = getattr(_click_exceptions(), "Abort", None)
    return (abort,) if isinstance(abort, type) and issubclass(abort, BaseException) else ()


def _param_name(param: Any) -> str:
    """How a parameter is named to the user (click has `human_readable_name`, typer's bundled
    click does not)."""
    named = getattr(param, "human_readable_name", None)
    if named:
        return str(named)
    opts = getattr(param, "opts", None)
    if opts and str(opts[0]).startswith("-"):
        return str(opts[0])
    return str(getattr(param, "metavar", None) or getattr(param, "name", None) or "?").upper()


def _command_names() -> list[str]:
    names = [c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands]
    names += [g.name or "" for g in app.registered_groups]
    return [n.replace("_", "-") for n in names if n]


def _usage_message(exc: Any) -> str:
    click = _click_exceptions()

    command = exc.ctx.command_path if exc.ctx is not None else "assemblee"
    hint = f"Voir « {command} --help »."
    if isinstance(exc, click.MissingParameter) and exc.param is not None:
        return f"Il manque {_param_name(exc.param)}. {hint}"
    if isinstance(exc, click.NoSuchOption):
        return f"Option inconnue : {exc.option_name}. {hint}"
    if isinstance(exc, click.BadParameter):
        name = _param_name(exc.param) if exc.param else "un paramètre"
        return f"Valeur invalide pour {name} : {exc.message}. {hint}"
    text = exc.format_message()
    if text.startswith("No such command"):
        import difflib
        import re

        found = re.search(r"No such command ['\"]?([^'\"]+)", text)
        name = found.group(1) if found else text
        known = sorted(_command_names())
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        guess = f" Vouliez-vous dire « {close[0]} » ?" if close else ""
        return f"Commande inconnue : {name}.{guess} Voir « assemblee --help »."
    if text.startswith("Got unexpected extra argument"):
        return f"Argument en trop. {hint}"
    return f"Utilisation incorrecte ({text}). {hint}"
