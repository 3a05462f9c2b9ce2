"""DeleteImage, ExpungeImage and RecoverImage under each deletion policy (docs/zstack-protocol.md)."""

from __future__ import annotations

import pytest

from tests.conftest import CEPH_BS, CONNECTED_BS, DISCONNECTED_BS, ZStack, make_app

UNKNOWN_UUID = "0f1e2d3c4b5a46978a8b9c0d1e2f3a4b"


def two_ref_image(zs: ZStack) -> dict:
    return zs.ready_image(backupStorageUuids=[CONNECTED_BS, CEPH_BS])


def test_delete_image__delay_keeps_image_queryable_as_deleted(zs: ZStack) -> None:
    image = zs.ready_image()
    assert zs.poll(zs.delete_image(image["uuid"])).json == {}
    [after] = zs.query_image(image["uuid"])
    assert after["status"] == "Deleted"
    assert [r["status"] for r in after["backupStorageRefs"]] == ["Deleted"]


def test_expunge_image__removes_image_after_last_ref(zs: ZStack) -> None:
    image = zs.ready_image()
    zs.poll(zs.delete_image(image["uuid"]))
    assert zs.poll(zs.expunge_image(image["uuid"])).json == {}
    assert zs.query_image(image["uuid"]) == []


def test_delete_image__backup_storage_subset(zs: ZStack) -> None:
    image = two_ref_image(zs)
    zs.poll(zs.delete_image(image["uuid"], f"?backupStorageUuids={CEPH_BS}"))
    [after] = zs.query_image(image["uuid"])
    assert after["status"] == "Ready"
    assert {r["backupStorageUuid"]: r["status"] for r in after["backupStorageRefs"]} == {
        CONNECTED_BS: "Ready",
        CEPH_BS: "Deleted",
    }


@pytest.mark.parametrize(
    "query",
    [
        f"?backupStorageUuids={CONNECTED_BS}&backupStorageUuids={CEPH_BS}",
        f"?backupStorageUuids.1={CEPH_BS}&backupStorageUuids.0={CONNECTED_BS}",
    ],
)
def test_delete_image__list_forms(zs: ZStack, query) -> None:
    image = two_ref_image(zs)
    zs.poll(zs.delete_image(image["uuid"], query))
    assert zs.query_image(image["uuid"])[0]["status"] == "Deleted"


def test_delete_image__comma_joined_value_is_one_unknown_element(zs: ZStack) -> None:
    image = two_ref_image(zs)
    error = zs.job_error(
        zs.delete_image(image["uuid"], f"?backupStorageUuids={CONNECTED_BS},{CEPH_BS}")
    )
    assert error["code"] == "SYS.1003"
    assert f"[{CONNECTED_BS},{CEPH_BS}]" in error["details"]


def test_delete_image__body_is_ignored(zs: ZStack) -> None:
    image = two_ref_image(zs)
    rsp = zs.client.delete(
        f"/zstack/v1/images/{image['uuid']}",
        json={"params": {"backupStorageUuids": [CEPH_BS], "deleteMode": "Bogus"}},
        headers=zs.auth,
    )
    assert zs.poll(rsp).status_code == 200
    assert zs.query_image(image["uuid"])[0]["status"] == "Deleted"


@pytest.mark.parametrize("mode", ["Permissive", "Enforcing"])
def test_delete_image__delete_modes(zs: ZStack, mode) -> None:
    image = zs.ready_image()
    assert zs.poll(zs.delete_image(image["uuid"], f"?deleteMode={mode}")).status_code == 200


def test_delete_image__bad_delete_mode_fails_with_internal_error(zs: ZStack) -> None:
    image = zs.ready_image()
    error = zs.job_error(zs.delete_image(image["uuid"], "?deleteMode=Soft"))
    assert (error["code"], error["details"]) == (
        "SYS.1000",
        "No enum constant org.zstack.header.message.APIDeleteMessage.DeletionMode.Soft",
    )


def test_delete_image__unknown_well_formed_uuid_succeeds_even_without_session(zs: ZStack) -> None:
    rsp = zs.client.delete(
        f"/zstack/v1/images/{UNKNOWN_UUID}?backupStorageUuids=bogus",
        headers={"Authorization": "OAuth invalid"},
    )
    assert zs.poll(rsp).json == {}


def test_delete_image__unknown_malformed_uuid_is_sys_1003(zs: ZStack) -> None:
    error = zs.job_error(zs.delete_image("not-a-uuid"))
    assert (error["code"], error["details"]) == (
        "SYS.1003",
        "invalid value[not-a-uuid] of field [uuid]",
    )


def test_delete_image__already_deleted_is_not_an_error(zs: ZStack) -> None:
    image = zs.ready_image()
    zs.poll(zs.delete_image(image["uuid"]))
    assert zs.poll(zs.delete_image(image["uuid"])).status_code == 200


