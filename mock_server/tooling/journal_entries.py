"""What the request journal holds: entries, their findings, exchanges and job origins."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field

from mock_server.tooling.redact import KEPT_BYTES, Secrets, shown
from zstack_spec.json_types import JSON


def dropped_body(size: int) -> str:
    """What the journal shows for a body it dropped to stay within BODY_BUDGET."""
    return f"…[dropped {size} bytes: the journal's bodies were over their budget]" if size else ""


@dataclass(frozen=True, slots=True)
class Finding:
    """One way a request broke the contract (violation) or relied on a tolerance (warning)."""

    level: str  # "violation" | "warning"
    rule: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"level": self.level, "rule": self.rule, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Exchange:
    """What a request and its answer carried, as received (bodies cut a little past the bound).

    Secrets are hidden when the entry is read (`to_json`), not on the request's path: hiding
    them costs more than the rest of the journaling, and most entries are never read.
    """

    request_headers: tuple[tuple[str, str], ...] = ()
    request_body: bytes = b""
    request_size: int = 0
    response_headers: tuple[tuple[str, str], ...] = ()
    response_body: bytes = b""
    response_size: int = 0
    # tokens this request named that are not session-id shaped (hidden wherever they appear)
    hidden: frozenset[str] = frozenset()
    # the bodies were dropped to keep the journal within BODY_BUDGET
    bodies_dropped: bool = False

    @classmethod
    def capture(
        cls,
        request_headers: Iterable[tuple[str, str]],
        request_body: bytes,
        response_headers: Iterable[tuple[str, str]],
        response_body: bytes,
        hidden: frozenset[str],
    ) -> Exchange:
        return cls(
            tuple(request_headers),
            request_body[:KEPT_BYTES],
            len(request_body),
            tuple(response_headers),
            response_body[:KEPT_BYTES],
            len(response_body),
            hidden,
        )

    @property
    def stored_bytes(self) -> int:
        return len(self.request_body) + len(self.response_body)

    def without_bodies(self) -> Exchange:
        return dataclasses.replace(self, request_body=b"", response_body=b"", bodies_dropped=True)

    def _body(self, kept: bytes, size: int, secrets: Secrets) -> str:
        if self.bodies_dropped:
            return dropped_body(size)
        return shown(kept, size, secrets, self.hidden)

    def to_json(self, secrets: Secrets) -> dict[str, JSON]:
        return {
            "requestHeaders": secrets.headers(self.request_headers, self.hidden),
            "requestBody": self._body(self.request_body, self.request_size, secrets),
            "responseHeaders": secrets.headers(self.response_headers, self.hidden),
            "responseBody": self._body(self.response_body, self.response_size, secrets),
        }


@dataclass(slots=True)
class Entry:
    seq: int
    rev: int
    time: float
    method: str
    path: str
    query: str
    status: int
    duration_ms: float
    api: str | None = None
    job: str | None = None
    findings: list[Finding] = field(default_factory=list)
    exchange: Exchange = field(default_factory=Exchange)

    @property
    def verdict(self) -> str:
        levels = {f.level for f in self.findings}
        return "violation" if "violation" in levels else "warning" if levels else "ok"

    def summary(self) -> dict[str, JSON]:
        """Everything but the headers and bodies (the request log's JSON line)."""
        return {
            "seq": self.seq,
            "rev": self.rev,
            "time": self.time,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "status": self.status,
            "durationMs": round(self.duration_ms, 3),
            "api": self.api,
            "job": self.job,
            "verdict": self.verdict,
            "findings": [f.to_json() for f in self.findings],
        }

    def to_json(self, secrets: Secrets) -> dict[str, JSON]:
        """The entry with its exchange, secrets hidden."""
        return {**self.summary(), **self.exchange.to_json(secrets)}


@dataclass(frozen=True, slots=True)
class Origin:
    """The request that started a job, kept with the job so a late finding can name it."""

    method: str
    path: str
    query: str
    api: str | None

    def to_json(self) -> dict[str, JSON]:
        return {"method": self.method, "path": self.path, "query": self.query, "api": self.api}

    @classmethod
    def from_json(cls, data: dict[str, JSON]) -> Origin:
        return cls(data["method"], data["path"], data["query"], data.get("api"))

    def entry(self, seq: int, job: str, when: float) -> Entry:
        """The entry of a job whose request the journal never saw (a restart, `--state`)."""
        return Entry(
            seq=seq,
            rev=0,
            time=when,
            method=self.method,
            path=self.path,
            query=self.query,
            status=202,
            duration_ms=0.0,
            api=self.api,
            job=job,
        )
