"""A cache of parsed proposal headers, keyed by the blob they were read from, and of where a
proposal file is in a commit (`commit:path` → blob). Git objects never change, so an entry never
goes stale: the YAML of an unchanged file is parsed once, and later commands only validate the
cached data; a file is looked up once in each commit's tree (a long `proposals/` tree costs a
fraction of a millisecond per lookup, for every open proposal). It lives inside the git
directory (`.git/assemblee/cache/`), never in the working tree; any failure to read or write it
is ignored.

The open proposals, which every `status` lists, are also kept together in one file
(`ouvertes.json`, a `Listing`): where each file is in each branch tip and its parsed header, for
the tips of the last listing only. A listing is read in one go and written in one go, however
many branches moved since the last one (a `fetch` that brings 200 new tips would otherwise
write 400 small files); it never grows beyond the open proposals.

A command that finds many new entries at once (a first `blame` reads a thousand decisions'
files) writes them as one file, a pack (`paquets/`), not a small file each: creating a file
costs about a millisecond on some disks. The packs are read, all of them, only by a command
that looks for many entries the small files do not hold (one file is quicker read again from
git); beyond MOST_PACKS, the next pack written holds the others, which are then removed."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

FORMAT = "v1"
_COMMIT_SPEC = re.compile(r"[0-9a-f]{40}:")
_SHA = re.compile(r"[0-9a-f]{40}")
PACK_ABOVE = 32  # more new entries than this, written by one command: one pack
MOST_PACKS = 8  # beyond this many packs, the next one written holds them all

Headers = dict[str, tuple[Any, str]]  # blob -> (header data, body)
V = TypeVar("V")


class HeaderCache:
    def __init__(self, git_dir: Path) -> None:
        self.folder = git_dir / "assemblee" / "cache" / FORMAT
        self.packs = self.folder / "paquets"
        self.disabled = os.environ.get("ASSEMBLEE_SANS_CACHE") == "1"
        self._packed: tuple[Headers, dict[str, str]] | None = None  # read once, when needed

    def _path(self, sha: str) -> Path:
        return self.folder / sha[:2] / f"{sha[2:]}.json"

    def get(self, sha: str) -> tuple[Any, str] | None:
        if self.disabled:
            return None
        try:
            entry = json.loads(self._path(sha).read_text(encoding="utf-8"))
            return entry["en_tete"], entry["corps"]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def get_many(self, shas: Iterable[str]) -> dict[str, tuple[Any, str] | None]:
        """`get` of each; the packs are read when many are not in small files (one file
        missing is read again from git: quicker than reading every pack)."""
        found = {sha: self.get(sha) for sha in shas}
        return _filled(found, lambda: self._in_packs()[0])

    def blob_many(self, specs: Iterable[str]) -> dict[str, str | None]:
        """`blob` of each, the packs read as for `get_many`."""
        return _filled({spec: self.blob(spec) for spec in specs}, lambda: self._in_packs()[1])

    def put_many(self, headers: Headers, blobs: dict[str, str]) -> None:
        """Keep these headers (by blob) and these files' blobs (by `commit:path`): a small
        file each when they are few, else one pack."""
        if self.disabled:
            return
        blobs = {spec: sha for spec, sha in blobs.items() if _COMMIT_SPEC.match(spec)}
        if len(headers) + len(blobs) <= PACK_ABOVE:
            for sha, (data, body) in headers.items():
                self.put(sha, data, body)
            for spec, sha in blobs.items():
                self.put_blob(spec, sha)
            return
        try:
            existing = sorted(self.packs.glob("*.json"))
        except OSError:
            existing = []
        merged: tuple[Headers, dict[str, str]] = ({}, {})
        if len(existing) >= MOST_PACKS:  # the others go into this one
            merged = _pack_entries(existing)
        merged[0].update(headers)
        merged[1].update(blobs)
        try:
            digest, text = _signed(_entries_json(*merged))
        except (TypeError, ValueError):
            return
        write_atomically(self.packs / f"{digest}.json", text)
        if len(existing) >= MOST_PACKS:
            for old in existing:
                if old.name != f"{digest}.json":
                    with contextlib.suppress(OSError):
                        old.unlink()
        if self._packed is not None:
            self._packed[0].update(headers)
            self._packed[1].update(blobs)

    def _in_packs(self) -> tuple[Headers, dict[str, str]]:
        """What the packs hold, read on the first look-up that a small file cannot answer."""
        if self._packed is None:
            try:
                files = sorted(self.packs.glob("*.json"))
            except OSError:
                files = []
            self._packed = _pack_entries(files)
        return self._packed

    def put(self, sha: str, data: Any, body: str) -> None:
        if self.disabled:
            return
        try:
            text = json.dumps({"en_tete": data, "corps": body}, ensure_ascii=False)
        except (TypeError, ValueError):
            return
        write_atomically(self._path(sha), text)

    # -- where a file is in a commit ------------------------------------------------------

    def _blob_path(self, spec: str) -> Path | None:
        if not _COMMIT_SPEC.match(spec):  # only a commit id names the same tree forever
            return None
        key = hashlib.sha1(spec.encode()).hexdigest()
        return self.folder / "chemins" / key[:2] / key[2:]

    def blob(self, spec: str) -> str | None:
        """The blob `commit:path` names, when it was recorded."""
        path = None if self.disabled else self._blob_path(spec)
        if path is None:
            return None
        try:
            value = path.read_text(encoding="ascii").strip()
        except (OSError, ValueError):
            return None
        return value if _SHA.fullmatch(value) else None

    def put_blob(self, spec: str, sha: str) -> None:
        path = None if self.disabled else self._blob_path(spec)
        if path is not None:
            write_atomically(path, sha)


def _filled(
    found: dict[str, V | None], packed: Callable[[], Mapping[str, V]]
) -> dict[str, V | None]:
    """`found` with what the packs hold for its missing keys, when more than PACK_ABOVE."""
    missing = [key for key, value in found.items() if value is None]
    if len(missing) > PACK_ABOVE:
        table = packed()
        found |= {key: table[key] for key in missing if key in table}
    return found


def _pack_entries(files: list[Path]) -> tuple[Headers, dict[str, str]]:
    """The headers and blobs that these packs hold (a damaged one holds nothing)."""
    headers: Headers = {}
    blobs: dict[str, str] = {}
    for file in files:
        found = _entries_of(read_json(file))
        headers.update(found[0])
        blobs.update(found[1])
    return headers, blobs


def _entries_of(data: Any) -> tuple[Headers, dict[str, str]]:
    """The headers (by blob) and files' blobs (by `commit:path`) of a listing or a pack as
    `_entries_json` wrote them; none at all when it is missing or not of that shape."""
    try:
        blobs = {
            str(spec): str(sha)
            for spec, sha in data["chemins"].items()
            if _COMMIT_SPEC.match(spec) and _SHA.fullmatch(sha)
        }
        headers = {str(sha): (found, str(body)) for sha, (found, body) in data["en_tetes"].items()}
    except (TypeError, ValueError, KeyError, AttributeError):
        return {}, {}
    return headers, blobs


def _entries_json(headers: Headers, blobs: dict[str, str]) -> dict[str, Any]:
    """What a listing or a pack holds, as JSON data (read back by `_entries_of`)."""
    return {
        "en_tetes": {sha: [data, body] for sha, (data, body) in headers.items()},
        "chemins": blobs,
    }


class Listing:
    """The last listing of the open proposals: `commit:path` → blob, and blob → (header data,
    body). Read once, saved only when it changed; a missing or damaged file is an empty one.

    A long-running reader (the web page) keeps one in its memo: read from the file once, then
    followed in memory, and written at most once every `every` seconds (the file is only a
    head start for the next reader: an older listing changes no answer)."""

    NAME = "ouvertes.json"

    def __init__(self, cache: HeaderCache, every: float = 0.0) -> None:
        self.path = cache.folder / self.NAME
        self.disabled = cache.disabled
        self.every = every
        self.saved_at = float("-inf")
        self.headers, self.blobs = _entries_of(None if self.disabled else read_json(self.path))

    def save(self, blobs: dict[str, str], headers: Headers) -> None:
        """Keep exactly these, when they differ from what was read or last saved."""
        if self.disabled or (blobs == self.blobs and headers.keys() == self.headers.keys()):
            return
        self.blobs, self.headers = blobs, headers
        now = time.monotonic()
        if now - self.saved_at < self.every:
            return
        self.saved_at = now
        with contextlib.suppress(TypeError, ValueError):
            write_json(self.path, _entries_json(headers, blobs))


def write_atomically(target: Path, text: str) -> None:
    """Replace `target` by `text` atomically: a reader sees the old file or the new one, never
    half of it; two writers, the last one wins. Failures are ignored (a cache or an index that
    cannot be written is only slower), and no temporary file is left behind.

    The temporary file is named after the process and the thread, so that no two writers share
    one; `tempfile` would cost twice as much for the hundreds of small files a cold `status`
    writes. Its folder is made only when the first write finds it missing."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    try:
        try:
            handle = open(temporary, "w", encoding="utf-8")  # noqa: SIM115 (closed by `with`)
        except FileNotFoundError:
            target.parent.mkdir(parents=True, exist_ok=True)
            handle = open(temporary, "w", encoding="utf-8")  # noqa: SIM115
        with handle:
            handle.write(text)
        os.replace(temporary, target)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def write_json(target: Path, data: Any) -> None:
    """Replace `target` by `data` atomically, its first line the digest of the rest (the
    indexes' files)."""
    write_atomically(target, _signed(data)[1])


def _signed(data: Any) -> tuple[str, str]:
    """The digest of `data` as compact JSON, and the text of a file that holds it: the
    digest on the first line, then the JSON."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    digest = hashlib.sha1(text.encode()).hexdigest()
    return digest, f"{digest}\n{text}"


def read_json(source: Path) -> Any:
    """What `write_json` wrote, or None when the file is missing or damaged (its first line
    is the digest of the rest: a file cut short or edited is not believed)."""
    try:
        digest, _, text = source.read_text(encoding="utf-8").partition("\n")
        if hashlib.sha1(text.encode()).hexdigest() != digest:
            return None
        return json.loads(text)
    except (OSError, ValueError):
        return None
