"""The job queue: jobs by uuid, each finished when its progression says it is due."""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable

from mock_server.state.ids import Clock
from mock_server.state.jobs import (
    Deferred,
    Job,
    JobState,
    JobWork,
    Progression,
    ProgressionMode,
    job_from_row,
    job_row,
    lost_work,
    replayed,
    resumed_replay,
    run_step,
)
from mock_server.state.rows import Row, Rows, touched_rows
from mock_server.zstack.errors import ErrorCode, ZStackError
from zstack_spec.json_types import JSON

# Real server: completed rows are deleted after rest.completedApi.expiredPeriod (10800 s),
# then a poll answers 404 "the job has been expired" (docs/zstack-protocol.md#async-jobs).
COMPLETED_JOB_RETENTION = 10800.0
# The mock also bounds how many jobs it remembers, oldest first, whatever their age.
MAX_JOBS = 100_000
# rebuilds a running job's work from its resume record after a restart; None: not its kind
Resumer = Callable[[dict[str, JSON]], Deferred | None]


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
        # rebuilds the work of a job that was running when the state file was saved
        self.resumers: list[Resumer] = [resumed_replay]

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
        outcome, error = run_step(work)
        if isinstance(outcome, Deferred):
            job.pending = outcome
            if outcome.wait is not None:
                job.due, job.polls_needed = now + outcome.wait, 0
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
        if not self._pending:
            return  # the usual case, two or three times a request: no generator, no sort
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
        outcome, error = run_step(job.pending.finish)
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

    # -- --state (rows.Persistent) -------------------------------------------------------------

    def dirty_rows(self, everything: bool = False) -> list[Row]:
        return touched_rows("jobs", self.touched, self._jobs, everything, job_row)

    def standing_rows(self) -> list[Row]:
        return [("meta", "progression", self.progression.to_json())]

    def load_rows(self, rows: Rows) -> None:
        p = rows["meta"]["progression"]
        self.progression = Progression(ProgressionMode(p["mode"]), p["value"])
        self._jobs.clear()
        self._pending.clear()
        for data in rows["jobs"].values():
            job, resume = job_from_row(data)
            if job.state is JobState.PROCESSING:
                job.pending = self._resumed(resume)
            self.restore(job)
        self.touched.clear()

    def _resumed(self, resume: dict[str, JSON] | None) -> Deferred:
        """Rebuild a running job's work, so it still ends after the restart."""
        for resumer in self.resumers:
            work = None if resume is None else resumer(resume)
            if work is not None:
                return work
        return lost_work()
