"""AddImage: the inventory it returns, and every documented constraint with the real code and message."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from contract_tests import checks
from contract_tests.client import JobRun
from contract_tests.session import ZStackSession

V = "org.zstack.header.message.ApiMessageParamValidator"
URL_RULE = "url must starts with 'file:///', 'http://', 'https://'， 'ftp://', 'sftp://' or '/'"


def new_zstack_uuid() -> str:
    raw = secrets.token_hex(16)
    return raw[:12] + "4" + raw[13:16] + "8" + raw[17:]


def test_add_image__inventory_fields_and_defaults(zstack: ZStackSession) -> None:
    run, sent = zstack.add_image(name=f"  {zstack.image_name()}  ")
    result = zstack.check(checks.job_success_conformance, run)
    inventory = result["inventory"]
    zstack.check(checks.image_inventory_conformance, inventory, run.result, zstack.contract)
    zstack.check(checks.image_defaults_conformance, inventory, run.result)
    zstack.check(
        checks.image_echo_conformance, inventory, sent, zstack.usable_backup_storages, run.result
    )
    assert inventory["status"] == "Ready", run.result.describe()


@pytest.fixture
def unusable_backup_storage(zstack: ZStackSession) -> str:
    unusable = zstack.unusable_backup_storage_uuid
    if unusable is None:
        pytest.skip("the target has no Disconnected or full backup storage")
    return unusable


def echoed(zstack: ZStackSession, run: JobRun, sent: dict[str, Any]) -> None:
    inventory = zstack.check(checks.job_success_conformance, run)["inventory"]
    usable = zstack.usable_backup_storages
    zstack.check(checks.image_echo_conformance, inventory, sent, usable, run.result)


def test_add_image__resource_uuid_is_honoured(zstack: ZStackSession) -> None:
    echoed(zstack, *zstack.add_image(resourceUuid=new_zstack_uuid()))


def test_add_image__refs_only_on_usable_backup_storage(
    zstack: ZStackSession, unusable_backup_storage: str
) -> None:
    echoed(
        zstack,
        *zstack.add_image(backupStorageUuids=[zstack.backup_storage_uuid, unusable_backup_storage]),
    )


def test_add_image__only_unusable_backup_storage_is_sys_1006(
    zstack: ZStackSession, unusable_backup_storage: str
) -> None:
    run, _ = zstack.add_image(backupStorageUuids=[unusable_backup_storage])
    zstack.check(checks.error_code_conformance, run.result, zstack.contract, "SYS.1006",
                 contains=f"no backup storage specified in uuids[{unusable_backup_storage}] is available")  # fmt: skip


def test_add_image__unknown_fields_are_ignored(zstack: ZStackSession) -> None:
    run, _ = zstack.add_image(notAField={"x": 1})
    zstack.check(checks.job_success_conformance, run)
    body = {"params": zstack.image_params(), "notTopLevel": 1, "systemTags": [], "userTags": []}
    run = zstack.client.call("POST", "/v1/images", body=body)
    zstack.track(run)
    zstack.check(checks.job_success_conformance, run)


# (params overriding a valid request, code, exact details)
VALIDATION = [
    # required fields
    ({"name": None}, "SYS.1007", f"field[name] of message[{V}] is mandatory, can not be null"),
    ({"url": None}, "SYS.1007", f"field[url] of message[{V}] is mandatory, can not be null"),
    ({"backupStorageUuids": None}, "SYS.1007", f"field[backupStorageUuids] of message[{V}] is mandatory, can not be null"),
    # lengths
    ({"name": "n" * 256}, "SYS.1007", f"field[name] of message[{V}] exceeds max length of string. expected was <= 255, actual was 256"),
    ({"description": "d" * 2049}, "SYS.1007", f"field[description] of message[{V}] exceeds max length of string. expected was <= 2048, actual was 2049"),
    ({"guestOsType": "g" * 256}, "SYS.1007", f"field[guestOsType] of message[{V}] exceeds max length of string. expected was <= 255, actual was 256"),
    # enums (case-sensitive)
    ({"mediaType": "iso"}, "SYS.1007", f"valid value for field[mediaType] of message[{V}] are [RootVolumeTemplate, ISO, DataVolumeTemplate], but iso found"),
    ({"platform": "Mac"}, "SYS.1007", f"valid value for field[platform] of message[{V}] are [Linux, Windows, Other, Paravirtualization, WindowsVirtio], but Mac found"),
    ({"architecture": "i386"}, "SYS.1007", f"valid value for field[architecture] of message[{V}] are [x86_64, aarch64, mips64el, loongarch64], but i386 found"),
    ({"url": "http://" + "u" * 1018}, "SYS.1007", f"field[url] of message[{V}] exceeds max length of string. expected was <= 1024, actual was 1025"),
    # lists
    ({"backupStorageUuids": []}, "SYS.1007", "field[backupStorageUuids] must be a nonempty list"),
    ({"backupStorageUuids": [None]}, "SYS.1007", "field[backupStorageUuids] cannot contain a NULL element"),
    # unknown backup storage (PortApiValidator)
    ({"backupStorageUuids": ["0" * 32]}, "SYS.1003", f"invalid field[backupStorageUuids], resource[uuids:[{'0' * 32}], type:BackupStorageVO] not found"),
    # ImageApiInterceptor
    ({"system": True, "mediaType": "ISO"}, "SYS.1007", "ISO cannot be used as system image"),
    ({"format": None}, "SYS.1007", "unknown format[null]"),
    ({"format": "Qcow2"}, "SYS.1007", "unknown format[Qcow2]"),
    ({"type": "docker"}, "SYS.1007", "unsupported image type[docker]"),
    ({"url": "gopher://host/image"}, "SYS.1007", URL_RULE),
    ({"url": "Http://host/image"}, "SYS.1007", URL_RULE),
    # resourceUuid (ApiMediatorImpl)
    ({"resourceUuid": "NOT-A-UUID"}, "SYS.1007", "resourceUuid[NOT-A-UUID] is not a valid uuid. A valid uuid is a UUID(v4 recommended) with '-' stripped. see http://en.wikipedia.org/wiki/Universally_unique_identifier for format of UUID, the regular expression ZStack uses to validate a UUID is '[0-9a-f]{8}[0-9a-f]{4}[1-5][0-9a-f]{3}[89ab][0-9a-f]{3}[0-9a-f]{12}'"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("params", "code", "details"), VALIDATION, ids=[str(v[0])[:40] for v in VALIDATION]
)
def test_add_image__validation(
    zstack: ZStackSession, params: dict[str, Any], code: str, details: str
) -> None:
    run, _ = zstack.add_image(**params) if None not in params.values() else _without(zstack, params)
    zstack.check(checks.job_accepted_conformance, run.accepted, 259200000)
    zstack.check(checks.error_code_conformance, run.result, zstack.contract, code, details)


def _without(zstack: ZStackSession, params: dict[str, Any]) -> tuple[JobRun, dict[str, Any]]:
    sent = {k: v for k, v in zstack.image_params().items() if k not in params}
    sent.update({k: v for k, v in params.items() if v is not None})
    run = zstack.client.add_image(sent)
    zstack.track(run)
    return run, sent


def _with_unknown_session(zstack: ZStackSession, **params: Any) -> JobRun:
    body = {"params": zstack.image_params(**params)}
    unknown = {"Authorization": "OAuth " + "0" * 32}
    return zstack.client.call("POST", "/v1/images", body=body, headers=unknown)


def _fails_on_media_type(zstack: ZStackSession, run: JobRun) -> None:
    zstack.check(checks.error_code_conformance, run.result, zstack.contract, "SYS.1007",
                 contains="field[mediaType]")  # fmt: skip


def test_add_image__param_errors_win_over_a_bad_session(zstack: ZStackSession) -> None:
    """@APIParam checks run at SYSTEM, before the session check (zstack-behaviour.md §3)."""
    _fails_on_media_type(zstack, _with_unknown_session(zstack, mediaType="Bogus"))


def test_add_image__bad_session_wins_over_interceptor_checks(zstack: ZStackSession) -> None:
    """ImageApiInterceptor runs at DEFAULT, after the session check: ID.1001 wins."""
    run = _with_unknown_session(zstack, format="nope")
    zstack.check(checks.error_code_conformance, run.result, zstack.contract, "ID.1001")


def test_add_image__first_failing_field_in_zstack_order_wins(zstack: ZStackSession) -> None:
    """Fields are checked in a HashMap's order: mediaType before name (zstack-behaviour.md §9)."""
    sent = {k: v for k, v in zstack.image_params(mediaType="Bogus").items() if k != "name"}
    _fails_on_media_type(zstack, zstack.client.add_image(sent))
