"""AddImage: every validation rule with ZStack's code and message, and which error wins."""

from __future__ import annotations

import pytest

from tests.conftest import (
    CONNECTED_BS,
    DISCONNECTED_BS,
    FULL_BS,
    IMAGE_URL,
    ZStack,
)

V = "org.zstack.header.message.ApiMessageParamValidator"
SYS_1007 = "One or more API argument is invalid"


@pytest.mark.parametrize(
    ("params", "code", "details"),
    [
        # required fields (@APIParam, SYSTEM)
        ({"name": None}, "SYS.1007", f"field[name] of message[{V}] is mandatory, can not be null"),
        ({"url": None}, "SYS.1007", f"field[url] of message[{V}] is mandatory, can not be null"),
        (
            {"backupStorageUuids": None},
            "SYS.1007",
            f"field[backupStorageUuids] of message[{V}] is mandatory, can not be null",
        ),
        # lengths, after trimming
        (
            {"name": "x" * 256},
            "SYS.1007",
            f"field[name] of message[{V}] exceeds max length of string. expected was <= 255, actual was 256",
        ),
        (
            {"description": "d" * 2049},
            "SYS.1007",
            f"field[description] of message[{V}] exceeds max length of string. expected was <= 2048, actual was 2049",
        ),
        (
            {"url": "http://" + "u" * 1018},
            "SYS.1007",
            f"field[url] of message[{V}] exceeds max length of string. expected was <= 1024, actual was 1025",
        ),
        # enums
        (
            {"mediaType": "Template"},
            "SYS.1007",
            f"valid value for field[mediaType] of message[{V}] are [RootVolumeTemplate, ISO, DataVolumeTemplate], but Template found",
        ),
        (
            {"platform": "linux"},
            "SYS.1007",
            f"valid value for field[platform] of message[{V}] are [Linux, Windows, Other, Paravirtualization, WindowsVirtio], but linux found",
        ),
        (
            {"architecture": "arm"},
            "SYS.1007",
            f"valid value for field[architecture] of message[{V}] are [x86_64, aarch64, mips64el, loongarch64], but arm found",
        ),
        # lists
        (
            {"backupStorageUuids": []},
            "SYS.1007",
            "field[backupStorageUuids] must be a nonempty list",
        ),
        (
            {"backupStorageUuids": [None]},
            "SYS.1007",
            "field[backupStorageUuids] cannot contain a NULL element",
        ),
        # unknown resources (PortApiValidator)
        (
            {"backupStorageUuids": ["nope"]},
            "SYS.1003",
            "invalid field[backupStorageUuids], resource[uuids:[nope], type:BackupStorageVO] not found",
        ),
        # ImageApiInterceptor, in its order
        ({"system": True, "mediaType": "ISO"}, "SYS.1007", "ISO cannot be used as system image"),
        ({"format": None}, "SYS.1007", "unknown format[null]"),
        ({"format": "QCOW2"}, "SYS.1007", "unknown format[QCOW2]"),
        ({"type": "other"}, "SYS.1007", "unsupported image type[other]"),
        (
            {"backupStorageUuids": [DISCONNECTED_BS, FULL_BS]},
            "SYS.1006",
            f"no backup storage specified in uuids[{DISCONNECTED_BS}, {FULL_BS}] is available for adding this image; they are not in status Connected or not in state Enabled, or the uuid is invalid backup storage uuid",
        ),
        (
            {"url": "gopher://x/y"},
            "SYS.1007",
            "url must starts with 'file:///', 'http://', 'https://'， 'ftp://', 'sftp://' or '/'",
        ),
        (
            {"url": "HTTP://x/y"},
            "SYS.1007",
            "url must starts with 'file:///', 'http://', 'https://'， 'ftp://', 'sftp://' or '/'",
        ),
        (
            {"url": "file:///etc/passwd"},
            "SYS.1007",
            "image path [/etc/passwd] is in black list /**/.*/**;/**/~*/**;/etc/**;/usr/local/zstack/**;/var/log/**;/dev/**;/proc/**;/sys/**",
        ),
        (
            {"url": "/home/u/.ssh/id"},
            "SYS.1007",
            "image path [/home/u/.ssh/id] is in black list /**/.*/**;/**/~*/**;/etc/**;/usr/local/zstack/**;/var/log/**;/dev/**;/proc/**;/sys/**",
        ),
        # ApiMediatorImpl
        (
            {"resourceUuid": "not-a-uuid"},
            "SYS.1007",
            "resourceUuid[not-a-uuid] is not a valid uuid. A valid uuid is a UUID(v4 recommended) with '-' stripped. see http://en.wikipedia.org/wiki/Universally_unique_identifier for format of UUID, the regular expression uses to validate a UUID is '[0-9a-f]{8}[0-9a-f]{4}[1-5][0-9a-f]{3}[89ab][0-9a-f]{3}[0-9a-f]{12}'",
        ),
    ],
)
def test_add_image__validation(zs: ZStack, params, code, details) -> None:
    error = zs.add_image_error(**params)
    assert (error["code"], error["details"]) == (code, details)
    assert (
        error["description"]
        == {
            "SYS.1007": SYS_1007,
            "SYS.1003": "A resource can not be found",
            "SYS.1006": "An operation failed",
        }[code]
    )


