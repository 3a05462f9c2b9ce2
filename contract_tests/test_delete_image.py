"""DeleteImage reads its parameters from the query string only (zstack-behaviour.md §6).

Each query form is observable with one usable backup storage plus any other existing backup
storage that holds no copy of the image, whatever its status: RestServer.handleApi (L911-935)
reads DELETE's parameters from the query string, normalizeCollectionParameters (L811-850) turns
`backupStorageUuids.0=` into a list, queryParameterToApiFieldValue (L529-549) keeps each value
whole (no comma split), and ImageBase.handle(ImageDeletionMsg) (L400-410) deletes only the refs the
list names, so naming storage without a copy is a no-op that leaves the image Ready (L515-533).
"""

from __future__ import annotations

from typing import Any

import pytest

from contract_tests import checks
from contract_tests.client import JobRun
from contract_tests.i18n import Text
from contract_tests.session import ZStackSession

UNKNOWN = "7d0f1e2a3b4c4d5e8f6a7b8c9d0e1f2a"
JSON = Any


@pytest.fixture
def storage_without_copy(zstack: ZStackSession) -> str:
    """An existing backup storage that the suite's images are not on (any status)."""
    others = sorted(
        b["uuid"] for b in zstack.backup_storages if b["uuid"] != zstack.backup_storage_uuid
    )
    if not others:
        pytest.skip(
            "the target has exactly one backup storage in all: DeleteImage's query forms "
            "(no-op on storage without a copy, indexed form, body ignored, a,b as one uuid) "
            "need a second"
        )
    uuid: str = others[0]
    return uuid


def _delete_and_compare(
    zstack: ZStackSession, image: JSON, named: set[str] | None, **request: Any
) -> JobRun:
    run = zstack.client.call("DELETE", f"/v1/images/{image['uuid']}", **request)
    zstack.check(checks.empty_result_conformance, run.result)
    after = zstack.client.find_image(image["uuid"])
    zstack.check(checks.delete_scope_conformance, image, after, named, run.result)
    return run


def test_delete_image__naming_only_storage_without_a_copy_is_a_no_op(
    zstack: ZStackSession, storage_without_copy: str
) -> None:
    image = zstack.ready_image()
    params = [("backupStorageUuids", storage_without_copy)]
    _delete_and_compare(zstack, image, {storage_without_copy}, params=params)


def test_delete_image__indexed_form_is_honoured(
    zstack: ZStackSession, storage_without_copy: str
) -> None:
    image = zstack.ready_image()
    params = [("backupStorageUuids.0", storage_without_copy)]
    _delete_and_compare(zstack, image, {storage_without_copy}, params=params)


def test_delete_image__body_naming_the_copy_is_ignored(
    zstack: ZStackSession, storage_without_copy: str
) -> None:
    """The query names storage without a copy (a no-op); a body naming the copy changes nothing."""
    image = zstack.ready_image()
    body = {"params": {"backupStorageUuids": [zstack.backup_storage_uuid]}}
    params = [("backupStorageUuids", storage_without_copy)]
    _delete_and_compare(zstack, image, {storage_without_copy}, params=params, body=body)


def test_delete_image__body_alone_is_ignored(
    zstack: ZStackSession, storage_without_copy: str
) -> None:
    """A body naming only storage without a copy is not read: every copy is deleted."""
    image = zstack.ready_image()
    body = {"params": {"backupStorageUuids": [storage_without_copy], "deleteMode": "Bogus"}}
    _delete_and_compare(zstack, image, None, body=body)


def test_delete_image__comma_joined_value_is_one_uuid(
    zstack: ZStackSession, storage_without_copy: str
) -> None:
    """`a,b` is one element, no backup storage's uuid: PortApiValidator L62-65 (SYS.1003)."""
    image = zstack.ready_image()
    joined = f"{zstack.backup_storage_uuid},{storage_without_copy}"
    run = zstack.client.delete_image(image["uuid"], [("backupStorageUuids", joined)])
    zstack.check(
        checks.error_code_conformance,
        run.result,
        zstack.contract,
        "SYS.1003",
        Text.of(
            "invalid field[%s], resource[uuids:%s, type:%s] not found",
            "backupStorageUuids",
            f"[{joined}]",
            "BackupStorageVO",
        ),
    )


# -- with two usable backup storages: a subset of the copies ---------------------------------


def two_ref_image(zstack: ZStackSession) -> JSON:
    others = sorted(zstack.usable_backup_storages - {zstack.backup_storage_uuid})
    if not others:
        pytest.skip("the target has only one usable backup storage: no image with two copies")
    return zstack.ready_image(backupStorageUuids=[zstack.backup_storage_uuid, others[0]])


@pytest.mark.parametrize("form", ["repeated", "indexed"])
def test_delete_image__list_forms_delete_a_subset(zstack: ZStackSession, form: str) -> None:
    """Both list forms name exactly the refs to delete; storage not holding the image is ignored."""
    image = two_ref_image(zstack)
    second = image["backupStorageRefs"][1]["backupStorageUuid"]
    holders = {r["backupStorageUuid"] for r in image["backupStorageRefs"]}
    elsewhere = sorted({b["uuid"] for b in zstack.backup_storages} - holders)
    wanted = [second, *elsewhere[:1]]
    if form == "repeated":
        params = [("backupStorageUuids", b) for b in wanted]
    else:
        params = [(f"backupStorageUuids.{i}", b) for i, b in enumerate(wanted)]
    _delete_and_compare(zstack, image, set(wanted), params=params)


# -- modes and unknown images ----------------------------------------------------------------


@pytest.mark.parametrize("mode", ["Permissive", "Enforcing"])
def test_delete_image__delete_modes(zstack: ZStackSession, mode: str) -> None:
    image = zstack.ready_image()
    run = zstack.client.delete_image(image["uuid"], [("deleteMode", mode)])
    zstack.check(checks.empty_result_conformance, run.result)


def test_delete_image__unknown_well_formed_uuid_succeeds(zstack: ZStackSession) -> None:
    run = zstack.client.delete_image(UNKNOWN)
    zstack.check(checks.job_accepted_conformance, run.accepted, 1800000)
    zstack.check(checks.empty_result_conformance, run.result)


def test_delete_image__unknown_malformed_uuid_is_sys_1003(zstack: ZStackSession) -> None:
    run = zstack.client.delete_image("not-a-zstack-uuid")
    zstack.check(
        checks.error_code_conformance,
        run.result,
        zstack.contract,
        "SYS.1003",
        Text.of("invalid value[%s] of field [%s]", "not-a-zstack-uuid", "uuid"),
    )
