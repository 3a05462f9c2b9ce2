"""The request journal: every request the mock answered, with the contract verdict, bounded."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

JSON = Any

# The journal keeps the newest entries and drops the oldest beyond this many.
JOURNAL_SIZE = 10_000


@dataclass(frozen=True, slots=True)
class Finding:
    """One way a request broke the contract (violation) or relied on a tolerance (warning)."""

    level: str  # "violation" | "warning"
    rule: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"level": self.level, "rule": self.rule, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Entry:
    seq: int
    time: float
    method: str
    path: str
    query: str
    status: int
    duration_ms: float
    api: str | None = None
    job: str | None = None
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def verdict(self) -> str:
        levels = {f.level for f in self.findings}
        return "violation" if "violation" in levels else "warning" if levels else "ok"

    def to_json(self) -> dict[str, JSON]:
        return {
            "seq": self.seq, "time": self.time, "method": self.method, "path": self.path,
            "query": self.query, "status": self.status, "durationMs": round(self.duration_ms, 3),
            "api": self.api, "job": self.job, "verdict": self.verdict,
            "findings": [f.to_json() for f in self.findings],
        }  # fmt: skip


class Journal:
    def __init__(self, size: int = JOURNAL_SIZE) -> None:
        self._entries: deque[Entry] = deque(maxlen=size)
        self._seq = 0
        self._lock = threading.Lock()
        self.size = size

    def record(self, **fields: Any) -> Entry:
        with self._lock:
            self._seq += 1
            entry = Entry(seq=self._seq, **fields)
            self._entries.append(entry)
            return entry

    def entries(
        self, *, method: str | None = None, path: str | None = None, status: int | None = None,
        verdict: str | None = None, api: str | None = None, since: int | None = None,
    ) -> list[Entry]:  # fmt: skip
        """Entries matching every filter given; `path` matches as a substring."""
        with self._lock:
            entries = list(self._entries)
        return [
            e for e in entries
            if (method is None or e.method == method.upper())
            and (path is None or path in e.path)
            and (status is None or e.status == status)
            and (verdict is None or e.verdict == verdict)
            and (api is None or e.api == api)
            and (since is None or e.seq > since)
        ]  # fmt: skip

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
