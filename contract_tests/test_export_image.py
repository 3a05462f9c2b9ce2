"""ExportImageFromBackupStorage and DeleteExportedImageFromBackupStorage (issue 11).

Safe on a real system: only images of this run are exported, each export is recorded before the
request and deleted again in cleanup; the refusals change nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

from contract_tests import backup_storage_checks as bs_checks
from contract_tests import checks, messages
from contract_tests.model import VALIDATOR
from contract_tests.session import ZStackSession
from zstack_spec.i18n import Text

EXPORT_MSG = "org.zstack.header.storage.backup.APIExportImageFromBackupStorageMsg"
DELETE_MSG = "org.zstack.header.storage.backup.APIDeleteExportedImageFromBackupStorageMsg"
UNKNOWN = "7d0f1e2a3b4c4d5e8f6a7b8c9d0e1f2b"


def bs_type(zstack: ZStackSession, uuid: str) -> str | None:
    return next((b.get("type") for b in zstack.backup_storages if b["uuid"] == uuid), None)


def on_ceph_or_skip(zstack: ZStackSession) -> tuple[str, dict[str, Any]]:
    """A new image on the suite's backup storage, which must be a Ceph one (the only exporter)."""
    bs = zstack.backup_storage_uuid
    if bs_type(zstack, bs) != "Ceph":
        pytest.skip("only Ceph backup storage exports images (CephBackupStorageBase L1667-1668)")
    image: dict[str, Any] = zstack.ready_image()
    return bs, image


def ref_on(image: dict[str, Any], bs: str) -> dict[str, Any]:
    ref: dict[str, Any] = next(
        r for r in image["backupStorageRefs"] if r["backupStorageUuid"] == bs
    )
    return ref


def test_export_image__url_md5_and_the_ref(zstack: ZStackSession) -> None:
    bs, image = on_ceph_or_skip(zstack)
    run = zstack.export_image(bs, image["uuid"])
    timeout = zstack.contract.api_timeout("ExportImageFromBackupStorage")
    zstack.check(checks.job_accepted_conformance, run.accepted, timeout)
    body = zstack.check(bs_checks.export_result_conformance, run, zstack.contract)
    zstack.check(
        bs_checks.export_url_conformance, body["imageUrl"], image, ref_on(image, bs), run.result
    )
    after = zstack.client.find_image(image["uuid"])
    zstack.check(
        bs_checks.export_ref_conformance,
        after,
        bs,
        body["imageUrl"],
        body["exportMd5Sum"],
        run.result,
    )


def test_export_image__again_returns_the_stored_url(zstack: ZStackSession) -> None:
    bs, image = on_ceph_or_skip(zstack)
    first = zstack.check(
        bs_checks.export_result_conformance, zstack.export_image(bs, image["uuid"]), zstack.contract
    )
    run = zstack.export_image(bs, image["uuid"], exportFormat="raw")
    zstack.check(bs_checks.export_result_conformance, run, zstack.contract, first["imageUrl"])


def test_delete_exported_image__clears_only_the_url(zstack: ZStackSession) -> None:
    bs, image = on_ceph_or_skip(zstack)
    export = zstack.check(
        bs_checks.export_result_conformance, zstack.export_image(bs, image["uuid"]), zstack.contract
    )
    run = zstack.client.delete_exported_image(bs, image["uuid"])
    zstack.check(
        checks.job_accepted_conformance,
        run.accepted,
        zstack.contract.api_timeout("DeleteExportedImageFromBackupStorage"),
    )
    zstack.check(checks.empty_result_conformance, run.result)
    after = zstack.client.find_image(image["uuid"])
    # CephBackupStorageBase L1708-1711 sets exportUrl to NULL and leaves exportMd5Sum
    zstack.check(
        bs_checks.export_ref_conformance, after, bs, None, export["exportMd5Sum"], run.result
    )


def test_delete_exported_image__not_exported_succeeds(zstack: ZStackSession) -> None:
    bs, image = on_ceph_or_skip(zstack)
    run = zstack.client.delete_exported_image(bs, image["uuid"])
    zstack.check(checks.empty_result_conformance, run.result)


def test_export_image__a_deleted_image_is_exported(zstack: ZStackSession) -> None:
    bs, _ = on_ceph_or_skip(zstack)
    image = zstack.deleted_image()
    if zstack.client.find_image(image["uuid"]) is None:
        pytest.skip("the target's deletion policy is Direct: deleted images are gone at once")
    run = zstack.export_image(bs, image["uuid"])
    zstack.check(bs_checks.export_result_conformance, run, zstack.contract)


