"""The consolidated code social as markdown or as one self-contained, accessible HTML page:
every section in reading order, each bundle's completeness, and the journal of decisions.
Everything from the repository is escaped."""

from __future__ import annotations

import html
import re
import unicodedata
from datetime import datetime
from typing import Any

from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.french import format_instant, one_line
from assemblee_cli.core.rules import tz_of
from assemblee_cli.formats.sections import TODO_MARK, BundleCheck, Section
from assemblee_cli.store.assembly import ARCHIVE_PREFIX
from assemblee_cli.store.reading import Decided
from assemblee_cli.usecases.export import Export

# -- shared wording ------------------------------------------------------------------------


def _when(export: Export, moment: datetime) -> str:
    return format_instant(moment, tz_of(export.rules))


def bundle_state(check: BundleCheck) -> str:
    if check.state == "absent":
        return "absent : aucune section ne le décrit"
    if check.state == "à compléter":
        parts = sum(len(s.todo) for s in check.sections)
        return f"à compléter ({parts} partie{'s' if parts > 1 else ''})"
    return "complet"


def decision_summary(export: Export, p: Decided) -> str:
    when = _when(export, p.decided_at) if p.decided_at else "à une date inconnue"
    if p.status is lc.Status.WITHDRAWN:
        return f"Retirée par son auteur·rice le {when}."
    mode = lc.MODE_LABELS[p.round.mode]
    tally = p.round.tally
    counted = (
        "sans aucun avis (consentement tacite)"
        if tally is not None and tally.total == 0
        else (tally.describe() if tally is not None else "décompte inconnu")
    )
    rounds = f" au tour {p.round.number}" if p.round.number > 1 else ""
    return f"{lc.STATUS_LABELS[p.status].capitalize()} le {when}, par {mode}{rounds} : {counted}."


def todo_place(section: Section, heading: str | None) -> str | None:
    """Where a part to complete is: under a heading, or in the section's introduction."""
    if heading is None:
        return None
    first = section.headings[0] if section.headings else None
    if first is not None and first.level == 1 and first.text == heading:
        return "introduction"
    return f"« {heading} »"


def changed_labels(export: Export, p: Decided) -> list[tuple[str, str | None]]:
    return [(path, export.titles.get(path)) for path in p.files]


def link_to(export: Export, p: Decided) -> str:
    return f"{export.link_base}{p.path}"


def section_anchor(section: Section) -> str:
    return "section-" + (re.sub(r"[^a-z0-9-]+", "-", fold_ascii(section.slug)).strip("-") or "x")


def fold_ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return decomposed.encode("ascii", "ignore").decode()


def github_slug(text: str) -> str:
    """The anchor GitHub/GitLab give a heading: lower case, punctuation removed, spaces → -."""
    lowered = text.strip().lower()
    kept = "".join(c for c in lowered if c.isalnum() or c in " -_")
    return kept.replace(" ", "-")


# -- markdown ------------------------------------------------------------------------------


def _heading_plan(section: Section) -> tuple[int, bool]:
    """(how many levels to shift the section's headings, whether to add its title)."""
    if section.headings and section.headings[0].level == 1:
        return 1, False
    lowest = min((h.level for h in section.headings), default=3)
    return max(0, 3 - lowest), True


def shifted_markdown(section: Section, shift: int) -> str:
    """The section's body with every heading `shift` levels deeper (at most 6); setext
    headings become ATX ones."""
    from markdown_it import MarkdownIt

    lines = section.body.split("\n")
    if not shift:
        return section.body
    tokens = MarkdownIt("commonmark").parse(section.body)
    for token in tokens:
        if token.type != "heading_open" or token.map is None:
            continue
        level = min(6, int(token.tag[1]) + shift)
        first, last = token.map
        if token.markup.startswith("#"):
            marks = "#" * level
            lines[first] = re.sub(r"^(\s{0,3})#{1,6}", rf"\g<1>{marks}", lines[first])
        else:  # setext: text lines then the underline
            text = " ".join(line.strip() for line in lines[first : last - 1])
            lines[first] = "#" * level + " " + text
            for extra in range(first + 1, last):
                lines[extra] = "\0"
    return "\n".join(line for line in lines if line != "\0")


