"""The contract's checks: small named functions that raise ContractViolation with the evidence.

Each check states one rule of the real server (zstack-behaviour.md) and shows the request and
response that broke it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn, ParamSpec, TypeVar

from contract_tests.client import Exchange, JobRun
from contract_tests.i18n import Text
from contract_tests.messages import Message
from contract_tests.model import Rejection, java_trim
from contract_tests.spec import Contract

JSON = Any
P = ParamSpec("P")
R = TypeVar("R")

JOB_LOCATION = re.compile(r"^https?://[^/]+(/.*)?/v1/api-jobs/[0-9a-zA-Z]{32}$")
ERROR_CODE = re.compile(r"^[A-Z]+\.\d+$")


class ContractViolation(AssertionError):  # it is what the suite reports
    """A response broke a rule of the contract."""

    def __init__(self, check: str, rule: str, exchange: Exchange | None, detail: str = "") -> None:
        parts = [f"[{check}] {rule}"]
        if detail:
            parts.append(f"  found: {detail}")
        if exchange is not None:
            parts.append(exchange.describe())
        super().__init__("\n".join(parts))
        self.check = check


def _fail(check: str, rule: str, ex: Exchange | None, detail: str = "") -> NoReturn:
    raise ContractViolation(check, rule, ex, detail)


def _json(check: str, ex: Exchange) -> JSON:
    body = ex.json_or_none()
    if body is None:
        _fail(check, "the body must be JSON", ex)
    return body


# -- async protocol --------------------------------------------------------------------------


def job_accepted_conformance(ex: Exchange, api_timeout: int) -> None:
    """An async API answers 202 {"location": absolute job URL, "apiTimeout": ms} (§6)."""
    name = "job_accepted_conformance"
    if ex.status != 202:
        _fail(name, "an async API answers 202 and runs its checks inside the job", ex)
    body = _json(name, ex)
    location = body.get("location") if isinstance(body, dict) else None
    if not isinstance(location, str) or not JOB_LOCATION.match(location):
        _fail(name, "location is an absolute URL <base>/v1/api-jobs/<32 chars>", ex, repr(location))
    if body.get("apiTimeout") != api_timeout or isinstance(body.get("apiTimeout"), bool):
        _fail(name, f"apiTimeout is the integer {api_timeout}", ex, repr(body.get("apiTimeout")))


def job_poll_conformance(run: JobRun) -> None:
    """Polls answer 202 {} while running, then 200 with the result or 503 with the error."""
    name = "job_poll_conformance"
    if not run.polls:
        _fail(name, "the job's location can be polled", run.accepted)
    for ex in run.polls[:-1]:
        if ex.status != 202 or ex.json_or_none() != {}:
            _fail(name, "a running job polls as 202 with the body {}", ex)
    last = run.polls[-1]
    if last.status == 202:
        _fail(name, "the job ends within the job timeout", last)
    if last.status not in (200, 503):
        _fail(name, "a finished job polls as 200 (success) or 503 (failure)", last)
    _json(name, last)


def job_success_conformance(run: JobRun) -> dict[str, JSON]:
    """The finished job's result, which must be a success."""
    job_poll_conformance(run)
    name = "job_success_conformance"
    if run.result.status != 200:
        _fail(name, "this job succeeds on a real server", run.result)
    body = _json(name, run.result)
    if not isinstance(body, dict):
        _fail(name, "a job's result is a JSON object", run.result)
    result: dict[str, JSON] = body
    return result


def unknown_job_conformance(ex: Exchange) -> None:
    """An unknown job polls as 404 plain text `the job has been expired`."""
    plain_text_conformance(ex, 404, "the job has been expired")


# -- errors ----------------------------------------------------------------------------------


def _error_object(check: str, error: JSON, ex: Exchange, contract: Contract, where: str) -> None:
    if not isinstance(error, dict):
        _fail(check, f"{where} is an ErrorCode object", ex, repr(error))
    code, description, details = error.get("code"), error.get("description"), error.get("details")
    if not isinstance(code, str) or not ERROR_CODE.match(code):
        _fail(check, f"{where}.code matches ^[A-Z]+\\.\\d+$", ex, repr(code))
    expected = contract.error_descriptions.get(code)
    if expected is not None and description != expected:
        _fail(
            check,
            f"{where}.description is ZStack's text for {code}: {expected!r}",
            ex,
            repr(description),
        )
    if not isinstance(description, str) or not description:
        _fail(check, f"{where}.description is a non-empty string", ex, repr(description))
    if "details" in error and (not isinstance(details, str) or not details):
        _fail(check, f"{where}.details is a non-empty string", ex, repr(details))
    if "cause" in error:
        _error_object(check, error["cause"], ex, contract, f"{where}.cause")


