"""What a proposal changes in a text, word by word: pure functions over two strings.

Markdown paragraphs are single long lines, so a line diff of a one-word change shows two
near-identical lines; here each changed block of lines is compared word by word (difflib), and
the lines of the old text that a change touches are known (to find the decisions that wrote
them)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

SAME, REMOVED, ADDED = "same", "removed", "added"
_TOKEN = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class Piece:
    kind: str  # SAME, REMOVED or ADDED
    text: str


@dataclass(frozen=True)
class Block:
    """One changed place: the lines it replaces in the old text (1-based, `old_first` to
    `old_last` inclusive; an insertion has `old_last == old_first - 1`), and its words."""

    old_first: int
    old_last: int
    pieces: tuple[Piece, ...]


def word_diff(old: str, new: str) -> tuple[Piece, ...]:
    """`old` turned into `new`, as runs of kept, removed and added words (spaces kept)."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    pieces: list[Piece] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            _add(pieces, SAME, "".join(a[i1:i2]))
            continue
        if op in ("replace", "delete"):
            _add(pieces, REMOVED, "".join(a[i1:i2]))
        if op in ("replace", "insert"):
            _add(pieces, ADDED, "".join(b[j1:j2]))
    return _coalesce(pieces)


def _coalesce(pieces: list[Piece]) -> tuple[Piece, ...]:
    """A space kept between two changes joins them: « [−a b] [+c d] », not « [−a][+c] [−b][+d] »."""
    out: list[Piece] = []
    removed, added = "", ""
    for index, piece in enumerate(pieces):
        following = pieces[index + 1] if index + 1 < len(pieces) else None
        if piece.kind == REMOVED:
            removed += piece.text
        elif piece.kind == ADDED:
            added += piece.text
        elif (removed or added) and not piece.text.strip() and following is not None:
            removed += piece.text
            added += piece.text
        else:
            _flush(out, removed, added)
            removed, added = "", ""
            _add(out, SAME, piece.text)
    _flush(out, removed, added)
    return tuple(out)


def _flush(out: list[Piece], removed: str, added: str) -> None:
    if removed.strip() or not added:
        _add(out, REMOVED, removed)
    if added.strip() or not removed:
        _add(out, ADDED, added)


def _add(pieces: list[Piece], kind: str, text: str) -> None:
    if not text:
        return
    if pieces and pieces[-1].kind == kind:
        pieces[-1] = Piece(kind, pieces[-1].text + text)
    else:
        pieces.append(Piece(kind, text))


def changed_blocks(old: str, new: str, context: int = 0) -> list[Block]:
    """Each changed group of lines between `old` and `new`, compared word by word; `context`
    unchanged lines are kept around each group (as kept words)."""
    a, b = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    blocks: list[Block] = []
    for group in matcher.get_grouped_opcodes(context):
        i_first, i_last = group[0][1], group[-1][2]
        j_first, j_last = group[0][3], group[-1][4]
        pieces = word_diff("\n".join(a[i_first:i_last]), "\n".join(b[j_first:j_last]))
        blocks.append(Block(i_first + 1, i_last, pieces))
    return blocks


def touched_lines(old: str, new: str) -> set[int]:
    """The lines (1-based) of `old` that a change replaces or removes; an insertion touches the
    lines right before and after it (the paragraph it is written into)."""
    a, b = old.splitlines(), new.splitlines()
    touched: set[int] = set()
    for op, i1, i2, _j1, _j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        if i2 > i1:
            touched.update(range(i1 + 1, i2 + 1))
        else:
            touched.update(n for n in (i1, i1 + 1) if 1 <= n <= len(a) and a[n - 1].strip())
    return touched


def plain(pieces: tuple[Piece, ...]) -> str:
    """The words with the changes marked in plain text: [−retiré] [+ajouté]."""
    out = []
    for piece in pieces:
        if piece.kind == SAME:
            out.append(piece.text)
        elif piece.text.strip():
            sign = "−" if piece.kind == REMOVED else "+"
            lead = piece.text[: len(piece.text) - len(piece.text.lstrip())]
            trail = piece.text[len(piece.text.rstrip()) :]
            out.append(f"{lead}[{sign}{piece.text.strip()}]{trail}")
        else:
            out.append(piece.text if piece.kind == ADDED else "")
    return "".join(out)
