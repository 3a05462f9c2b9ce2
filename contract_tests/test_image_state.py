"""ChangeImageState and SetImageBootMode, and the queries that show their effect.

ChangeImageState: header/.../image/APIChangeImageStateMsg.java, ImageBase L943-955 (no transition
table, no status check). SetImageBootMode: APISetImageBootModeMsg.java, ImageApiInterceptor
L97-103, ImageBase L697-706 (one `bootMode::<mode>` system tag, tag/.../SystemTag.java L280-325).
Nothing in this group refuses a Disabled image.
"""

from __future__ import annotations

from typing import Any

import pytest

from contract_tests import action_checks, checks, messages
from contract_tests.session import ZStackSession
from zstack_spec.i18n import Text
from zstack_spec.json_types import JSON

V = "org.zstack.header.message.ApiMessageParamValidator"
UNKNOWN = "7d0f1e2a3b4c4d5e8f6a7b8c9d0e1f3b"
VALID_VALUES = "valid value for field[%s] of message[%s] are %s, but %s found"
MANDATORY = "field[%s] of message[%s] is mandatory, can not be null"


def change_state(zstack: ZStackSession, uuid: str, event: JSON) -> Any:
    inner = {} if event is None else {"stateEvent": event}
    return zstack.client.image_action(uuid, "changeImageState", inner)


def set_boot_mode(zstack: ZStackSession, uuid: str, mode: JSON) -> Any:
    inner = {} if mode is None else {"bootMode": mode}
    return zstack.client.image_action(uuid, "setImageBootMode", inner)


def boot_tags(zstack: ZStackSession, uuid: str) -> tuple[list[JSON], Any]:
    ex = zstack.client.system_tags_of(uuid)
    return zstack.check(
        checks.query_reply_conformance, ex, zstack.contract, "SystemTagInventory"
    ), ex


def found_by(zstack: ZStackSession, cond: str, expected: set[str], among: set[str]) -> None:
    """QueryImage with `cond` (and the run's name prefix) finds exactly `expected` of `among`."""
    params = [("q", cond), ("q", f"name~={zstack.target.name_prefix}%")]
    ex = zstack.client.query("/v1/images", params)
    found = zstack.check(checks.query_reply_conformance, ex, zstack.contract, "ImageInventory")
    zstack.check(action_checks.query_condition_conformance, found, expected, among, ex)


# -- ChangeImageState ------------------------------------------------------------------------


def test_change_image_state__disable_then_enable(zstack: ZStackSession) -> None:
    before = zstack.ready_image()
    for event, state in [("disable", "Disabled"), ("disable", "Disabled"), ("enable", "Enabled")]:
        run = change_state(zstack, before["uuid"], event)
        zstack.check(checks.job_accepted_conformance, run.accepted, 1800000)
        after = zstack.check(checks.job_success_conformance, run)["inventory"]
        zstack.check(checks.image_inventory_conformance, after, run.result, zstack.contract)
        zstack.check(
            action_checks.image_change_conformance, before, after, {"state": state}, run.result
        )


def test_change_image_state__event_is_trimmed(zstack: ZStackSession) -> None:
    before = zstack.ready_image()
    run = change_state(zstack, before["uuid"], " disable ")
    after = zstack.check(checks.job_success_conformance, run)["inventory"]
    zstack.check(
        action_checks.image_change_conformance, before, after, {"state": "Disabled"}, run.result
    )


def test_change_image_state__disabled_images_are_found_by_state(zstack: ZStackSession) -> None:
    disabled, enabled = zstack.ready_image(), zstack.ready_image()
    zstack.check(checks.job_success_conformance, change_state(zstack, disabled["uuid"], "disable"))
    among = {disabled["uuid"], enabled["uuid"]}
    for cond, expected in [
        ("state=Disabled", {disabled["uuid"]}),
        ("state!=Disabled", {enabled["uuid"]}),
    ]:
        found_by(zstack, cond, expected, among)


@pytest.mark.parametrize(
    ("event", "text"),
    [
        ("pause", Text.of(VALID_VALUES, "stateEvent", V, "[enable, disable]", "pause")),
        ("Disable", Text.of(VALID_VALUES, "stateEvent", V, "[enable, disable]", "Disable")),
        (None, Text.of(MANDATORY, "stateEvent", V)),
    ],
)
def test_change_image_state__parameter_rules(
    zstack: ZStackSession, event: JSON, text: Text
) -> None:
    # stateEvent is checked before uuid (the HashMap order: stateEvent, systemTags, userTags, uuid)
    run = change_state(zstack, UNKNOWN, event)
    zstack.check(checks.error_code_conformance, run.result, zstack.contract, "SYS.1007", text)


def test_change_image_state__unknown_image_is_sys_1003(zstack: ZStackSession) -> None:
    run = change_state(zstack, UNKNOWN, "disable")
    zstack.check(action_checks.unknown_image_conformance, run.result, zstack.contract, UNKNOWN)


def test_change_image_state__a_deleted_image_changes_state(zstack: ZStackSession) -> None:
    image = before = zstack.kept_deleted_image()
    run = change_state(zstack, image["uuid"], "disable")
    after = zstack.check(checks.job_success_conformance, run)["inventory"]
    zstack.check(
        action_checks.image_change_conformance, before, after, {"state": "Disabled"}, run.result
    )