def test_export_image__on_another_ceph_backup_storage_is_sys_1006(zstack: ZStackSession) -> None:
    bs, image = on_ceph_or_skip(zstack)
    other = next(
        (b for b in zstack.backup_storages if b.get("type") == "Ceph" and b["uuid"] != bs), None
    )
    if other is None:
        pytest.skip("the target has a single Ceph backup storage")
    run = zstack.export_image(other["uuid"], image["uuid"])
    zstack.check(
        checks.error_code_conformance,
        run.result,
        zstack.contract,
        "SYS.1006",
        Text.of(
            "image[uuid: %s] is not on backup storage[uuid:%s, name:%s]",
            image["uuid"],
            other["uuid"],
            other["name"],
        ),
    )


@pytest.mark.parametrize(("api", "message_class"), [("export", EXPORT_MSG), ("delete", DELETE_MSG)])
def test_export_image__not_served_by_sftp_is_sys_1008(
    zstack: ZStackSession, api: str, message_class: str
) -> None:
    sftp = next(
        (b["uuid"] for b in zstack.backup_storages if b.get("type") == "SftpBackupStorage"), None
    )
    if sftp is None:
        pytest.skip("the target has no Sftp backup storage")
    image = zstack.ready_image()
    if api == "export":
        run = zstack.export_image(sftp, image["uuid"])
    else:
        run = zstack.client.delete_exported_image(sftp, image["uuid"])
    # BackupStorageBase.handleApiMessage L463-490 has no case: CloudBusImpl3 L869-889
    zstack.check(
        checks.error_code_conformance,
        run.result,
        zstack.contract,
        "SYS.1008",
        contains=f"No service deals with message: {message_class} ",
    )


def test_export_image__unknown_backup_storage_is_sys_1003(zstack: ZStackSession) -> None:
    image = zstack.ready_image()
    run = zstack.export_image(UNKNOWN, image["uuid"], exportFormat="vmdk")
    # backupStorageUuid is checked before imageUuid and exportFormat (HashMap order)
    zstack.check(
        checks.error_code_conformance,
        run.result,
        zstack.contract,
        "SYS.1003",
        Text.of(messages.INVALID_FIELD, "backupStorageUuid", UNKNOWN, "BackupStorageVO"),
    )


def test_export_image__unknown_image_is_sys_1003(zstack: ZStackSession) -> None:
    run = zstack.export_image(zstack.backup_storage_uuid, UNKNOWN, exportFormat="vmdk")
    # imageUuid is checked before exportFormat
    zstack.check(
        checks.error_code_conformance,
        run.result,
        zstack.contract,
        "SYS.1003",
        Text.of(messages.INVALID_FIELD, "imageUuid", UNKNOWN, "ImageVO"),
    )


def test_export_image__image_uuid_is_mandatory(zstack: ZStackSession) -> None:
    run = zstack.client.backup_storage_action(
        zstack.backup_storage_uuid, "exportImageFromBackupStorage", {"exportFormat": "qcow2"}
    )
    zstack.check(
        checks.error_code_conformance,
        run.result,
        zstack.contract,
        "SYS.1007",
        Text.of(messages.MANDATORY, "imageUuid", VALIDATOR),
    )


def test_export_image__export_format_valid_values(zstack: ZStackSession) -> None:
    image = zstack.ready_image()
    run = zstack.export_image(zstack.backup_storage_uuid, image["uuid"], exportFormat="vmdk")
    zstack.check(
        checks.error_code_conformance,
        run.result,
        zstack.contract,
        "SYS.1007",
        Text.of(messages.VALID_VALUES, "exportFormat", VALIDATOR, "[raw, qcow2]", "vmdk"),
    )


@pytest.mark.parametrize(
    ("bs_unknown", "field", "vo"),
    [(True, "backupStorageUuid", "BackupStorageVO"), (False, "imageUuid", "ImageVO")],
)
def test_delete_exported_image__unknown_uuid_is_sys_1003(
    zstack: ZStackSession, bs_unknown: bool, field: str, vo: str
) -> None:
    bs = UNKNOWN if bs_unknown else zstack.backup_storage_uuid
    run = zstack.client.delete_exported_image(bs, UNKNOWN)
    zstack.check(
        checks.error_code_conformance,
        run.result,
        zstack.contract,
        "SYS.1003",
        Text.of(messages.INVALID_FIELD, field, UNKNOWN, vo),
    )
