"""AddImage: defaults, the download, install paths, platforms, ISO and upload URLs."""

from __future__ import annotations

import pytest

from tests.conftest import (
    CEPH_BS,
    CONNECTED_BS,
    DISCONNECTED_BS,
    FULL_BS,
    ZStack,
)

V = "org.zstack.header.message.ApiMessageParamValidator"
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


def test_add_image__downloading_image_already_has_its_install_path(make_app) -> None:
    zs = ZStack(make_app(job_delay=60.0).test_client())
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
