"""DeleteImage reads its parameters from the query string only (zstack-behaviour.md §6)."""

from __future__ import annotations

from typing import Any

import pytest

from contract_tests import checks
from contract_tests.session import ZStackSession

UNKNOWN = "7d0f1e2a3b4c4d5e8f6a7b8c9d0e1f2a"


def two_ref_image(zstack: ZStackSession) -> dict[str, Any]:
    others = sorted(zstack.usable_backup_storages - {zstack.backup_storage_uuid})
    if not others:
        pytest.skip("the target has only one usable backup storage")
    image: dict[str, Any] = zstack.ready_image(
        backupStorageUuids=[zstack.backup_storage_uuid, others[0]]
    )
    return image


def ref_status(zstack: ZStackSession, uuid: str) -> dict[str, str]:
    image = zstack.client.find_image(uuid)
    return (
        {}
        if image is None
        else {r["backupStorageUuid"]: r["status"] for r in image["backupStorageRefs"]}
    )


def test_delete_image__backup_storage_subset_from_query(zstack: ZStackSession) -> None:
    image = two_ref_image(zstack)
    first, second = (r["backupStorageUuid"] for r in image["backupStorageRefs"])
    run = zstack.client.delete_image(image["uuid"], [("backupStorageUuids", second)])
    zstack.check(checks.empty_result_conformance, run.result)
    status = ref_status(zstack, image["uuid"])
    # Delay/Never: the ref is Deleted; Direct: it is gone. The other ref is untouched either way.
    assert status.get(first) == "Ready", run.result.describe()
    assert status.get(second) in (None, "Deleted"), run.result.describe()


@pytest.mark.parametrize("form", ["repeated", "indexed"])
def test_delete_image__list_forms(zstack: ZStackSession, form: str) -> None:
    """Both list forms name exactly the refs to delete; storage not holding the image is ignored."""
    image = two_ref_image(zstack)
    first, second = (r["backupStorageUuid"] for r in image["backupStorageRefs"])
    elsewhere = sorted({b["uuid"] for b in zstack.backup_storages} - {first, second})
    wanted = [second, *elsewhere[:1]]
    if form == "repeated":
        params = [("backupStorageUuids", b) for b in wanted]
    else:
        params = [(f"backupStorageUuids.{i}", b) for i, b in enumerate(wanted)]
    run = zstack.client.delete_image(image["uuid"], params)
    zstack.check(checks.empty_result_conformance, run.result)
    status = ref_status(zstack, image["uuid"])
    assert status.get(first) == "Ready", run.result.describe()
    assert status.get(second) in (None, "Deleted"), run.result.describe()


def test_delete_image__comma_joined_value_is_one_element(zstack: ZStackSession) -> None:
    image = two_ref_image(zstack)
    joined = ",".join(r["backupStorageUuid"] for r in image["backupStorageRefs"])
    run = zstack.client.delete_image(image["uuid"], [("backupStorageUuids", joined)])
    zstack.check(
        checks.error_code_conformance, run.result, zstack.contract, "SYS.1003", contains=joined
    )


@pytest.mark.parametrize("mode", ["Permissive", "Enforcing"])
def test_delete_image__delete_modes(zstack: ZStackSession, mode: str) -> None:
    image = zstack.ready_image()
    run = zstack.client.delete_image(image["uuid"], [("deleteMode", mode)])
    zstack.check(checks.empty_result_conformance, run.result)


def test_delete_image__body_is_ignored(zstack: ZStackSession) -> None:
    image = two_ref_image(zstack)
    other = image["backupStorageRefs"][1]["backupStorageUuid"]
    body = {"params": {"backupStorageUuids": [other], "deleteMode": "Bogus"}}
    run = zstack.client.call("DELETE", f"/v1/images/{image['uuid']}", body=body)
    zstack.check(checks.empty_result_conformance, run.result)
    assert set(ref_status(zstack, image["uuid"]).values()) <= {"Deleted"}


def test_delete_image__unknown_well_formed_uuid_succeeds(zstack: ZStackSession) -> None:
    run = zstack.client.delete_image(UNKNOWN)
    zstack.check(checks.job_accepted_conformance, run.accepted, 1800000)
    zstack.check(checks.empty_result_conformance, run.result)


def test_delete_image__unknown_malformed_uuid_is_sys_1003(zstack: ZStackSession) -> None:
    run = zstack.client.delete_image("not-a-zstack-uuid")
    zstack.check(checks.error_code_conformance, run.result, zstack.contract, "SYS.1003",
                 "invalid value[not-a-zstack-uuid] of field [uuid]")  # fmt: skip
