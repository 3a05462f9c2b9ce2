"""The request journal: every request the mock answered, with the contract verdict.

The journal keeps the newest entries (bounded), and beside them every entry with a finding that
fell out of it (bounded separately), so the run's findings are never lost: the counts cover the
whole run whatever the sizes. A job's error that arrives after the 202 is attached to the request
that started the job (a late finding), and bumps the journal's `rev`, so pollers see it.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from mock_server.tooling.redact import KEPT_BYTES, Secrets, shown

JSON = Any

# The journal keeps the newest entries and drops the oldest beyond this many.
JOURNAL_SIZE = 10_000
# Entries with findings that fell out of the journal are kept aside, up to this many.
FLAGGED_SIZE = 10_000
# Requests whose job has not ended yet, waiting for a late finding (jobs are bounded alike).
OPEN_JOBS = 100_000
LEVELS = ("violation", "warning")
# The bodies the journal stores (each bounded to KEPT_BYTES), all together: past this many bytes
# the oldest entries lose theirs (a marker stays); entries and findings are kept.
BODY_BUDGET = 256 * 1024 * 1024


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


class Journal:
    def __init__(
        self,
        size: int = JOURNAL_SIZE,
        flagged_size: int = FLAGGED_SIZE,
        body_budget: int = BODY_BUDGET,
    ) -> None:
        self.size = size
        self.flagged_size = flagged_size
        self.body_budget = body_budget
        # entries that may still hold bodies, oldest first, and the bytes those bodies take
        self._bodied: deque[Entry] = deque()
        self._body_bytes = 0
        self.secrets = Secrets()
        self._lock = threading.Lock()
        self._entries: deque[Entry] = deque()
        self._kept: OrderedDict[int, Entry] = OrderedDict()
        self._open_jobs: OrderedDict[str, Entry] = OrderedDict()
        # jobs submitted by a request not journaled yet; findings of those that already ended
        self._expected: dict[str, list[Finding] | None] = {}
        self._seq = 0
        self._rev = 0
        self._total = 0
        self._dropped = 0
        # the whole run's counts: never cleared, whatever falls out or is cleared
        self.run_requests = 0
        self.run_findings = dict.fromkeys(LEVELS, 0)
        # flagged entries that fell out of the kept ones too (the gate says how many)
        self.flagged_lost = 0

    def expect_job(self, job: str) -> None:
        """A request is about to start `job`; its entry is recorded when the request ends."""
        with self._lock:
            self._expected[job] = None

    def record(self, *, starts_job: bool = False, **fields: Any) -> Entry:
        """Journal one answered request; `starts_job`: its `job` was started by it."""
        with self._lock:
            self._seq += 1
            self._rev += 1
            entry = Entry(seq=self._seq, rev=self._rev, **fields)
            job = entry.job
            if starts_job and job is not None:
                ended = self._expected.pop(job, None)
                if ended is None:
                    self._open_job(job, entry)
                else:
                    entry.findings.extend(ended)
            self._total += 1
            self.run_requests += 1
            self._count(entry.findings)
            self._entries.append(entry)
            while len(self._entries) > self.size:
                self._keep(self._entries.popleft())
            self._hold_bodies(entry)
            return entry

    def _hold_bodies(self, entry: Entry) -> None:
        """Count the new entry's bodies; drop the oldest bodies while over the budget."""
        if entry.exchange.stored_bytes:
            self._bodied.append(entry)
            self._body_bytes += entry.exchange.stored_bytes
        live = len(self._entries) + len(self._kept) + len(self._open_jobs)
        if len(self._bodied) > 2 * live + 64:
            self._forget_unreachable()
        while self._body_bytes > self.body_budget and self._bodied:
            oldest = self._bodied.popleft()
            if not oldest.exchange.bodies_dropped:
                self._body_bytes -= oldest.exchange.stored_bytes
                oldest.exchange = oldest.exchange.without_bodies()

    def _forget_unreachable(self) -> None:
        """Stop counting the bodies of entries nobody can read any more (amortised O(1))."""
        first = self._entries[0].seq if self._entries else None
        held: deque[Entry] = deque()
        for e in self._bodied:
            reachable = (
                (first is not None and e.seq >= first)
                or self._kept.get(e.seq) is e
                or (e.job is not None and self._open_jobs.get(e.job) is e)
            )
            if e.exchange.bodies_dropped:
                continue
            if reachable:
                held.append(e)
            else:
                self._body_bytes -= e.exchange.stored_bytes
        self._bodied = held

    def job_ended(
        self, job: str, findings: list[Finding], origin: Origin | None, when: float
    ) -> Entry | None:
        """Attach what a job's end says about the client to the request that started it.

        A job that ends before its request is journaled hands its findings to that entry; one
        whose request this journal never saw (the mock restarted, `--state`) gets an entry of
        its own, named after the request kept with the job. Returns the entry given findings
        after it was journaled.
        """
        with self._lock:
            if job in self._expected:
                self._expected[job] = list(findings)
                return None
            entry = self._open_jobs.pop(job, None)
            if not findings:
                return None
            if entry is None:
                if origin is None:
                    return None
                self._seq += 1
                entry = Entry(
                    seq=self._seq,
                    rev=0,
                    time=when,
                    method=origin.method,
                    path=origin.path,
                    query=origin.query,
                    status=202,
                    duration_ms=0.0,
                    api=origin.api,
                    job=job,
                )
                self._kept[entry.seq] = entry
            self._rev += 1
            entry.rev = self._rev
            entry.findings.extend(findings)
            self._count(findings)
            if self._entries and entry.seq < self._entries[0].seq and entry.seq not in self._kept:
                self._kept[entry.seq] = entry
            self._trim_kept()
            return entry

    def _open_job(self, job: str, entry: Entry) -> None:
        self._open_jobs[job] = entry
        while len(self._open_jobs) > OPEN_JOBS:
            self._open_jobs.popitem(last=False)

    def _count(self, findings: list[Finding]) -> None:
        for f in findings:
            self.run_findings[f.level] = self.run_findings.get(f.level, 0) + 1

    def _keep(self, entry: Entry) -> None:
        if not entry.findings:
            self._dropped += 1
            return
        self._kept[entry.seq] = entry
        self._trim_kept()

    def _trim_kept(self) -> None:
        while len(self._kept) > self.flagged_size:
            self._kept.popitem(last=False)
            self._dropped += 1
            self.flagged_lost += 1

    def entries(
        self,
        *,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        verdict: str | None = None,
        api: str | None = None,
        since: int | None = None,
        limit: int | None = None,
    ) -> list[Entry]:
        """Entries matching every filter, oldest first; `path` matches as a substring.

        `since`: only entries whose rev is above it; `limit`: the newest that many matches.
        """
        with self._lock:
            entries = sorted(self._kept.values(), key=lambda e: e.seq) + list(self._entries)
        matches = [
            e
            for e in entries
            if (method is None or e.method == method.upper())
            and (path is None or path in e.path)
            and (status is None or e.status == status)
            and (verdict is None or e.verdict == verdict)
            and (api is None or e.api == api)
            and (since is None or e.rev > since)
        ]
        return matches if limit is None else matches[len(matches) - limit :] if limit else []

    def stats(self) -> dict[str, JSON]:
        """The counts beside the entries: since the last clear, and for the whole run."""
        with self._lock:
            return {
                "rev": self._rev,
                "total": self._total,
                "dropped": self._dropped,
                "findings": dict(self.run_findings),
                "runTotal": self.run_requests,
                "findingsLost": self.flagged_lost,
                "size": self.size,
            }

    def clear(self) -> None:
        """Forget the entries; the run's counts stay (a client cannot clear its findings away)."""
        with self._lock:
            self._entries.clear()
            self._kept.clear()
            self._total = self._dropped = 0
            self._rev += 1
