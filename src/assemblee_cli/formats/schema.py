"""Validation of YAML data against expectations, with French errors naming file, key and line."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from datetime import date, datetime, time
from typing import Any, NoReturn, TypeVar

from assemblee_cli.errors import AssembleeError
from assemblee_cli.formats.yamlio import Document, Path

T = TypeVar("T")


def is_valid_unicode(text: str) -> bool:
    """No lone surrogate: the text can be written as UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@functools.cache
def _allowed(required: tuple[str, ...], optional: tuple[str, ...]) -> frozenset[str]:
    """The keys a mapping may have (the same few key lists, checked on every vote)."""
    return frozenset(required) | frozenset(optional)


def dotted(path: Path) -> str:
    parts: list[str] = []
    for part in path:
        if isinstance(part, int):
            parts.append(f"[{part + 1}]")
        else:
            parts.append(("." if parts else "") + part)
    return "".join(parts) or "(racine)"


class Reader:
    """Reads typed values out of a parsed document; every failure names the file and key."""

    def __init__(
        self,
        document: Document,
        source: str,
        error: type[AssembleeError] = AssembleeError,
        where: Callable[[Path], str] | None = None,
    ) -> None:
        self.document = document
        self.source = source
        self.error = error
        # How a key is named in messages: « a.b[2] » unless the file has plainer words (the
        # roster: « email » du membre n°3 (Camille Exemple)).
        self.where = where or (lambda path: f"« {dotted(path)} »")

    def fail(self, path: Path, expectation: str) -> NoReturn:
        line = self.document.line(path)
        where = f", ligne {line}" if line is not None else ""
        raise self.error(f"{self.source}{where} : {expectation}")

    def fail_key(self, path: Path, expected: str, found: Any) -> NoReturn:
        self.fail(
            path,
            f"la clé {self.where(path)} doit être {expected} (trouvé : « {_show(found)} »).",
        )

    def mapping(
        self, value: Any, path: Path, required: Iterable[str], optional: Iterable[str] = ()
    ) -> dict[str, Any]:
        if not isinstance(value, dict):
            if path:
                self.fail_key(path, "une table de clés", value)
            self.fail(
                path, f"le fichier doit contenir une table de clés (trouvé : {_kind(value)})."
            )
        required = tuple(required)
        allowed = _allowed(required, tuple(optional))
        for key in value:
            if not isinstance(key, str) or key not in allowed:
                known = ", ".join(sorted(allowed))
                self.fail(
                    (*path, str(key)),
                    f"clé inconnue {self.where((*path, str(key)))} (clés possibles : {known}).",
                )
        for key in required:
            if key not in value:
                self.fail(path, f"la clé {self.where((*path, key))} manque.")
        return value

    def sequence(self, value: Any, path: Path) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail_key(path, "une liste", value)
        return value

    def text(self, value: Any, path: Path, *, allow_empty: bool = False) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.fail_key(path, "un texte", value)
        result = str(value).strip()
        if not is_valid_unicode(result):
            self.fail(path, f"la clé {self.where(path)} contient des caractères invalides.")
        if not result and not allow_empty:
            self.fail_key(path, "un texte non vide", value)
        return result

    def optional_text(self, value: Any, path: Path) -> str | None:
        return None if value is None else self.text(value, path, allow_empty=True) or None

    def boolean(self, value: Any, path: Path) -> bool:
        if not isinstance(value, bool):
            self.fail_key(path, "true ou false", value)
        return value

    def integer(self, value: Any, path: Path, minimum: int = 0) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.fail_key(path, f"un nombre entier supérieur ou égal à {minimum}", value)
        return value

    def choice(self, value: Any, path: Path, choices: Iterable[str]) -> str:
        options = tuple(choices)
        if not isinstance(value, str) or value not in options:
            self.fail_key(path, "l'une des valeurs " + ", ".join(options), value)
        return value

    def date(self, value: Any, path: Path) -> date:
        return self._parse(value, path, date.fromisoformat, "une date AAAA-MM-JJ entre guillemets")

    def time(self, value: Any, path: Path) -> time:
        return self._parse(value, path, time.fromisoformat, "une heure HH:MM entre guillemets")

    def instant(self, value: Any, path: Path) -> datetime:
        result = self._parse(
            value, path, datetime.fromisoformat, "un instant ISO 8601 avec fuseau, entre guillemets"
        )
        if result.tzinfo is None:
            self.fail_key(path, "un instant ISO 8601 avec fuseau (par exemple « Z »)", value)
        from assemblee_cli.core.calendar import SANE_YEARS, is_sane_instant

        if not is_sane_instant(result):
            self.fail_key(
                path,
                f"un instant entre {SANE_YEARS.start} et {SANE_YEARS.stop - 1}",
                value,
            )
        return result

    def _parse(self, value: Any, path: Path, parse: Callable[[str], T], expected: str) -> T:
        if not isinstance(value, str):
            self.fail_key(path, expected, value)
        try:
            return parse(value.strip())
        except ValueError:
            self.fail_key(path, expected, value)


def _show(value: Any) -> str:
    if value is None:
        return "vide"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return _kind(value)
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "une table"
    if isinstance(value, list):
        return "une liste"
    if value is None:
        return "rien"
    return "une valeur simple"
