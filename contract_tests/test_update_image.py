"""UpdateImage (`updateImage` on PUT /v1/images/{uuid}/actions): header/.../image/APIUpdateImageMsg.java.

Every field given replaces the stored one (ImageBase.updateImage L870-926), with ZStack's
@APIParam rules checked in the message's HashMap order. A rename keeps the run's name prefix.
"""

from __future__ import annotations

from typing import Any

import pytest

from contract_tests import action_checks, checks, messages
from contract_tests.session import ZStackSession
from zstack_spec.i18n import Text
from zstack_spec.json_types import JSON

V = "org.zstack.header.message.ApiMessageParamValidator"  # ApiMessageParamValidator L20, L32, L113
UNKNOWN = "7d0f1e2a3b4c4d5e8f6a7b8c9d0e1f3a"
MAX_LENGTH = (
    "field[%s] of message[%s] exceeds max length of string. expected was <= %s, actual was %s"
)
VALID_VALUES = "valid value for field[%s] of message[%s] are %s, but %s found"


def update(zstack: ZStackSession, image_uuid: str, **fields: JSON) -> Any:
    return zstack.client.image_action(image_uuid, "updateImage", fields)


@pytest.fixture(scope="module")
def image(zstack: ZStackSession) -> JSON:
    """One image the rule tests send their (rejected) updates to."""
    return zstack.ready_image()


def test_update_image__sets_each_field_and_leaves_the_rest(zstack: ZStackSession) -> None:
    before = zstack.ready_image()
    changed = {
        "name": zstack.image_name(),
        "description": "renamed by the contract suite",
        "guestOsType": "CentOS",
        "platform": "Paravirtualization",
        "virtio": False,
        "mediaType": "DataVolumeTemplate",
        "format": "raw",
        "system": True,
    }
    run = update(zstack, before["uuid"], **changed)
    zstack.check(checks.job_accepted_conformance, run.accepted, 1800000)
    after = zstack.check(checks.job_success_conformance, run)["inventory"]
    zstack.check(checks.image_inventory_conformance, after, run.result, zstack.contract)
    # Paravirtualization is stored as sent: ImagePlatform.valueOf, no mapping (L893-895)
    zstack.check(action_checks.image_change_conformance, before, after, changed, run.result)
    ex = zstack.client.query(f"/v1/images/{before['uuid']}")
    [found] = zstack.check(checks.query_reply_conformance, ex, zstack.contract, "ImageInventory")
    zstack.check(action_checks.image_change_conformance, after, found, {}, ex)


def test_update_image__name_is_trimmed(zstack: ZStackSession) -> None:
    before = zstack.ready_image()
    name = zstack.image_name()
    run = update(zstack, before["uuid"], name=f"  {name}\t")
    after = zstack.check(checks.job_success_conformance, run)["inventory"]
    # APIMessage.validate L218-221 trims every String field
    zstack.check(action_checks.image_change_conformance, before, after, {"name": name}, run.result)


def test_update_image__nothing_given_changes_nothing(zstack: ZStackSession) -> None:
    before = zstack.ready_image()
    run = update(zstack, before["uuid"])
    after = zstack.check(checks.job_success_conformance, run)["inventory"]
    zstack.check(action_checks.image_change_conformance, before, after, {}, run.result)


def test_update_image__uuid_in_the_body_is_overwritten_by_the_url(zstack: ZStackSession) -> None:
    before = zstack.ready_image()
    name = zstack.image_name()
    run = update(zstack, before["uuid"], uuid=UNKNOWN, name=name)
    # RestServer L1010-1016: the URL's variables are copied in after the body
    after = zstack.check(checks.job_success_conformance, run)["inventory"]
    zstack.check(action_checks.image_change_conformance, before, after, {"name": name}, run.result)


def test_update_image__system_tags_are_neither_checked_nor_stored(zstack: ZStackSession) -> None:
    before = zstack.ready_image()
    body = {"updateImage": {"description": "tagged"}, "systemTags": ["no-such-pattern::x"]}
    run = zstack.client.call("PUT", f"/v1/images/{before['uuid']}/actions", body=body)
    # no interceptor of this message reads systemTags (TagManagerImpl only takes APICreateMessage)
    after = zstack.check(checks.job_success_conformance, run)["inventory"]
    zstack.check(
        action_checks.image_change_conformance, before, after, {"description": "tagged"}, run.result
    )
    ex = zstack.client.system_tags_of(before["uuid"])
    tags = zstack.check(checks.query_reply_conformance, ex, zstack.contract, "SystemTagInventory")
    if any(t.get("tag") == "no-such-pattern::x" for t in tags):
        raise checks.ContractViolation("query_reply_conformance", "the tag is not stored", ex)


