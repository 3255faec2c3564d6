"""`assemblee blame FILE`: for each paragraph of a file of the code social on main, the decision
that wrote it, its date, its mode, and whether it can be challenged today.

Which commit of main last wrote each line is the store's provenance (store/provenance.py: an
index that follows main, or the whole history when it is off); here the lines are grouped in
paragraphs and each writer is named: a proposal's merge (its message carries the line
`Assemblee-Proposition: NNNN-slug`, whose decided file is loaded) or a direct commit.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.french import one_line
from assemblee_cli.errors import AssembleeError
from assemblee_cli.formats.sections import SECTIONS_DIR, split_section
from assemblee_cli.store.assembly import Assembly
from assemblee_cli.store.provenance import CommitMeta, provenance_of


@dataclass(frozen=True)
class Origin:
    """Who wrote a line: a decision (proposal merged into main) or a direct commit."""

    commit: CommitMeta  # the commit on main's first-parent line that brought it
    proposal: lc.Proposal | None
    name: str | None  # the proposal's name from the merge message
    error: str | None = None

    @property
    def when(self) -> datetime:
        if self.proposal is not None and self.proposal.decided_at is not None:
            return self.proposal.decided_at
        return self.commit.time


@dataclass(frozen=True)
class Paragraph:
    first: int  # 1-based lines, inclusive
    last: int
    text: str
    kind: str  # "en-tête", "titre", "paragraphe", "liste", "citation", "code", "tableau"…
    origins: list[Origin]  # distinct, oldest first; the last one wrote it last


@dataclass(frozen=True)
class BlameView:
    path: str
    trunk: str
    now: datetime
    paragraphs: list[Paragraph]
    rules: Any


def resolve_path(assembly: Assembly, target: str) -> str:
    """`sections/04-droits.md`, `04-droits.md`, `04-droits` or `droits` → a path on main."""
    from pathlib import Path

    trunk = assembly.trunk
    text = target.strip().replace("\\", "/")
    candidates = [text.removeprefix("./").lstrip("/")]
    absolute = Path(target)
    if not assembly.bare:
        with contextlib.suppress(ValueError, OSError):
            candidates.insert(0, str(absolute.resolve().relative_to(assembly.root.resolve())))
    candidates += [f"{SECTIONS_DIR}/{text}", f"{SECTIONS_DIR}/{text}.md"]
    for candidate in candidates:
        if candidate and assembly.is_file_at(trunk, candidate):
            return candidate
    matches = [
        f"{SECTIONS_DIR}/{name}"
        for name in assembly.file_names_at(trunk, SECTIONS_DIR)
        if text.lower() in name.lower()
    ]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise AssembleeError(
            f"« {target} » désigne plusieurs sections ({', '.join(matches)}) : précisez."
        )
    raise AssembleeError(
        f"« {target} » n'existe pas sur main : donnez le chemin d'une section, par exemple "
        f"{SECTIONS_DIR}/04-droits.md."
    )


def _blocks(text: str, offset: int) -> list[tuple[int, int, str]]:
    """Top-level markdown blocks: (first line, last line, kind), 1-based in the file."""
    from markdown_it import MarkdownIt

    kinds = {
        "heading_open": "titre",
        "paragraph_open": "paragraphe",
        "bullet_list_open": "liste",
        "ordered_list_open": "liste",
        "blockquote_open": "citation",
        "fence": "code",
        "code_block": "code",
        "html_block": "HTML",
        "hr": "séparateur",
        "table_open": "tableau",
    }
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    blocks = []
    for token in tokens:
        if token.level == 0 and token.map is not None and token.type in kinds:
            first, last = token.map
            blocks.append((offset + first + 1, offset + last, kinds[token.type]))
    return blocks


def blame(assembly: Assembly, now: datetime, target: str) -> BlameView:
    assembly.refresh()
    path = resolve_path(assembly, target)
    rules = assembly.rules_at(assembly.trunk)
    paragraphs = paragraphs_of(assembly, assembly.trunk, path, now)
    return BlameView(path, assembly.trunk, now, paragraphs, rules)


def paragraphs_of(assembly: Assembly, trunk: str, path: str, now: datetime) -> list[Paragraph]:
    """Each paragraph of `path` on `trunk` (a commit of main), with the decisions that wrote
    it, oldest first."""
    found = provenance_of(assembly, trunk, path)
    contents = found.lines
    commits = found.commits
    text = "\n".join(contents)
    header, body, start = split_section(text) if path.endswith(".md") else (None, text, 1)
    blocks: list[tuple[int, int, str]] = []
    if header is not None:
        blocks.append((1, start - 1, "en-tête"))
    blocks += _blocks(body, start - 1) if path.endswith(".md") else _plain_blocks(contents)
    lines_of = [
        [found.writers[i - 1] for i in range(first, last + 1) if 0 < i <= len(contents)]
        for first, last, _kind in blocks
    ]
    metas = {
        sha: commits.get(sha) or CommitMeta(sha, (), now, "?", "")
        for sha in dict.fromkeys(sha for shas in lines_of for sha in shas)
    }
    # The decisions' files, through the persistent cat-file process (no process more, however
    # many), the header cache answering for those already read.
    names = list(dict.fromkeys(m.trailer for m in metas.values() if m.trailer is not None))
    decided = assembly.load_decided_many(names, batch=False)
    loaded = {name: (item.proposal, item.error) for name, item in zip(names, decided, strict=True)}
    origins: dict[str, Origin] = {}

    def origin_of(mainline: str) -> Origin:
        if mainline not in origins:
            meta = metas[mainline]
            name = meta.trailer
            proposal, error = loaded[name] if name is not None else (None, None)
            origins[mainline] = Origin(meta, proposal, name, error)
        return origins[mainline]

    paragraphs = []
    for (first, last, kind), shas in zip(blocks, lines_of, strict=True):
        distinct: dict[str, Origin] = {}
        for sha in shas:
            origin = origin_of(sha)
            distinct[origin.commit.sha] = origin
        ordered = sorted(distinct.values(), key=lambda o: o.commit.time)
        excerpt = one_line(" ".join(contents[first - 1 : last]))
        paragraphs.append(Paragraph(first, last, excerpt, kind, ordered))
    return paragraphs


def _plain_blocks(contents: list[str]) -> list[tuple[int, int, str]]:
    blocks = []
    first: int | None = None
    for number, line in enumerate(contents, start=1):
        if line.strip() and first is None:
            first = number
        elif not line.strip() and first is not None:
            blocks.append((first, number - 1, "paragraphe"))
            first = None
    if first is not None:
        blocks.append((first, len(contents), "paragraphe"))
    return blocks


def challenge_state(origin: Origin, now: datetime) -> tuple[bool, datetime | None]:
    """(whether it can be challenged today, from when if not / since when if it was locked)."""
    p = origin.proposal
    if p is None or p.status not in (lc.Status.ADOPTED, lc.Status.REJECTED):
        return True, None
    allowed = lc.challenge_allowed_from(p)
    if allowed is None:
        return True, None
    return now >= allowed, allowed
