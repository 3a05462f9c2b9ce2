"""The persistence protocol: how a part of the state tells a state file what to keep.

A part (the image, session and job backends, the id generator; the runtime adds the fault
rules) names its rows `(table, key, data)`: `dirty_rows` those changed since the last save (every
row when asked for everything), `standing_rows` the few small ones every save writes (counters,
settings), and `load_rows` puts saved rows back. A row whose data is None is gone. The state file
(persist.py) never looks inside a part, and the parts never see SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict
from enum import Enum
from typing import Protocol, TypeVar

from zstack_spec.json_types import JSON

T = TypeVar("T")
# (table, key, the row as JSON; None: delete the row)
Row = tuple[str, str, JSON]
# what a state file holds: table -> key -> the row as JSON, in the order they were written
Rows = Mapping[str, Mapping[str, JSON]]


class Persistent(Protocol):
    """A part of the state kept in a state file (--state)."""

    def dirty_rows(self, everything: bool = False) -> list[Row]:
        """The rows changed since the last call (all of them with `everything`); forgets them."""
        ...

    def standing_rows(self) -> list[Row]:
        """Small rows written with every save, whatever changed."""
        ...

    def load_rows(self, rows: Rows) -> None:
        """Replace this part's content with the saved rows."""
        ...


class Untracked(set[str]):
    """The changed keys of a part that no state file reads: it keeps none.

    Without --state nothing ever asks for dirty rows, so a plain set would hold every key
    changed since the start, deleted images' and trimmed jobs' too (about 100 bytes per image,
    `make bench`'s memory per image). `Store` tracks changes only when it has a state file.
    """

    def add(self, element: str, /) -> None:
        """Forgotten at once."""

    def update(self, *s: Iterable[str]) -> None:
        """Forgotten at once."""


def plain(value: JSON) -> JSON:
    """A row's JSON: enums by their value, tuples as lists."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def record(obj: object) -> dict[str, JSON]:
    """A dataclass instance as a row's JSON."""
    data: dict[str, JSON] = plain(asdict(obj))  # type: ignore[call-overload]
    return data


def touched_rows(
    table: str,
    touched: set[str],
    live: Mapping[str, T],
    everything: bool,
    row: Callable[[T], JSON] = record,
) -> list[Row]:
    """The rows of the `touched` keys (every key of `live` with `everything`); `touched` clears.

    A key that is gone from `live` gets None: its row is deleted.
    """
    if everything:
        touched.update(live)
    rows = [(table, key, None if (item := live.get(key)) is None else row(item)) for key in touched]
    touched.clear()
    return rows
