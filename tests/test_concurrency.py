"""32 threads run a mix of add, delete, expunge, recover and query on a real served mock.

No image is lost or duplicated, every job ends, and the final state equals a model replayed, in the
order the server applied them (the journal's), from the results the clients were given.
"""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import CEPH_BS, CONNECTED_BS, IMAGE_URL
from tests.served import Served

THREADS = 32
OPS_PER_THREAD = 12
JSON = Any


def _poll(location: str) -> requests.Response:
    deadline = time.monotonic() + 30
    while True:
        rsp = requests.get(location, timeout=30)
        if rsp.status_code != 202 or time.monotonic() > deadline:
            return rsp
        time.sleep(0.01)


def _worker(
    served: Served, shared: list[str], seed: int, results: list[JSON], errors: list[str]
) -> None:
    rnd = random.Random(seed)
    http = requests.Session()
    http.headers["Authorization"] = f"OAuth {served.session()}"
    own: list[str] = []
    for i in range(OPS_PER_THREAD):
        op = rnd.choice(["add", "add", "delete", "expunge", "recover", "query"])
        pool = own + shared
        try:
            if op == "query":
                rsp = http.get(f"{served.api}/images", timeout=30)
                if rsp.status_code != 200:
                    errors.append(f"query answered {rsp.status_code}")
                continue
            if op == "add" or not pool:
                params = {
                    "name": f"t{seed}-{i}",
                    "url": IMAGE_URL,
                    "format": "qcow2",
                    "backupStorageUuids": [CONNECTED_BS, CEPH_BS],
                }
                rsp = http.post(f"{served.api}/images", json={"params": params}, timeout=30)
                op = "add"
                target = None
            else:
                target = rnd.choice(pool)
                if op == "delete":
                    rsp = http.delete(f"{served.api}/images/{target}", timeout=30)
                else:
                    rsp = http.put(
                        f"{served.api}/images/{target}/actions", json={f"{op}Image": {}}, timeout=30
                    )
            if rsp.status_code != 202:
                errors.append(f"{op} answered {rsp.status_code}: {rsp.text[:200]}")
                continue
            location = rsp.json()["location"]
            result = _poll(location)
            body = result.json()
            if op == "add" and result.status_code == 200:
                own.append(body["inventory"]["uuid"])
                target = body["inventory"]["uuid"]
            results.append(
                {
                    "op": op,
                    "target": target,
                    "job": location.rsplit("/", 1)[1],
                    "status": result.status_code,
                    "body": body,
                }
            )
        except requests.RequestException as e:
            errors.append(f"{op}: {e}")


def _expected(op: str, state: str | None) -> tuple[int, str | None]:
    """The model: what the call must answer given the image's state, and the state after it."""
    if op == "delete":
        return 200, (None if state is None else "Deleted")
    if op == "expunge":
        if state == "Deleted":
            return 200, None
        return 503, state
    if op == "recover":
        return (200, "Ready") if state == "Deleted" else (503, state)
    return 200, "Ready"


def run_mix(served: Served) -> None:
    session = served.session()
    auth = {"Authorization": f"OAuth {session}"}
    shared = []
    for i in range(4):
        params = {
            "name": f"shared-{i}",
            "url": IMAGE_URL,
            "format": "qcow2",
            "backupStorageUuids": [CONNECTED_BS, CEPH_BS],
        }
        rsp = requests.post(
            f"{served.api}/images", json={"params": params}, headers=auth, timeout=30
        )
        shared.append(_poll(rsp.json()["location"]).json()["inventory"]["uuid"])
    requests.delete(f"{served.root}/_mock/journal", timeout=10)

    results: list[JSON] = []
    errors: list[str] = []
    threads = [
        threading.Thread(target=_worker, args=(served, shared, n, results, errors))
        for n in range(THREADS)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    assert errors == []
    assert all(r["status"] in (200, 503) for r in results), "every job ends"

    # replay in the order the server accepted the calls
    order = {
        e["job"]: e["seq"]
        for e in requests.get(f"{served.root}/_mock/journal?status=202", timeout=30).json()[
            "entries"
        ]
    }
    model: dict[str, str] = {u: "Ready" for u in shared}
    for r in sorted(results, key=lambda r: order[r["job"]]):
        if r["op"] == "add":
            assert r["status"] == 200, r
            assert r["target"] not in model, "an image uuid was handed out twice"
            model[r["target"]] = "Ready"
            continue
        status, after = _expected(r["op"], model.get(r["target"]))
        assert r["status"] == status, (r, model.get(r["target"]))
        if after is None:
            model.pop(r["target"], None)
        else:
            model[r["target"]] = after

    state = requests.get(f"{served.root}/_mock/state", timeout=30).json()
    actual = {i["uuid"]: i["status"] for i in state["images"]}
    assert len(state["images"]) == len(actual), "an image is listed twice"
    assert actual == model
    jobs = state["jobs"]
    assert all(j["state"] != "processing" for j in jobs)


@pytest.mark.slow
def test_concurrency__mixed_load_matches_the_model() -> None:
    served = Served()
    try:
        run_mix(served)
    finally:
        err = served.stop()
    assert "Traceback" not in err


@pytest.mark.slow
def test_concurrency__with_state_persistence(tmp_path: Path) -> None:
    state = str(tmp_path / "mock.db")
    served = Served("--state", state)
    try:
        run_mix(served)
        before = requests.get(f"{served.root}/_mock/state", timeout=30).json()
    finally:
        served.stop()
    again = Served("--state", state)
    try:
        after = requests.get(f"{again.root}/_mock/state", timeout=30).json()
    finally:
        again.stop()
    assert {i["uuid"]: i for i in after["images"]} == {i["uuid"]: i for i in before["images"]}
    assert len(after["jobs"]) == len(before["jobs"])
