"""AddImage: the inventory it returns, and every documented constraint with the real code and message."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from contract_tests import checks, model
from contract_tests.client import JobRun
from contract_tests.i18n import Text
from contract_tests.session import ZStackSession

V = "org.zstack.header.message.ApiMessageParamValidator"
# the source formats (spec's x-zstack-messages: where each is sent, its catalogue entries)
MANDATORY = "field[%s] of message[%s] is mandatory, can not be null"
VALID_VALUES = "valid value for field[%s] of message[%s] are %s, but %s found"
NO_USABLE = (
    "no backup storage specified in uuids%s is available for adding this image; they are not in "
    "status %s or not in state %s, or the uuid is invalid backup storage uuid"
)
URL_RULE = Text.of(
    "url must starts with 'file:///', 'http://', 'https://'， 'ftp://', 'sftp://' or '/'"
)


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


def test_add_image__name_is_trimmed_as_javas_string_trim(zstack: ZStackSession) -> None:
    # String.trim strips U+0000..U+0020 and keeps U+00A0 (APIMessage.java L218-221)
    run, sent = zstack.add_image(name=f"\x01 {zstack.image_name()}\u00a0 ")
    inventory = zstack.check(checks.job_success_conformance, run)["inventory"]
    zstack.check(
        checks.image_echo_conformance, inventory, sent, zstack.usable_backup_storages, run.result
    )
    assert inventory["name"].endswith("\u00a0"), run.result.describe()


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
    zstack.check(
        checks.error_code_conformance,
        run.result,
        zstack.contract,
        "SYS.1006",
        Text.of(NO_USABLE, f"[{unusable_backup_storage}]", "Connected", "Enabled"),
    )


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
    ({"name": None}, "SYS.1007", Text.of(MANDATORY, "name", V)),
    ({"url": None}, "SYS.1007", Text.of(MANDATORY, "url", V)),
    ({"backupStorageUuids": None}, "SYS.1007", Text.of(MANDATORY, "backupStorageUuids", V)),
    # lengths: test_add_image__max_length_* below
    # enums (case-sensitive)
    (
        {"mediaType": "iso"},
        "SYS.1007",
        Text.of(
            VALID_VALUES, "mediaType", V, "[RootVolumeTemplate, ISO, DataVolumeTemplate]", "iso"
        ),
    ),
    (
        {"platform": "Mac"},
        "SYS.1007",
        Text.of(
            VALID_VALUES,
            "platform",
            V,
            "[Linux, Windows, Other, Paravirtualization, WindowsVirtio]",
            "Mac",
        ),
    ),
    (
        {"architecture": "i386"},
        "SYS.1007",
        Text.of(
            VALID_VALUES, "architecture", V, "[x86_64, aarch64, mips64el, loongarch64]", "i386"
        ),
    ),
    # lists
    (
        {"backupStorageUuids": []},
        "SYS.1007",
        Text.of("field[%s] must be a nonempty list", "backupStorageUuids"),
    ),
    (
        {"backupStorageUuids": [None]},
        "SYS.1007",
        Text.of("field[%s] cannot contain a NULL element", "backupStorageUuids"),
    ),
    # unknown backup storage (PortApiValidator)
    (
        {"backupStorageUuids": ["0" * 32]},
        "SYS.1003",
        Text.of(
            "invalid field[%s], resource[uuids:%s, type:%s] not found",
            "backupStorageUuids",
            f"[{'0' * 32}]",
            "BackupStorageVO",
        ),
    ),
    # ImageApiInterceptor
    (
        {"system": True, "mediaType": "ISO"},
        "SYS.1007",
        Text.of("ISO cannot be used as system image"),
    ),
    ({"format": None}, "SYS.1007", Text.of("unknown format[%s]", None)),
    ({"format": "Qcow2"}, "SYS.1007", Text.of("unknown format[%s]", "Qcow2")),
    ({"type": "docker"}, "SYS.1007", Text.of("unsupported image type[%s]", "docker")),
    ({"url": "gopher://host/image"}, "SYS.1007", URL_RULE),
    ({"url": "Http://host/image"}, "SYS.1007", URL_RULE),
    # resourceUuid: test_errors.py checks ApiMediatorImpl's text and its variants
]


@pytest.mark.parametrize(
    ("params", "code", "details"), VALIDATION, ids=[str(v[0])[:40] for v in VALIDATION]
)
def test_add_image__validation(
    zstack: ZStackSession, params: dict[str, Any], code: str, details: Text
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
    zstack.check(
        checks.error_code_conformance,
        run.result,
        zstack.contract,
        "SYS.1007",
        contains="field[mediaType]",
    )


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


# -- empty name and field boundaries (issue 13 §3) -------------------------------------------


def test_add_image__empty_name_is_accepted(zstack: ZStackSession) -> None:
    """@APIParam's emptyString defaults to true (APIParam.java L27), so the check that rejects an
    empty string (ApiMessageParamValidator.java L81-89) does not run for AddImage's name."""
    uuid = new_zstack_uuid()
    # the image is not named with the run's prefix: cleanup finds it by this recorded uuid
    zstack.reserved.append(uuid)
    echoed(zstack, *zstack.add_image(name="", resourceUuid=uuid))


