"""SyncImageSize, CalculateImageHash and QuerySystemTag.

SyncImageSize: header/.../image/APISyncImageSizeMsg.java, ImageBase.syncImageSize L234-282.
CalculateImageHash: APICalculateImageHashMsg.java, ImageBase L159-185 and L708-725. An image with
an md5Sum succeeds at once without asking any backup storage; without one, the backup storage is
asked, and an SftpBackupStorage never replies (SftpBackupStorage.java L692-696: the job would hang
for the message timeout). So the suite sends CalculateImageHash only for an image whose md5Sum it
has seen set, and never lets it reach an SftpBackupStorage.
QuerySystemTag: header/.../tag/APIQuerySystemTagMsg.java (GET /v1/system-tags).
"""

from __future__ import annotations

from typing import Any

import pytest

from contract_tests import action_checks, checks, messages
from contract_tests.session import ZStackSession
from zstack_spec.i18n import Text
from zstack_spec.json_types import JSON

V = "org.zstack.header.message.ApiMessageParamValidator"
UNKNOWN = "7d0f1e2a3b4c4d5e8f6a7b8c9d0e1f3c"
UNKNOWN_BS = "7d0f1e2a3b4c4d5e8f6a7b8c9d0e1f3d"


def hash_of(zstack: ZStackSession, uuid: str, **inner: JSON) -> Any:
    return zstack.client.image_action(uuid, "calculateImageHash", inner)


def image_with_md5(zstack: ZStackSession) -> JSON:
    """A new image whose md5Sum is set (so CalculateImageHash never reaches a backup storage)."""
    image = zstack.ready_image()
    if not image.get("md5Sum"):
        pytest.skip(
            "the target's AddImage leaves md5Sum unset: CalculateImageHash would ask the "
            "backup storage, which an SftpBackupStorage never answers"
        )
    return image


# -- SyncImageSize ---------------------------------------------------------------------------


@pytest.mark.parametrize("inner", [{}, None])
def test_sync_image_size__refreshes_only_the_sizes(zstack: ZStackSession, inner: JSON) -> None:
    before = zstack.ready_image()
    # the key must be there; its value may be {} or null (an empty message)
    run = zstack.client.image_action(before["uuid"], "syncImageSize", inner)
    zstack.check(checks.job_accepted_conformance, run.accepted, 1800000)
    after = zstack.check(checks.job_success_conformance, run)["inventory"]
    zstack.check(checks.image_inventory_conformance, after, run.result, zstack.contract)
    # ImageBase L271-273: only size and actualSize are written
    zstack.check(
        action_checks.image_change_conformance,
        before,
        after,
        {},
        run.result,
        frozenset({"size", "actualSize"}),
    )


def test_sync_image_size__unknown_image_is_sys_1003(zstack: ZStackSession) -> None:
    run = zstack.client.image_action(UNKNOWN, "syncImageSize", {})
    zstack.check(action_checks.unknown_image_conformance, run.result, zstack.contract, UNKNOWN)


def test_sync_image_size__a_deleted_image_is_synced(zstack: ZStackSession) -> None:
    image = before = zstack.kept_deleted_image()
    run = zstack.client.image_action(image["uuid"], "syncImageSize", {})
    after = zstack.check(checks.job_success_conformance, run)["inventory"]
    zstack.check(
        action_checks.image_change_conformance,
        before,
        after,
        {},
        run.result,
        frozenset({"size", "actualSize"}),
    )


# -- CalculateImageHash ----------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", [None, "MD5", "no-such-algorithm"])
def test_calculate_image_hash__an_image_with_md5_succeeds_at_once(
    zstack: ZStackSession, algorithm: str | None
) -> None:
    before = image_with_md5(zstack)
    inner = {"backupStorageUuid": before["backupStorageRefs"][0]["backupStorageUuid"]}
    if algorithm is not None:
        inner["algorithm"] = algorithm  # never checked (no validValues, never read on this path)
    run = hash_of(zstack, before["uuid"], **inner)
    zstack.check(checks.job_accepted_conformance, run.accepted, 1800000)
    after = zstack.check(checks.job_success_conformance, run)["inventory"]
    zstack.check(checks.image_inventory_conformance, after, run.result, zstack.contract)
    zstack.check(action_checks.image_change_conformance, before, after, {}, run.result)


