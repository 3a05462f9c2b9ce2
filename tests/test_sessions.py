"""LogInByAccount, LogOut and the session check (docs/zstack-protocol.md)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ADMIN_PASSWORD, ZStack

V = "org.zstack.header.message.ApiMessageParamValidator"
TIMESTAMP = re.compile(r"^[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d{2}:\d{2} (AM|PM)$")


def test_log_in_by_account__admin_with_sha512(zs: ZStack) -> None:
    rsp = zs.login()
    assert rsp.status_code == 200
    inv = rsp.json["inventory"]
    assert inv["accountUuid"] == inv["userUuid"] == "36c27e8ff05c4780bf6d2fa65700f22e"
    assert "userType" not in inv
    assert inv["noSessionEvaluation"] is False
    assert TIMESTAMP.match(inv["createDate"]) and TIMESTAMP.match(inv["expiredDate"])
    assert "schema" not in rsp.json


def test_log_in_by_account__schema_on_request(zs: ZStack) -> None:
    rsp = zs.client.put(
        "/zstack/v1/accounts/login",
        json={"logInByAccount": {"accountName": "admin", "password": ADMIN_PASSWORD}},
        headers={"X-JSON-Schema": "true"},
    )
    assert rsp.json["schema"] == {"inventory": "org.zstack.header.identity.SessionInventory"}


@pytest.mark.parametrize(
    ("name", "password"),
    [
        ("admin", "password"),  # the plain password is not what ZStack compares
        ("nobody", ADMIN_PASSWORD),
    ],
)
def test_log_in_by_account__wrong_credentials_is_id_1000(zs: ZStack, name, password) -> None:
    rsp = zs.login(name, password)
    assert rsp.status_code == 503
    assert rsp.json["error"]["code"] == "ID.1000"
    assert rsp.json["error"]["details"] == "wrong account name or password"


def test_log_in_by_account__missing_fields_password_first(zs: ZStack) -> None:
    rsp = zs.client.put("/zstack/v1/accounts/login", json={"logInByAccount": {}})
    assert rsp.status_code == 503
    assert rsp.json["error"]["details"] == (
        f"field[password] of message[{V}] is mandatory, can not be null"
    )


def test_session__unknown_session_is_id_1001_on_query(zs: ZStack) -> None:
    rsp = zs.client.get("/zstack/v1/images", headers={"Authorization": "OAuth nope"})
    assert rsp.status_code == 503
    assert rsp.json["error"]["code"] == "ID.1001"


def test_session__expires(zs: ZStack, clock) -> None:
    zs.login()
    clock.advance(7200)
    rsp = zs.client.get("/zstack/v1/images", headers=zs.auth)
    assert rsp.json["error"]["code"] == "ID.1001"


def test_log_out__ends_session_and_ignores_unknown(zs: ZStack) -> None:
    zs.login()
    assert zs.client.delete(f"/zstack/v1/accounts/sessions/{zs.session}").json == {}
    rsp = zs.client.get("/zstack/v1/images", headers=zs.auth)
    assert rsp.json["error"]["code"] == "ID.1001"
    assert zs.client.delete("/zstack/v1/accounts/sessions/unknown").status_code == 200


def test_validate_session__live_unknown_expired_and_logged_out(zs: ZStack, clock) -> None:
    def valid(session: str | None) -> object:
        rsp = zs.client.get(f"/zstack/v1/accounts/sessions/{session}/valid")
        assert rsp.status_code == 200, rsp.data
        return rsp.json

    zs.login()
    assert valid(zs.session) == {"valid": True}  # no Authorization: @SuppressCredentialCheck
    assert valid("unknown") == {"valid": False}
    clock.advance(7199)
    assert valid(zs.session) == {"valid": True}
    clock.advance(1)
    assert valid(zs.session) == {"valid": False}
    zs.login()
    zs.client.delete(f"/zstack/v1/accounts/sessions/{zs.session}")
    assert valid(zs.session) == {"valid": False}


def test_log_in_by_account__session_cap(app, zs: ZStack) -> None:
    app.extensions["zstack"].store.sessions.max_concurrent = 3
    for _ in range(3):
        assert zs.login().status_code == 200
    rsp = zs.login()
    assert rsp.json["error"]["code"] == "ID.1006"
    assert rsp.json["error"]["details"] == (
        "Login sessions hit limit of max allowed concurrent login sessions"
    )


@pytest.mark.parametrize("method", ["get", "delete"])
def test_log_in_by_account__query_string_on_get_and_delete(zs: ZStack, method) -> None:
    # a unique path runs its API whatever the method; GET and DELETE read the query string
    query = f"?accountName=admin&password={ADMIN_PASSWORD}"
    rsp = getattr(zs.client, method)(f"/zstack/v1/accounts/login{query}")
    assert rsp.status_code == 200
    assert rsp.json["inventory"]["accountUuid"] == "36c27e8ff05c4780bf6d2fa65700f22e"


@pytest.mark.parametrize(("account_type", "status"), [("account", 200), ("user", 503), ("", 503)])
def test_log_in_by_account__account_type(zs: ZStack, account_type, status) -> None:
    # AccountLoginBackend.login: only null or "account" logs in an account; no extension exists
    body = {"accountName": "admin", "password": ADMIN_PASSWORD, "accountType": account_type}
    rsp = zs.client.put("/zstack/v1/accounts/login", json={"logInByAccount": body})
    assert rsp.status_code == status
    if status == 503:
        assert (rsp.json["error"]["code"], rsp.json["error"]["details"]) == (
            "ID.1000",
            "wrong account name or password",
        )


def test_log_in_by_account__head_runs_the_api(zs: ZStack) -> None:
    rsp = zs.client.head("/zstack/v1/accounts/login")
    # HEAD reads the (empty) body: the mandatory-field error, with the body dropped
    assert (rsp.status_code, rsp.get_data()) == (503, b"")
