"""ChangeBackupStorageState, ReconnectBackupStorage, UpdateBackupStorage on the shared actions path.

Safe on a real system: the refusals change nothing, and UpdateBackupStorage only writes the
values the backup storage already has. Disabling/enabling and reconnecting run only with
--allow-backup-storage-changes yes (always against the project's own mock), on the suite's own
backup storage, whose state is put back.
"""

from __future__ import annotations

from typing import Any

import pytest

from contract_tests import backup_storage_checks as bs_checks
from contract_tests import checks, messages
from contract_tests.model import VALIDATOR
from contract_tests.session import ZStackSession
from zstack_spec.i18n import Text

UNKNOWN = "7d0f1e2a3b4c4d5e8f6a7b8c9d0e1f2b"


def current(zstack: ZStackSession, uuid: str) -> dict[str, Any]:
    ex = zstack.client.query(f"/v1/backup-storage/{uuid}")
    found = zstack.check(
        checks.query_reply_conformance, ex, zstack.contract, "BackupStorageInventory"
    )
    if not found:
        pytest.fail(f"the suite's backup storage {uuid} is not found by QueryBackupStorage")
    inventory: dict[str, Any] = found[0]
    return inventory


def changes_or_skip(zstack: ZStackSession) -> None:
    if not zstack.target.backup_storage_changes:
        pytest.skip("changes a backup storage: run with --allow-backup-storage-changes yes")


def test_update_backup_storage__the_same_values_change_nothing(zstack: ZStackSession) -> None:
    bs = current(zstack, zstack.backup_storage_uuid)
    inner = {k: bs[k] for k in ("name", "description") if k in bs}
    run = zstack.client.backup_storage_action(bs["uuid"], "updateBackupStorage", inner)
    zstack.check(
        checks.job_accepted_conformance,
        run.accepted,
        zstack.contract.api_timeout("UpdateBackupStorage"),
    )
    after = zstack.check(bs_checks.backup_storage_result_conformance, run, zstack.contract)
    zstack.check(bs_checks.backup_storage_echo_conformance, after, bs, {}, run.result)


@pytest.mark.parametrize(("field", "limit"), [("name", 255), ("description", 2048)])
def test_update_backup_storage__max_length(zstack: ZStackSession, field: str, limit: int) -> None:
    inner = {field: "x" * (limit + 1)}
    run = zstack.client.backup_storage_action(
        zstack.backup_storage_uuid, "updateBackupStorage", inner
    )
    zstack.check(
        checks.error_code_conformance,
        run.result,
        zstack.contract,
        "SYS.1007",
        Text.of(messages.MAX_LENGTH, field, VALIDATOR, limit, limit + 1),
    )


@pytest.mark.parametrize(
    ("key", "inner"),
    [
        ("updateBackupStorage", {"name": "x"}),
        ("changeBackupStorageState", {"stateEvent": "enable"}),
        ("reconnectBackupStorage", {}),
    ],
)
def test_backup_storage_actions__unknown_uuid_is_sys_1003(
    zstack: ZStackSession, key: str, inner: dict[str, Any]
) -> None:
    run = zstack.client.backup_storage_action(UNKNOWN, key, inner)
    zstack.check(
        checks.error_code_conformance,
        run.result,
        zstack.contract,
        "SYS.1003",
        Text.of(messages.INVALID_FIELD, "uuid", UNKNOWN, "BackupStorageVO"),
    )


def test_change_backup_storage_state__state_event_valid_values(zstack: ZStackSession) -> None:
    # stateEvent is checked before uuid (HashMap order): an unknown uuid does not show
    run = zstack.client.backup_storage_action(
        UNKNOWN, "changeBackupStorageState", {"stateEvent": "off"}
    )
    zstack.check(
        checks.error_code_conformance,
        run.result,
        zstack.contract,
        "SYS.1007",
        Text.of(messages.VALID_VALUES, "stateEvent", VALIDATOR, "[enable, disable]", "off"),
    )


def test_change_backup_storage_state__state_event_is_mandatory(zstack: ZStackSession) -> None:
    run = zstack.client.backup_storage_action(
        zstack.backup_storage_uuid, "changeBackupStorageState", {}
    )
    zstack.check(
        checks.error_code_conformance,
        run.result,
        zstack.contract,
        "SYS.1007",
        Text.of(messages.MANDATORY, "stateEvent", VALIDATOR),
    )


def test_change_backup_storage_state__disable_then_enable(zstack: ZStackSession) -> None:
    changes_or_skip(zstack)
    bs = current(zstack, zstack.backup_storage_uuid)
    events = {"Enabled": "enable", "Disabled": "disable"}
    try:
        for event, state in (
            ("disable", "Disabled"),
            ("disable", "Disabled"),
            ("enable", "Enabled"),
        ):
            run = zstack.client.backup_storage_action(
                bs["uuid"], "changeBackupStorageState", {"stateEvent": event}
            )
            after = zstack.check(bs_checks.backup_storage_result_conformance, run, zstack.contract)
            zstack.check(
                bs_checks.backup_storage_echo_conformance, after, bs, {"state": state}, run.result
            )
    finally:
        zstack.client.backup_storage_action(
            bs["uuid"], "changeBackupStorageState", {"stateEvent": events[bs["state"]]}
        )


def test_reconnect_backup_storage__connects(zstack: ZStackSession) -> None:
    changes_or_skip(zstack)
    bs = current(zstack, zstack.backup_storage_uuid)
    run = zstack.client.backup_storage_action(bs["uuid"], "reconnectBackupStorage", {})
    after = zstack.check(bs_checks.backup_storage_result_conformance, run, zstack.contract)
    zstack.check(
        bs_checks.backup_storage_echo_conformance, after, bs, {"status": "Connected"}, run.result
    )


def test_backup_storage_actions__body_without_a_known_action_is_400(zstack: ZStackSession) -> None:
    path = f"/v1/backup-storage/{zstack.backup_storage_uuid}/actions"
    ex = zstack.client.request("PUT", path, body={"reconnect": {}})
    # RestServer.java L778-779: getDecodedUrl (L603-613) strips the context path
    zstack.check(
        checks.plain_text_conformance,
        ex,
        400,
        f"the body doesn't contain action mapping to the URL[{path}]",
    )
