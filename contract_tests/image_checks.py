"""The image checks: inventories, defaults, echoes, queries, DeleteImage's scope, installPath and
status; each one states one rule of the real server and shows the exchange that broke it.
"""

from __future__ import annotations

import re

from contract_tests.client import Exchange
from contract_tests.rejection import java_trim
from contract_tests.spec import Contract
from contract_tests.violations import fail, json_body
from zstack_spec.json_types import JSON


def image_inventory_conformance(inv: JSON, ex: Exchange, contract: Contract) -> None:
    """Every ImageInventory field has its type: integer sizes, uuids, Gson timestamps, refs."""
    errors = contract.errors("ImageInventory", inv)
    if errors:
        fail(
            "image_inventory_conformance",
            "the inventory matches ImageInventory",
            ex,
            "; ".join(errors[:5]),
        )


def image_defaults_conformance(inv: JSON, ex: Exchange) -> None:
    """Defaults are filled: RootVolumeTemplate, Linux, x86_64, zstack, virtio, Enabled."""
    expected = {
        "mediaType": "RootVolumeTemplate",
        "platform": "Linux",
        "guestOsType": "Linux",
        "architecture": "x86_64",
        "type": "zstack",
        "virtio": True,
        "system": False,
        "state": "Enabled",
    }
    wrong = {k: inv.get(k) for k, v in expected.items() if inv.get(k) != v}
    if wrong:
        fail(
            "image_defaults_conformance",
            f"unset fields take ZStack's defaults {expected}",
            ex,
            repr(wrong),
        )


def image_echo_conformance(
    inv: JSON, sent: dict[str, JSON], usable: set[str], ex: Exchange
) -> None:
    """What was sent comes back: the name trimmed, resourceUuid honoured, refs on usable storage."""
    name = "image_echo_conformance"
    # APIMessage.validate trims with String.trim (header/.../message/APIMessage.java L218-221)
    if inv.get("name") != java_trim(str(sent["name"])):
        fail(name, "the name comes back trimmed", ex, repr(inv.get("name")))
    if "resourceUuid" in sent and inv.get("uuid") != sent["resourceUuid"]:
        fail(name, "resourceUuid becomes the image uuid", ex, repr(inv.get("uuid")))
    refs = {r.get("backupStorageUuid") for r in inv.get("backupStorageRefs", [])}
    wanted = set(sent["backupStorageUuids"]) & usable
    if refs != wanted:
        fail(
            name,
            f"refs are made exactly on the usable backup storages sent {sorted(wanted)}",
            ex,
            repr(sorted(refs)),
        )
    if any(r.get("imageUuid") != inv.get("uuid") for r in inv.get("backupStorageRefs", [])):
        fail(name, "every ref names its image", ex)


def query_reply_conformance(ex: Exchange, contract: Contract, inventory: str) -> list[JSON]:
    """A query answers 200 {"inventories": [...], "schema": {...}}."""
    name = "query_reply_conformance"
    if ex.status != 200:
        fail(name, "a query answers 200", ex)
    body = json_body(name, ex)
    if not isinstance(body, dict) or not isinstance(body.get("inventories"), list):
        fail(name, "the reply carries an inventories list", ex)
    if not isinstance(body.get("schema"), dict):
        fail(name, "a query reply always carries schema", ex)
    for i, inv in enumerate(body["inventories"]):
        errors = contract.errors(inventory, inv)
        if errors:
            fail(name, f"inventories[{i}] matches {inventory}", ex, "; ".join(errors[:5]))
    inventories: list[JSON] = body["inventories"]
    return inventories


# -- DeleteImage's scope, image status, installPath (issue 13 §1, §3) ------------------------


def delete_scope_conformance(
    before: JSON, after: JSON, named: set[str] | None, ex: Exchange
) -> None:
    """DeleteImage deletes the copies on the backup storages it names (every copy when it names
    none) and no other; naming only storage that holds no copy changes nothing.

    Real server: ImageBase.handle(ImageDeletionMsg) L400-410 keeps the refs whose
    backupStorageUuid the message names; an image with refs left stays Ready.
    """
    name = "delete_scope_conformance"
    refs = {r["backupStorageUuid"] for r in before.get("backupStorageRefs", [])}
    doomed = refs if named is None else refs & named
    left = (
        {}
        if after is None
        else {
            r.get("backupStorageUuid"): r.get("status") for r in after.get("backupStorageRefs", [])
        }
    )
    kept = refs - doomed
    for bs in sorted(kept):
        if left.get(bs) != "Ready":
            fail(name, f"the copy on backup storage {bs}, not named, stays Ready", ex, repr(left))
    for bs in sorted(doomed):
        if left.get(bs) not in (None, "Deleted"):
            fail(name, f"the copy on backup storage {bs}, named, is deleted", ex, repr(left))
    if kept and (after is None or after.get("status") != "Ready"):
        status = None if after is None else after.get("status")
        fail(name, "an image with a copy left stays Ready", ex, repr(status))


