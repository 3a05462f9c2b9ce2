"""The async protocol: 202 + location, polling, job ids, timeouts, and X-JSON-Schema."""

from __future__ import annotations

import re

from tests.conftest import CEPH_BS, ZStack

JOB_LOCATION = re.compile(r"^http://localhost/zstack/v1/api-jobs/[0-9a-f]{32}$")


def test_add_image__accepted_with_location_and_timeout(zs: ZStack) -> None:
    rsp = zs.add_image()
    assert rsp.status_code == 202
    assert JOB_LOCATION.match(rsp.json["location"])
    assert rsp.json["apiTimeout"] == 259200000


def test_delete_expunge_recover__api_timeout_is_30_minutes(zs: ZStack) -> None:
    image = zs.ready_image()
    for rsp in (
        zs.delete_image(image["uuid"]),
        zs.recover_image(image["uuid"]),
        zs.expunge_image(image["uuid"]),
    ):
        assert rsp.status_code == 202
        assert rsp.json["apiTimeout"] == 1800000


def test_poll__needs_no_authorization(zs: ZStack) -> None:
    location = zs.add_image().json["location"].removeprefix("http://localhost")
    rsp = zs.client.get(location)
    assert rsp.status_code == 200
    assert rsp.json["inventory"]["status"] == "Ready"


def test_poll__unknown_job_is_404_plain_text(zs: ZStack) -> None:
    rsp = zs.client.get("/zstack/v1/api-jobs/" + "0" * 32)
    assert rsp.status_code == 404
    assert rsp.mimetype == "text/plain"
    assert rsp.get_data(as_text=True) == "the job has been expired"


def test_poll__non_get_is_405_with_allow(zs: ZStack) -> None:
    location = zs.add_image().json["location"].removeprefix("http://localhost")
    for method in ("post", "put", "delete"):
        rsp = getattr(zs.client, method)(location)
        assert rsp.status_code == 405
        assert rsp.get_data(as_text=True) == "only GET method is allowed for querying job status"
        assert rsp.headers["Allow"] == "GET"
    assert zs.client.head(location).status_code == 405


def test_poll__job_expires_after_retention(zs: ZStack, clock) -> None:
    location = zs.add_image().json["location"].removeprefix("http://localhost")
    clock.advance(10800 + 1)
    assert zs.client.get(location).status_code == 404


def test_job_delay__running_then_done_and_image_downloading(make_app) -> None:
    app = make_app(job_delay=30)
    zs = ZStack(app.test_client())
    clock = app.extensions["zstack"].config.clock
    accepted = zs.add_image()
    location = accepted.json["location"].removeprefix("http://localhost")
    running = zs.client.get(location)
    assert running.status_code == 202
    assert running.json == {}
    images = zs.client.get("/zstack/v1/images", headers=zs.auth).json["inventories"]
    assert [i["status"] for i in images] == ["Downloading"]
    assert [r["status"] for r in images[0]["backupStorageRefs"]] == ["Downloading"]
    assert "md5Sum" not in images[0]
    clock.advance(30)
    done = zs.client.get(location)
    assert done.status_code == 200
    assert done.json["inventory"]["status"] == "Ready"
    assert app.extensions["violations"] == []


def test_x_job_uuid__names_the_job(zs: ZStack) -> None:
    job = "a" * 32
    rsp = zs.client.post(
        "/zstack/v1/images",
        json={"params": {}},
        headers={**zs.auth, "X-Job-UUID": job},
    )
    assert rsp.json["location"].endswith(f"/api-jobs/{job}")


def test_x_job_uuid__wrong_length_is_400(zs: ZStack) -> None:
    rsp = zs.client.post(
        "/zstack/v1/images", json={"params": {}}, headers={**zs.auth, "X-Job-UUID": "abc"}
    )
    assert rsp.status_code == 400
    assert rsp.get_data(as_text=True) == (
        "Invalid header[X-Job-UUID], it must be a UUID with '-' stripped"
    )


def test_x_job_uuid__duplicate_is_400(zs: ZStack) -> None:
    headers = {**zs.auth, "X-Job-UUID": "b" * 32}
    zs.client.post("/zstack/v1/images", json={"params": {}}, headers=headers)
    rsp = zs.client.post("/zstack/v1/images", json={"params": {}}, headers=headers)
    assert rsp.status_code == 400
    assert rsp.get_data(as_text=True) == f"Duplicate job uuid[{'b' * 32}]"


def test_x_api_timeout__overrides_api_timeout(zs: ZStack) -> None:
    rsp = zs.client.post(
        "/zstack/v1/images", json={"params": {}}, headers={**zs.auth, "X-API-Timeout": "60"}
    )
    assert rsp.json["apiTimeout"] == 60000


def test_x_json_schema__on_poll_adds_the_schema(zs: ZStack) -> None:
    location = zs.add_image().json["location"].removeprefix("http://localhost")
    rsp = zs.client.get(location, headers={"X-JSON-Schema": "true"})
    assert list(rsp.json["schema"].items()) == [
        ("inventory", "org.zstack.header.image.ImageInventory"),
        (
            "inventory.backupStorageRefs[0]",
            "org.zstack.header.image.ImageBackupStorageRefInventory",
        ),
    ]


def test_x_json_schema__delete_result_is_empty_schema(zs: ZStack) -> None:
    image = zs.ready_image()
    location = zs.delete_image(image["uuid"]).json["location"].removeprefix("http://localhost")
    assert zs.client.get(location, headers={"X-JSON-Schema": "true"}).json == {"schema": {}}
    assert zs.client.get(location).json == {}


def test_x_json_schema__a_backup_storage_action_names_the_backup_storage_class(zs: ZStack) -> None:
    # RestServer builds the map from the reply's own objects: a backup storage's inventory
    # class, not an image's (each API's x-zstack-event names its result)
    body: dict[str, object] = {"reconnectBackupStorage": {}}
    accepted = zs.client.put(
        f"/zstack/v1/backup-storage/{CEPH_BS}/actions", json=body, headers=zs.auth
    )
    location = accepted.json["location"].removeprefix("http://localhost")
    rsp = zs.client.get(location, headers={"X-JSON-Schema": "true"})
    assert rsp.json["schema"] == {
        "inventory": "org.zstack.storage.ceph.backup.CephBackupStorageInventory"
    }


def test_every_async_api_names_its_job_result() -> None:
    from mock_server.zstack.api_chain import ASYNC_HANDLERS
    from mock_server.zstack.spec import Spec

    spec = Spec.load()
    assert len(ASYNC_HANDLERS) > 10
    for api in ASYNC_HANDLERS:
        assert spec.schema(spec.event(api)), api
