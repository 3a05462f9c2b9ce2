"""Asynchronous jobs: every async API runs inside one, and its errors become the job's result.

How long a job runs is its progression (moto's ManagedState): `immediate`, after N `seconds`, or
after N `polls`; a job can also be completed or failed by hand through the admin API.
"""

from __future__ import annotations

import logging
import math
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from mock_server.state.ids import Clock
from mock_server.zstack.errors import ErrorCode, InternalError, ZStackError

JSON = Any
log = logging.getLogger(__name__)

# Real server: completed rows are deleted after rest.completedApi.expiredPeriod (10800 s),
# then a poll answers 404 "the job has been expired" (zstack-behaviour.md §6).
COMPLETED_JOB_RETENTION = 10800.0
# The mock also bounds how many jobs it remembers, oldest first, whatever their age.
MAX_JOBS = 100_000


@dataclass(frozen=True, slots=True)
class Deferred:
    """Work that finishes when the job is due (e.g. AddImage's simulated download)."""

    finish: Callable[[], dict[str, JSON]]
    # undoes what the work started when the job is failed instead (e.g. drops the image)
    abort: Callable[[], None] | None = None
    # how to rebuild this work after a restart (--state): {"download": ...} or {"replay": ...}
    resume: dict[str, JSON] | None = None


JobWork = Callable[[], "dict[str, JSON] | Deferred"]


class JobState(StrEnum):
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class ProgressionMode(StrEnum):
    IMMEDIATE = "immediate"
    SECONDS = "seconds"
    POLLS = "polls"


@dataclass(frozen=True, slots=True)
class Progression:
    mode: ProgressionMode = ProgressionMode.IMMEDIATE
    value: float = 0.0

    @classmethod
    def from_delay(cls, seconds: float) -> Progression:
        if seconds <= 0:
            return cls()
        return cls(ProgressionMode.SECONDS, seconds)

    def to_json(self) -> dict[str, JSON]:
        return {"mode": self.mode.value, "value": self.value}


@dataclass(slots=True)
class Job:
    uuid: str
    api: str
    submitted: float
    due: float
    polls_needed: int = 0
    polls: int = 0
    state: JobState = JobState.PROCESSING
    result: dict[str, JSON] | None = None
    error: ErrorCode | None = None
    finished: float | None = None
    pending: Deferred | None = None
    # X-Web-Hook of the request, and whether it asked for `schema` (X-JSON-Schema)
    webhook: str | None = None
    wants_schema: bool = False
    # whether the job's outcome says something about the client's request: not when a fault
    # rule failed it, nor when it was completed or failed by hand (the verdict's table, README)
    judged: bool = True
    # the request that started it (method, path, query, api), for a finding after a restart
    origin: dict[str, JSON] | None = None

    def to_json(self) -> dict[str, JSON]:
        out: dict[str, JSON] = {
            "uuid": self.uuid,
            "api": self.api,
            "state": self.state.value,
            "polls": self.polls,
        }
        if self.result is not None:
            out["result"] = self.result
        if self.error is not None:
            out["error"] = self.error.to_json()
        return out


def replayed(result: JSON, error: ErrorCode | None) -> Deferred:
    """Pending work whose outcome is already known: it only waits to be reported."""

    def replay() -> dict[str, JSON]:
        if error is not None:
            raise _Recorded(error)
        return dict(result)

    record = {"result": result, "error": None if error is None else error.to_json()}
    return Deferred(replay, resume={"replay": record})


class _Recorded(Exception):  # carries an ErrorCode already made
    def __init__(self, error: ErrorCode) -> None:
        self.error = error


def _run(step: Callable[[], JSON]) -> tuple[JSON, ErrorCode | None]:
    """Run one step of a job, turning any failure into the ErrorCode a poll reports."""
    try:
        return step(), None
    except _Recorded as e:
        return None, e.error
    except ZStackError as e:
        return None, e.to_error_code()
    except Exception as e:  # a bug in the mock must still end the job cleanly
        log.exception("job step failed")
        return None, InternalError(f"{type(e).__name__}: {e}").to_error_code()


