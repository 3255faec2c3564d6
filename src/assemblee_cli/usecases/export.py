"""`assemblee export`: the consolidated code social as one document.

Every section of main in reading order with a table of contents; the completeness check of the
four bundles the seed requires (qualités, valeurs, droits, richesses) with every part still
marked `[à compléter]`; and the journal of decisions (what changed, when, how it was decided,
link to the proposal's file).

Markdown keeps each section's text as written (headings shifted one level under the document's
title). HTML is one self-contained page (inline CSS, no external resource, `lang="fr"`, readable
on a phone); the sections are rendered with markdown-it-py in CommonMark mode with raw HTML
disabled, so HTML written in a section is shown as text, never interpreted, and every other text
from the repository is escaped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from assemblee_cli.core.rules import Rules
from assemblee_cli.errors import AssembleeError
from assemblee_cli.formats.sections import BundleCheck, Section, completeness
from assemblee_cli.store.assembly import Assembly
from assemblee_cli.store.reading import Decided, decided_journal, read_sections, section_title

FORMATS = ("md", "html")


@dataclass(frozen=True)
class Export:
    rules: Rules
    trunk: str
    now: datetime
    sections: list[Section]
    bundles: list[BundleCheck]
    journal: list[Decided]
    titles: dict[str, str]  # file path → its section title on main (for the journal)
    warnings: list[str]
    link_base: str


def build_export(assembly: Assembly, now: datetime, link_base: str = "") -> Export:
    assembly.refresh()
    trunk = assembly.trunk
    rules = assembly.rules_at(trunk)
    sections, warnings = read_sections(assembly, trunk)
    if not sections:
        raise AssembleeError(
            "Aucune section sur main (dossier sections/) : il n'y a rien à exporter."
        )
    journal, errors = decided_journal(assembly)
    titles: dict[str, str] = {s.path: s.title for s in sections}
    for p in journal:
        for path in p.files:
            if path not in titles:
                title = section_title(assembly, trunk, path)
                if title:
                    titles[path] = title
    return Export(
        rules,
        trunk,
        now,
        sections,
        completeness(sections),
        journal,
        titles,
        warnings + errors,
        link_base,
    )
