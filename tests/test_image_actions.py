"""The image actions of issue 11 in the mock: UpdateImage, ChangeImageState, SetImageBootMode,
SyncImageSize, CalculateImageHash, QuerySystemTag and the tag conditions (docs/zstack-protocol.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mock_server.state.ids import ManualClock
from mock_server.state.system_tags import name_uuid
from tests.conftest import CEPH_BS, CONNECTED_BS, DISCONNECTED_BS, ZStack

UNKNOWN = "0f1e2d3c4b5a46978a8b9c0d1e2f3a4c"
V = "org.zstack.header.message.ApiMessageParamValidator"


def done(zs: ZStack, uuid: str, key: str, inner: Any) -> Any:
    rsp = zs.poll(zs.action(uuid, {key: inner}))
    assert rsp.status_code == 200, rsp.data
    return rsp.json


def tags_of(zs: ZStack, uuid: str) -> list[dict[str, Any]]:
    rsp = zs.client.get(f"/zstack/v1/system-tags?q=resourceUuid={uuid}", headers=zs.auth)
    assert rsp.status_code == 200, rsp.data
    inventories: list[dict[str, Any]] = rsp.json["inventories"]
    # JsonSchemaBuilder names the class of each element (RestServer L1219-1231)
    assert set(rsp.json["schema"].values()) <= {"org.zstack.header.tag.SystemTagInventory"}
    return inventories


def test_update_image__sets_fields_as_sent_and_the_boot_mode(zs: ZStack) -> None:
    image = zs.ready_image()
    sent = {
        "name": " renamed ",
        "platform": "Paravirtualization",
        "format": "iso",
        "mediaType": "DataVolumeTemplate",
        "system": "TRUE",
        "architecture": "aarch64",
    }
    inv = done(zs, image["uuid"], "updateImage", sent)["inventory"]
    # trimmed, no platform mapping, no cross-field check, Boolean.parseBoolean (ImageBase L870-926)
    assert {k: inv[k] for k in ("name", "platform", "format", "mediaType", "system")} == {
        "name": "renamed",
        "platform": "Paravirtualization",
        "format": "iso",
        "mediaType": "DataVolumeTemplate",
        "system": True,
    }
    [tag] = tags_of(zs, image["uuid"])
    assert tag["tag"] == "bootMode::UEFI"
    done(zs, image["uuid"], "updateImage", {"architecture": "x86_64"})  # a system image: Legacy
    assert [t["tag"] for t in tags_of(zs, image["uuid"])] == ["bootMode::Legacy"]


def test_update_image__param_order_and_type_verifier(zs: ZStack) -> None:
    image = zs.ready_image()
    # name (bucket 8) before uuid (13) before platform (14)
    error = zs.job_error(zs.action(UNKNOWN, {"updateImage": {"name": "n" * 256, "platform": "x"}}))
    assert error["details"] == (
        f"field[name] of message[{V}] exceeds max length of string. expected was <= 255, "
        "actual was 256"
    )
    error = zs.job_error(zs.action(UNKNOWN, {"updateImage": {"platform": "x"}}))
    assert (
        error["details"] == f"invalid field[uuid], resource[uuid:{UNKNOWN}, type:ImageVO] not found"
    )
    rsp = zs.action(image["uuid"], {"updateImage": {"virtio": "no"}})
    assert (rsp.status_code, rsp.mimetype) == (400, "text/plain")


def test_change_image_state__no_transition_table(zs: ZStack) -> None:
    image = zs.ready_image()
    zs.poll(zs.delete_image(image["uuid"]))  # Deleted images change state too
    for event, state in [("disable", "Disabled"), ("disable", "Disabled"), ("enable", "Enabled")]:
        assert (
            done(zs, image["uuid"], "changeImageState", {"stateEvent": event})["inventory"]["state"]
            == state
        )
    error = zs.job_error(zs.action(UNKNOWN, {"changeImageState": {"stateEvent": "off"}}))
    assert error["details"] == (
        f"valid value for field[stateEvent] of message[{V}] are [enable, disable], but off found"
    )


def test_query_image__state_and_system_tag_conditions(zs: ZStack) -> None:
    a, b = zs.ready_image(), zs.ready_image(systemTags=["bootMode::UEFI"])
    done(zs, a["uuid"], "changeImageState", {"stateEvent": "disable"})

    def found(cond: str) -> set[str]:
        rsp = zs.client.get(f"/zstack/v1/images?q={cond}", headers=zs.auth)
        assert rsp.status_code == 200, rsp.data
        assert all("__systemTag__" not in i for i in rsp.json["inventories"])
        return {i["uuid"] for i in rsp.json["inventories"]} & {a["uuid"], b["uuid"]}

    assert found("state=Disabled") == {a["uuid"]}
    assert found("__systemTag__=bootMode::UEFI") == {b["uuid"]}
    assert found("__systemTag__~=bootMode::%25") == {b["uuid"]}
    assert found("__systemTag__!=bootMode::UEFI") == {a["uuid"]}
    assert found("__systemTag__?=bootMode::Legacy,bootMode::UEFI") == {b["uuid"]}
    assert found("__systemTag__ not null") == {b["uuid"]}
    assert found("__systemTag__ is null") == set()


def test_set_image_boot_mode__tag_kept_or_replaced(zs: ZStack, clock: ManualClock) -> None:
    image = zs.ready_image(systemTags=["bootMode::uefi"])
    [added] = tags_of(zs, image["uuid"])
    assert added["uuid"] != name_uuid(image["uuid"], "bootMode::uefi")  # a random one
    assert done(zs, image["uuid"], "setImageBootMode", {"bootMode": "UEFI"}) == {}
    [uefi] = tags_of(zs, image["uuid"])  # `bootMode::uefi` is not equal: replaced
    assert uefi["tag"] == "bootMode::UEFI"
    assert uefi["uuid"] == name_uuid(image["uuid"], "bootMode::UEFI")
    assert uefi["lastOpDate"] == uefi["createDate"] and uefi["inherent"] is False
    assert list(uefi) == [
        "inherent",
        "uuid",
        "resourceUuid",
        "resourceType",
        "tag",
        "type",
        "createDate",
        "lastOpDate",
    ]
    clock.advance(60)
    done(zs, image["uuid"], "setImageBootMode", {"bootMode": "UEFI"})
    assert tags_of(zs, image["uuid"]) == [uefi]  # quickRecreate: kept, same createDate
    rsp = zs.client.get(f"/zstack/v1/system-tags/{uefi['uuid']}", headers=zs.auth)
    assert rsp.json["inventories"] == [uefi]


def test_set_image_boot_mode__aarch64_legacy_refused_after_the_checks(zs: ZStack) -> None:
    image = zs.ready_image(architecture="aarch64")
    error = zs.job_error(zs.action(image["uuid"], {"setImageBootMode": {"bootMode": "Legacy"}}))
    assert (error["code"], error["details"]) == (
        "SYS.1007",
        "The aarch64 architecture does not support legacy.",
    )
    # uuid is checked before bootMode; the interceptor only after both
    error = zs.job_error(zs.action(UNKNOWN, {"setImageBootMode": {"bootMode": "BIOS"}}))
    assert error["code"] == "SYS.1003"


def test_sync_image_size__needs_a_connected_backup_storage(zs: ZStack, app) -> None:
    image = zs.ready_image(backupStorageUuids=[CONNECTED_BS, CEPH_BS])
    inv = done(zs, image["uuid"], "syncImageSize", None)["inventory"]
    assert (inv["size"], inv["actualSize"]) == (image["size"], image["actualSize"])
    store = app.extensions["zstack"].store
    for bs in (CONNECTED_BS, CEPH_BS):
        store.backup_storages[bs].status = store.backup_storages[DISCONNECTED_BS].status
    error = zs.job_error(zs.action(image["uuid"], {"syncImageSize": {}}))
    assert (error["code"], error["details"]) == (
        "SYS.1006",
        (f"No connected backup storage found for image[uuid:{image['uuid']}, name:TinyLinux]"),
    )


@pytest.mark.parametrize(("bs", "code"), [(CEPH_BS, "SYS.1006"), (CONNECTED_BS, "SYS.1001")])
def test_calculate_image_hash__without_md5_per_backup_storage_type(
    make_app, spec, bs: str, code: str
) -> None:
    clock = ManualClock()
    zs = ZStack(make_app(spec, job_delay=60.0, clock=clock).test_client())
    accepted = zs.add_image(backupStorageUuids=[bs])
    uuid = zs.client.get("/_mock/jobs").json["jobs"][-1]["image"]
    hashing = zs.action(uuid, {"calculateImageHash": {"backupStorageUuid": bs}})  # Downloading
    clock.advance(61)
    assert zs.poll(accepted).status_code == 200
    assert zs.poll(hashing).status_code == (503 if code == "SYS.1006" else 202)
    clock.advance(1800)  # SftpBackupStorage never replies: the message times out
    error = zs.poll(hashing).json["error"]
    assert error["code"] == code
    if code == "SYS.1001":
        assert error["details"].startswith(
            "Message[name: org.zstack.header.image.CalculateImageHashMsg, id: "
        ) and error["details"].endswith("] timeout after 1800 seconds")


def test_calculate_image_hash__md5_set_asks_no_backup_storage(zs: ZStack) -> None:
    image = zs.ready_image()
    inv = done(zs, image["uuid"], "calculateImageHash", {"backupStorageUuid": CEPH_BS})
    assert inv["inventory"]["md5Sum"] == image["md5Sum"]


def test_image_actions__state_persists(make_app, spec, tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    zs = ZStack(make_app(spec, state_file=state).test_client())
    image = zs.ready_image()
    done(zs, image["uuid"], "updateImage", {"name": "kept", "architecture": "aarch64"})
    done(zs, image["uuid"], "changeImageState", {"stateEvent": "disable"})
    tags = tags_of(zs, image["uuid"])
    again = ZStack(make_app(spec, state_file=state).test_client())
    [inv] = again.query_image(image["uuid"])
    assert (inv["name"], inv["state"], inv["architecture"]) == ("kept", "Disabled", "aarch64")
    assert tags_of(again, image["uuid"]) == tags


def test_image_actions__journal_and_fault_rules_name_the_api(zs: ZStack) -> None:
    image = zs.ready_image()
    rule = {
        "operation": "UpdateImage",
        "action": "fail_job",
        "code": "SYS.1006",
        "details": "injected",
    }
    assert zs.client.post("/_mock/faults", json=rule).status_code == 201
    error = zs.job_error(zs.action(image["uuid"], {"updateImage": {"name": "x"}}))
    assert error["details"] == "injected"
    entries = zs.client.get("/_mock/journal?api=UpdateImage").json["entries"]
    assert [e["api"] for e in entries] == ["UpdateImage"]