class JobQueue:
    """Jobs by uuid, completed lazily when their progression says they are due."""

    def __init__(self, clock: Clock, progression: Progression) -> None:
        self._clock = clock
        self.progression = progression
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._pending: list[Job] = []
        # uuids of jobs changed since the store last saved them (for --state)
        self.touched: set[str] = set()
        # called with every job that ends (the webhook sender listens here)
        self.on_end: Callable[[Job], None] | None = None

    def exists(self, uuid: str) -> bool:
        return uuid in self._jobs

    def get(self, uuid: str) -> Job | None:
        return self._jobs.get(uuid)

    def all(self) -> list[Job]:
        return list(self._jobs.values())

    def submit(
        self,
        uuid: str,
        api: str,
        work: JobWork,
        webhook: str | None = None,
        wants_schema: bool = False,
        judged: bool = True,
    ) -> Job:
        """Run the job's work now; its result shows once the job is due."""
        now = self._clock.now()
        p = self.progression
        job = Job(
            uuid=uuid,
            api=api,
            submitted=now,
            due=now,
            webhook=webhook,
            wants_schema=wants_schema,
            judged=judged,
        )
        if p.mode is ProgressionMode.SECONDS:
            job.due = now + p.value
        elif p.mode is ProgressionMode.POLLS:
            job.due, job.polls_needed = math.inf, max(1, int(p.value))
        self._jobs[uuid] = job
        self.touched.add(uuid)
        self._trim()
        outcome, error = _run(work)
        if isinstance(outcome, Deferred):
            job.pending = outcome
        else:
            # the work is done; the job reports it when it is due
            job.pending = replayed(outcome, error)
        self._pending.append(job)
        self.advance()
        return job

    def restore(self, job: Job) -> None:
        """Put back a job loaded from a state file (with its pending work rebuilt, if any)."""
        self._jobs[job.uuid] = job
        if job.pending is not None:
            self._pending.append(job)

    def has_pending(self) -> bool:
        return bool(self._pending)

    def polled(self, job: Job) -> None:
        """Count a poll; under the `polls` progression the Nth poll finishes the job first."""
        job.polls += 1
        self.touched.add(job.uuid)
        if job.pending is not None and job.polls_needed and job.polls >= job.polls_needed:
            self._finish(job)

    def advance(self) -> None:
        """Finish every pending job whose due time has come, in the order they were due."""
        now = self._clock.now()
        due = sorted((j for j in self._pending if j.due <= now), key=lambda j: j.due)
        for job in due:
            self._finish(job)

    def complete(self, job: Job) -> None:
        """Finish a running job now, as if it were due (by hand: its outcome is no finding)."""
        job.judged = False
        self._finish(job)

    def fail(self, job: Job, error: ZStackError) -> None:
        """Fail a running job now with the given error, undoing what it had started."""
        if job.pending is None:
            return
        job.judged = False
        if job.pending.abort is not None:
            job.pending.abort()
        self._pending.remove(job)
        job.pending = None
        self._settle(job, None, error.to_error_code())

    def _finish(self, job: Job) -> None:
        if job.pending is None:
            return
        self._pending.remove(job)
        outcome, error = _run(job.pending.finish)
        job.pending = None
        self._settle(job, outcome, error)

    def _settle(self, job: Job, result: JSON, error: ErrorCode | None) -> None:
        job.finished = self._clock.now()
        self.touched.add(job.uuid)
        if error is not None:
            job.state, job.error = JobState.FAILED, error
        else:
            job.state, job.result = JobState.SUCCEEDED, result
        if self.on_end is not None:
            self.on_end(job)

    def is_visible(self, job: Job) -> bool:
        """A job is pollable while processing, and until the retention period after it ended."""
        if job.finished is None:
            return True
        return self._clock.now() - job.finished < COMPLETED_JOB_RETENTION

    def _trim(self) -> None:
        while len(self._jobs) > MAX_JOBS:
            uuid, job = next(iter(self._jobs.items()))
            if job.state is JobState.PROCESSING:
                break
            del self._jobs[uuid]
            self.touched.add(uuid)
