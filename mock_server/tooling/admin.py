"""The mock's admin operations, without HTTP: each is one transaction on the runtime.

`tooling/admin_api.py` is their HTTP adapter under `/_mock/`; the store's lock is taken here.
"""

from __future__ import annotations

import math
import re
from typing import TypeVar

from mock_server.runtime import MockRuntime
from mock_server.state.fixtures import Fixtures
from mock_server.state.jobs import Job, JobState, Progression
from mock_server.state.store import Store
from mock_server.tooling.journal import Journal
from zstack_spec.json_types import JSON

T = TypeVar("T")
_IMAGE_IN_PATH = re.compile(r"/v1/images/([0-9a-f]{32})(?:/|$)")


class AdminError(Exception):
    """A bad admin request: a clear JSON error, and nothing changed."""

    def __init__(self, status: int, details: str) -> None:
        super().__init__(details)
        self.status = status
        self.details = details


def summary(store: Store) -> dict[str, JSON]:
    return {
        "images": len(store.images.images),
        "backupStorages": len(store.backup_storages),
        "accounts": len(store.sessions.accounts),
    }


def reset(rt: MockRuntime, fixtures: Fixtures | None = None) -> dict[str, JSON]:
    """A fresh store, from the same fixtures or from new ones; fault rules and journal stay."""
    with rt.store.locked() as store:
        rt.install(store.reset(fixtures))
    return summary(rt.store)


def state(rt: MockRuntime, limit: int | None) -> dict[str, JSON]:
    """What the dashboard shows: the newest images, sessions and jobs, and the settings."""
    with rt.store.locked() as store:
        images = list(store.images.images.values())
        sessions = list(store.sessions.sessions.values())
        jobs = store.jobs.all()
        return {
            "images": [i.to_inventory() for i in _newest(images, limit)],
            "backupStorages": [b.to_inventory() for b in store.backup_storages.values()],
            "sessions": [s.to_inventory() for s in _newest(sessions, limit)],
            "jobs": _job_views(rt.journal, _newest(jobs, limit)),
            "totals": {"images": len(images), "sessions": len(sessions), "jobs": len(jobs)},
            "settings": {
                "deletionPolicy": store.images.policy.value,
                "expungePeriod": store.images.expunge_period,
                "sessionTimeout": store.sessions.timeout,
                "progression": store.jobs.progression.to_json(),
                # where the ZStack API is: the dashboard's image actions call it as a client
                "contextPath": rt.config.context_path,
            },
        }


def list_jobs(rt: MockRuntime, limit: int | None) -> dict[str, JSON]:
    with rt.store.locked() as store:
        return {
            "jobs": _job_views(rt.journal, _newest(store.jobs.all(), limit)),
            "progression": store.jobs.progression.to_json(),
        }


def set_progression(rt: MockRuntime, progression: Progression) -> dict[str, JSON]:
    with rt.store.locked() as store:
        store.jobs.progression = progression
        return store.jobs.progression.to_json()


def complete_job(rt: MockRuntime, uuid: str) -> dict[str, JSON]:
    with rt.store.locked() as store:
        job = _running_job(store, uuid)
        store.jobs.complete(job)
        return job.to_json()


def fail_job(rt: MockRuntime, uuid: str, code: str, details: str) -> dict[str, JSON]:
    error = rt.spec_error(code, details)
    with rt.store.locked() as store:
        job = _running_job(store, uuid)
        store.jobs.fail(job, error)
        return job.to_json()


def settle(rt: MockRuntime) -> None:
    """End the jobs that have come due, so their late findings are in what is read next."""
    with rt.store.locked():
        pass


def _running_job(store: Store, uuid: str) -> Job:
    job = store.jobs.get(uuid)
    if job is None:
        raise AdminError(404, f"no job {uuid}")
    if job.state is not JobState.PROCESSING:
        raise AdminError(409, f"job {uuid} has already {job.state.value}")
    return job


def _newest(items: list[T], limit: int | None) -> list[T]:
    """The newest `limit` items of a list kept oldest first (all of them without a limit)."""
    return items if limit is None else items[-limit:]


def _job_views(journal: Journal, jobs: list[Job]) -> list[dict[str, JSON]]:
    """Jobs with what the dashboard shows: their image, and when they started, are due and ended."""
    images = {job.uuid: _job_image(job) for job in jobs}
    if any(images[j.uuid] is None and j.api != "AddImage" for j in jobs):
        # Delete/Expunge/Recover name their image only in the path of the request that started them
        for entry in journal.entries(path="/v1/images/"):
            if entry.job in images and (m := _IMAGE_IN_PATH.search(entry.path)):
                images[entry.job] = images[entry.job] or m.group(1)
    return [
        {
            **job.to_json(),
            "image": images[job.uuid],
            "submitted": job.submitted,
            "due": None if math.isinf(job.due) else job.due,
            "finished": job.finished,
        }
        for job in jobs
    ]


def _job_image(job: Job) -> str | None:
    inventory = (job.result or {}).get("inventory")
    if isinstance(inventory, dict) and isinstance(inventory.get("uuid"), str):
        return str(inventory["uuid"])
    resume = job.pending.resume if job.pending is not None else None
    if resume is not None and isinstance(resume.get("download"), str):
        return str(resume["download"])  # an AddImage still downloading
    return None
