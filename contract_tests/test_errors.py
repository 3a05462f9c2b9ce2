"""Error structure and the REST layer's plain-text rejections; auth (zstack-behaviour.md §6-7)."""

from __future__ import annotations

import pytest

from contract_tests import checks, messages
from contract_tests.i18n import Text
from contract_tests.session import ZStackSession

V = "org.zstack.header.message.ApiMessageParamValidator"


@pytest.mark.parametrize(
    ("headers", "text"),
    [
        ({}, "missing header 'Authorization'"),
        ({"Authorization": "Bearer token"}, "Authorization type must be 'OAuth'"),
    ],
)
def test_auth__missing_or_foreign_header_is_400_plain_text(
    zstack: ZStackSession, headers: dict[str, str], text: str
) -> None:
    for method, path, body in (
        ("POST", "/v1/images", {"params": zstack.image_params()}),
        ("GET", "/v1/images", None),
        ("DELETE", "/v1/images/7d0f1e2a3b4c4d5e8f6a7b8c9d0e1f2a", None),
    ):
        ex = zstack.client.request(method, path, body=body, headers=headers, auth=False)
        zstack.check(checks.plain_text_conformance, ex, 400, text)


def test_auth__unknown_session_is_id_1001_on_a_query(zstack: ZStackSession) -> None:
    ex = zstack.client.request(
        "GET", "/v1/images", headers={"Authorization": "OAuth " + "1" * 32}, auth=False
    )
    zstack.check(checks.error_code_conformance, ex, zstack.contract, "ID.1001")


def test_auth__unknown_session_is_id_1001_in_the_job(zstack: ZStackSession) -> None:
    body = {"params": zstack.image_params()}
    run = zstack.client.call(
        "POST", "/v1/images", body=body, headers={"Authorization": "OAuth " + "1" * 32}
    )
    zstack.check(checks.job_accepted_conformance, run.accepted, 259200000)
    zstack.check(checks.error_code_conformance, run.result, zstack.contract, "ID.1001")


def test_login__wrong_password_is_id_1000(zstack: ZStackSession) -> None:
    ex = zstack.client.log_in(password_sha512="0" * 128)
    zstack.check(
        checks.error_code_conformance,
        ex,
        zstack.contract,
        "ID.1000",
        Text.of("wrong account name or password"),
    )


def test_login__missing_fields_is_sys_1007(zstack: ZStackSession) -> None:
    ex = zstack.client.request("PUT", "/v1/accounts/login", body={"logInByAccount": {}}, auth=False)
    zstack.check(
        checks.error_code_conformance,
        ex,
        zstack.contract,
        "SYS.1007",
        Text.of("field[%s] of message[%s] is mandatory, can not be null", "password", V),
    )


def test_rest__malformed_json_is_500_plain_text(zstack: ZStackSession) -> None:
    ex = zstack.client.request("POST", "/v1/images", raw=b'{"params": {')
    zstack.check(checks.plain_text_conformance, ex, 500)


def test_rest__list_given_as_string_is_500_plain_text(zstack: ZStackSession) -> None:
    params = zstack.image_params(backupStorageUuids=zstack.backup_storage_uuid)
    ex = zstack.client.request("POST", "/v1/images", body={"params": params})
    zstack.check(checks.plain_text_conformance, ex, 500)


def test_rest__bad_boolean_is_400_plain_text(zstack: ZStackSession) -> None:
    ex = zstack.client.request(
        "POST", "/v1/images", body={"params": zstack.image_params(system="yes")}
    )
    zstack.check(
        checks.plain_text_conformance,
        ex,
        400,
        "Invalid value for boolean field [system], [yes] is not a valid boolean string[true, false].",
    )


def test_rest__unknown_path_is_404_plain_text(zstack: ZStackSession) -> None:
    ex = zstack.client.request("GET", "/v1/images/")
    zstack.check(checks.plain_text_conformance, ex, 404, "no api mapping to /v1/images/")


def test_rest__delete_on_the_collection_is_500_plain_text(zstack: ZStackSession) -> None:
    ex = zstack.client.request("DELETE", "/v1/images")
    path = f"{zstack.target.context_path}/v1/images"
    zstack.check(
        checks.plain_text_conformance, ex, 500, f"No delete API found for the path[{path}]"
    )


def test_query__unknown_condition_field_is_zql_sys_1000(zstack: ZStackSession) -> None:
    # queries run through ZQL: ZQLMetadata.java L176-180, answered as SYS.1000 (messages.py)
    ex = zstack.client.query("/v1/images", [("q", "noSuchField=1")])
    text = messages.ZQL_NO_FIELD % ("org.zstack.header.image.ImageInventory", "noSuchField")
    zstack.check(checks.error_code_conformance, ex, zstack.contract, "SYS.1000", contains=text)


def test_add_image__bad_resource_uuid_is_a_known_message_variant(zstack: ZStackSession) -> None:
    # ApiMediatorImpl.java L276-278, at the FRONT of the job: SYS.1007 (argerr)
    run, _ = zstack.add_image(resourceUuid="NOT-A-UUID")
    variant = zstack.check(
        checks.message_variant_conformance,
        run.result,
        zstack.contract,
        "SYS.1007",
        messages.RESOURCE_UUID,
        "NOT-A-UUID",
    )
    zstack.log.facts["message variant"] = f"{messages.RESOURCE_UUID.key}: {variant}"


def test_query__bad_limit_is_400_plain_text(zstack: ZStackSession) -> None:
    ex = zstack.client.query("/v1/images", [("limit", "ten")])
    zstack.check(
        checks.plain_text_conformance,
        ex,
        400,
        "Invalid query parameter. 'limit' must be an integer",
    )
