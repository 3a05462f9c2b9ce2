"""The backup storage APIs in the mock (issue 11): exports, the actions path, the candidates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mock_server.state.exports import add_name_to_export_url, uuid_from_bytes
from tests.conftest import CEPH_BS, CONNECTED_BS, DISCONNECTED_BS, ZStack

V = "org.zstack.header.message.ApiMessageParamValidator"
UNKNOWN = "7d0f1e2a3b4c4d5e8f6a7b8c9d0e1f2b"


def bs_action(zs: ZStack, bs: str, body: Any) -> Any:
    return zs.client.put(f"/zstack/v1/backup-storage/{bs}/actions", json=body, headers=zs.auth)


def export(zs: ZStack, bs: str, image: str, **params: Any) -> Any:
    return bs_action(zs, bs, {"exportImageFromBackupStorage": {"imageUuid": image, **params}})


def delete_export(zs: ZStack, bs: str, image: str) -> Any:
    path = f"/zstack/v1/backup-storage/{bs}/exported-images/{image}"
    return zs.client.delete(path, headers=zs.auth)


def test_export_image__ceph_url_token_and_md5(zs: ZStack) -> None:
    image = zs.ready_image(name="Tiny Linux/1", backupStorageUuids=[CEPH_BS])
    accepted = export(zs, CEPH_BS, image["uuid"])
    assert accepted.json["apiTimeout"] == 10800000  # @DefaultTimeout(HOURS, 3)
    result = zs.poll(accepted).json
    token = uuid_from_bytes(image["uuid"])
    assert result["imageUrl"] == (
        f"http://127.0.0.1:7761/ceph/export/zs-images/Tiny%20Linux%2F1-{image['uuid']}"
        f"?token={token}"
    )
    assert result["success"] is True and len(result["exportMd5Sum"]) == 32
    ref = zs.query_image(image["uuid"])[0]["backupStorageRefs"][0]
    assert (ref["exportUrl"], ref["exportMd5Sum"]) == (result["imageUrl"], result["exportMd5Sum"])


def test_export_image__token_is_java_name_uuid_from_bytes() -> None:
    # UUID.nameUUIDFromBytes("abc".getBytes()) = 90015098-3cd2-3fb0-9696-3f7d28e17f72 (Java)
    assert uuid_from_bytes("abc") == "900150983cd23fb096963f7d28e17f72"
    assert add_name_to_export_url("http://h/p/i?token=t", "") == "http://h/p/i?token=t"
    assert add_name_to_export_url("http://h/p/i?t=1", "a:b@c d") == "http://h/p/a:b@c%20d-i?t=1"


def test_export_image__again_returns_the_stored_url_without_md5(zs: ZStack) -> None:
    image = zs.ready_image(backupStorageUuids=[CEPH_BS])
    first = zs.poll(export(zs, CEPH_BS, image["uuid"])).json
    again = zs.poll(export(zs, CEPH_BS, image["uuid"], exportFormat="raw")).json
    assert again == {"imageUrl": first["imageUrl"], "success": True}


def test_delete_exported_image__clears_the_url_keeps_the_md5(zs: ZStack) -> None:
    image = zs.ready_image(backupStorageUuids=[CEPH_BS])
    first = zs.poll(export(zs, CEPH_BS, image["uuid"])).json
    assert zs.poll(delete_export(zs, CEPH_BS, image["uuid"])).json == {}
    ref = zs.query_image(image["uuid"])[0]["backupStorageRefs"][0]
    assert "exportUrl" not in ref and ref["exportMd5Sum"] == first["exportMd5Sum"]
    assert zs.poll(delete_export(zs, CEPH_BS, image["uuid"])).json == {}


@pytest.mark.parametrize(
    ("send", "code", "details"),
    [
        (
            lambda zs, img: export(zs, CONNECTED_BS, img),
            "SYS.1008",
            "No service deals with message: org.zstack.header.storage.backup."
            "APIExportImageFromBackupStorageMsg {",
        ),
        (
            lambda zs, img: delete_export(zs, CONNECTED_BS, img),
            "SYS.1008",
            "No service deals with message: org.zstack.header.storage.backup."
            "APIDeleteExportedImageFromBackupStorageMsg {",
        ),
        (
            lambda zs, img: export(zs, UNKNOWN, UNKNOWN, exportFormat="x"),
            "SYS.1003",
            f"invalid field[backupStorageUuid], resource[uuid:{UNKNOWN}, type:BackupStorageVO]",
        ),
        (
            lambda zs, img: export(zs, CEPH_BS, UNKNOWN, exportFormat="x"),
            "SYS.1003",
            f"invalid field[imageUuid], resource[uuid:{UNKNOWN}, type:ImageVO] not found",
        ),
        (
            lambda zs, img: export(zs, CEPH_BS, img, exportFormat="vmdk"),
            "SYS.1007",
            f"valid value for field[exportFormat] of message[{V}] are [raw, qcow2], but vmdk found",
        ),
        (
            lambda zs, img: bs_action(zs, CEPH_BS, {"exportImageFromBackupStorage": {}}),
            "SYS.1007",
            f"field[imageUuid] of message[{V}] is mandatory, can not be null",
        ),
        (
            lambda zs, img: delete_export(zs, CEPH_BS, UNKNOWN),
            "SYS.1003",
            f"invalid field[imageUuid], resource[uuid:{UNKNOWN}, type:ImageVO] not found",
        ),
    ],
)
def test_export_image__refusals(zs: ZStack, send: Any, code: str, details: str) -> None:
    image = zs.ready_image()  # on the Sftp backup storage
    error = zs.job_error(send(zs, image["uuid"]))
    assert error["code"] == code and error["details"].startswith(details), error


def test_export_image__not_on_this_ceph_backup_storage_is_sys_1006(zs: ZStack) -> None:
    image = zs.ready_image()  # Sftp only
    error = zs.job_error(export(zs, CEPH_BS, image["uuid"]))
    assert error["code"] == "SYS.1006"
    assert error["details"] == (
        f"image[uuid: {image['uuid']}] is not on backup storage[uuid:{CEPH_BS}, name:ceph-bs-1]"
    )


def test_export__survives_a_restart(make_app, spec, tmp_path: Path) -> None:
    state = tmp_path / "mock.db"
    zs = ZStack(make_app(spec, state_file=state).test_client())
    image = zs.ready_image(backupStorageUuids=[CEPH_BS])
    url = zs.poll(export(zs, CEPH_BS, image["uuid"])).json["imageUrl"]
    zs.poll(bs_action(zs, CONNECTED_BS, {"updateBackupStorage": {"name": "renamed"}}))
    again = ZStack(make_app(spec, state_file=state).test_client())
    again.session = zs.session
    assert again.query_image(image["uuid"])[0]["backupStorageRefs"][0]["exportUrl"] == url
    bs = again.client.get(f"/zstack/v1/backup-storage/{CONNECTED_BS}", headers=again.auth)
    assert bs.json["inventories"][0]["name"] == "renamed"


def test_change_backup_storage_state__every_event_from_every_state(zs: ZStack) -> None:
    for event, state in (("disable", "Disabled"), ("disable", "Disabled"), ("enable", "Enabled")):
        body = {"changeBackupStorageState": {"stateEvent": f" {event} "}}  # trimmed first
        accepted = bs_action(zs, CONNECTED_BS, body)
        assert accepted.json["apiTimeout"] == 1800000
        inventory = zs.poll(accepted).json["inventory"]
        assert inventory["state"] == state and inventory["hostname"] == "192.168.1.20"


def test_backup_storage_actions__ceph_event_has_the_base_inventory(zs: ZStack) -> None:
    inventory = zs.poll(bs_action(zs, CEPH_BS, {"reconnectBackupStorage": {}})).json["inventory"]
    assert inventory["type"] == "Ceph" and inventory["status"] == "Connected"


def test_reconnect_backup_storage__connects_a_disconnected_one(zs: ZStack) -> None:
    body: dict[str, Any] = {"reconnectBackupStorage": {}}
    assert zs.poll(bs_action(zs, DISCONNECTED_BS, body)).json["inventory"]["status"] == "Connected"


def test_update_backup_storage__only_given_fields_change(zs: ZStack) -> None:
    body = {"updateBackupStorage": {"description": "d", "uuid": UNKNOWN}}  # the URL's uuid wins
    inventory = zs.poll(bs_action(zs, CEPH_BS, body)).json["inventory"]
    assert (inventory["name"], inventory["description"]) == ("ceph-bs-1", "d")


@pytest.mark.parametrize(
    ("bs", "body", "code", "details"),
    [
        (
            UNKNOWN,
            {"changeBackupStorageState": {"stateEvent": "off"}},
            "SYS.1007",
            f"valid value for field[stateEvent] of message[{V}] are [enable, disable], but off found",
        ),
        (
            CEPH_BS,
            {"changeBackupStorageState": {}},
            "SYS.1007",
            f"field[stateEvent] of message[{V}] is mandatory, can not be null",
        ),
        (
            UNKNOWN,
            {"reconnectBackupStorage": {}},
            "SYS.1003",
            f"invalid field[uuid], resource[uuid:{UNKNOWN}, type:BackupStorageVO] not found",
        ),
        (
            CEPH_BS,
            {"updateBackupStorage": {"name": "x" * 256}},
            "SYS.1007",
            f"field[name] of message[{V}] exceeds max length of string. expected was <= 255, "
            "actual was 256",
        ),
    ],
)
def test_backup_storage_actions__refusals(
    zs: ZStack, bs: str, body: Any, code: str, details: str
) -> None:
    error = zs.job_error(bs_action(zs, bs, body))
    assert (error["code"], error["details"]) == (code, details)


def test_backup_storage_actions__no_action_key_is_400(zs: ZStack) -> None:
    rsp = bs_action(zs, CEPH_BS, {"reconnect": {}})
    assert rsp.status_code == 400
    assert rsp.text == (
        f"the body doesn't contain action mapping to the URL[/v1/backup-storage/{CEPH_BS}/actions]"
    )


@pytest.mark.parametrize(
    ("path", "code", "details"),
    [
        (
            "/images/candidate-backup-storage",
            "SYS.1007",
            "either volumeUuid or volumeSnapshotUuid must be set",
        ),
        (
            f"/images/candidate-backup-storage?volumeSnapshotUuid={UNKNOWN}",
            "SYS.1003",
            f"invalid field[volumeSnapshotUuid], resource[uuid:{UNKNOWN}, type:VolumeSnapshotVO] not found",
        ),
        (
            f"/images/volumes/{UNKNOWN}/candidate-backup-storage",
            "SYS.1003",
            f"invalid field[volumeUuid], resource[uuid:{UNKNOWN}, type:VolumeVO] not found",
        ),
    ],
)
def test_get_candidate__errors(zs: ZStack, path: str, code: str, details: str) -> None:
    rsp = zs.client.get(f"/zstack/v1{path}", headers=zs.auth)
    assert rsp.status_code == 503
    assert (rsp.json["error"]["code"], rsp.json["error"]["details"]) == (code, details)


def test_new_apis__fault_rules_and_journal_use_the_api_name(zs: ZStack) -> None:
    rule = {
        "operation": "ChangeBackupStorageState",
        "action": "fail_job",
        "code": "SYS.1006",
        "details": "agent down",
    }
    assert zs.client.post("/_mock/faults", json=rule).status_code == 201
    body = {"changeBackupStorageState": {"stateEvent": "disable"}}
    assert zs.job_error(bs_action(zs, CEPH_BS, body))["details"] == "agent down"
    rsp = zs.client.get("/zstack/v1/images/candidate-backup-storage", headers=zs.auth)
    assert rsp.status_code == 503
    apis = {e["api"] for e in zs.client.get("/_mock/journal").json["entries"]}
    assert {"ChangeBackupStorageState", "GetCandidateBackupStorageForCreatingImage"} <= apis
