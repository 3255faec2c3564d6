"""Sections parsed from their markdown: frontmatter, headings, parts to complete; and their HTML
in the export (escaped, parts to complete marked)."""

from __future__ import annotations

from assemblee_cli.formats.sections import parse_section
from assemblee_cli.render.export import render_section_html

BASE = {"ASSEMBLEE_SMTP_HOTE": "smtp.exemple.org", "ASSEMBLEE_LISTE": "liste@exemple.org"}


SECTION = """---
titre: "Qualités de l'assemblée"
faisceau: qualités
---
# Qualités de l'assemblée

[à compléter]

Histoire
--------

Texte. [à compléter]
"""


def test_parse_section_frontmatter_headings_and_parts_to_complete() -> None:
    warnings: list[str] = []
    section = parse_section("sections/02-qualites.md", SECTION, warnings)
    assert (section.title, section.bundle, section.body_start) == (
        "Qualités de l'assemblée",
        "qualites",
        5,
    )
    assert [(h.level, h.text, h.line) for h in section.headings] == [
        (1, "Qualités de l'assemblée", 5),
        (2, "Histoire", 9),
    ]
    assert [(t.line, t.heading) for t in section.todo] == [
        (7, "Qualités de l'assemblée"),
        (12, "Histoire"),
    ]
    assert warnings == []


def test_parse_section_without_frontmatter_or_with_an_unknown_bundle() -> None:
    warnings: list[str] = []
    bare = parse_section("sections/09-autre.md", "## Autre chose\n\nTexte.\n", warnings)
    assert (bare.title, bare.bundle) == ("Autre chose", None)
    odd = parse_section("sections/10-x.md", "---\nfaisceau: finances\n---\nTexte\n", warnings)
    assert odd.bundle is None and odd.title == "10-x"
    assert any("finances" in w for w in warnings)
    broken = parse_section("sections/11-y.md", "---\ntitre: [\n---\nTexte\n", warnings)
    assert broken.title == "11-y" and any("11-y.md" in w for w in warnings)


def test_section_html_escapes_raw_html_and_marks_parts_to_complete() -> None:
    text = (
        "# Titre\n\n<script>alert(1)</script>\n\nUn <b onclick='x()'>mot</b>, "
        "[lien](javascript:alert(2)) et [à compléter]\n\n## Sous-partie\n"
    )
    section = parse_section("sections/01-t.md", text)
    rendered = render_section_html(section)
    assert "<script>" not in rendered.html and "<b " not in rendered.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered.html
    assert 'href="javascript' not in rendered.html
    assert '<mark class="a-completer">[à compléter]</mark>' in rendered.html
    assert '<h2 id="section-01-t">Titre</h2>' in rendered.html
    assert rendered.toc == [("section-01-t-sous-partie", "Sous-partie")]
