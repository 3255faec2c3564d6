"""The change of a proposal word by word, from the unified diff `show` gives: each changed
file as a list of blocks, unchanged lines as they are and each group of removed and added
lines as words kept, removed and added."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

_WORDS = re.compile(r"\w+\s*|[^\w\s]\s*|\s+")  # a word keeps the spaces after it


@dataclass(frozen=True)
class Piece:
    kind: str  # "same", "del", "ins"
    text: str


@dataclass
class FileChange:
    path: str
    status: str  # "modifié", "ajouté", "supprimé"
    blocks: list[list[Piece]] = field(default_factory=list)  # one block: a paragraph of pieces


def words(a: str, b: str) -> list[Piece]:
    """`a` changed into `b`, word by word (a lone unchanged word between two changes is
    shown as part of the change, as a reader would)."""
    left, right = _WORDS.findall(a), _WORDS.findall(b)
    ops = difflib.SequenceMatcher(None, left, right, autojunk=False).get_opcodes()
    merged: list[tuple[str, str, str]] = []  # (kind, removed, added)
    for index, (op, i1, i2, j1, j2) in enumerate(ops):
        removed, added = "".join(left[i1:i2]), "".join(right[j1:j2])
        between = 0 < index < len(ops) - 1 and i2 - i1 == 1
        if op == "equal" and not (between and len(removed.strip()) <= 3):
            merged.append(("same", removed, ""))
        elif merged and merged[-1][0] == "change":
            _kind, was_removed, was_added = merged[-1]
            merged[-1] = ("change", was_removed + removed, was_added + added)
        else:
            merged.append(("change", removed, added))
    pieces: list[Piece] = []
    for kind, removed, added in merged:
        if kind == "same":
            _same(pieces, removed)
            continue
        # The spaces both sides end with are not part of the change.
        kept = _common_trailing_space(removed, added) if removed and added else ""
        if removed:
            pieces.append(Piece("del", removed[: len(removed) - len(kept)]))
        if added:
            pieces.append(Piece("ins", added[: len(added) - len(kept)]))
        _same(pieces, kept)
    return pieces


def _same(pieces: list[Piece], text: str) -> None:
    if not text:
        return
    if pieces and pieces[-1].kind == "same":
        pieces[-1] = Piece("same", pieces[-1].text + text)
    else:
        pieces.append(Piece("same", text))


def _common_trailing_space(a: str, b: str) -> str:
    size = 0
    while size < min(len(a), len(b)) and a[-1 - size] == b[-1 - size] and a[-1 - size].isspace():
        size += 1
    return a[len(a) - size :]


def parse(diff: str) -> list[FileChange]:
    files: list[FileChange] = []
    current: FileChange | None = None
    removed: list[str] = []
    added: list[str] = []
    context: list[str] = []

    def flush() -> None:
        if current is None:
            return
        if context:
            current.blocks.append([Piece("same", "\n".join(context))])
            context.clear()
        if removed or added:
            current.blocks.append(words("\n".join(removed), "\n".join(added)))
            removed.clear()
            added.clear()

    for line in diff.splitlines():
        if line.startswith("diff --git "):
            flush()
            path = line.split(" b/", 1)[-1]
            current = FileChange(path, "modifié")
            files.append(current)
        elif current is None:
            continue
        elif line.startswith("new file"):
            current.status = "ajouté"
        elif line.startswith("deleted file"):
            current.status = "supprimé"
        elif line.startswith(("index ", "--- ", "+++ ", "old mode", "new mode", "similarity")):
            continue
        elif line.startswith("@@"):
            flush()
            current.blocks.append([Piece("gap", "…")])
        elif line.startswith("-"):
            if context:
                flush()
            removed.append(line[1:])
        elif line.startswith("+"):
            if context:
                flush()
            added.append(line[1:])
        elif line.startswith("\\"):
            continue
        else:
            if removed or added:
                flush()
            context.append(line[1:] if line.startswith(" ") else line)
    flush()
    return files
