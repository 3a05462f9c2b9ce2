"""The client verdict: the official SDKs' correct use gives no finding; what ZStack ignores is."""

from __future__ import annotations

import json
import uuid as uuidlib
from typing import Any

import pytest

from tests.conftest import ADMIN_PASSWORD, CONNECTED_BS, IMAGE_URL, ZStack

JSON_UTF8 = "application/json; charset=utf-8"


class JavaSdk:
    """Sends each call as sdk/src/main/java/org/zstack/sdk/ZSClient.java builds it.

    Every first request: X-Job-UUID (32 hex) and X-JSON-Schema: true (Api.doCall L285-287);
    bodies `{parameterName: {non-null params, tags inside}}` (fillNonQueryApiRequestBuilder
    L481-545); GET/DELETE parameters in the query string (L502-532); queries with q, limit, sort...
    (fillQueryApiRequestBuilder L387-446); polls with Authorization and X-JSON-Schema (L680-697).
    """

    def __init__(self, zs: ZStack) -> None:
        self.client = zs.client
        self.session: str | None = None

    def _headers(self) -> dict[str, str]:
        headers = {"X-Job-UUID": uuidlib.uuid4().hex, "X-JSON-Schema": "true"}
        if self.session:
            headers["Authorization"] = f"OAuth {self.session}"
        return headers

    def send(self, method: str, path: str, body: Any = None, query: str = "") -> Any:
        data = None if body is None else json.dumps(body)
        rsp = self.client.open(
            f"/zstack/v1{path}{query}",
            method=method,
            data=data,
            headers=self._headers(),
            content_type=JSON_UTF8 if data else None,
        )
        if rsp.status_code != 202:
            return rsp
        location = rsp.json["location"].removeprefix("http://localhost")
        while True:  # the first poll is immediate (syncPollResult)
            poll = self.client.get(
                location,
                headers={"Authorization": f"OAuth {self.session}", "X-JSON-Schema": "true"},
            )
            if poll.status_code != 202:
                return poll

    def log_in(self) -> None:
        body = {"logInByAccount": {"accountName": "admin", "password": ADMIN_PASSWORD}}
        self.session = self.send("PUT", "/accounts/login", body).json["inventory"]["uuid"]

    def validate_session(self) -> bool:
        # ValidateSessionAction: GET, sessionUuid in the path, needSession = false (L80-84)
        session, self.session = self.session, None
        rsp = self.send("GET", f"/accounts/sessions/{session}/valid")
        self.session = session
        assert rsp.status_code == 200, rsp.data
        return bool(rsp.json["valid"])

    def log_out(self) -> None:
        session, self.session = self.session, None  # LogOut: needSession = false
        assert self.send("DELETE", f"/accounts/sessions/{session}").status_code == 200


def _journal(zs: ZStack) -> dict:
    return dict(zs.client.get("/_mock/journal").json or {})


def _add_image(sdk: JavaSdk) -> str:
    # AddImageAction: `system` and `virtio` are primitives, always sent; tags inside params
    params = {
        "name": "sdk",
        "url": IMAGE_URL,
        "format": "qcow2",
        "backupStorageUuids": [CONNECTED_BS],
        "system": False,
        "virtio": True,
        "systemTags": ["bootMode::UEFI"],
        "userTags": ["team::frontend"],
    }
    rsp = sdk.send("POST", "/images", {"params": params})
    assert rsp.status_code == 200, rsp.data
    image: str = rsp.json["inventory"]["uuid"]
    return image


@pytest.mark.parametrize("recover", ["java", "go"])
def test_verdict__official_sdks_correct_use_gives_no_finding(zs: ZStack, recover) -> None:
    sdk = JavaSdk(zs)
    sdk.log_in()
    secret = sdk.session
    assert secret is not None
    assert sdk.validate_session() is True
    image = _add_image(sdk)
    assert (
        sdk.send(
            "GET",
            "/images",
            query=f"?q=uuid%3D{image}&limit=10&start=0&replyWithCount=true"
            "&sort=%2BcreateDate&fields=uuid,name",
        ).status_code
        == 200
    )
    assert (
        sdk.send(
            "GET",
            "/backup-storage",
            query="?q=status%3DConnected&count=false&groupBy=type&filterName=x",
        ).status_code
        == 200
    )
    assert sdk.send("DELETE", f"/images/{image}", query="?deleteMode=Permissive").status_code == 200
    # the Go SDK repeats the path's imageUuid at the top level (zstack-behaviour.md §8)
    extra = {"imageUuid": image} if recover == "go" else {}
    rsp = sdk.send("PUT", f"/images/{image}/actions", {"recoverImage": {}, **extra})
    assert rsp.status_code == 200, rsp.data
    assert sdk.send("DELETE", f"/images/{image}", query="?deleteMode=Permissive").status_code == 200
    body = {"expungeImage": {"backupStorageUuids": [CONNECTED_BS]}}
    assert sdk.send("PUT", f"/images/{image}/actions", body).status_code == 200
    if recover == "go":
        # zstack-sdk-go ValidateSessionId: GetWithSpec("v1/accounts/sessions", id, "valid", ...)
        # into a map[string]bool, with the headers its Logout below carries too
        headers = {"Authorization": f"OAuth {sdk.session}", "x-session-id": sdk.session or ""}
        rsp = zs.client.get(f"/zstack/v1/accounts/sessions/{sdk.session}/valid", headers=headers)
        assert rsp.status_code == 200 and rsp.json == {"valid": True}
    else:
        assert sdk.validate_session() is True
    if recover == "go":
        # zstack-sdk-go v1.0.1 Logout: Delete("v1/accounts/sessions", id, "") with its headers
        # Authorization and x-session-id (pkg/client/zstack_http_client.go L409-410, L513-537)
        headers = {"Authorization": f"OAuth {sdk.session}", "x-session-id": sdk.session or ""}
        rsp = zs.client.delete(
            f"/zstack/v1/accounts/sessions/{sdk.session}?deleteMode=", headers=headers
        )
        assert rsp.status_code == 200
    else:
        sdk.log_out()
    # the session id (in Authorization, x-session-id, the login answer, LogOut's path) never whole
    assert secret not in zs.client.get("/_mock/journal").get_data(as_text=True)
    journal = _journal(zs)
    flagged = [(e["api"], e["findings"]) for e in journal["entries"] if e["findings"]]
    assert flagged == [] and journal["findings"] == {"violation": 0, "warning": 0}
    # 5 async calls, each with its poll, 2 queries, 2 ValidateSessions, in and out
    assert journal["total"] == 16


