"""AddImage's system and user tags: where they are read, which are stored, which fail the job."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import (
    CONNECTED_BS,
    IMAGE_URL,
    ZStack,
)


def _add_with_tags(zs: ZStack, inner: dict, outer: dict | None = None) -> Any:
    body = {
        "params": {
            "name": "t",
            "url": IMAGE_URL,
            "format": "qcow2",
            "backupStorageUuids": [CONNECTED_BS],
            **inner,
        },
        **(outer or {}),
    }
    return zs.client.post("/zstack/v1/images", json=body, headers=zs.auth)


def _stored_tags(app, uuid: str) -> tuple[list[str], list[str]]:
    image = app.extensions["zstack"].store.images.images[uuid]
    return [t.tag for t in image.system_tags], list(image.user_tags)


def test_add_image__tags_inside_params_are_honoured(app, zs: ZStack) -> None:
    rsp = zs.poll(_add_with_tags(zs, {"systemTags": ["bootMode::UEFI"], "userTags": ["u1"]}))
    assert rsp.status_code == 200
    inventory = rsp.json["inventory"]
    assert "systemTags" not in inventory and "userTags" not in inventory  # never in ImageInventory
    assert _stored_tags(app, inventory["uuid"]) == (["bootMode::UEFI"], ["u1"])


def test_add_image__ephemeral_tags_are_not_stored(app, zs: ZStack) -> None:
    # TagManagerImpl.createTags skips ephemeral tags
    rsp = zs.poll(_add_with_tags(zs, {"systemTags": ["ephemeral::x"]}))
    assert _stored_tags(app, rsp.json["inventory"]["uuid"]) == ([], [])


def test_add_image__top_level_tags_override_params_only_when_present(app, zs: ZStack) -> None:
    inner = {"systemTags": ["bootMode::UEFI"], "userTags": ["inner"]}
    rsp = zs.poll(_add_with_tags(zs, inner, {"userTags": ["outer"]}))
    assert _stored_tags(app, rsp.json["inventory"]["uuid"]) == (["bootMode::UEFI"], ["outer"])


@pytest.mark.parametrize(
    ("tags", "details"),
    [
        (["a::b"], "no system tag matches a::b"),
        (["bootMode::UEFI", "bootMode"], "no system tag matches bootMode"),
        (["bootMode::"], "no system tag matches bootMode::"),
        # once one tag is not ephemeral, every tag is checked, ephemeral ones too
        (["ephemeral::x", "packer"], "no system tag matches ephemeral::x"),
        (
            ["bootMode::UEFI", "bootMode::Legacy"],
            "only one bootMode system tag is allowed, but 2 got",
        ),
        (
            ["bootMode::BIOS"],
            "[BIOS] specified in system tag [bootMode::BIOS] is not a valid boot mode",
        ),
    ],
)
def test_add_image__unregistered_system_tag_fails_the_job(zs: ZStack, tags, details) -> None:
    error = zs.job_error(_add_with_tags(zs, {"systemTags": tags}))
    assert (error["code"], error["details"]) == ("SYS.1007", details)


@pytest.mark.parametrize(
    "tags",
    [
        ["ephemeral::only"],
        ["packer", "packer"],
        ["sourceType::x"],
        ["bootMode::uefi_with_csm"],
        ["imageName::a::primaryStorageUuid::b"],
        ["marketplace::true"],
    ],
)
def test_add_image__registered_or_ephemeral_system_tags_pass(zs: ZStack, tags) -> None:
    assert zs.poll(_add_with_tags(zs, {"systemTags": tags})).status_code == 200


def test_add_image__tag_check_comes_after_the_interceptor(zs: ZStack) -> None:
    error = zs.job_error(_add_with_tags(zs, {"systemTags": ["nope"], "format": "bogus"}))
    assert error["details"] == "unknown format[bogus]"


def test_add_image__tag_uuids_must_name_tag_patterns(zs: ZStack) -> None:
    # APICreateMessage.tagUuids: @APIParam(resourceType = TagPatternVO.class)
    error = zs.add_image_error(tagUuids=["a" * 32])
    assert (error["code"], error["details"]) == (
        "SYS.1003",
        f"invalid field[tagUuids], resource[uuids:[{'a' * 32}], type:TagPatternVO] not found",
    )


def test_add_image__tags_inside_params_are_never_a_finding(zs: ZStack) -> None:
    zs.poll(_add_with_tags(zs, {"systemTags": ["bootMode::UEFI"], "userTags": ["u"]}))
    entries = zs.client.get("/_mock/journal").json["entries"]
    add = next(e for e in entries if e["api"] == "AddImage")
    assert add["findings"] == []