# a BMP character outside ASCII: one UTF-16 unit (what Java's String.length() counts), three
# UTF-8 bytes; ZStack's tables use MySQL's 3-byte utf8, so nothing beyond the BMP is sent
WIDE = "\u4e2d"
# APIAddImageMsg.java L27-38: @APIParam(maxLength=...) of each string field
MAX_LENGTHS = {
    "name": 255,
    "description": 2048,
    "guestOsType": 255,
    "url": 1024,
    "architecture": 32,
}
# url is downloaded and architecture has validValues: only their one-over length is sent. The
# columns hold the others at their limit: ImageEO's name and guestOsType varchar(255), CHARSET=utf8
# (conf/db/V0.6__schema.sql L299-319), description varchar(2048) (conf/db/upgrade/V1.7__schema.sql L4)
ACCEPTED_AT_MAX = ("name", "description", "guestOsType")


def _of_length(zstack: ZStackSession, field: str, length: int) -> str:
    """A value of `length` UTF-16 units; a name keeps the run's prefix."""
    head = {"name": zstack.image_name(), "url": zstack.target.image_url + "?"}.get(field, "")
    return head + WIDE * (length - len(head))


@pytest.mark.parametrize("field", ACCEPTED_AT_MAX)
def test_add_image__max_length_exactly_is_accepted(zstack: ZStackSession, field: str) -> None:
    echoed(zstack, *zstack.add_image(**{field: _of_length(zstack, field, MAX_LENGTHS[field])}))


@pytest.mark.parametrize("field", sorted(MAX_LENGTHS))
def test_add_image__max_length_one_over_is_sys_1007(zstack: ZStackSession, field: str) -> None:
    """ApiMessageParamValidator.java L28-34, counted in UTF-16 units as String.length() does."""
    limit = MAX_LENGTHS[field]
    run, _ = zstack.add_image(**{field: _of_length(zstack, field, limit + 1)})
    zstack.check(
        checks.error_code_conformance,
        run.result,
        zstack.contract,
        "SYS.1007",
        Text.of(
            "field[%s] of message[%s] exceeds max length of string. expected was <= %s, "
            "actual was %s",
            field,
            V,
            limit,
            limit + 1,
        ),
    )


# -- installPath (issue 13 §1) ---------------------------------------------------------------


def _account_uuid(zstack: ZStackSession) -> str | None:
    """The account's uuid, from a login of its own (None when the run was given a session)."""
    if zstack.target.session_uuid is not None:
        return None
    ex = zstack.client.log_in()
    inventory = (ex.json_or_none() or {}).get("inventory") if ex.status == 200 else None
    if not isinstance(inventory, dict):
        return None
    zstack.client.request("DELETE", f"/v1/accounts/sessions/{inventory['uuid']}", auth=False)
    account: str | None = inventory.get("accountUuid")
    return account


@pytest.mark.parametrize("media_type", ["RootVolumeTemplate", "ISO", "DataVolumeTemplate"])
def test_add_image__install_path_follows_the_storage_layout(
    zstack: ZStackSession, media_type: str
) -> None:
    """Checked on SFTP and Ceph only, the types whose layout the open source defines."""
    usable = [b for b in zstack.backup_storages if b["uuid"] in zstack.usable_backup_storages]
    defined = [b for b in usable if b.get("type") in ("SftpBackupStorage", "Ceph")]
    if not defined:
        types = sorted({str(b.get("type")) for b in usable})
        pytest.skip(f"installPath not checked: no usable SFTP or Ceph backup storage ({types})")
    run, _ = zstack.add_image(mediaType=media_type, backupStorageUuids=[b["uuid"] for b in defined])
    inventory = zstack.check(checks.job_success_conformance, run)["inventory"]
    zstack.check(
        checks.install_path_conformance, inventory, defined, _account_uuid(zstack), run.result
    )


# -- tags (issue 13 §1) ----------------------------------------------------------------------

# TagManagerImpl.java L929-946 at the END interceptor position: a system tag that matches no
# registered pattern fails with argerr (SYS.1007); TagManagerImpl L906-921 checks only when some
# tag is not `ephemeral::`
NO_SUCH_TAG = model.NO_SUCH_TAG


@pytest.mark.parametrize("where", ["params", "top level"])
def test_add_image__system_tag_matching_no_pattern_is_sys_1007(
    zstack: ZStackSession, where: str
) -> None:
    """RestServer hands `params` to Gson, which fills systemTags; top-level keys also count."""
    if where == "params":
        run, _ = zstack.add_image(systemTags=[NO_SUCH_TAG])
    else:
        run = zstack.client.add_image(zstack.image_params(), systemTags=[NO_SUCH_TAG])
        zstack.track(run)
    zstack.check(
        checks.error_code_conformance,
        run.result,
        zstack.contract,
        "SYS.1007",
        Text.of("no system tag matches %s", NO_SUCH_TAG),
    )


def test_add_image__registered_system_tag_in_params_is_accepted(zstack: ZStackSession) -> None:
    """bootMode::{bootMode} (ImageSystemTags.java L36), its value checked at ImageManagerImpl L845."""
    run, _ = zstack.add_image(systemTags=["bootMode::Legacy"], userTags=["zstack-contract"])
    zstack.check(checks.job_success_conformance, run)


# -- what ZStack tolerates (issue 13 §4: listed beside the model) ----------------------------


# every image but the empty-name test's keeps the run's name prefix: that row is tested above
TOLERATED = [t for t in model.TOLERATED if t[0] != "name"]


@pytest.mark.parametrize(
    ("field", "value", "why"), TOLERATED, ids=[f"{f}={v!r}" for f, v, _ in TOLERATED]
)
def test_add_image__tolerated_input_is_accepted(
    zstack: ZStackSession, field: str, value: Any, why: str
) -> None:
    run, _ = zstack.add_image(**{field: value})
    zstack.check(checks.job_success_conformance, run)
