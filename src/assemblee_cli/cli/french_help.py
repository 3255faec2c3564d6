"""French help pages: the command-line framework writes a few words of its own in English
("Usage:", "Show this message and exit."); they are translated here, once, at the edge.

Also the group's commands made on demand (LazyCommands): `assemblee --help` lists the commands
from their help texts, without building each command's parameters from its signature."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

from typer.core import TyperCommand, TyperGroup

_WORDS = (
    ("Usage:", "Utilisation :"),
    ("Options:", "Options :"),
    ("Commands:", "Commandes :"),
    ("Arguments:", "Arguments :"),
    ("Show this message and exit.", "Afficher cette aide et quitter."),
    ("[required]", "[obligatoire]"),
    ("[OPTIONS]", "[OPTIONS]"),
    ("COMMAND [ARGS]...", "COMMANDE [ARGUMENTS]..."),
    ("<str>", "TEXTE"),
    ("<path>", "CHEMIN"),
    ("<int>", "NOMBRE"),
)
_RANGE = re.compile(r"<integer range> ?|<int range> ?")


def translate_help(text: str) -> str:
    return "\n".join(_translate_line(line) for line in text.split("\n"))


_GAP = re.compile(r"(\S)( {2,})(\S)")


def _words(text: str) -> str:
    for english, french in _WORDS:
        text = text.replace(english, french)
    text = _RANGE.sub("NOMBRE ", text)
    return text.replace("[default: ", "[par défaut : ")


def _translate_line(line: str) -> str:
    """Translate a help line, keeping its description column where it was."""
    match = _GAP.search(line.lstrip()) if line.startswith("  ") else None
    if match is None:
        return _words(line)
    indent = len(line) - len(line.lstrip())
    cut = indent + match.start(2)
    left, gap, right = line[:cut], line[cut : indent + match.end(2)], line[indent + match.end(2) :]
    new_left = _words(left)
    width = max(len(gap) - (len(new_left) - len(left)), 2)
    return new_left + " " * width + _words(right)


class FrenchCommand(TyperCommand):
    def get_help(self, ctx: Any) -> str:
        return translate_help(super().get_help(ctx))


# The help of the shell-completion options typer adds to the main command.
_COMPLETION_HELP = {
    "install_completion": "Installer la complétion des commandes pour votre shell.",
    "show_completion": "Afficher le script de complétion, à copier ou adapter.",
}


class LazyCommands(MutableMapping[str, Any]):
    """A group's commands by name, in the order they were declared, each made by its maker
    the first time it is asked for. While `listing`, a command not made yet is given as its
    stand-in: a command with the same name and help texts, enough for a list of commands."""

    def __init__(self, made: dict[str, Any]) -> None:
        self._made = dict(made)
        self._order = list(made)
        self._makers: dict[str, tuple[Callable[[], Any], Any]] = {}
        self._listing = False

    def defer(self, name: str, maker: Callable[[], Any], stand_in: Any) -> None:
        if name not in self._order:
            self._order.append(name)
        self._makers[name] = (maker, stand_in)

    @contextmanager
    def listing(self) -> Iterator[None]:
        self._listing = True
        try:
            yield
        finally:
            self._listing = False

    def __getitem__(self, name: str) -> Any:
        if name not in self._made:
            maker, stand_in = self._makers[name]  # KeyError: no such command
            if self._listing:
                return stand_in
            self._made[name] = maker()
            del self._makers[name]
        return self._made[name]

    def __setitem__(self, name: str, command: Any) -> None:
        if name not in self._order:
            self._order.append(name)
        self._makers.pop(name, None)
        self._made[name] = command

    def __delitem__(self, name: str) -> None:
        self._order.remove(name)
        self._made.pop(name, None)
        self._makers.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._order))

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, name: object) -> bool:
        return name in self._made or name in self._makers


class FrenchGroup(TyperGroup):
    def get_help(self, ctx: Any) -> str:
        return translate_help(super().get_help(ctx))

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)  # the names only: no command is made for a list of names

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        if isinstance(self.commands, LazyCommands):
            with self.commands.listing():
                super().format_commands(ctx, formatter)
        else:
            super().format_commands(ctx, formatter)

    def get_params(self, ctx: Any) -> list[Any]:
        params: list[Any] = super().get_params(ctx)
        for param in params:
            french = _COMPLETION_HELP.get(getattr(param, "name", ""))
            if french is not None:
                param.help = french
        return params
