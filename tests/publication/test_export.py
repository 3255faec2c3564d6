"""`assemblee export`: the consolidated code social in markdown and as one HTML page. The page is
parsed in any case (every section title, the table of contents, the completeness check, the
journal, the HTML injected in a section escaped); where Chromium is installed it is also opened
headless at a phone's size, and the screenshot is kept under test-artifacts/."""

from __future__ import annotations

import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from publication_scenario import VALEURS_TEXT, Scene

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
TITLES = [
    "Le code social",
    "Qualités de l'assemblée",
    "Valeurs véhiculées par l'assemblée",
    "Droits d'accès",
    "Faisceaux de richesses",
]


class Page(HTMLParser):
    """What a reader and a screen reader get from the page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.headings: list[tuple[str, str, str | None]] = []  # (tag, text, id)
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.tags: list[str] = []
        self.attrs: dict[str, list[dict[str, str | None]]] = {}
        self.text: list[str] = []
        self._heading: tuple[str, list[str], str | None] | None = None
        self.in_nav = False
        self.nav_links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.tags.append(tag)
        self.attrs.setdefault(tag, []).append(values)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        if tag == "a" and values.get("href"):
            self.links.append(str(values["href"]))
            if self.in_nav:
                self.nav_links.append(str(values["href"]))
        if tag == "nav":
            self.in_nav = True
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self._heading = (tag, [], values.get("id"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav":
            self.in_nav = False
        if self._heading is not None and tag == self._heading[0]:
            name, parts, anchor = self._heading
            self.headings.append((name, "".join(parts).strip(), anchor))
            self._heading = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._heading is not None:
            self._heading[1].append(data)

    @property
    def all_text(self) -> str:
        return "".join(self.text)


@pytest.fixture(scope="module")
def html_export(scene: Scene, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    target = tmp_path_factory.mktemp("export") / "code-social.html"
    proc = scene.ok("bob", "export", "--format", "html", "-o", str(target))
    assert "5 sections, 2 décisions au journal" in proc.stdout
    return target, target.read_text(encoding="utf-8")


def test_html_export_is_one_accessible_self_contained_page(html_export: tuple[Path, str]) -> None:
    _path, source = html_export
    page = Page()
    page.feed(source)
    assert source.startswith('<!DOCTYPE html>\n<html lang="fr">')
    assert {"name": "viewport", "content": "width=device-width, initial-scale=1"} in page.attrs[
        "meta"
    ]
    assert page.tags.count("h1") == 1 and "main" in page.tags and "nav" in page.tags
    # No external resource: no script, no stylesheet or image fetched from elsewhere.
    assert "script" not in page.tags and "link" not in page.tags and "img" not in page.tags
    assert (
        "http://" not in source.split("</style>")[0]
        and "https://" not in source.split("</style>")[0]
    )

    # Every section title, in reading order, as a second-level heading; the table of contents
    # links to each of them.
    h2 = [text for tag, text, _ in page.headings if tag == "h2"]
    assert [t for t in h2 if t in TITLES] == TITLES
    for title in TITLES:
        anchor = next(a for tag, text, a in page.headings if tag == "h2" and text == title)
        assert anchor and f"#{anchor}" in page.nav_links
    assert all(link[1:] in page.ids for link in page.links if link.startswith("#"))

    # Completeness of the four bundles, and every part still to complete.
    assert "Complétude du code social" in h2
    text = page.all_text
    for bundle in ("Qualités", "Valeurs", "Droits", "Richesses"):
        assert bundle in text
    assert "à compléter (3 parties)" in text  # valeurs: intro, modèle social, gouvernance
    assert "Histoire" in text and "(sections/02-qualites.md, ligne 11)" in text

    # The journal: what changed, when, how, and the link to the proposal's file.
    assert "Journal des décisions" in h2
    journal = [t for tag, t, _ in page.headings if tag == "h3" and t.startswith("n°")]
    assert journal == [
        "n°3 Brouillon abandonné — retirée",
        "n°1 Compléter les valeurs clés — adoptée",
    ]
    assert (
        "Adoptée le jeudi 5 novembre 2026 à 12 h, par consentement : 1 d'accord, 0 s'abstient, "
        "0 pas d'accord, 0 blocage." in text
    )
    assert "« Valeurs véhiculées par l'assemblée » (sections/03-valeurs.md)" in text
    assert "proposals/0001-completer-les-valeurs-cles.md" in page.links

    # The HTML written in a section is shown as text, never interpreted.
    assert "<script>" not in source and "<b>" not in source
    assert "&lt;script&gt;alert('valeurs')&lt;/script&gt;" in source
    assert "&lt;b&gt;gras&lt;/b&gt; &amp; co." in source
    assert VALEURS_TEXT in text


def test_html_export_in_headless_chromium(html_export: tuple[Path, str], chromium: Any) -> None:
    """The page in the session's headless Chromium, at a phone's size, with no network."""
    path, _source = html_export
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "export-telephone.png"
    shot.unlink(missing_ok=True)
    context = chromium.new_context(viewport={"width": 412, "height": 915}, offline=True)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        answer = page.goto(path.as_uri())
        assert answer is not None and answer.ok
        page.screenshot(path=str(shot))
        dom = page.content()
    finally:
        context.close()
    assert shot.is_file() and shot.stat().st_size > 5000
    assert shot.read_bytes().startswith(b"\x89PNG")
    shutil.copy(path, ARTIFACTS / "export.html")
    # What the browser built: the sections are there and the injected HTML stayed text.
    assert "Valeurs véhiculées par l'assemblée" in dom
    assert "<script>alert" not in dom
    assert errors == []


def test_markdown_export(scene: Scene) -> None:
    text = scene.ok("alice", "export").stdout
    assert text.startswith("# Code social — Assemblée de test\n")
    toc = text.split("## Sommaire", 1)[1].split("\n## ", 1)[0]
    for title in TITLES:
        assert f"- [{title}](#" in toc
    # Sections in reading order, their first-level headings moved one level down.
    positions = [text.index(f"\n## {title}\n") for title in TITLES]
    assert positions == sorted(positions)
    assert "\n### Valeurs clés\n" in text and "\n# Valeurs" not in text
    assert "| Valeurs | Valeurs véhiculées par l'assemblée | à compléter (3 parties) |" in text
    assert (
        "- Valeurs véhiculées par l'assemblée (`sections/03-valeurs.md`, ligne 7) : introduction"
        in text
    )
    journal = text.split("## Journal des décisions", 1)[1]
    assert "### n°1 Compléter les valeurs clés — adoptée" in journal
    assert (
        "[proposals/0001-completer-les-valeurs-cles.md](proposals/0001-completer-les-valeurs-cles.md)"
        in journal
    )


def test_export_links_and_refusals(scene: Scene, tmp_path: Path) -> None:
    base = "https://forge.exemple.org/lille/code-social/src/branch/main"
    target = tmp_path / "page.html"  # the format follows the extension
    scene.ok("alice", "export", "-o", str(target), "--liens", base)
    assert f'href="{base}/proposals/0001-completer-les-valeurs-cles.md"' in target.read_text(
        encoding="utf-8"
    )
    usage = scene.run("alice", "export", "--format", "pdf")
    assert usage.returncode == 2 and "md ou html" in usage.stderr
    usage = scene.run("alice", "export", "--liens", "javascript:alert(1)")
    assert usage.returncode == 2 and "https://" in usage.stderr
