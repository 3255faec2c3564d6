"""A cache of parsed proposal headers, keyed by the blob they were read from. Git objects never
change, so an entry never goes stale; the YAML of an unchanged file is parsed once, and later
commands only validate the cached data. It lives inside the git directory
(`.git/assemblee/cache/`), never in the working tree; any failure to read or write it is
ignored."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

FORMAT = "v1"


class HeaderCache:
    def __init__(self, git_dir: Path) -> None:
        self.folder = git_dir / "assemblee" / "cache" / FORMAT
        self.disabled = os.environ.get("ASSEMBLEE_SANS_CACHE") == "1"

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

    def put(self, sha: str, data: Any, body: str) -> None:
        if self.disabled:
            return
        target = self._path(sha)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(
                "w", encoding="utf-8", dir=target.parent, delete=False, suffix=".tmp"
            ) as handle:
                json.dump({"en_tete": data, "corps": body}, handle, ensure_ascii=False)
            os.replace(handle.name, target)
        except (OSError, TypeError, ValueError):
            return