def error_envelope_conformance(ex: Exchange, contract: Contract) -> dict[str, JSON]:
    """A failure is 503 {"error": ErrorCode}: code, ZStack's description, details; cause alike."""
    name = "error_envelope_conformance"
    if ex.status != 503:
        _fail(name, "a failed job or sync call answers 503", ex)
    body = _json(name, ex)
    if not isinstance(body, dict) or "error" not in body:
        _fail(name, 'the body is {"error": {...}}', ex)
    _error_object(name, body["error"], ex, contract, "error")
    if not isinstance(body["error"].get("details"), str):
        _fail(name, "error.details is a non-empty string", ex)
    error: dict[str, JSON] = body["error"]
    return error


def error_code_conformance(
    ex: Exchange,
    contract: Contract,
    code: str,
    details: Text | None = None,
    contains: str | None = None,
) -> dict[str, JSON]:
    """The failure carries the real server's code and message for this case.

    `details` is checked in the target's language (i18n.py): the source format rendered as
    ZStack renders it in each language the target's details so far are consistent with.
    """
    error = error_envelope_conformance(ex, contract)
    name = "error_code_conformance"
    if error["code"] != code:
        _fail(name, f"the real server fails this with {code}", ex, error["code"])
    if details is not None and not in_target_language(contract, details, error["details"]):
        said = contract.language.expected(contract.catalogue, details)
        _fail(name, f"details is the real server's message: {said}", ex, repr(error["details"]))
    if contains is not None and contains not in error["details"]:
        _fail(name, f"details names {contains!r}", ex, repr(error["details"]))
    return error


def in_target_language(contract: Contract, expected: Text, details: object) -> bool:
    """Whether `details` is `expected` in a language the target may speak; narrows the language."""
    return isinstance(details, str) and contract.language.accept(
        contract.catalogue, expected, details
    )


def message_variant_conformance(
    ex: Exchange, contract: Contract, code: str, message: Message, *args: str
) -> str:
    """The failure carries one known variant of a message releases word differently; its name."""
    error = error_code_conformance(ex, contract, code)
    variant = message.match(error["details"], *args)
    if variant is None:
        known = "; ".join(f"{v.name} ({v.source}): {v.render(*args)!r}" for v in message.variants)
        _fail(
            "message_variant_conformance",
            f"details is a known {message.key}: {known}",
            ex,
            repr(error["details"]),
        )
    return variant.name


def plain_text_conformance(ex: Exchange, status: int, text: str | None = None) -> None:
    """RestServer's own rejections are plain text with the real message, never JSON."""
    name = "plain_text_conformance"
    if ex.status != status:
        _fail(name, f"the REST layer answers {status}", ex)
    body = ex.json_or_none()
    if isinstance(body, dict | list):
        _fail(name, "the REST layer's error is plain text, not JSON", ex)
    if text is not None and ex.response_text != text:
        _fail(name, f"the body is the real message {text!r}", ex, repr(ex.response_text))


# -- results and inventories -----------------------------------------------------------------


def empty_result_conformance(ex: Exchange) -> None:
    """Delete and Expunge succeed with {} ({"schema": {}} when X-JSON-Schema was sent)."""
    body = ex.json_or_none()
    if ex.status != 200 or body not in ({}, {"schema": {}}):
        _fail("empty_result_conformance", "the job result is {}", ex)


