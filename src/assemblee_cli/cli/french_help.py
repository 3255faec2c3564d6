"""French help pages: the command-line framework writes a few words of its own in English
("Usage:", "Show this message and exit."); they are translated here, once, at the edge."""

from __future__ import annotations

import re
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


class FrenchGroup(TyperGroup):
    def get_help(self, ctx: Any) -> str:
        return translate_help(super().get_help(ctx))

    def get_params(self, ctx: Any) -> list[Any]:
        params: list[Any] = super().get_params(ctx)
        for param in params:
            french = _COMPLETION_HELP.get(getattr(param, "name", ""))
            if french is not None:
                param.help = french
        return params
