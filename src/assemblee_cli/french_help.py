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
    ("<str>", "<texte>"),
    ("<path>", "<chemin>"),
    ("<int>", "<nombre>"),
)
_DEFAULT = re.compile(r"\[default: ([^\]]*)\]")
_RANGE = re.compile(r"<integer range> ?|<int range> ?")


def translate_help(text: str) -> str:
    for english, french in _WORDS:
        text = text.replace(english, french)
    text = _RANGE.sub("<nombre> ", text)
    return _DEFAULT.sub(r"[par défaut : \1]", text)


class FrenchCommand(TyperCommand):
    def get_help(self, ctx: Any) -> str:
        return translate_help(super().get_help(ctx))


class FrenchGroup(TyperGroup):
    def get_help(self, ctx: Any) -> str:
        return translate_help(super().get_help(ctx))