def image_inventory_conformance(inv: JSON, ex: Exchange, contract: Contract) -> None:
    """Every ImageInventory field has its type: integer sizes, uuids, Gson timestamps, refs."""
    errors = contract.errors("ImageInventory", inv)
    if errors:
        _fail(
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
        _fail(
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
        _fail(name, "the name comes back trimmed", ex, repr(inv.get("name")))
    if "resourceUuid" in sent and inv.get("uuid") != sent["resourceUuid"]:
        _fail(name, "resourceUuid becomes the image uuid", ex, repr(inv.get("uuid")))
    refs = {r.get("backupStorageUuid") for r in inv.get("backupStorageRefs", [])}
    wanted = set(sent["backupStorageUuids"]) & usable
    if refs != wanted:
        _fail(
            name,
            f"refs are made exactly on the usable backup storages sent {sorted(wanted)}",
            ex,
            repr(sorted(refs)),
        )
    if any(r.get("imageUuid") != inv.get("uuid") for r in inv.get("backupStorageRefs", [])):
        _fail(name, "every ref names its image", ex)


def query_reply_conformance(ex: Exchange, contract: Contract, inventory: str) -> list[JSON]:
    """A query answers 200 {"inventories": [...], "schema": {...}}."""
    name = "query_reply_conformance"
    if ex.status != 200:
        _fail(name, "a query answers 200", ex)
    body = _json(name, ex)
    if not isinstance(body, dict) or not isinstance(body.get("inventories"), list):
        _fail(name, "the reply carries an inventories list", ex)
    if not isinstance(body.get("schema"), dict):
        _fail(name, "a query reply always carries schema", ex)
    for i, inv in enumerate(body["inventories"]):
        errors = contract.errors(inventory, inv)
        if errors:
            _fail(name, f"inventories[{i}] matches {inventory}", ex, "; ".join(errors[:5]))
    inventories: list[JSON] = body["inventories"]
    return inventories


# -- bookkeeping for the summary -------------------------------------------------------------


@dataclass(slots=True)
class CheckLog:
    """How often each check passed and failed, for the summary at the end of the run."""

    passed: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    failed: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    facts: dict[str, str] = field(default_factory=dict)

    def run(self, check: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            result = check(*args, **kwargs)
        except ContractViolation as e:
            self.failed[e.check] += 1
            raise
        self.passed[check.__name__] += 1
        return result


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
            _fail(name, f"the copy on backup storage {bs}, not named, stays Ready", ex, repr(left))
    for bs in sorted(doomed):
        if left.get(bs) not in (None, "Deleted"):
            _fail(name, f"the copy on backup storage {bs}, named, is deleted", ex, repr(left))
    if kept and (after is None or after.get("status") != "Ready"):
        status = None if after is None else after.get("status")
        _fail(name, "an image with a copy left stays Ready", ex, repr(status))


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
            _fail(
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
            _fail(name, "the image is gone", ex, repr(inv.get("status")))
        return
    if inv is None:
        _fail(name, f"the image is still there, {status}", ex, "it is gone")
    copies = sorted({str(r.get("status")) for r in inv.get("backupStorageRefs", [])})
    if inv.get("status") != status or set(copies) - {status}:
        _fail(
            name,
            f"the image and each of its copies are {status}",
            ex,
            f"image {inv.get('status')!r}, copies {copies}",
        )


# -- the generated layer's oracle for invalid input (issue 13 §4) ----------------------------


def negative_data_rejection(rejection: Rejection, run: JobRun, contract: Contract) -> None:
    """A request the contract's model of ZStack's checks rejects gets the answer it predicts:
    the REST layer's plain-text 400/500, or a 202 whose job fails with the predicted error."""
    name = "negative_data_rejection"
    rule = f"ZStack rejects this ({rejection.rule})"
    if rejection.status != 503:
        ex = run.accepted
        if ex.status != rejection.status or isinstance(ex.json_or_none(), dict | list):
            _fail(name, f"{rule}: {rejection.status} plain text, before any job", ex)
        if rejection.contains is not None and rejection.contains not in ex.response_text:
            _fail(name, f"{rule}: the text names {rejection.contains!r}", ex)
        return
    if run.accepted.status != 202:
        _fail(name, f"{rule} inside the job: the request is accepted with 202", run.accepted)
    body = run.result.json_or_none() if run.result.status == 503 else None
    error = body.get("error") if isinstance(body, dict) else None
    text = rejection.details.raw() if rejection.details else rejection.variant_of or ""
    wanted = f"{rejection.code} {text}"
    if not isinstance(error, dict) or error.get("code") != rejection.code:
        _fail(name, f"{rule}: the job fails with {wanted!r}", run.result)
    details = str(error.get("details"))
    expected = rejection.details
    if expected is not None and not in_target_language(contract, expected, details):
        said = contract.language.expected(contract.catalogue, expected)
        _fail(name, f"{rule}: details is {said}", run.result, repr(details))
    variant = rejection.variant_of
    if variant is not None and variant.match(details, *rejection.variant_args) is None:
        _fail(name, f"{rule}: details is a known {variant.key}", run.result, repr(details))
