"""The state layer's speed-ups answer exactly what the plain code answered.

Memoised pure functions (the simulated download, an install path's parts) are compared with
their unmemoised selves; the expunge task's queue of expiries with what the task must do after
a recover, a second delete, an expunge and a restart.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock_server.state import add_image, ids, paths
from mock_server.state.store import Store
from tests.conftest import CEPH_BS, CONNECTED_BS, ZStack

TEXT = st.text(alphabet="ab/.\\:-_x1", max_size=24)
MEDIA = st.sampled_from(["RootVolumeTemplate", "ISO", "DataVolumeTemplate"])


@given(bs_url=TEXT, uuid=TEXT, url=TEXT, media=MEDIA, account=TEXT)
def test_install_path__the_memoised_parts_join_as_one_join_of_all_five(
    bs_url: str, uuid: str, url: str, media: str, account: str
) -> None:
    filename = paths.make_filename.__wrapped__(url, media)
    whole = paths.path_join(
        bs_url, paths.MEDIA_TYPE_FOLDERS[media], f"acct-{account}", uuid, filename
    )
    assert paths.sftp_install_path(bs_url, uuid, url, media, account) == whole
    assert paths.make_filename(url, media) == filename


@given(url=TEXT, fmt=st.sampled_from(["qcow2", "raw", "iso", "vmdk"]))
def test_simulated_download__memoised_is_the_same_value(url: str, fmt: str) -> None:
    assert add_image.simulated_download(url, fmt) == add_image.simulated_download.__wrapped__(
        url, fmt
    )


def _statuses(zs: ZStack, uuid: str) -> list[tuple[str, str]]:
    rsp = zs.client.get(f"/zstack/v1/images/{uuid}", headers=zs.auth)
    return sorted(
        (r["backupStorageUuid"], r["status"])
        for i in rsp.json["inventories"]
        for r in i["backupStorageRefs"]
    )


def test_expunge_task__expires_each_deletion_from_its_own_time(make_app) -> None:
    app = make_app(expunge_period=100)
    clock = app.extensions["zstack"].config.clock
    zs = ZStack(app.test_client())
    first, second, recovered, expunged = (zs.ready_image() for _ in range(4))
    zs.poll(zs.delete_image(first["uuid"]))
    zs.poll(zs.delete_image(recovered["uuid"]))
    zs.poll(zs.delete_image(expunged["uuid"]))
    zs.poll(zs.expunge_image(expunged["uuid"]))  # gone before its time: nothing left to expire
    clock.advance(50)
    zs.poll(zs.delete_image(second["uuid"]))
    zs.poll(zs.delete_image(first["uuid"]))  # deleting again does not restart its period
    assert zs.poll(zs.recover_image(recovered["uuid"])).status_code == 200
    zs.poll(zs.delete_image(recovered["uuid"]))  # deleted again: its period starts now
    clock.advance(51)
    zs.login()
    assert zs.query_image(first["uuid"]) == []
    assert zs.query_image(second["uuid"])[0]["status"] == "Deleted"
    assert zs.query_image(recovered["uuid"])[0]["status"] == "Deleted"
    clock.advance(50)
    zs.login()
    assert zs.query_image(second["uuid"]) == [] and zs.query_image(recovered["uuid"]) == []


def test_expunge_task__a_recovered_ref_never_expires(make_app) -> None:
    app = make_app(expunge_period=100)
    zs = ZStack(app.test_client())
    image = zs.ready_image(backupStorageUuids=[CONNECTED_BS, CEPH_BS])
    zs.poll(zs.delete_image(image["uuid"]))
    assert zs.poll(zs.recover_image(image["uuid"], [CEPH_BS])).status_code == 200
    app.extensions["zstack"].config.clock.advance(101)
    zs.login()
    assert _statuses(zs, image["uuid"]) == [(CEPH_BS, "Ready")]


def test_expunge_task__the_queue_is_rebuilt_from_a_state_file(
    make_app, clock, tmp_path: Path
) -> None:
    state = tmp_path / "mock.db"
    zs = ZStack(make_app(state_file=state, clock=clock, expunge_period=100).test_client())
    image = zs.ready_image()
    zs.poll(zs.delete_image(image["uuid"]))
    again = ZStack(make_app(state_file=state, clock=clock, expunge_period=100).test_client())
    again.login()
    assert again.query_image(image["uuid"])[0]["status"] == "Deleted"
    clock.advance(101)
    again.login()
    assert again.query_image(image["uuid"]) == []


@given(
    second=st.integers(min_value=0, max_value=4_000_000_000),
    fraction=st.one_of(
        st.floats(min_value=0.0, max_value=1.0, exclude_max=True),
        st.sampled_from([0.0, 0.4999995, 0.9999985, 0.999999, 0.9999994, 0.9999995, 0.9999999]),
    ),
)
def test_gson_timestamp__per_second_memo_is_the_instants_own_text(
    second: int, fraction: float
) -> None:
    epoch = second + fraction
    assert ids.gson_timestamp(epoch) == ids._text(epoch)


def _lock_is_free(store: Store) -> bool:
    """Whether another thread can take the store's lock (an RLock: its owner may, always)."""
    got: list[bool] = []

    def take() -> None:
        got.append(store._lock.acquire(timeout=2))
        if got[0]:
            store._lock.release()

    thread = threading.Thread(target=take)
    thread.start()
    thread.join()
    return got[0]


def test_locked__releases_the_lock_after_the_block_and_after_an_error(make_app) -> None:
    store = make_app().extensions["zstack"].store
    with store.locked() as held:
        assert held is store and not _lock_is_free(store)
    assert _lock_is_free(store)
    with pytest.raises(RuntimeError), store.locked():
        raise RuntimeError("in the block")
    assert _lock_is_free(store)


def test_locked__a_state_file_is_written_even_when_the_block_fails(
    make_app, tmp_path: Path
) -> None:
    state = tmp_path / "mock.db"
    app = make_app(state_file=state)
    zs = ZStack(app.test_client())
    image = zs.ready_image()
    store = app.extensions["zstack"].store
    with pytest.raises(RuntimeError), store.locked():
        store.images.delete_image(image["uuid"], None, None)
        raise RuntimeError("after the change")
    again = ZStack(make_app(state_file=state).test_client())
    [row] = [
        i for i in again.client.get("/_mock/state").json["images"] if i["uuid"] == image["uuid"]
    ]
    assert row["status"] == "Deleted"