def test_add_image__missing_params_envelope_fails_in_job(zs: ZStack) -> None:
    rsp = zs.client.post("/zstack/v1/images", json={"name": "x"}, headers=zs.auth)
    error = zs.job_error(rsp)
    # the HashMap order visits url before name and backupStorageUuids
    assert error["details"] == f"field[url] of message[{V}] is mandatory, can not be null"


@pytest.mark.parametrize(
    ("params", "details"),
    [
        # a bad mediaType wins over a missing name (mediaType comes first in the HashMap order)
        ({"mediaType": "x", "name": None}, "valid value for field[mediaType]"),
        # an unknown backup storage loses to any bad field before it
        ({"backupStorageUuids": ["nope"], "platform": "x"}, "valid value for field[platform]"),
        # format is checked by the interceptor, after every @APIParam check
        ({"format": "bad", "name": "x" * 300}, "field[name]"),
    ],
)
def test_add_image__first_failing_field_wins_in_hashmap_order(zs: ZStack, params, details) -> None:
    assert details in zs.add_image_error(**params)["details"]


def test_add_image__param_errors_win_over_a_bad_session(zs: ZStack) -> None:
    rsp = zs.client.post(
        "/zstack/v1/images", json={"params": {"name": "n"}}, headers={"Authorization": "OAuth x"}
    )
    assert zs.job_error(rsp)["code"] == "SYS.1007"
    rsp = zs.client.post(
        "/zstack/v1/images",
        json={"params": {"name": "n", "url": IMAGE_URL, "backupStorageUuids": ["nope"]}},
        headers={"Authorization": "OAuth x"},
    )
    assert zs.job_error(rsp)["code"] == "SYS.1003"


def test_add_image__bad_session_wins_over_interceptor_checks(zs: ZStack) -> None:
    body = {"name": "n", "url": "gopher://x", "backupStorageUuids": [CONNECTED_BS]}
    rsp = zs.client.post(
        "/zstack/v1/images", json={"params": body}, headers={"Authorization": "OAuth nope"}
    )
    error = zs.job_error(rsp)
    assert (error["code"], error["details"]) == ("ID.1001", "Session expired")
    assert error["description"] == (
        "The session is invalid, either wrong session id or the session has been expired"
    )


def test_add_image__unknown_fields_are_ignored(zs: ZStack) -> None:
    rsp = zs.client.post(
        "/zstack/v1/images",
        json={
            "params": {
                "name": "n",
                "url": IMAGE_URL,
                "format": "raw",
                "backupStorageUuids": [CONNECTED_BS],
                "bogus": {"x": 1},
            },
            "alsoBogus": 1,
            "systemTags": ["bootMode::UEFI"],
            "userTags": [],
        },
        headers=zs.auth,
    )
    assert zs.poll(rsp).status_code == 200


def test_add_image__duplicate_resource_uuid_fails_in_job(zs: ZStack) -> None:
    uuid = "8c63603a810a4838a4cd62228e6e13b2"
    zs.ready_image(resourceUuid=uuid)
    error = zs.add_image_error(resourceUuid=uuid)
    assert error["code"] == "SYS.1000"


def test_add_image__error_carries_cost(zs: ZStack) -> None:
    assert zs.add_image_error(format=None)["cost"] == "0ms"