def _findings(zs: ZStack, api: str | None) -> list[tuple[str, str, str]]:
    return [
        (f["level"], f["rule"], f["reason"])
        for e in _journal(zs)["entries"]
        if e["api"] == api
        for f in e["findings"]
    ]


@pytest.mark.parametrize(
    ("query", "flagged"),
    [
        (
            "?q=name%3Dx&limit=2&start=0&count=false&replyWithCount=true&sort=-name&fields=uuid"
            "&groupBy=type&filterName=f",
            [],
        ),
        ("?colour=blue", ["colour"]),
        ("?q.1=name%3Dx&pageSize=2", ["pageSize", "q.1"]),  # `"q".startsWith(name)` only
    ],
)
@pytest.mark.parametrize(
    ("path", "api"), [("/images", "QueryImage"), ("/backup-storage", "QueryBackupStorage")]
)
def test_verdict__unknown_query_parameters_of_queries_are_warnings(
    zs: ZStack, path, api, query, flagged
) -> None:
    assert zs.client.get(f"/zstack/v1{path}{query}", headers=zs.auth).status_code == 200
    found = _findings(zs, api)
    assert [f[1] for f in found] == ["unknown-parameter"] * len(flagged)
    for (_, _, reason), name in zip(found, flagged, strict=True):
        assert reason == f"query parameter '{name}' is not a parameter of {api}; ZStack ignores it"


def test_verdict__recover_image_findings_name_recover_image(zs: ZStack) -> None:
    image = zs.ready_image()["uuid"]
    zs.action(image, {"recoverImage": {"colour": "blue"}, "imageUuid": "0" * 32})
    assert _findings(zs, "RecoverImage") == [
        (
            "warning",
            "unknown-field",
            "top-level key 'imageUuid' is not part of RecoverImage; ZStack ignores it",
        ),
        (
            "warning",
            "unknown-field",
            "'recoverImage.colour' is not a field of RecoverImage; ZStack ignores it",
        ),
    ]


def test_verdict__a_path_variable_differing_in_the_envelope_is_a_warning(zs: ZStack) -> None:
    image = zs.ready_image()["uuid"]
    zs.action(image, {"expungeImage": {"imageUuid": "0" * 32}})
    [(level, rule, reason)] = _findings(zs, "ExpungeImage")
    assert (level, rule) == ("warning", "path-variable-differs")
    assert (
        reason == f"'expungeImage.imageUuid' is '{'0' * 32}' but the path says '{image}'; "
        "ZStack uses the path's"
    )


@pytest.mark.parametrize(
    ("session", "image_exists", "flagged"),
    [
        ("unknown", False, True),  # ZStack succeeds before the session check
        ("valid", False, False),
        ("unknown", True, False),  # the job checks it: ID.1001, one warning from the job
    ],
)
def test_verdict__unknown_session_on_delete_of_a_missing_image(
    zs: ZStack, session, image_exists, flagged
) -> None:
    image = zs.ready_image()["uuid"] if image_exists else "1" * 32
    auth = {"Authorization": "OAuth " + ("f" * 32 if session == "unknown" else zs.session or "")}
    if session == "valid":
        auth = zs.auth
    zs.client.delete(f"/zstack/v1/images/{image}", headers=auth)
    found = _findings(zs, "DeleteImage")
    if flagged:
        assert [f[:2] for f in found] == [("warning", "authentication")]
        assert "before it checks the session" in found[0][2]
    else:
        assert [f[:2] for f in found] == ([("warning", "authentication")] if image_exists else [])


def test_verdict__go_sdk_recover_without_backup_storages_is_a_violation(zs: ZStack) -> None:
    image = zs.ready_image()["uuid"]
    zs.client.delete(f"/zstack/v1/images/{image}", headers=zs.auth)
    # its JSON encoder drops the empty recoverImage object (zstack-behaviour.md §8): a real 400
    rsp = zs.action(image, {"imageUuid": image})
    assert rsp.status_code == 400
    assert [f[:2] for f in _findings(zs, None)] == [("violation", "rest-layer")]
