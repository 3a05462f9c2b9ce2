"""The store's rules called directly, with no HTTP."""

from __future__ import annotations

import pytest

from mock_server.package_data import default_fixtures_path
from mock_server.state.fixtures import load_fixtures
from mock_server.state.ids import IdGenerator, ManualClock, gson_timestamp, is_zstack_uuid
from mock_server.state.jobs import Deferred, JobQueue, JobState, Progression, ProgressionMode
from mock_server.state.model import DeletionPolicy, ImageStatus
from mock_server.state.store import Store, StoreSettings
from mock_server.zstack.errors import (
    InternalError,
    InvalidArgumentError,
    OperationError,
    ResourceNotFound,
)
from tests.conftest import CEPH_BS, CONNECTED_BS, IMAGE_URL


@pytest.fixture
def store() -> Store:
    return Store(load_fixtures(default_fixtures_path()), StoreSettings(seed=1, clock=ManualClock()))


def add(store: Store, **params) -> str:
    p = {"name": "n", "url": IMAGE_URL, "format": "qcow2", "backupStorageUuids": [CONNECTED_BS]}
    p.update(params)
    store.images.validate_add_image(p)
    outcome = store.images.add_image(p)
    assert isinstance(outcome, Deferred)
    inventory = outcome.finish()["inventory"]
    uuid: str = inventory["uuid"]
    return uuid


def test_ids__seeded_uuids_repeat_and_are_zstack_uuids() -> None:
    a, b = IdGenerator(7), IdGenerator(7)
    first = [a.uuid() for _ in range(50)]
    assert first == [b.uuid() for _ in range(50)]
    assert all(is_zstack_uuid(u) for u in first)
    assert len(set(first)) == 50


@pytest.mark.parametrize(
    ("hour", "expected"),
    [(0, "12:05:09 AM"), (11, "11:05:09 AM"), (12, "12:05:09 PM"), (23, "11:05:09 PM")],
)
def test_gson_timestamp__twelve_hour_clock(hour, expected) -> None:
    from datetime import datetime

    t = datetime(2026, 11, 8, hour, 5, 9).timestamp()
    assert gson_timestamp(t) == f"Nov 8, 2026 {expected}"


def test_add_image__backend_defaults(store: Store) -> None:
    image = store.images.images[add(store)]
    assert (image.status, image.platform, image.architecture) == (
        ImageStatus.READY,
        "Linux",
        "x86_64",
    )


def test_add_image__interceptor_errors(store: Store) -> None:
    with pytest.raises(InvalidArgumentError, match=r"unknown format\[null\]"):
        add(store, format=None)
    with pytest.raises(OperationError):
        add(store, backupStorageUuids=["2499cd48fc33450a8737efff67ccb920"])


def test_delete_image__delay_then_expunge(store: Store) -> None:
    uuid = add(store, backupStorageUuids=[CONNECTED_BS, CEPH_BS])
    store.images.delete_image(uuid, [CEPH_BS], None)
    assert store.images.images[uuid].status is ImageStatus.READY
    store.images.delete_image(uuid, None, "Enforcing")
    assert store.images.images[uuid].status is ImageStatus.DELETED
    store.images.expunge_image(uuid, None)
    assert uuid not in store.images.images
    with pytest.raises(ResourceNotFound):
        store.images.expunge_image(uuid, None)


def test_delete_image__direct(store: Store) -> None:
    store.images.policy = DeletionPolicy.DIRECT
    uuid = add(store)
    store.images.delete_image(uuid, None, None)
    assert uuid not in store.images.images


def test_delete_image__bad_mode(store: Store) -> None:
    with pytest.raises(InternalError):
        store.images.delete_image(add(store), None, "Soft")


def test_reset__rebuilds_from_fixtures(store: Store) -> None:
    add(store)
    fresh = store.reset()
    assert fresh.images.images == {}
    assert set(fresh.backup_storages) == set(store.backup_storages)


def test_jobs__delay_and_ordering() -> None:
    clock = ManualClock()
    jobs = JobQueue(clock, Progression(ProgressionMode.SECONDS, 5))
    done: list[str] = []

    def finish() -> dict:
        done.append("a")
        return {}

    jobs.submit("a" * 32, "X", lambda: Deferred(finish))
    jobs.submit("b" * 32, "X", lambda: {"ok": True})
    assert [j.state for j in jobs.all()] == [JobState.PROCESSING, JobState.PROCESSING]
    clock.advance(5)
    jobs.advance()
    assert done == ["a"]
    job = jobs.get("b" * 32)
    assert job is not None and job.result == {"ok": True}


def test_jobs__errors_are_captured_not_raised() -> None:
    jobs = JobQueue(ManualClock(), Progression())

    def boom() -> dict:
        raise RuntimeError("bug")

    job = jobs.submit("c" * 32, "X", boom)
    assert job.state is JobState.FAILED
    assert job.error is not None and job.error.code == "SYS.1000"
    assert "RuntimeError: bug" in (job.error.details or "")