JAVA_FILE_SLASHES = re.compile(r"/{2,}")
# BackupStoragePathMaker L20-29: extensions makeFilename keeps (compared with the base name)
KNOWN_IMAGE_EXTENSIONS = ("qcow2", "vmdk", "ova", "img", "vhd", "qcow", "raw")
# BackupStoragePathMaker L31-33: ISO and data volume templates share dataVolumeTemplates
TEMPLATE_FOLDERS = {
    "RootVolumeTemplate": "rootVolumeTemplates",
    "ISO": "dataVolumeTemplates",
    "DataVolumeTemplate": "dataVolumeTemplates",
}
FILE_SUFFIXES = {"RootVolumeTemplate": "template", "ISO": "iso", "DataVolumeTemplate": "volume"}


def java_file_join(*parts: str) -> str:
    """PathUtil.join (utils, L22-30): java.io.File drops repeated and trailing slashes."""
    joined = JAVA_FILE_SLASHES.sub("/", "/".join(parts))
    return joined.rstrip("/") if joined != "/" else joined


def sftp_file_name(url: str, media_type: str) -> str:
    """BackupStoragePathMaker.makeFilename L45-60: `<url base name>.<suffix>`.

    The suffix is the media type's (template, iso, volume) unless the base name itself is a
    known extension (the source compares the base name, not the extension, with that list).
    """
    last = JAVA_FILE_SLASHES.sub("/", url).rstrip("/").rsplit("/", 1)[-1]
    base, dot, ext = last.rpartition(".")
    if not dot:
        base, ext = last, ""
    if base not in KNOWN_IMAGE_EXTENSIONS:
        ext = FILE_SUFFIXES.get(media_type, ext)
    return f"{base}.{ext}"


def expected_install_path(inv: JSON, bs: JSON, account_uuid: str | None) -> re.Pattern[str] | None:
    """The installPath layout the source defines for this backup storage type, or None.

    SftpBackupStorage.handle(DownloadImageMsg) L190-199 joins the storage url with
    BackupStoragePathMaker.makeImageInstallPath L72-88; CephBackupStorageBase.makeImageInstallPath
    L685-687 is `ceph://<pool>/<image uuid>`. Other types (ImageStore is closed source): None.
    """
    uuid = re.escape(inv["uuid"])
    if bs.get("type") == "SftpBackupStorage":
        account = re.escape(account_uuid) if account_uuid else "[0-9a-f]{32}"
        folder = java_file_join(str(bs.get("url") or ""), TEMPLATE_FOLDERS[inv["mediaType"]])
        name = re.escape(sftp_file_name(str(inv.get("url") or ""), inv["mediaType"]))
        return re.compile(f"{re.escape(folder)}/acct-{account}/{uuid}/{name}")
    if bs.get("type") == "Ceph":
        pool = re.escape(bs["poolName"]) if bs.get("poolName") else "[^/]+"
        return re.compile(f"ceph://{pool}/{uuid}")
    return None


def install_path_conformance(
    inv: JSON, backup_storages: list[JSON], account_uuid: str | None, ex: Exchange
) -> None:
    """Each copy's installPath follows its storage type's layout, where the source defines one."""
    by_uuid = {b.get("uuid"): b for b in backup_storages}
    for ref in inv.get("backupStorageRefs", []):
        bs = by_uuid.get(ref.get("backupStorageUuid"))
        wanted = None if bs is None else expected_install_path(inv, bs, account_uuid)
        if (
            bs is not None
            and wanted is not None
            and not wanted.fullmatch(str(ref.get("installPath")))
        ):
            fail(
                "install_path_conformance",
                f"a copy on {bs['type']} lives at {wanted.pattern}",
                ex,
                repr(ref.get("installPath")),
            )


def image_status_conformance(inv: JSON, status: str | None, ex: Exchange) -> None:
    """The image is in the status its lifecycle gives it, each copy with it (None: it is gone)."""
    name = "image_status_conformance"
    if status is None:
        if inv is not None:
            fail(name, "the image is gone", ex, repr(inv.get("status")))
        return
    if inv is None:
        fail(name, f"the image is still there, {status}", ex, "it is gone")
    copies = sorted({str(r.get("status")) for r in inv.get("backupStorageRefs", [])})
    if inv.get("status") != status or set(copies) - {status}:
        fail(
            name,
            f"the image and each of its copies are {status}",
            ex,
            f"image {inv.get('status')!r}, copies {copies}",
        )
