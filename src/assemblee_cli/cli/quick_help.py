"""`assemblee --help` (or `-h`, or no argument) without importing typer: the page it printed
last time, kept in the user's cache folder (`$XDG_CACHE_HOME/assemblee/aide/`, by default
`~/.cache/assemblee/aide/`).

Importing typer (and the click it bundles) is some 90 ms, most of the time of a help page that
only changes with the tool's code, typer's, Python's version and the width the page is laid out for. So
the page is kept with all of these in its key: the size and modification time of every Python
file of the package and of typer, the interpreter, and the width click would use. A page whose
key differs, or whose text does not match its checksum, is not believed: typer prints it and it
is kept again. ASSEMBLEE_SANS_CACHE=1 and shell completion (`_ASSEMBLEE_COMPLETE`) always go
through typer.

This module is imported before anything else of the command line: the standard library's
`os`, `sys` and `zlib` only (hashlib, json, pathlib or typing would cost more than a page)."""

from __future__ import annotations

import os
import sys
import zlib

FORMAT = "v1"
# The requests answered from the cache, and their file names.
_REQUESTS = {("--help",): "aide", ("-h",): "aide-h", (): "sans-argument"}


def _folder() -> str | None:
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        home = os.path.expanduser("~")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return os.path.join(base, "assemblee", "aide")


def _width() -> int:
    """The width click lays the page out for (its HelpFormatter, from
    shutil.get_terminal_size, without importing shutil)."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
        columns = columns or 80
    return max(min(columns, 80) - 2, 50)


def _sources(package: str) -> list[str]:
    """Each Python file of a package folder, with its size and modification time."""
    found = []
    for root, folders, files in os.walk(package):
        folders[:] = sorted(f for f in folders if f != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(root, name)
                stat = os.stat(path)
                found.append(f"{path}:{stat.st_size}:{stat.st_mtime_ns}")
    return found


def _typer_folder() -> str | None:
    for entry in sys.path:
        folder = os.path.join(entry or ".", "typer")
        if os.path.isfile(os.path.join(folder, "__init__.py")):
            return folder
    return None


def request(argv: list[str]) -> tuple[str, str] | None:
    """The cache file and key of a help page that may be kept, None for any other command
    line (or when the cache is disabled)."""
    name = _REQUESTS.get(tuple(argv))
    if name is None or os.environ.get("ASSEMBLEE_SANS_CACHE") == "1":
        return None
    if "_ASSEMBLEE_COMPLETE" in os.environ:  # typer's shell completion, not a help page
        return None
    folder, typer = _folder(), _typer_folder()
    if folder is None or typer is None:
        return None
    try:
        package = os.path.dirname(os.path.abspath(__file__ or ""))
        parts = [
            FORMAT,
            sys.version,
            name,
            str(_width()),
            *_sources(os.path.dirname(package)),
            *_sources(typer),
        ]
    except OSError:
        return None
    key = "|".join(parts).replace("\n", " ")
    return os.path.join(folder, f"{name}.txt"), key


def _checksum(text: str) -> str:
    data = text.encode("utf-8")
    return f"{zlib.crc32(data):08x} {len(data)}"


def kept(argv: list[str]) -> str | None:
    """The help page kept for this command line, if its key still holds."""
    found = request(argv)
    if found is None:
        return None
    path, key = found
    try:
        with open(path, encoding="utf-8") as handle:
            stored_key, checksum, text = handle.read().split("\n", 2)
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if stored_key != key or checksum != _checksum(text):
        return None
    return text


def keep(argv: list[str], text: str) -> None:
    """Keep the help page typer printed for this command line (failures are ignored)."""
    found = request(argv)
    if found is None or not text:
        return
    from pathlib import Path

    from assemblee_cli.store.cache import write_atomically

    path, key = found
    write_atomically(Path(path), f"{key}\n{_checksum(text)}\n{text}")