_MD_SPECIAL = set("\\`*_[]<>|#")


def md_text(text: str) -> str:
    return "".join(f"\\{c}" if c in _MD_SPECIAL else c for c in one_line(text))


def render_markdown(export: Export) -> str:
    out: list[str] = []
    add = out.append
    name = export.rules.name
    add(f"# Code social — {md_text(name)}")
    add("")
    add(
        f"Texte en vigueur sur main (`{export.trunk[:12]}`), exporté le "
        f"{_when(export, export.now)} par assemblee."
    )
    add("")
    add("## Sommaire")
    add("")
    for section in export.sections:
        _shift, add_title = _heading_plan(section)
        heading = section.title if add_title else section.headings[0].text
        add(f"- [{md_text(section.title)}](#{github_slug(heading)})")
    add("- [Complétude du code social](#complétude-du-code-social)")
    add("- [Journal des décisions](#journal-des-décisions)")
    add("")
    for section in export.sections:
        shift, add_title = _heading_plan(section)
        if add_title:
            add(f"## {md_text(section.title)}")
            add("")
        add(shifted_markdown(section, shift).strip("\n"))
        add("")
    add("## Complétude du code social")
    add("")
    add(
        "Le code social décrit au minimum quatre faisceaux : les qualités, les valeurs, les "
        "droits et les richesses de l'assemblée."
    )
    add("")
    add("| Faisceau | Sections | État |")
    add("|---|---|---|")
    for check in export.bundles:
        titles = ", ".join(md_text(s.title) for s in check.sections) or "—"
        add(f"| {check.label} | {titles} | {bundle_state(check)} |")
    add("")
    todo = [(s, part) for s in export.sections for part in s.todo]
    add("### Parties à compléter")
    add("")
    if todo:
        for section, part in todo:
            place = todo_place(section, part.heading)
            under = f" : {md_text(place)}" if place else ""
            add(f"- {md_text(section.title)} (`{section.path}`, ligne {part.line}){under}")
    else:
        add("Aucune : tout le texte est rédigé.")
    add("")
    add("## Journal des décisions")
    add("")
    if not export.journal:
        add("Aucune décision n'a encore été prise.")
    for p in export.journal:
        add(f"### n°{p.id} {md_text(p.title)} — {lc.STATUS_LABELS[p.status]}")
        add("")
        add(f"- {decision_summary(export, p)}")
        add(f"- Proposée par {md_text(p.author_name)} le {_when(export, p.opened_at)}.")
        add(f"- Ce qui a changé : {_changes_text(export, p, md_text)}")
        if p.challenges:
            add(f"- Remet en cause la décision n°{p.challenges}.")
        add(f"- Dossier de la proposition : [{p.path}]({link_to(export, p)})")
        add("")
    if export.warnings:
        add("## Avertissements")
        add("")
        for warning in export.warnings:
            add(f"- {md_text(warning)}")
        add("")
    return "\n".join(out).rstrip() + "\n"


def _changes_text(export: Export, p: Decided, escape: Any) -> str:
    labels = changed_labels(export, p)
    if p.status is not lc.Status.ADOPTED:
        if labels:
            return (
                "rien, le texte proposé n'a pas été retenu (il reste consultable sous "
                f"{ARCHIVE_PREFIX}{p.name})."
            )
        return "rien : décision sans modification du texte."
    if not labels:
        return "le texte ne change pas : décision sur un autre sujet."
    parts = [
        f"« {escape(title)} » ({escape(path)})" if title else escape(path) for path, title in labels
    ]
    return ", ".join(parts) + "."


# -- HTML ----------------------------------------------------------------------------------