def test_delete_image__while_downloading_hard_deletes_and_add_job_fails(spec) -> None:
    app = make_app(spec, job_delay=10)
    zs = ZStack(app.test_client())
    clock = app.extensions["zstack"].config.clock
    added = zs.add_image()
    uuid = zs.client.get("/zstack/v1/images", headers=zs.auth).json["inventories"][0]["uuid"]
    deleted = zs.delete_image(uuid)
    clock.advance(10)
    assert zs.poll(deleted).status_code == 200
    error = zs.job_error(added)
    assert (error["code"], error["details"]) == (
        "SYS.1006",
        f"image [uuid:{uuid}] has been deleted",
    )
    assert zs.query_image(uuid) == []


def test_delete_image__direct_policy_removes_image(spec) -> None:
    zs = ZStack(make_app(spec, deletion_policy="Direct").test_client())
    image = zs.ready_image()
    zs.poll(zs.delete_image(image["uuid"]))
    assert zs.query_image(image["uuid"]) == []


def test_delete_image__direct_policy_subset_keeps_other_refs(spec) -> None:
    zs = ZStack(make_app(spec, deletion_policy="Direct").test_client())
    image = two_ref_image(zs)
    zs.poll(zs.delete_image(image["uuid"], f"?backupStorageUuids={CEPH_BS}"))
    [after] = zs.query_image(image["uuid"])
    assert [r["backupStorageUuid"] for r in after["backupStorageRefs"]] == [CONNECTED_BS]


@pytest.mark.parametrize(("policy", "gone"), [("Delay", True), ("Never", False)])
def test_deleted_images__expunged_after_period_unless_never(spec, policy, gone) -> None:
    app = make_app(spec, deletion_policy=policy, expunge_period=100)
    zs = ZStack(app.test_client())
    image = zs.ready_image()
    zs.poll(zs.delete_image(image["uuid"]))
    app.extensions["zstack"].config.clock.advance(101)
    zs.login()  # the session from before has not expired, but log in fresh all the same
    assert (zs.query_image(image["uuid"]) == []) is gone


def test_expunge_image__not_deleted_on_any_backup_storage(zs: ZStack) -> None:
    image = zs.ready_image()
    error = zs.job_error(zs.expunge_image(image["uuid"]))
    assert (error["code"], error["details"]) == (
        "SYS.1006",
        f"the image[uuid:{image['uuid']}, name:TinyLinux] is not deleted on any backup storage",
    )


def test_expunge_image__backup_storage_not_holding_image(zs: ZStack) -> None:
    image = zs.ready_image()
    zs.poll(zs.delete_image(image["uuid"]))
    error = zs.job_error(zs.expunge_image(image["uuid"], [CEPH_BS]))
    assert (error["code"], error["details"]) == (
        "SYS.1007",
        f"the image[uuid:{image['uuid']}, name:TinyLinux] is not on the backup storage[uuid:{CEPH_BS}]",
    )


def test_expunge_image__ref_not_deleted(zs: ZStack) -> None:
    image = two_ref_image(zs)
    zs.poll(zs.delete_image(image["uuid"], f"?backupStorageUuids={CEPH_BS}"))
    error = zs.job_error(zs.expunge_image(image["uuid"], [CONNECTED_BS]))
    assert (error["code"], error["details"]) == (
        "SYS.1007",
        f"the image[uuid:{image['uuid']}, name:TinyLinux] is not deleted on the backup storage[uuid:{CONNECTED_BS}]",
    )
    assert zs.poll(zs.expunge_image(image["uuid"], [CEPH_BS])).status_code == 200
    [after] = zs.query_image(image["uuid"])
    assert [r["backupStorageUuid"] for r in after["backupStorageRefs"]] == [CONNECTED_BS]


def test_expunge_image__unknown_image_and_backup_storage(zs: ZStack) -> None:
    error = zs.job_error(zs.expunge_image(UNKNOWN_UUID))
    assert error["details"] == (
        f"invalid field[imageUuid], resource[uuid:{UNKNOWN_UUID}, type:ImageVO] not found"
    )
    image = zs.ready_image()
    error = zs.job_error(zs.expunge_image(image["uuid"], ["nope"]))
    assert error["code"] == "SYS.1003"


def test_expunge_image__empty_list_is_sys_1007(zs: ZStack) -> None:
    image = zs.ready_image()
    error = zs.job_error(zs.expunge_image(image["uuid"], []))
    assert error["details"] == "field[backupStorageUuids] must be a nonempty list"


def test_recover_image__returns_image_to_ready(zs: ZStack) -> None:
    image = zs.ready_image()
    zs.poll(zs.delete_image(image["uuid"]))
    rsp = zs.poll(zs.recover_image(image["uuid"]))
    assert rsp.json["inventory"]["status"] == "Ready"
    assert [r["status"] for r in rsp.json["inventory"]["backupStorageRefs"]] == ["Ready"]


def test_recover_image__not_deleted(zs: ZStack) -> None:
    image = zs.ready_image()
    assert zs.job_error(zs.recover_image(image["uuid"]))["code"] == "SYS.1006"
    error = zs.job_error(zs.recover_image(image["uuid"], [CONNECTED_BS]))
    assert error["details"] == (
        f"the image[uuid:{image['uuid']}, name:TinyLinux]'s status[Ready] is not Deleted on the "
        f"backup storage[uuid:{CONNECTED_BS}]"
    )


