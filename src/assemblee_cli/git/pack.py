"""Objects made in memory, written as one git pack whose big trees are deltas.

A `close` at ten thousand decisions writes about a hundred `proposals/` trees of 700 KB each,
every one the previous with one entry changed. Stored as separate objects, each is
compressed whole: seconds of zlib for a few hundred bytes of news. In a pack, such a tree is a
delta against the tree it was edited from (git's own delta format: copy what comes before and
after the change, insert the change), and `git index-pack --fix-thin` stores the pack, adding
the bases it does not hold (one copy each), and computes every object's id itself.

Only git's documented formats are written here (Documentation/gitformat-pack.txt): the pack
(version 2) with whole objects and REF_DELTA entries, and the delta instructions."""

from __future__ import annotations

import hashlib
import struct
import zlib
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

TYPES = {"commit": 1, "tree": 2, "blob": 3}
REF_DELTA = 7
COPY_MAX = 0x10000  # bytes per copy instruction (what git itself emits)
INSERT_MAX = 0x7F  # bytes per insert instruction
LEVEL = 1  # zlib level: git packs again later (gc); here speed matters


@dataclass(frozen=True)
class PackEntry:
    kind: str  # "commit", "tree" or "blob"
    data: bytes
    sha: str
    base: str | None = None  # the object it is a delta against (in the pack or the repository)
    instructions: bytes = b""  # the delta (see `delta`, `delta_by_pieces`)


def _size_header(kind: int, size: int) -> bytes:
    """An entry's type and size: 3 bits of type, then the size in 4 + 7n bits."""
    first = (kind << 4) | (size & 0x0F)
    size >>= 4
    out = bytearray()
    while size:
        out.append(first | 0x80)
        first = size & 0x7F
        size >>= 7
    out.append(first)
    return bytes(out)


def _varint(value: int) -> bytes:
    """A delta's sizes: 7 bits at a time, lowest first."""
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _copy(offset: int, size: int) -> bytes:
    """Copy `size` bytes (at most COPY_MAX) of the base from `offset`."""
    command = 0x80
    args = bytearray()
    for index in range(4):
        byte = (offset >> (8 * index)) & 0xFF
        if byte:
            command |= 1 << index
            args.append(byte)
    encoded = 0 if size == COPY_MAX else size  # 0 stands for 0x10000
    for index in range(3):
        byte = (encoded >> (8 * index)) & 0xFF
        if byte:
            command |= 0x10 << index
            args.append(byte)
    return bytes([command]) + bytes(args)


def _common_start(a: bytes, b: bytes, limit: int, from_end: bool = False) -> int:
    """How many bytes `a` and `b` share at their start (or end), at most `limit`."""
    if from_end:
        return _matching(
            lambda start, stop: (
                a[len(a) - stop : len(a) - start] == b[len(b) - stop : len(b) - start]
            ),
            limit,
        )
    return _matching(lambda start, stop: a[start:stop] == b[start:stop], limit)


def _common_from(a: bytes, at_a: int, b: bytes, at_b: int) -> int:
    """How many bytes `a` from `at_a` and `b` from `at_b` have in common at their start."""
    return _matching(
        lambda start, stop: a[at_a + start : at_a + stop] == b[at_b + start : at_b + stop],
        min(len(a) - at_a, len(b) - at_b),
    )


def _matching(same: Callable[[int, int], bool], limit: int) -> int:
    """The length of the longest run from 0 (at most `limit`) where `same(start, stop)`
    holds for each part: compared 4 KiB at a time, then by halves within the first part
    that differs (each comparison in C)."""
    step = 4096
    low = 0
    while low + step <= limit and same(low, low + step):
        low += step
    high = min(low + step, limit)
    while low < high:
        middle = (low + high + 1) // 2
        if same(low, middle):
            low = middle
        else:
            high = middle - 1
    return low


def _emit_copy(out: bytearray, offset: int, size: int) -> None:
    """Copy `size` bytes of the base from `offset`, in as many instructions as it takes."""
    for start in range(0, size, COPY_MAX):
        out += _copy(offset + start, min(COPY_MAX, size - start))


