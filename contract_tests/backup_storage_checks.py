"""Checks of the backup storage actions and the exports (issue 11): results, URLs, refs."""

from __future__ import annotations

import hashlib
import uuid
from urllib.parse import quote

from contract_tests.checks import job_success_conformance
from contract_tests.client import Exchange, JobRun
from contract_tests.spec import Contract
from contract_tests.violations import fail, json_body
from zstack_spec.json_types import JSON

# SftpBackupStorage.getSelfInventory (Sftp L92-94) adds these; Ceph keeps the base inventory
SFTP_FIELDS = ("hostname", "username", "sshPort")


def export_result_conformance(
    run: JobRun, contract: Contract, stored: str | None = None
) -> dict[str, JSON]:
    """ExportImageFromBackupStorage's job gives {"imageUrl", "exportMd5Sum", "success": true}.

    APIExportImageFromBackupStorageEvent.java L6 `fieldsTo = {"all"}`; an image already exported
    (`stored`: its URL) gets that URL and no md5 (CephBackupStorageBase L1763-1766).
    """
    name = "export_result_conformance"
    job_success_conformance(run)
    body = export_shape_conformance(run.result, contract)
    if stored is None and not isinstance(body.get("exportMd5Sum"), str):
        fail(name, "the first export carries the agent's exportMd5Sum", run.result)
    if stored is not None and ("exportMd5Sum" in body or body["imageUrl"] != stored):
        fail(name, f"a repeated export returns the stored URL {stored!r} only, no md5", run.result)
    return body


def export_shape_conformance(ex: Exchange, contract: Contract) -> dict[str, JSON]:
    """A successful export's body matches ExportImageFromBackupStorageResult."""
    body = json_body("export_shape_conformance", ex)
    errors = contract.errors("ExportImageFromBackupStorageResult", body)
    if errors:
        fail(
            "export_shape_conformance",
            "the result matches ExportImageFromBackupStorageResult",
            ex,
            "; ".join(errors[:5]),
        )
    result: dict[str, JSON] = body
    return result


def export_token(image_uuid: str) -> str:
    """Platform.getUuidFromBytes(imageUuid.getBytes()) (core/.../Platform.java L703-705)."""
    return uuid.UUID(bytes=hashlib.md5(image_uuid.encode()).digest(), version=3).hex


def export_url_conformance(url: str, image: JSON, ref: JSON, ex: Exchange) -> None:
    """The Ceph export URL: `<agent>/ceph/export/<pool>/<name>-<image>?token=<token>`.

    CephBackupStorageBase.exportImage L1768-1796 (pool and image are the installPath's last two
    segments) and ImageHelper.addNameToExportUrl L76-84 (the name, URL-encoded, before the image).
    """
    pool, image_name = str(ref.get("installPath", "")).split("/")[-2:]
    encoded = quote(str(image["name"]), safe="!$&'()*+,;=:@")
    tail = f"/{pool}/{encoded}-{image_name}?token={export_token(image['uuid'])}"
    if "/ceph/export/" not in url or not url.endswith(tail):
        fail(
            "export_url_conformance",
            f"the URL is the Ceph agent's export URL ending {tail!r}",
            ex,
            repr(url),
        )


def export_ref_conformance(
    inventory: JSON, bs_uuid: str, url: str | None, md5: str | None, ex: Exchange
) -> None:
    """The image's ref on the backup storage shows the export (ImageBackupStorageRefInventory)."""
    refs = [
        r for r in inventory.get("backupStorageRefs", []) if r.get("backupStorageUuid") == bs_uuid
    ]
    if not refs:
        fail("export_ref_conformance", f"the image keeps its ref on {bs_uuid}", ex)
    got = (refs[0].get("exportUrl"), refs[0].get("exportMd5Sum"))
    if got != (url, md5):
        fail(
            "export_ref_conformance",
            f"the ref's exportUrl, exportMd5Sum are {(url, md5)!r}",
            ex,
            repr(got),
        )


def backup_storage_result_conformance(run: JobRun, contract: Contract) -> dict[str, JSON]:
    """{"inventory": getSelfInventory()}: Sftp adds hostname, username, sshPort; Ceph is base."""
    name = "backup_storage_result_conformance"
    body = job_success_conformance(run)
    errors = contract.errors("BackupStorageResult", body)
    if errors:
        fail(name, "the result matches BackupStorageResult", run.result, "; ".join(errors[:5]))
    inventory: dict[str, JSON] = body["inventory"]
    has_sftp = [f for f in SFTP_FIELDS if f in inventory]
    if inventory.get("type") == "SftpBackupStorage" and len(has_sftp) != len(SFTP_FIELDS):
        fail(name, f"an Sftp backup storage's inventory has {SFTP_FIELDS}", run.result)
    if inventory.get("type") == "Ceph" and has_sftp:
        fail(name, "a Ceph backup storage's event inventory is the base one", run.result)
    return inventory


def backup_storage_echo_conformance(
    after: JSON, before: JSON, changed: dict[str, JSON], ex: Exchange
) -> None:
    """Only what the action changes differs (and lastOpDate, which the row update may move)."""
    skip = {"lastOpDate", *changed}
    # the event's inventory may be the base class's: compare the fields it has
    diff = {k: (before.get(k), v) for k, v in after.items() if k not in skip and before.get(k) != v}
    wrong = {k: after.get(k) for k, v in changed.items() if after.get(k) != v}
    if diff or wrong:
        fail(
            "backup_storage_echo_conformance",
            f"only {sorted(changed)} change, to {changed}",
            ex,
            repr({**diff, **wrong}),
        )


def candidate_reply_conformance(ex: Exchange, contract: Contract) -> list[JSON]:
    """200 {"inventories": [base BackupStorageInventory, ...]} (no `schema` unless asked)."""
    name = "candidate_reply_conformance"
    if ex.status != 200:
        fail(name, "GetCandidateBackupStorageForCreatingImage answers 200", ex)
    body = json_body(name, ex)
    errors = contract.errors("GetCandidateBackupStorageForCreatingImageReply", body)
    if errors:
        fail(name, "the reply matches its schema", ex, "; ".join(errors[:5]))
    if "schema" in body:
        fail(name, "no schema without X-JSON-Schema (not an APIQueryReply)", ex)
    # HostAllocatorManagerImpl L106-151: only Enabled, Connected backup storage are candidates
    if any(
        b.get("state") != "Enabled" or b.get("status") != "Connected" for b in body["inventories"]
    ):
        fail(name, "every candidate is Enabled and Connected", ex)
    inventories: list[JSON] = body["inventories"]
    return inventories
