"""java.util.HashMap's iteration order for String keys, where ZStack's behaviour depends on it."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

MAXIMUM_CAPACITY = 1 << 30


def string_hash(text: str) -> int:
    """String.hashCode over UTF-16 code units, as a signed 32-bit int."""
    h = 0
    data = text.encode("utf-16-be")
    for i in range(0, len(data), 2):
        h = (31 * h + int.from_bytes(data[i : i + 2], "big")) & 0xFFFFFFFF
    return h - (1 << 32) if h & 0x80000000 else h


def _spread(h: int) -> int:
    """HashMap.hash: h ^ (h >>> 16)."""
    u = h & 0xFFFFFFFF
    return u ^ (u >> 16)


def table_size_for(cap: int) -> int:
    n = 1
    while n < cap:
        n <<= 1
    return min(max(n, 1), MAXIMUM_CAPACITY)


def copy_capacity(size: int) -> int:
    """The table size of `new HashMap<>(m)` for a map of `size` entries (putMapEntries)."""
    return table_size_for(int(size / 0.75 + 1.0))


def iteration_order(keys: Iterable[str], capacity: int) -> list[str]:
    """Keys in a HashMap's iteration order: by bucket, then by insertion within a bucket.

    Valid while the map never resizes (the callers only remove or re-put keys).
    """
    return list(_order(tuple(keys), capacity))


# the same few key sets recur on every answer (a pure function: nothing to invalidate)
@lru_cache(maxsize=1024)
def _order(keys: tuple[str, ...], capacity: int) -> tuple[str, ...]:
    ordered = list(dict.fromkeys(keys))
    position = {k: i for i, k in enumerate(ordered)}
    return tuple(
        sorted(ordered, key=lambda k: (_spread(string_hash(k)) & (capacity - 1), position[k]))
    )
