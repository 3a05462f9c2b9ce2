"""What a job is: every async API runs inside one, and its errors become the job's result.

How long a job runs is its progression (moto's ManagedState): `immediate`, after N `seconds`, or
after N `polls`; a job can also be completed or failed by hand through the admin API. The queue
that runs them is state/job_queue.py.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, fields
from enum import StrEnum

from mock_server.zstack.errors import ErrorCode, InternalError, ZStackError
from zstack_spec.json_types import JSON

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Deferred:
    """Work that finishes when the job is due (e.g. AddImage's simulated download)."""

    finish: Callable[[], dict[str, JSON]]
    # undoes what the work started when the job is failed instead (e.g. drops the image)
    abort: Callable[[], None] | None = None
    # how to rebuild this work after a restart (--state): {"download": ...} or {"replay": ...}
    resume: dict[str, JSON] | None = None
    # seconds the job runs whatever the progression: a reply that never comes ends only with
    # its message timeout (CalculateImageHash on SftpBackupStorage)
    wait: float | None = None


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


def run_step(step: Callable[[], JSON]) -> tuple[JSON, ErrorCode | None]:
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


def lost_work() -> Deferred:
    """A running job whose work cannot be rebuilt after a restart: it fails when it is due."""
    lost = InternalError("the mock restarted while this job was running and cannot finish it")
    return replayed(None, lost.to_error_code())


def job_row(job: Job) -> dict[str, JSON]:
    """A job as a state file's row: its pending work kept as the record that rebuilds it."""
    data = {f.name: getattr(job, f.name) for f in fields(job) if f.name != "pending"}
    data["state"] = job.state.value
    data["error"] = None if job.error is None else job.error.to_json()
    data["resume"] = None if job.pending is None else job.pending.resume
    if data["due"] == math.inf:
        data["due"] = None
    return data


def job_from_row(data: dict[str, JSON]) -> tuple[Job, JSON]:
    """A job read back from a state file, and the record that rebuilds its pending work."""
    data = dict(data)
    resume = data.pop("resume")
    error = data.pop("error")
    job = Job(
        **{
            **data,
            "state": JobState(data["state"]),
            "due": math.inf if data["due"] is None else data["due"],
            "error": None if error is None else ErrorCode.from_json(error),
        }
    )
    return job, resume


def resumed_replay(resume: dict[str, JSON] | None) -> Deferred | None:
    """Rebuild the work of a job whose outcome was known before the restart."""
    if not resume or "replay" not in resume:
        return None
    record = resume["replay"]
    error = None if record["error"] is None else ErrorCode.from_json(record["error"])
    return replayed(record["result"], error)
