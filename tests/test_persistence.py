"""--state FILE: the state survives restarts (even kill -9); a bad file is refused, never overwritten."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from mock_server.state.persist import StateFileError
from tests.conftest import CEPH_BS, CONNECTED_BS, IMAGE_URL, ZStack, make_app
from tests.served import Served, free_port


def test_state__survives_a_restart(spec, tmp_path: Path) -> None:
    state = tmp_path / "mock.db"
    zs = ZStack(make_app(spec, state_file=state).test_client())
    kept = zs.ready_image(name="kept")
    gone = zs.ready_image(name="deleted")
    zs.poll(zs.delete_image(gone["uuid"]))
    location = zs.add_image(name="third").json["location"].removeprefix("http://localhost")

    again = ZStack(make_app(spec, state_file=state).test_client())
    again.session = zs.session  # the session survived too
    assert again.query_image(kept["uuid"])[0]["status"] == "Ready"
    assert again.query_image(gone["uuid"])[0]["status"] == "Deleted"
    assert again.client.get(location).json["inventory"]["name"] == "third"
    refs = again.query_image(kept["uuid"])[0]["backupStorageRefs"]
    assert refs == kept["backupStorageRefs"]


def test_state__a_ready_images_deleted_ref_still_expires_after_restart(
    spec, clock, tmp_path: Path
) -> None:
    state = tmp_path / "mock.db"
    zs = ZStack(make_app(spec, state_file=state, clock=clock, expunge_period=100).test_client())
    image = zs.ready_image(backupStorageUuids=[CONNECTED_BS, CEPH_BS])
    zs.poll(zs.delete_image(image["uuid"], f"?backupStorageUuids={CEPH_BS}"))
    again = ZStack(make_app(spec, state_file=state, clock=clock, expunge_period=100).test_client())
    clock.advance(101)
    again.login()
    [after] = again.query_image(image["uuid"])
    assert [r["backupStorageUuid"] for r in after["backupStorageRefs"]] == [CONNECTED_BS]


def test_state__running_job_ends_after_restart(spec, tmp_path: Path) -> None:
    state = tmp_path / "mock.db"
    app = make_app(spec, state_file=state, job_delay=30)
    zs = ZStack(app.test_client())
    location = zs.add_image().json["location"].removeprefix("http://localhost")
    assert zs.client.get(location).status_code == 202

    app2 = make_app(spec, state_file=state, job_delay=30)
    zs2 = ZStack(app2.test_client())
    assert zs2.client.get(location).status_code == 202  # still known, still running
    app2.extensions["zstack"].config.clock.advance(30)
    done = zs2.client.get(location)
    assert done.status_code == 200 and done.json["inventory"]["status"] == "Ready"


def test_state__ids_stay_unique_across_restarts_with_a_seed(spec, tmp_path: Path) -> None:
    state = tmp_path / "mock.db"
    first = ZStack(make_app(spec, state_file=state, seed=7).test_client()).ready_image()
    second = ZStack(make_app(spec, state_file=state, seed=7).test_client()).ready_image()
    assert first["uuid"] != second["uuid"]
    assert first["backupStorageRefs"][0]["id"] != second["backupStorageRefs"][0]["id"]


def test_state__reset_is_persisted(spec, tmp_path: Path) -> None:
    state = tmp_path / "mock.db"
    zs = ZStack(make_app(spec, state_file=state).test_client())
    zs.ready_image()
    zs.client.post("/_mock/reset")
    assert (
        ZStack(make_app(spec, state_file=state).test_client())
        .client.get("/_mock/state")
        .json["images"]
        == []
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"this is not a database at all" * 100, "not a zstack-mock state file"),
        ("other", "not a zstack-mock state file"),
        ("version", "state file version 0"),
    ],
    ids=["garbage", "another-database", "another-version"],
)
def test_state__bad_file_is_refused_and_untouched(spec, tmp_path: Path, content, message) -> None:
    path = tmp_path / "mock.db"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        db = sqlite3.connect(path)
        if content == "other":
            db.execute("CREATE TABLE notes (x TEXT)")
        else:
            db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
            for t in ("images", "backup_storages", "sessions", "jobs"):
                db.execute(f"CREATE TABLE {t} (uuid TEXT PRIMARY KEY, data TEXT)")
            db.execute("INSERT INTO meta VALUES ('kind', 'zstack-mock'), ('schema_version', '0')")
        db.commit()
        db.close()
    before = path.read_bytes()
    with pytest.raises(StateFileError, match=message):
        make_app(spec, state_file=path)
    assert path.read_bytes() == before


def test_serve__bad_state_file_stops_start_with_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "mock.db"
    path.write_text("garbage" * 200)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mock_server",
            "serve",
            "--port",
            str(free_port()),
            "--state",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert f"zstack-mock: cannot start: {path}: not a zstack-mock state file" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_state__kill_9_under_load_loses_no_acknowledged_job(tmp_path: Path) -> None:
    state = str(tmp_path / "mock.db")
    served = Served("--state", state)
    session = served.session()
    acknowledged: list[str] = []
    stop = threading.Event()

    def load(n: int) -> None:
        http = requests.Session()
        http.headers["Authorization"] = f"OAuth {session}"
        i = 0
        while not stop.is_set():
            params = {
                "name": f"load-{n}-{i}",
                "url": IMAGE_URL,
                "format": "qcow2",
                "backupStorageUuids": [CONNECTED_BS],
            }
            try:
                rsp = http.post(f"{served.api}/images", json={"params": params}, timeout=5)
            except requests.RequestException:
                return
            if rsp.status_code == 202:
                acknowledged.append(rsp.json()["location"])
            i += 1

    threads = [threading.Thread(target=load, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    served.kill()
    stop.set()
    for t in threads:
        t.join(timeout=10)
    assert len(acknowledged) > 20
    again = Served("--state", state, port=served.port)
    try:
        names = set()
        for location in acknowledged:
            result = requests.get(location, timeout=10)
            assert result.status_code == 200, (location, result.status_code, result.text[:200])
            names.add(result.json()["inventory"]["name"])
        images = requests.get(f"{again.root}/_mock/state", timeout=30).json()["images"]
        assert names <= {i["name"] for i in images}
    finally:
        again.stop()