def test_calculate_image_hash__backup_storage_not_holding_the_image(zstack: ZStackSession) -> None:
    before = image_with_md5(zstack)
    held = {r["backupStorageUuid"] for r in before["backupStorageRefs"]}
    other = sorted({b["uuid"] for b in zstack.backup_storages} - held)
    if not other:
        pytest.skip("the target has a single backup storage")
    # L161-164: with md5Sum set the backup storage is not even compared with the refs
    run = hash_of(zstack, before["uuid"], backupStorageUuid=other[0])
    after = zstack.check(checks.job_success_conformance, run)["inventory"]
    zstack.check(action_checks.image_change_conformance, before, after, {}, run.result)


@pytest.mark.parametrize(
    ("image", "bs", "code", "text"),
    [
        (
            UNKNOWN,
            UNKNOWN_BS,
            "SYS.1003",
            Text.of(messages.INVALID_FIELD, "uuid", UNKNOWN, "ImageVO"),
        ),
        (
            "own",
            UNKNOWN_BS,
            "SYS.1003",
            Text.of(messages.INVALID_FIELD, "backupStorageUuid", UNKNOWN_BS, "BackupStorageVO"),
        ),
        (
            "own",
            None,
            "SYS.1007",
            Text.of(
                "field[%s] of message[%s] is mandatory, can not be null", "backupStorageUuid", V
            ),
        ),
        (UNKNOWN, None, "SYS.1003", Text.of(messages.INVALID_FIELD, "uuid", UNKNOWN, "ImageVO")),
    ],
)
def test_calculate_image_hash__parameter_rules(
    zstack: ZStackSession, image: str, bs: str | None, code: str, text: Text
) -> None:
    # order: systemTags, userTags, uuid, backupStorageUuid, algorithm; none of these reaches a BS
    target = zstack.ready_image()["uuid"] if image == "own" else image
    run = hash_of(zstack, target, **({} if bs is None else {"backupStorageUuid": bs}))
    zstack.check(checks.error_code_conformance, run.result, zstack.contract, code, text)


# -- QuerySystemTag --------------------------------------------------------------------------


def test_query_system_tag__by_resource_and_by_uuid(zstack: ZStackSession) -> None:
    image = zstack.ready_image()
    run = zstack.client.image_action(image["uuid"], "setImageBootMode", {"bootMode": "UEFI"})
    zstack.check(checks.empty_result_conformance, run.result)
    ex = zstack.client.system_tags_of(image["uuid"])
    tags = zstack.check(checks.query_reply_conformance, ex, zstack.contract, "SystemTagInventory")
    tag = zstack.check(action_checks.boot_mode_tag_conformance, tags, image["uuid"], "UEFI", ex)
    ex = zstack.client.query(f"/v1/system-tags/{tag['uuid']}")
    found = zstack.check(checks.query_reply_conformance, ex, zstack.contract, "SystemTagInventory")
    zstack.check(action_checks.boot_mode_tag_conformance, found, image["uuid"], "UEFI", ex, tag)


def test_query_system_tag__unknown_resource_is_empty(zstack: ZStackSession) -> None:
    ex = zstack.client.system_tags_of(UNKNOWN)
    found = zstack.check(checks.query_reply_conformance, ex, zstack.contract, "SystemTagInventory")
    # QueryFacadeImpl: `resourceUuid = '<uuid>'` (SQLConditionBuilder L128), no match: []
    zstack.check(action_checks.no_boot_mode_tag_conformance, found, UNKNOWN, ex)
    if found:
        raise checks.ContractViolation("query_reply_conformance", "no tag names the uuid", ex)