@pytest.mark.parametrize(
    ("field", "value", "fmt", "args"),
    [
        ("name", "n" * 256, MAX_LENGTH, ("name", V, 255, 256)),
        ("description", "d" * 2049, MAX_LENGTH, ("description", V, 2048, 2049)),
        ("guestOsType", "g" * 256, MAX_LENGTH, ("guestOsType", V, 255, 256)),
        (
            "mediaType",
            "Template",
            VALID_VALUES,
            ("mediaType", V, "[RootVolumeTemplate, DataVolumeTemplate, ISO]", "Template"),
        ),
        ("format", "vmdk", VALID_VALUES, ("format", V, "[raw, qcow2, iso]", "vmdk")),
        (
            "platform",
            "Mac",
            VALID_VALUES,
            ("platform", V, "[Linux, Windows, Other, Paravirtualization, WindowsVirtio]", "Mac"),
        ),
        ("architecture", "a" * 33, MAX_LENGTH, ("architecture", V, 32, 33)),
        (
            "architecture",
            "i386",
            VALID_VALUES,
            ("architecture", V, "[x86_64, aarch64, mips64el, loongarch64]", "i386"),
        ),
    ],
)
def test_update_image__parameter_rules(
    zstack: ZStackSession, image: JSON, field: str, value: str, fmt: str, args: tuple[Any, ...]
) -> None:
    run = update(zstack, image["uuid"], **{field: value})
    zstack.check(
        checks.error_code_conformance, run.result, zstack.contract, "SYS.1007", Text.of(fmt, *args)
    )


@pytest.mark.parametrize("field", ["system", "virtio"])
def test_update_image__bad_boolean_is_400_plain_text(
    zstack: ZStackSession, image: JSON, field: str
) -> None:
    ex = zstack.client.request(
        "PUT", f"/v1/images/{image['uuid']}/actions", body={"updateImage": {field: "yes"}}
    )
    # rest/.../TypeVerifier.java L28-36, before any job
    zstack.check(
        checks.plain_text_conformance,
        ex,
        400,
        f"Invalid value for boolean field [{field}], [yes] is not a valid boolean string[true, false].",
    )


def test_update_image__unknown_image_is_sys_1003(zstack: ZStackSession) -> None:
    run = update(zstack, UNKNOWN, name=zstack.image_name())
    zstack.check(action_checks.unknown_image_conformance, run.result, zstack.contract, UNKNOWN)


@pytest.mark.parametrize(
    ("fields", "code", "text"),
    [
        # order: virtio, system, name, format, description, ..., mediaType, uuid, platform, ...
        ({"name": "n" * 256}, "SYS.1007", Text.of(MAX_LENGTH, "name", V, 255, 256)),
        (
            {"mediaType": "Template"},
            "SYS.1007",
            Text.of(
                VALID_VALUES,
                "mediaType",
                V,
                "[RootVolumeTemplate, DataVolumeTemplate, ISO]",
                "Template",
            ),
        ),
        (
            {"platform": "Mac"},
            "SYS.1003",
            Text.of(messages.INVALID_FIELD, "uuid", UNKNOWN, "ImageVO"),
        ),
        (
            {"architecture": "i386"},
            "SYS.1003",
            Text.of(messages.INVALID_FIELD, "uuid", UNKNOWN, "ImageVO"),
        ),
    ],
)
def test_update_image__checks_run_in_the_message_field_order(
    zstack: ZStackSession, fields: dict[str, JSON], code: str, text: Text
) -> None:
    run = update(zstack, UNKNOWN, **fields)
    zstack.check(checks.error_code_conformance, run.result, zstack.contract, code, text)


def test_update_image__aarch64_sets_the_uefi_boot_mode(zstack: ZStackSession) -> None:
    before = zstack.ready_image()
    run = update(zstack, before["uuid"], architecture="aarch64")
    after = zstack.check(checks.job_success_conformance, run)["inventory"]
    zstack.check(
        action_checks.image_change_conformance,
        before,
        after,
        {"architecture": "aarch64"},
        run.result,
    )
    # ImageBase L913-918: the BOOT_MODE creator with recreate = true
    ex = zstack.client.system_tags_of(before["uuid"])
    tags = zstack.check(checks.query_reply_conformance, ex, zstack.contract, "SystemTagInventory")
    zstack.check(action_checks.boot_mode_tag_conformance, tags, before["uuid"], "UEFI", ex)


@pytest.mark.parametrize(("system", "mode"), [(True, "Legacy"), (False, None)])
def test_update_image__x86_64_sets_legacy_only_on_a_system_image(
    zstack: ZStackSession, system: bool, mode: str | None
) -> None:
    image = zstack.ready_image(system=system)
    run = update(zstack, image["uuid"], architecture="x86_64")
    zstack.check(checks.job_success_conformance, run)
    # ImageBase L920-925: x86_64 and self.isSystem() after the update
    ex = zstack.client.system_tags_of(image["uuid"])
    tags = zstack.check(checks.query_reply_conformance, ex, zstack.contract, "SystemTagInventory")
    if mode is None:
        zstack.check(action_checks.no_boot_mode_tag_conformance, tags, image["uuid"], ex)
    else:
        zstack.check(action_checks.boot_mode_tag_conformance, tags, image["uuid"], mode, ex)


def test_update_image__a_deleted_image_is_updated(zstack: ZStackSession) -> None:
    image = before = zstack.kept_deleted_image()
    run = update(zstack, image["uuid"], description="deleted, still updated")
    # ImageManagerImpl.passThrough finds the VO whatever its status; no status check (L870-926)
    after = zstack.check(checks.job_success_conformance, run)["inventory"]
    zstack.check(
        action_checks.image_change_conformance,
        before,
        after,
        {"description": "deleted, still updated"},
        run.result,
    )