def _emit_insert(out: bytearray, data: bytes | bytearray) -> None:
    """Insert `data`, at most INSERT_MAX bytes per instruction."""
    for start in range(0, len(data), INSERT_MAX):
        piece = data[start : start + INSERT_MAX]
        out.append(len(piece))
        out += piece


def _spans(starts: Sequence[int], length: int) -> Iterable[tuple[int, int]]:
    """(start, end) of each piece of data of `length` bytes cut at `starts`."""
    return zip(starts, [*starts[1:], length], strict=True)


def delta(base: bytes, target: bytes) -> bytes:
    """Instructions that make `target` from `base`: copy their common start, insert what
    differs, copy their common end."""
    prefix = _common_start(base, target, min(len(base), len(target)))
    suffix = _common_start(base, target, min(len(base), len(target)) - prefix, from_end=True)
    out = bytearray(_varint(len(base)) + _varint(len(target)))
    _emit_copy(out, 0, prefix)
    _emit_insert(out, target[prefix : len(target) - suffix])
    _emit_copy(out, len(base) - suffix, suffix)
    return bytes(out)


def delta_by_pieces(
    base: bytes, pieces: Mapping[bytes, int], target: bytes, starts: Sequence[int]
) -> bytes:
    """Instructions that make `target` (cut into pieces at `starts`: a tree's entries) from
    `base`, whose pieces are given with their offsets: runs of pieces found in the base are
    copied, the others inserted. However far two versions of a long folder are apart, the
    delta is the size of what differs. A run is extended by comparing bytes (in C), not piece
    by piece: a folder of ten thousand files with a few changes costs a few look-ups."""
    out = bytearray(_varint(len(base)) + _varint(len(target)))
    inserted = bytearray()
    count = len(starts)
    index = 0
    while index < count:
        start = starts[index]
        end = starts[index + 1] if index + 1 < count else len(target)
        found = pieces.get(target[start:end])
        if found is None:
            inserted += target[start:end]
            index += 1
            continue
        # As far as the target goes on as the base does from there (to its end, or back to
        # the last whole piece, this one at least): one copy.
        reach = start + _common_from(base, found, target, start)
        if reach >= len(target):
            stop, following = len(target), count
        else:
            following = max(bisect_right(starts, reach, lo=index + 1) - 1, index + 1)
            stop = starts[following] if following < count else len(target)
        _emit_insert(out, inserted)
        inserted.clear()
        _emit_copy(out, found, stop - start)
        index = following
    _emit_insert(out, inserted)
    return bytes(out)


def pieces_of(data: bytes, starts: Sequence[int]) -> dict[bytes, int]:
    """Each piece of `data` (cut at `starts`) and its offset, for `delta_by_pieces`."""
    return {data[start:end]: start for start, end in _spans(starts, len(data))}


def pack(entries: Sequence[PackEntry]) -> bytes:
    """The bytes of a version-2 pack holding `entries` (deltas where a base is given)."""
    out = bytearray(b"PACK" + struct.pack(">II", 2, len(entries)))
    for entry in entries:
        if entry.base is None or not entry.data:  # git cannot read back an empty delta result
            out += _size_header(TYPES[entry.kind], len(entry.data))
            out += zlib.compress(entry.data, LEVEL)
        else:
            out += _size_header(REF_DELTA, len(entry.instructions))
            out += bytes.fromhex(entry.base)
            out += zlib.compress(entry.instructions, LEVEL)
    out += hashlib.sha1(out).digest()
    return bytes(out)


def index_ids(idx: bytes) -> Iterable[str]:
    """The object ids listed in a version-2 pack index (`.idx`)."""
    if idx[:4] != b"\xfftOc" or struct.unpack(">I", idx[4:8])[0] != 2:
        raise ValueError("not a version-2 pack index")
    count = struct.unpack(">I", idx[8 + 255 * 4 : 8 + 256 * 4])[0]
    start = 8 + 256 * 4
    return (idx[start + 20 * i : start + 20 * (i + 1)].hex() for i in range(count))