CSS = """
:root{color-scheme:light dark;--fond:#ffffff;--texte:#1a1a1a;--doux:#474747;--lien:#0b4fa8;
--cadre:#c8c8c8;--encart:#f3f5f8;--marque:#ffe88a;--marque-texte:#1a1a1a}
@media (prefers-color-scheme:dark){:root{--fond:#141414;--texte:#ededed;--doux:#c9c9c9;
--lien:#9cc3ff;--cadre:#4a4a4a;--encart:#1f242b;--marque:#6b5500;--marque-texte:#fff8d6}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:var(--fond);color:var(--texte);font-family:system-ui,-apple-system,
"Segoe UI",Roboto,"Noto Sans","Helvetica Neue",Arial,sans-serif;font-size:1.0625rem;
line-height:1.6;overflow-wrap:break-word}
.page{max-width:44rem;margin:0 auto;padding:1rem 1.1rem 4rem}
a{color:var(--lien);text-underline-offset:.15em}
a:focus-visible,summary:focus-visible{outline:3px solid var(--lien);outline-offset:2px}
.evitement{position:absolute;left:-9999px;top:0}
.evitement:focus{left:.5rem;top:.5rem;background:var(--fond);padding:.5rem 1rem;z-index:1}
h1{font-size:1.75rem;line-height:1.25;margin:.5rem 0 .25rem}
h2{font-size:1.4rem;line-height:1.3;margin:2.5rem 0 .75rem;padding-bottom:.2rem;
border-bottom:2px solid var(--cadre)}
h3{font-size:1.2rem;margin:1.75rem 0 .5rem}
h4,h5,h6{font-size:1.05rem;margin:1.25rem 0 .5rem}
.sous-titre{color:var(--doux);margin-top:0}
nav{background:var(--encart);border:1px solid var(--cadre);border-radius:.5rem;
padding:.75rem 1rem;margin:1.5rem 0}
nav h2{border:0;margin:0 0 .25rem;font-size:1.15rem}
nav ol{margin:.25rem 0;padding-left:1.4rem}
nav ol ol{padding-left:1.1rem;font-size:.95em}
nav li{margin:.2rem 0}
nav li{line-height:1.45}
pre{background:var(--encart);padding:.75rem;overflow-x:auto;border-radius:.35rem}
code{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;font-size:.92em}
blockquote{margin:1rem 0;padding:.1rem 1rem;border-left:4px solid var(--cadre);color:var(--doux)}
img{max-width:100%;height:auto}
mark{background:var(--marque);color:var(--marque-texte);padding:0 .2em;border-radius:.2em}
.tableau{overflow-x:auto}
table{border-collapse:collapse;width:100%;margin:.75rem 0}
caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{border:1px solid var(--cadre);padding:.4rem .5rem;text-align:left;vertical-align:top}
th{background:var(--encart)}
.etat-complet{font-weight:600}
.etat-incomplet,.etat-absent{font-weight:600;text-decoration:underline dotted}
.journal{list-style:none;padding:0}
.journal>li{border-top:1px solid var(--cadre);padding:.75rem 0}
.journal h3{margin:0 0 .35rem}
.journal p{margin:.25rem 0}
.meta{color:var(--doux);font-size:.95em}
footer{margin-top:3rem;color:var(--doux);font-size:.9em}
@media print{nav,.evitement{display:none}a{color:inherit}}
"""


def _e(text: str) -> str:
    """Text for an element's content."""
    return html.escape(text, quote=False)


def _a(text: str) -> str:
    """Text for an attribute's value (always written between double quotes)."""
    return html.escape(text, quote=True)


class _HtmlSection:
    """One section rendered: its HTML and the headings for the table of contents."""

    def __init__(self, html_text: str, toc: list[tuple[str, str]]) -> None:
        self.html = html_text
        self.toc = toc  # (anchor, text) of its second-level headings