def test_capacity__consumed_by_add_and_returned_by_expunge(zs: ZStack) -> None:
    def available() -> int:
        rsp = zs.client.get(f"/zstack/v1/backup-storage/{CONNECTED_BS}", headers=zs.auth)
        value: int = rsp.json["inventories"][0]["availableCapacity"]
        return value

    before = available()
    image = zs.ready_image()
    assert available() == before - image["actualSize"]
    zs.poll(zs.delete_image(image["uuid"]))
    zs.poll(zs.expunge_image(image["uuid"]))
    assert available() == before


def test_disconnected_backup_storage_never_gets_refs(zs: ZStack) -> None:
    image = zs.ready_image(backupStorageUuids=[DISCONNECTED_BS, CONNECTED_BS])
    assert DISCONNECTED_BS not in {r["backupStorageUuid"] for r in image["backupStorageRefs"]}


def test_delete_image__empty_delete_mode_fails_in_the_job(zs: ZStack) -> None:
    image = zs.ready_image()
    error = zs.job_error(zs.delete_image(image["uuid"], "?deleteMode="))
    # ImageBase.handle -> DeletionMode.valueOf(""), answered by bus.replyErrorByMessageType (inerr)
    assert (error["code"], error["details"]) == (
        "SYS.1000",
        "No enum constant org.zstack.header.message.APIDeleteMessage.DeletionMode.",
    )


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        # Api.queryParameterToApiFieldValue
        (
            "?deleteMode=Permissive&deleteMode=Enforcing",
            400,
            "Invalid query parameter[deleteMode], only one value is allowed for the parameter but multiple values found",
        ),
        # Api.mapQueryParameterToApiFieldValue: DebugUtils.Assert on a field without @MapField
        (
            "?backupStorageUuids.x=a",
            500,
            "class org.zstack.header.image.APIDeleteImageMsg::backupStorageUuids must be annotated by @MapField",
        ),
        (
            "?deleteMode.mode=a",
            500,
            "class org.zstack.header.image.APIDeleteImageMsg::deleteMode must be annotated by @MapField",
        ),
        # normalizeCollectionParameters: pairs[1] of "deleteMode." (Java 8's message is the index)
        ("?deleteMode.=a", 500, "1"),
    ],
)
def test_delete_image__query_string_rest_errors(zs: ZStack, query, status, message) -> None:
    rsp = zs.delete_image(UNKNOWN_UUID, query)
    assert (rsp.status_code, rsp.get_data(as_text=True)) == (status, message)


def test_delete_image__unknown_dotted_parameter_is_ignored(zs: ZStack) -> None:
    assert zs.poll(zs.delete_image(UNKNOWN_UUID, "?colour.x=a")).status_code == 200


def test_delete_image__indexed_form_replaces_the_plain_key(zs: ZStack) -> None:
    image = two_ref_image(zs)
    query = f"?backupStorageUuids={CONNECTED_BS}&backupStorageUuids.1={CEPH_BS}"
    zs.poll(zs.delete_image(image["uuid"], query))
    [after] = zs.query_image(image["uuid"])
    statuses = {r["backupStorageUuid"]: r["status"] for r in after["backupStorageRefs"]}
    assert statuses == {CONNECTED_BS: "Ready", CEPH_BS: "Deleted"}


def _refs(zs: ZStack, uuid: str) -> list[tuple[str, str]]:
    [image] = zs.query_image(uuid)
    return [(r["backupStorageUuid"], r["status"]) for r in image["backupStorageRefs"]]


def test_expunge_task__a_ready_images_deleted_ref_expires(spec) -> None:
    # ImageManagerImpl.startExpungeTask L951-960: every Deleted ref, whatever the image's status
    app = make_app(spec, expunge_period=100)
    zs = ZStack(app.test_client())
    image = two_ref_image(zs)
    zs.poll(zs.delete_image(image["uuid"], f"?backupStorageUuids={CEPH_BS}"))
    assert sorted(_refs(zs, image["uuid"])) == sorted(
        [(CONNECTED_BS, "Ready"), (CEPH_BS, "Deleted")]
    )
    clock = app.extensions["zstack"].config.clock
    clock.advance(99)
    zs.login()
    assert (CEPH_BS, "Deleted") in _refs(zs, image["uuid"])
    clock.advance(2)  # past the ref's lastOpDate + expungePeriod (L992)
    zs.login()
    assert _refs(zs, image["uuid"]) == [(CONNECTED_BS, "Ready")]
    assert zs.query_image(image["uuid"])[0]["status"] == "Ready"


def test_expunge_task__the_ref_a_partial_recover_left_deleted_expires(spec) -> None:
    app = make_app(spec, expunge_period=100)
    zs = ZStack(app.test_client())
    image = two_ref_image(zs)
    zs.poll(zs.delete_image(image["uuid"]))
    body = {"recoverImage": {"backupStorageUuids": [CONNECTED_BS]}}
    assert zs.poll(zs.action(image["uuid"], body)).status_code == 200
    app.extensions["zstack"].config.clock.advance(101)
    zs.login()
    assert _refs(zs, image["uuid"]) == [(CONNECTED_BS, "Ready")]
