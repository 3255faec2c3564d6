"""The sections of the code social: a markdown file each, with a frontmatter (title, bundle),
parsed into headings and the parts still to complete. Text in, data out: no git."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from assemblee_cli.core.french import one_line
from assemblee_cli.errors import AssembleeError

SECTIONS_DIR = "sections"
TODO_MARK = "[à compléter]"
BUNDLES: dict[str, str] = {
    "qualites": "Qualités",
    "valeurs": "Valeurs",
    "droits": "Droits",
    "richesses": "Richesses",
}
BUNDLE_DESCRIPTIONS: dict[str, str] = {
    "qualites": "les qualités de l'assemblée : caractéristiques, statut juridique, ce qui est "
    "mis en commun, histoire",
    "valeurs": "les valeurs véhiculées : gouvernance, responsabilité et intérêts communs",
    "droits": "les droits d'accès, d'usage, de modification, leur répartition et les conditions "
    "de leur modification",
    "richesses": "les richesses reconnues, les sources de financement et la gestion de leurs flux",
}
FILE_LABELS = {
    "codesocial/regles.yml": "Règles de décision",
    "codesocial/membres.yml": "Liste des membres",
}


# -- sections --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    line: int  # 1-based line in the section file


@dataclass(frozen=True)
class TodoPart:
    line: int  # 1-based line in the section file
    heading: str | None  # the heading it falls under, if any


@dataclass(frozen=True)
class Section:
    path: str  # sections/04-droits.md
    slug: str  # 04-droits
    title: str
    bundle: str | None
    body: str  # the markdown after the frontmatter
    body_start: int  # 1-based line of the file where the body starts
    headings: tuple[Heading, ...]
    todo: tuple[TodoPart, ...]


_FENCE = re.compile(r"^(-{3,}|\.{3})\s*$")


def split_section(text: str) -> tuple[str | None, str, int]:
    """(frontmatter or None, body, 1-based line where the body starts)."""
    text = text.removeprefix("\ufeff")
    lines = text.split("\n")
    if not lines or not re.match(r"^---\s*$", lines[0]):
        return None, text, 1
    for index in range(1, len(lines)):
        if _FENCE.match(lines[index]):
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
    return None, text, 1


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def parse_section(path: str, text: str, warnings: list[str] | None = None) -> Section:
    from assemblee_cli.formats.yamlio import load_yaml

    slug = path.rsplit("/", 1)[-1].removesuffix(".md")
    header, body, start = split_section(text)
    meta: dict[str, Any] = {}
    if header is not None:
        try:
            data = load_yaml(header, path, line_offset=1).data
        except AssembleeError as exc:
            if warnings is not None:
                warnings.append(exc.message)
            data = None
        if isinstance(data, dict):
            meta = data
        elif data is not None and warnings is not None:
            warnings.append(f"{path}, ligne 2 : l'en-tête doit être une table (titre, faisceau).")
    headings = _headings(body, start)
    title = meta.get("titre")
    if not isinstance(title, str) or not title.strip():
        title = headings[0].text if headings else slug
    bundle_value = meta.get("faisceau")
    bundle: str | None = None
    if isinstance(bundle_value, str) and bundle_value.strip():
        bundle = fold(bundle_value)
        if bundle not in BUNDLES:
            if warnings is not None:
                warnings.append(
                    f"{path} : faisceau « {bundle_value} » inconnu (qualites, valeurs, droits "
                    "ou richesses, ou null)."
                )
            bundle = None
    todo = []
    for offset, line in enumerate(body.split("\n")):
        if TODO_MARK in line:
            number = start + offset
            under = [h for h in headings if h.line <= number]
            todo.append(TodoPart(number, under[-1].text if under else None))
    return Section(path, slug, one_line(title), bundle, body, start, headings, tuple(todo))


def _headings(body: str, start: int) -> tuple[Heading, ...]:
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(body)
    result = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.map is not None:
            inline = tokens[index + 1]
            text = "".join(
                child.content for child in (inline.children or []) if child.type != "softbreak"
            )
            result.append(Heading(int(token.tag[1]), one_line(text), start + token.map[0]))
    return tuple(result)


@dataclass(frozen=True)
class BundleCheck:
    bundle: str
    label: str
    sections: tuple[Section, ...]

    @property
    def state(self) -> str:
        if not self.sections:
            return "absent"
        if any(s.todo for s in self.sections):
            return "à compléter"
        return "complet"


def completeness(sections: list[Section]) -> list[BundleCheck]:
    """The four bundles the seed requires, each with its sections and whether parts are left
    to complete."""
    return [
        BundleCheck(key, label, tuple(s for s in sections if s.bundle == key))
        for key, label in BUNDLES.items()
    ]