def _markdown() -> Any:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def render_section_html(section: Section, parser: Any | None = None) -> _HtmlSection:
    """The section's markdown as HTML: raw HTML is escaped (html=False), headings are shifted
    under the page's title and get anchors, `[à compléter]` is highlighted."""
    from markdown_it.token import Token

    md = parser or _markdown()
    env: dict[str, Any] = {}
    tokens = md.parse(section.body, env)
    shift, _ = _heading_plan(section)
    base = section_anchor(section)
    used: set[str] = {base}
    toc: list[tuple[str, str]] = []
    first_heading = True
    for index, token in enumerate(tokens):
        if token.type in ("heading_open", "heading_close"):
            level = min(6, int(token.tag[1]) + shift)
            token.tag = f"h{level}"
            if token.type == "heading_open":
                inline = tokens[index + 1]
                text = one_line(
                    "".join(c.content for c in (inline.children or []) if c.type != "softbreak")
                )
                if first_heading and shift == 1 and level == 2:
                    anchor = base
                else:
                    anchor = _unique(f"{base}-{fold_ascii(text)}", used)
                    if level == 3:
                        toc.append((anchor, text))
                first_heading = False
                token.attrSet("id", anchor)
        if token.type == "inline" and token.children:
            children: list[Token] = []
            for child in token.children:
                if child.type == "text" and TODO_MARK in child.content:
                    pieces = child.content.split(TODO_MARK)
                    for position, piece in enumerate(pieces):
                        if position:
                            children.append(_raw('<mark class="a-completer">'))
                            children.append(_text(TODO_MARK))
                            children.append(_raw("</mark>"))
                        if piece:
                            children.append(_text(piece))
                else:
                    children.append(child)
            token.children = children
    body = md.renderer.render(tokens, md.options, env)
    tables = body.replace("<table>", '<div class="tableau"><table>').replace(
        "</table>", "</table></div>"
    )
    return _HtmlSection(tables, toc)


def _raw(content: str) -> Any:
    from markdown_it.token import Token

    token = Token("html_inline", "", 0)
    token.content = content
    return token


def _text(content: str) -> Any:
    from markdown_it.token import Token

    token = Token("text", "", 0)
    token.content = content
    return token


def _unique(candidate: str, used: set[str]) -> str:
    anchor = re.sub(r"[^a-z0-9-]+", "-", candidate).strip("-") or "titre"
    result, counter = anchor, 2
    while result in used:
        result = f"{anchor}-{counter}"
        counter += 1
    used.add(result)
    return result


def render_html(export: Export) -> str:
    name = export.rules.name
    parser = _markdown()
    rendered = [(s, render_section_html(s, parser)) for s in export.sections]
    out: list[str] = []
    add = out.append
    add("<!DOCTYPE html>")
    add('<html lang="fr">')
    add("<head>")
    add('<meta charset="utf-8">')
    add('<meta name="viewport" content="width=device-width, initial-scale=1">')
    add('<meta name="generator" content="assemblee">')
    add(f"<title>Code social — {_e(name)}</title>")
    add(f"<style>{CSS.strip()}</style>")
    add("</head>")
    add("<body>")
    add('<a class="evitement" href="#contenu">Aller au texte</a>')
    add('<div class="page">')
    add("<header>")
    add(f"<h1>Code social — {_e(name)}</h1>")
    add(
        f'<p class="sous-titre">Texte en vigueur sur main (<code>{_e(export.trunk[:12])}</code>), '
        f"exporté le {_e(_when(export, export.now))}.</p>"
    )
    add("</header>")
    add('<nav aria-labelledby="sommaire">')
    add('<h2 id="sommaire">Sommaire</h2>')
    add("<ol>")
    for section, result in rendered:
        add(f'<li><a href="#{section_anchor(section)}">{_e(section.title)}</a>')
        if result.toc:
            add("<ol>")
            for anchor, text in result.toc:
                add(f'<li><a href="#{anchor}">{_e(text)}</a></li>')
            add("</ol>")
        add("</li>")
    add('<li><a href="#completude">Complétude du code social</a></li>')
    add('<li><a href="#journal">Journal des décisions</a></li>')
    add("</ol>")
    add("</nav>")
    add('<main id="contenu">')
    for section, result in rendered:
        anchor = section_anchor(section)
        _shift, add_title = _heading_plan(section)
        bundle = f' data-faisceau="{_a(section.bundle)}"' if section.bundle else ""
        if add_title:
            add(f'<section aria-labelledby="{anchor}"{bundle}>')
            add(f'<h2 id="{anchor}">{_e(section.title)}</h2>')
        else:
            add(f'<section aria-labelledby="{anchor}"{bundle}>')
        add(result.html.strip())
        add("</section>")
    _completeness_html(export, add)
    _journal_html(export, add)
    if export.warnings:
        add('<section aria-labelledby="avertissements">')
        add('<h2 id="avertissements">Avertissements</h2>')
        add("<ul>")
        for warning in export.warnings:
            add(f"<li>{_e(warning)}</li>")
        add("</ul>")
        add("</section>")
    add("</main>")
    add("<footer>")
    add(
        f"<p>{_e(name)} — code social tenu dans git et modifié par consentement avec "
        "l'outil assemblee.</p>"
    )
    add("</footer>")
    add("</div>")
    add("</body>")
    add("</html>")
    return "\n".join(out) + "\n"


