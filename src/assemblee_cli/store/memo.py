"""What a long-running reader (the web page) keeps in memory from one state of the repository
to the next: everything worked out from git objects that never change (a proposal file parsed
from its blob, the blob a `commit:path` names, whether main records a proposal, when a branch's
text changed, whether it merges cleanly with main), keyed by the objects it was read from.

After a vote, the next view of the assembly re-reads only the branch that moved: the other
proposals come back from here. A command of the command line has no memo (it reads once);
entries are dropped least recently used first, so the memory stays bounded however long the
server runs."""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")
MAX_ENTRIES = 20_000  # of each kind: small values (ids, dates, booleans)
# Parsed proposals are larger (tens of kB with their votes): a few views of 1 000 open ones.
LIMITS = {"proposal": 3_000}


class Memo:
    """Results by (kind, key): `recall` gives the one kept or makes it, and counts what it made
    (`made`, by kind) so that a caller can say how much a new view had to read again. Each
    kind keeps its most recently used entries, up to its limit."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self.made: Counter[str] = Counter()
        self._kept: dict[str, OrderedDict[Hashable, tuple[Any]]] = {}
        self._lock = threading.Lock()

    def recall(self, kind: str, key: Hashable, make: Callable[[], T]) -> T:
        found = self.known(kind, key)
        if found is not None:
            return found[0]  # type: ignore[no-any-return]
        value = make()
        self.keep(kind, key, value)
        return value

    def known(self, kind: str, key: Hashable) -> tuple[Any] | None:
        """The result kept for (kind, key), in a 1-tuple (a result may be None), or None."""
        with self._lock:
            kept = self._kept.get(kind)
            found = None if kept is None else kept.get(key)
            if found is not None:
                kept.move_to_end(key)  # type: ignore[union-attr]
            return found

    def keep(self, kind: str, key: Hashable, value: Any) -> None:
        """Keep a result made elsewhere."""
        limit = min(LIMITS.get(kind, self.max_entries), self.max_entries)
        with self._lock:
            self.made[kind] += 1
            kept = self._kept.setdefault(kind, OrderedDict())
            kept[key] = (value,)
            kept.move_to_end(key)
            while len(kept) > limit:
                kept.popitem(last=False)

    def __len__(self) -> int:
        return sum(len(kept) for kept in self._kept.values())


def immutable(spec: str) -> bool:
    """Whether `spec` (`commit:path`) names the same object forever: a full commit id."""
    head, colon, _path = spec.partition(":")
    return bool(colon) and len(head) == 40 and all(c in "0123456789abcdef" for c in head)
