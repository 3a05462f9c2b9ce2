"""ExpungeImage and RecoverImage: the `expungeImage`/`recoverImage` envelopes and their rules (§3)."""

from __future__ import annotations

from typing import Any

import pytest

from contract_tests import checks, messages
from contract_tests.i18n import Text
from contract_tests.session import ZStackSession


def deleted_or_skip(zstack: ZStackSession) -> dict[str, Any]:
    image = zstack.deleted_image()
    if zstack.client.find_image(image["uuid"]) is None:
        pytest.skip("the target's deletion policy is Direct: deleted images are gone at once")
    inventory: dict[str, Any] = image
    return inventory


def test_expunge_image__removes_a_deleted_image(zstack: ZStackSession) -> None:
    image = deleted_or_skip(zstack)
    run = zstack.client.expunge_image(image["uuid"])
    zstack.check(checks.empty_result_conformance, run.result)
    zstack.check(
        checks.image_status_conformance, zstack.client.find_image(image["uuid"]), None, run.result
    )


def test_expunge_image__not_deleted_on_any_backup_storage(zstack: ZStackSession) -> None:
    image = zstack.ready_image()
    run = zstack.client.expunge_image(image["uuid"])
    zstack.check(
        checks.error_code_conformance,
        run.result,
        zstack.contract,
        "SYS.1006",
        Text.of(
            "the image[uuid:%s, name:%s] is not deleted on any backup storage",
            image["uuid"],
            image["name"],
        ),
    )


def test_expunge_image__backup_storage_not_holding_the_image(zstack: ZStackSession) -> None:
    image = deleted_or_skip(zstack)
    other = sorted(
        {b["uuid"] for b in zstack.backup_storages}
        - {r["backupStorageUuid"] for r in image["backupStorageRefs"]}
    )
    if not other:
        pytest.skip("the target has a single backup storage")
    run = zstack.client.expunge_image(image["uuid"], [other[0]])
    zstack.check(
        checks.error_code_conformance,
        run.result,
        zstack.contract,
        "SYS.1007",
        Text.of(
            "the image[uuid:%s, name:%s] is not on the backup storage[uuid:%s]",
            image["uuid"],
            image["name"],
            other[0],
        ),
    )


def test_expunge_image__backup_storage_not_deleted(zstack: ZStackSession) -> None:
    image = zstack.ready_image()
    bs = image["backupStorageRefs"][0]["backupStorageUuid"]
    run = zstack.client.expunge_image(image["uuid"], [bs])
    zstack.check(
        checks.error_code_conformance,
        run.result,
        zstack.contract,
        "SYS.1007",
        Text.of(
            "the image[uuid:%s, name:%s] is not deleted on the backup storage[uuid:%s]",
            image["uuid"],
            image["name"],
            bs,
        ),
    )


def test_expunge_image__unknown_image_is_sys_1003(zstack: ZStackSession) -> None:
    uuid = "7d0f1e2a3b4c4d5e8f6a7b8c9d0e1f2b"
    run = zstack.client.expunge_image(uuid)
    zstack.check(
        checks.error_code_conformance,
        run.result,
        zstack.contract,
        "SYS.1003",
        Text.of(messages.INVALID_FIELD, "imageUuid", uuid, "ImageVO"),
    )


def test_recover_image__returns_the_image_to_ready(zstack: ZStackSession) -> None:
    image = deleted_or_skip(zstack)
    run = zstack.client.recover_image(image["uuid"])
    inventory = zstack.check(checks.job_success_conformance, run)["inventory"]
    zstack.check(checks.image_inventory_conformance, inventory, run.result, zstack.contract)
    zstack.check(checks.image_status_conformance, inventory, "Ready", run.result)


def test_actions__body_without_a_known_action_is_400(zstack: ZStackSession) -> None:
    image = zstack.ready_image()
    ex = zstack.client.request("PUT", f"/v1/images/{image['uuid']}/actions", body={"expunge": {}})
    # RestServer.java L778-779: getDecodedUrl (L603-613) strips the context path
    path = f"/v1/images/{image['uuid']}/actions"
    zstack.check(
        checks.plain_text_conformance,
        ex,
        400,
        f"the body doesn't contain action mapping to the URL[{path}]",
    )