# -- SetImageBootMode ------------------------------------------------------------------------


def test_set_image_boot_mode__one_tag_replaced_or_kept(zstack: ZStackSession) -> None:
    image = zstack.ready_image()
    tags, ex = boot_tags(zstack, image["uuid"])
    zstack.check(action_checks.no_boot_mode_tag_conformance, tags, image["uuid"], ex)
    kept = None
    for mode, same in [
        ("UEFI", False),
        ("UEFI", True),
        ("Legacy", False),
        ("UEFI_WITH_CSM", False),
    ]:
        run = set_boot_mode(zstack, image["uuid"], mode)
        zstack.check(checks.job_accepted_conformance, run.accepted, 1800000)
        # APISetImageBootModeEvent has no field: {}
        zstack.check(checks.empty_result_conformance, run.result)
        tags, ex = boot_tags(zstack, image["uuid"])
        kept = zstack.check(
            action_checks.boot_mode_tag_conformance,
            tags,
            image["uuid"],
            mode,
            ex,
            kept if same else None,
        )
    after = zstack.client.find_image(image["uuid"])
    # the mode is a tag, not a field of ImageInventory
    zstack.check(action_checks.image_change_conformance, image, after, {}, ex)


def test_set_image_boot_mode__keeps_the_tag_add_image_made(zstack: ZStackSession) -> None:
    image = zstack.ready_image(systemTags=["bootMode::UEFI"])
    tags, ex = boot_tags(zstack, image["uuid"])
    [made] = [t for t in tags if t.get("tag") == "bootMode::UEFI"] or [None]
    if made is None:
        raise checks.ContractViolation(
            "boot_mode_tag_conformance", "AddImage stores its systemTags", ex
        )
    zstack.check(
        checks.empty_result_conformance, set_boot_mode(zstack, image["uuid"], "UEFI").result
    )
    tags, ex = boot_tags(zstack, image["uuid"])
    # quickRecreate (SystemTag.java L305-308) keeps the identical tag with its random uuid
    zstack.check(action_checks.boot_mode_tag_conformance, tags, image["uuid"], "UEFI", ex, made)


def test_set_image_boot_mode__images_are_found_by_their_tag(zstack: ZStackSession) -> None:
    uefi, other = zstack.ready_image(), zstack.ready_image()
    zstack.check(
        checks.empty_result_conformance, set_boot_mode(zstack, uefi["uuid"], "UEFI").result
    )
    among = {uefi["uuid"], other["uuid"]}
    # SQLConditionBuilder L99-100, L147-181: resources whose system tag matches (NOT IN for !=)
    for cond, expected in [
        ("__systemTag__=bootMode::UEFI", {uefi["uuid"]}),
        ("__systemTag__~=bootMode::%", {uefi["uuid"]}),
        ("__systemTag__!=bootMode::UEFI", {other["uuid"]}),
    ]:
        found_by(zstack, cond, expected, among)


def test_set_image_boot_mode__aarch64_refuses_legacy(zstack: ZStackSession) -> None:
    image = zstack.ready_image(architecture="aarch64")
    run = set_boot_mode(zstack, image["uuid"], "Legacy")
    # ImageApiInterceptor L97-103 (DEFAULT position, after the session)
    zstack.check(
        checks.error_code_conformance,
        run.result,
        zstack.contract,
        "SYS.1007",
        Text.of("The aarch64 architecture does not support legacy."),
    )


@pytest.mark.parametrize(
    ("uuid", "mode", "code", "text"),
    [
        (
            "own",
            "legacy",
            "SYS.1007",
            Text.of(VALID_VALUES, "bootMode", V, "[Legacy, UEFI, UEFI_WITH_CSM]", "legacy"),
        ),
        ("own", None, "SYS.1007", Text.of(MANDATORY, "bootMode", V)),
        # uuid comes before bootMode (the HashMap order: systemTags, userTags, uuid, bootMode)
        (
            UNKNOWN,
            "legacy",
            "SYS.1003",
            Text.of(messages.INVALID_FIELD, "uuid", UNKNOWN, "ImageVO"),
        ),
        (UNKNOWN, "UEFI", "SYS.1003", Text.of(messages.INVALID_FIELD, "uuid", UNKNOWN, "ImageVO")),
    ],
)
def test_set_image_boot_mode__parameter_rules(
    zstack: ZStackSession, uuid: str, mode: JSON, code: str, text: Text
) -> None:
    target = zstack.ready_image()["uuid"] if uuid == "own" else uuid
    run = set_boot_mode(zstack, target, mode)
    zstack.check(checks.error_code_conformance, run.result, zstack.contract, code, text)


def test_set_image_boot_mode__a_deleted_image_gets_the_tag(zstack: ZStackSession) -> None:
    image = zstack.kept_deleted_image()
    run = set_boot_mode(zstack, image["uuid"], "UEFI")
    zstack.check(checks.empty_result_conformance, run.result)
    tags, ex = boot_tags(zstack, image["uuid"])
    zstack.check(action_checks.boot_mode_tag_conformance, tags, image["uuid"], "UEFI", ex)
