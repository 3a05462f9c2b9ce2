"""Where time and ids come from: seeded uuids, a clock, and Gson's timestamp form."""

from __future__ import annotations

import math
import os
import random
import re
import time
from datetime import datetime
from functools import lru_cache
from typing import Protocol

from mock_server.state.rows import Row, Rows

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch."""
        ...


class SystemClock:
    def now(self) -> float:
        return time.time()


class ManualClock:
    """A clock tests move by hand."""

    def __init__(self, start: float = 1_795_863_600.0) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds


def gson_timestamp(epoch: float) -> str:
    """java.sql.Timestamp as Gson 2.8 writes it on Java 8: `Nov 28, 2026 11:00:00 AM` (local).

    Real server: Gson's default Date adapter (US locale, DateFormat.DEFAULT),
    docs/zstack-protocol.md#timestamps.
    """
    second = math.floor(epoch)
    # The text names the second: each is formatted once, however many instants fall in it (an
    # AddImage's dates are distinct instants of one second). datetime.fromtimestamp rounds to
    # the microsecond, so an instant this close to the next second is formatted by itself.
    if epoch - second < 0.999999:
        return _second_text(second)
    return _text(epoch)


@lru_cache(maxsize=4096)
def _second_text(second: int) -> str:
    return _text(float(second))


def _text(epoch: float) -> str:
    t = datetime.fromtimestamp(epoch)
    hour = t.hour % 12 or 12
    ampm = "AM" if t.hour < 12 else "PM"
    return f"{_MONTHS[t.month - 1]} {t.day}, {t.year} {hour}:{t.minute:02d}:{t.second:02d} {ampm}"


class IdGenerator:
    """ZStack uuids (v4, dashes stripped); deterministic when seeded."""

    def __init__(self, seed: int | None = None) -> None:
        self._random = random.Random(seed if seed is not None else os.urandom(16))

    def state(self) -> list[object]:
        """The generator's position, to carry uuids on across a restart (--state)."""
        version, internal, gauss = self._random.getstate()
        return [version, list(internal), gauss]

    def restore(self, state: list[object]) -> None:
        version, internal, gauss = state
        self._random.setstate((version, tuple(internal), gauss))  # type: ignore[arg-type]

    # -- --state (rows.Persistent): the position is written with every save ---------------------

    def dirty_rows(self, everything: bool = False) -> list[Row]:
        return []

    def standing_rows(self) -> list[Row]:
        return [("meta", "ids", self.state())]

    def load_rows(self, rows: Rows) -> None:
        self.restore(rows["meta"]["ids"])

    def uuid(self) -> str:
        value = self._random.getrandbits(128)
        # version 4 and the RFC 4122 variant, so every id passes StringDSL.isZStackUuid
        value &= ~(0xF << 76)
        value |= 0x4 << 76
        value &= ~(0xC << 60)
        value |= 0x8 << 60
        return f"{value:032x}"


# StringDSL.isZStackUuid: 32 lower-case hex, version 1-5, RFC 4122 variant
ZSTACK_UUID = re.compile(r"^[0-9a-f]{8}[0-9a-f]{4}[1-5][0-9a-f]{3}[89ab][0-9a-f]{3}[0-9a-f]{12}$")


def is_zstack_uuid(value: str) -> bool:
    return ZSTACK_UUID.match(value) is not None