def _completeness_html(export: Export, add: Any) -> None:
    add('<section aria-labelledby="completude">')
    add('<h2 id="completude">Complétude du code social</h2>')
    add(
        "<p>Le code social décrit au minimum quatre faisceaux : les qualités, les valeurs, les "
        "droits et les richesses de l'assemblée.</p>"
    )
    add('<div class="tableau"><table>')
    add("<caption>Les quatre faisceaux</caption>")
    add(
        '<thead><tr><th scope="col">Faisceau</th><th scope="col">Sections</th>'
        '<th scope="col">État</th></tr></thead>'
    )
    add("<tbody>")
    for check in export.bundles:
        links = (
            ", ".join(f'<a href="#{section_anchor(s)}">{_e(s.title)}</a>' for s in check.sections)
            or "—"
        )
        css = {"complet": "etat-complet", "à compléter": "etat-incomplet"}.get(
            check.state, "etat-absent"
        )
        add(
            f'<tr><th scope="row">{_e(check.label)}</th><td>{links}</td>'
            f'<td class="{css}">{_e(bundle_state(check))}</td></tr>'
        )
    add("</tbody>")
    add("</table></div>")
    add('<h3 id="a-completer">Parties à compléter</h3>')
    todo = [(s, part) for s in export.sections for part in s.todo]
    if todo:
        add("<ul>")
        for section, part in todo:
            place = todo_place(section, part.heading)
            under = f" : {_e(place)}" if place else ""
            add(
                f'<li><a href="#{section_anchor(section)}">{_e(section.title)}</a>{under} '
                f'<span class="meta">({_e(section.path)}, ligne {part.line})</span></li>'
            )
        add("</ul>")
    else:
        add("<p>Aucune : tout le texte est rédigé.</p>")
    add("</section>")


def _journal_html(export: Export, add: Any) -> None:
    add('<section aria-labelledby="journal">')
    add('<h2 id="journal">Journal des décisions</h2>')
    if not export.journal:
        add("<p>Aucune décision n'a encore été prise.</p>")
        add("</section>")
        return
    add('<ol class="journal">')
    for p in export.journal:
        add(f'<li id="decision-{p.id}">')
        add(f"<h3>n°{p.id} {_e(one_line(p.title))} — {_e(lc.STATUS_LABELS[p.status])}</h3>")
        add(f"<p>{_e(decision_summary(export, p))}</p>")
        add(
            f'<p class="meta">Proposée par {_e(p.author_name)} le '
            f"{_e(_when(export, p.opened_at))}.</p>"
        )
        add(f"<p>Ce qui a changé : {_changes_text(export, p, _e)}</p>")
        if p.challenges:
            add(
                f'<p>Remet en cause la <a href="#decision-{p.challenges}">décision n°{p.challenges}</a>.</p>'
            )
        add(
            f'<p><a href="{_a(link_to(export, p))}">Dossier de la proposition ({_e(p.path)})</a></p>'
        )
        add("</li>")
    add("</ol>")
    add("</section>")
