"""AddImage: defaults, the download, and every validation rule with ZStack's code and message."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import (
    CEPH_BS,
    CONNECTED_BS,
    DISCONNECTED_BS,
    FULL_BS,
    IMAGE_URL,
    ZStack,
    make_app,
)

V = "org.zstack.header.message.ApiMessageParamValidator"
SYS_1007 = "One or more API argument is invalid"
ADMIN_UUID = "36c27e8ff05c4780bf6d2fa65700f22e"


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("\x00\x1f TinyLinux\t\x0b\x1c", "TinyLinux"),  # every char <= U+0020, controls too
        ("\u00a0TinyLinux\u3000", "\u00a0TinyLinux\u3000"),  # Unicode spaces are not trimmed
        ("\x85TinyLinux\u2028 ", "\x85TinyLinux\u2028"),
    ],
)
def test_add_image__strings_are_trimmed_as_javas_string_trim(zs: ZStack, sent, kept) -> None:
    image = zs.ready_image(name=sent, description=sent)
    assert (image["name"], image["description"]) == (kept, kept)


def test_add_image__length_is_checked_after_javas_trim(zs: ZStack) -> None:
    assert zs.ready_image(name="\x01" + "x" * 255 + "\x02")["name"] == "x" * 255
    rsp = zs.poll(zs.add_image(name="x" * 255 + "\u00a0"))
    assert rsp.json["error"]["details"] == (
        f"field[name] of message[{V}] exceeds max length of string. expected was <= 255, "
        "actual was 256"
    )


def test_add_image__fills_defaults_and_downloads(zs: ZStack) -> None:
    image = zs.ready_image(name="  TinyLinux  ")
    assert image["name"] == "TinyLinux"  # strings are trimmed
    assert image["status"] == "Ready"
    assert image["state"] == "Enabled"
    assert (image["mediaType"], image["platform"], image["guestOsType"]) == (
        "RootVolumeTemplate",
        "Linux",
        "Linux",
    )
    assert (image["architecture"], image["type"], image["virtio"], image["system"]) == (
        "x86_64",
        "zstack",
        True,
        False,
    )
    assert isinstance(image["size"], int) and image["size"] > 0
    assert 0 < image["actualSize"] <= image["size"]
    assert len(image["md5Sum"]) == 32
    [ref] = image["backupStorageRefs"]
    assert (ref["backupStorageUuid"], ref["status"], ref["imageUuid"]) == (
        CONNECTED_BS,
        "Ready",
        image["uuid"],
    )
    assert isinstance(ref["id"], int) and ref["id"] >= 1
    # SftpBackupStorage.handle(DownloadImageMsg) + BackupStoragePathMaker.makeImageInstallPath
    assert ref["installPath"] == (
        f"/zstack_bs/rootVolumeTemplates/acct-{ADMIN_UUID}/{image['uuid']}/tinylinux.template"
    )


@pytest.mark.parametrize(
    ("params", "file_path"),
    [
        (
            {"mediaType": "ISO", "url": "http://h/d/boot.iso"},
            "dataVolumeTemplates/acct-{a}/{u}/boot.iso",
        ),
        (
            {"format": "iso", "url": "http://h/boot.img"},
            "dataVolumeTemplates/acct-{a}/{u}/boot.iso",
        ),
        (
            {"mediaType": "DataVolumeTemplate", "url": "http://h/disk.raw"},
            "dataVolumeTemplates/acct-{a}/{u}/disk.volume",
        ),
        # the base name (not the extension) is tested against the known extensions
        ({"url": "http://h/raw.qcow2"}, "rootVolumeTemplates/acct-{a}/{u}/raw.qcow2"),
        ({"url": "http://h/noext"}, "rootVolumeTemplates/acct-{a}/{u}/noext.template"),
        ({"url": "http://h/a.b.qcow2?x=1"}, "rootVolumeTemplates/acct-{a}/{u}/a.b.template"),
        ({"url": "http://u:pw@h//dir//"}, "rootVolumeTemplates/acct-{a}/{u}/dir.template"),
    ],
)
def test_add_image__sftp_install_path_layout(zs: ZStack, params, file_path) -> None:
    image = zs.ready_image(**params)
    [ref] = image["backupStorageRefs"]
    expected = file_path.format(a=ADMIN_UUID, u=image["uuid"])
    assert ref["installPath"] == f"/zstack_bs/{expected}"


def test_add_image__downloading_image_already_has_its_install_path(spec) -> None:
    zs = ZStack(make_app(spec, job_delay=60.0).test_client())
    accepted = zs.add_image(backupStorageUuids=[CONNECTED_BS, CEPH_BS])
    uuid = zs.client.get("/zstack/v1/images", headers=zs.auth).json["inventories"][0]["uuid"]
    [image] = zs.query_image(uuid)
    assert image["status"] == "Downloading"
    assert [r["installPath"] for r in image["backupStorageRefs"]] == [
        f"/zstack_bs/rootVolumeTemplates/acct-{ADMIN_UUID}/{uuid}/tinylinux.template",
        f"ceph://zs-images/{uuid}",
    ]
    assert accepted.status_code == 202


def test_add_image__same_url_same_simulated_download(zs: ZStack) -> None:
    a, b = zs.ready_image(), zs.ready_image()
    assert (a["size"], a["actualSize"], a["md5Sum"]) == (b["size"], b["actualSize"], b["md5Sum"])
    c = zs.ready_image(url="http://other.example/x.qcow2")
    assert c["md5Sum"] != a["md5Sum"]


def test_add_image__resource_uuid_is_honoured(zs: ZStack) -> None:
    uuid = "8c63603a810a4838a4cd62228e6e13b2"
    assert zs.ready_image(resourceUuid=uuid)["uuid"] == uuid


def test_add_image__unusable_backup_storage_is_silently_filtered(zs: ZStack) -> None:
    image = zs.ready_image(backupStorageUuids=[CONNECTED_BS, DISCONNECTED_BS, FULL_BS, CEPH_BS])
    assert [r["backupStorageUuid"] for r in image["backupStorageRefs"]] == [CONNECTED_BS, CEPH_BS]
    ceph = image["backupStorageRefs"][1]
    assert ceph["installPath"] == f"ceph://zs-images/{image['uuid']}"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"mediaType": "ISO"}, "iso"),
        ({"format": "iso"}, "iso"),
    ],
)
def test_add_image__iso(zs: ZStack, params, message) -> None:
    image = zs.ready_image(**params)
    assert (image["format"], image["mediaType"]) == (message, "ISO")


def test_add_image__data_volume_template_gets_no_platform_defaults(zs: ZStack) -> None:
    image = zs.ready_image(mediaType="DataVolumeTemplate")
    assert "platform" not in image and "guestOsType" not in image and "architecture" not in image


@pytest.mark.parametrize(
    ("platform", "expected"), [("Paravirtualization", "Other"), ("WindowsVirtio", "Windows")]
)
def test_add_image__platform_aliases(zs: ZStack, platform, expected) -> None:
    image = zs.ready_image(platform=platform)
    assert (image["platform"], image["guestOsType"]) == (expected, expected)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        # URLBuilder.hideUrlPassword keeps only the user
        ("http://root:secret@192.168.1.20/a.qcow2", "http://root@192.168.1.20/a.qcow2"),
        ("ftp://root:a:b@h:21/a.qcow2", "ftp://root@h:21/a.qcow2"),
        ("http://root@h/a.qcow2", "http://root@h/a.qcow2"),
        ("http://h/a.qcow2?u=x:y@z", "http://h/a.qcow2?u=x:y@z"),
    ],
)
def test_add_image__password_in_url_is_hidden(zs: ZStack, url, shown) -> None:
    assert zs.ready_image(url=url)["url"] == shown


def test_add_image__slash_url_becomes_file_url(zs: ZStack) -> None:
    assert zs.ready_image(url="/opt/images/a.qcow2")["url"] == "file:///opt/images/a.qcow2"


def _error(zs: ZStack, replace: bool = False, **params) -> dict:
    body = (
        params
        if replace
        else {
            "name": "n",
            "url": IMAGE_URL,
            "format": "qcow2",
            "backupStorageUuids": [CONNECTED_BS],
            **params,
        }
    )
    rsp = zs.client.post("/zstack/v1/images", json={"params": body}, headers=zs.auth)
    return zs.job_error(rsp)


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
    error = _error(zs, **params)
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
    assert details in _error(zs, **params)["details"]


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
    error = _error(zs, resourceUuid=uuid)
    assert error["code"] == "SYS.1000"


def test_add_image__error_carries_cost(zs: ZStack) -> None:
    assert _error(zs, format=None)["cost"] == "0ms"


def test_add_image__upload_url_returns_while_downloading(zs: ZStack) -> None:
    image = zs.ready_image(url="upload://tinylinux.qcow2", backupStorageUuids=[CEPH_BS])
    assert image["status"] == "Downloading"
    assert image["backupStorageRefs"][0]["installPath"] == f"ceph://zs-images/{image['uuid']}"


@pytest.mark.parametrize("bs", [[CONNECTED_BS], [CEPH_BS, CONNECTED_BS]])
def test_add_image__upload_url_fails_on_sftp(zs: ZStack, bs) -> None:
    error = zs.job_error(zs.add_image(url="upload://tinylinux.qcow2", backupStorageUuids=bs))
    assert (error["code"], error["details"]) == (
        "SYS.1002",
        f"Failed to download image[name:TinyLinux] on all backup storage[{', '.join(bs)}].",
    )
    assert (error["cause"]["code"], error["cause"]["details"]) == (
        "SYS.1006",
        "SftpBackupStorage doesn't support scheme[upload] in url[upload://tinylinux.qcow2]",
    )
    assert zs.client.get("/zstack/v1/images", headers=zs.auth).json["inventories"] == []


# -- system and user tags ---------------------------------------------------------------------


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
    return image.system_tags, image.user_tags


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
    error = _error(zs, tagUuids=["a" * 32])
    assert (error["code"], error["details"]) == (
        "SYS.1003",
        f"invalid field[tagUuids], resource[uuids:[{'a' * 32}], type:TagPatternVO] not found",
    )


def test_add_image__tags_inside_params_are_never_a_finding(zs: ZStack) -> None:
    zs.poll(_add_with_tags(zs, {"systemTags": ["bootMode::UEFI"], "userTags": ["u"]}))
    entries = zs.client.get("/_mock/journal").json["entries"]
    add = next(e for e in entries if e["api"] == "AddImage")
    assert add["findings"] == []
