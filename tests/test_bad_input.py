"""One corpus of hostile input against a real served mock: each case gets the real server's error
shape, and the mock keeps serving with its state intact."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
import requests

from tests.conftest import CONNECTED_BS, IMAGE_URL
from tests.served import Served

IMG = "/zstack/v1/images"

# (label, method, path, body bytes or None, extra headers, allowed statuses)
CORPUS: list[tuple[str, str, str, bytes | None, dict[str, str], set[int]]] = [
    # malformed and truncated JSON
    ("malformed json", "POST", IMG, b'{"params": {name: }', {}, {500}),
    ("truncated json", "POST", IMG, b'{"params": {"name": "x", "url": "http://a', {}, {500}),
    ("json array body", "POST", IMG, b"[1, 2]", {}, {500}),
    ("json string body", "PUT", "/zstack/v1/accounts/login", b'"login"', {}, {500}),
    ("truncated action", "PUT", f"{IMG}/{'1' * 32}/actions", b'{"expungeImage": ', {}, {500}),
    # wrong types everywhere
    ("params is a list", "POST", IMG, b'{"params": []}', {}, {500}),
    ("params is a number", "POST", IMG, b'{"params": 7}', {}, {500}),
    ("name is an object", "POST", IMG, b'{"params": {"name": {"a": 1}}}', {}, {500}),
    ("bs uuids is a number", "POST", IMG, b'{"params": {"backupStorageUuids": 5}}', {}, {500}),
    ("bs uuid is an object", "POST", IMG, b'{"params": {"backupStorageUuids": [{}]}}', {}, {500}),
    ("system is a list", "POST", IMG, b'{"params": {"system": [true]}}', {}, {400}),
    ("tags is a string", "POST", IMG, b'{"params": {}, "userTags": "x"}', {}, {500}),
    (
        "login password is a list",
        "PUT",
        "/zstack/v1/accounts/login",
        b'{"logInByAccount": {"accountName": "admin", "password": [1]}}',
        {},
        {500},
    ),
    (
        "expunge bs is a string",
        "PUT",
        f"{IMG}/{'1' * 32}/actions",
        b'{"expungeImage": {"backupStorageUuids": "x"}}',
        {},
        {500},
    ),
    ("limit is text", "GET", f"{IMG}?limit=abc", None, {}, {400}),
    ("q without operator", "GET", f"{IMG}?q=name", None, {}, {400}),
    # invalid UTF-8
    ("invalid utf-8", "POST", IMG, b'{"params": {"name": "\xff\xfe"}}', {}, {400}),
    ("invalid utf-8 in login", "PUT", "/zstack/v1/accounts/login", b"\xc3\x28", {}, {400}),
    # uuid and path injection
    ("dot-dot path", "GET", "/zstack/v1/images/../../_mock/reset", None, {}, {200, 404}),
    ("encoded slash uuid", "DELETE", f"{IMG}/a%2Fb", None, {}, {202, 404}),
    ("nul in uuid", "DELETE", f"{IMG}/abc%00def", None, {}, {202}),
    ("sql-ish uuid", "DELETE", f"{IMG}/1'%20OR%20'1'='1", None, {}, {202}),
    ("huge uuid", "DELETE", f"{IMG}/{'a' * 5000}", None, {}, {202, 414}),
    ("unicode uuid", "GET", f"{IMG}/%E2%98%83", None, {}, {200}),
    ("query injection", "GET", f"{IMG}?q=name=x%27%3B%20DROP%20TABLE", None, {}, {200}),
    ("bad job uuid", "GET", "/zstack/v1/api-jobs/..%2F..%2Fetc", None, {}, {404}),
    ("short x-job-uuid", "POST", IMG, b'{"params": {}}', {"X-Job-UUID": "x"}, {400}),
]


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    s = Served()
    yield s
    err = s.stop()
    assert "Traceback" not in err


@pytest.fixture(scope="module")
def auth(served: Served) -> dict[str, str]:
    session = served.session()
    params = {
        "name": "survivor",
        "url": IMAGE_URL,
        "format": "qcow2",
        "backupStorageUuids": [CONNECTED_BS],
    }
    requests.post(
        f"{served.api}/images",
        json={"params": params},
        headers={"Authorization": f"OAuth {session}"},
        timeout=10,
    )
    return {"Authorization": f"OAuth {session}"}


def _intact(served: Served, auth: dict[str, str]) -> None:
    """Still serving, and the image from before is still there."""
    rsp = requests.get(f"{served.api}/images?q=name=survivor", headers=auth, timeout=10)
    assert rsp.status_code == 200
    assert len(rsp.json()["inventories"]) == 1


def _shape(rsp: requests.Response) -> None:
    """ZStack's error shapes: plain text for the REST layer, {"error": ...} for 503; no tracebacks."""
    assert "Traceback" not in rsp.text and 'File "' not in rsp.text
    if rsp.status_code in (400, 404, 405, 413, 414, 431, 500):
        assert not rsp.text.lstrip().startswith("{"), rsp.text[:200]
    if rsp.status_code == 503:
        assert set(rsp.json()) == {"error"}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("label", "method", "path", "body", "headers", "allowed"), CORPUS, ids=[c[0] for c in CORPUS]
)
def test_bad_input__real_error_shape_and_state_intact(
    served: Served,
    auth: dict[str, str],
    label: str,
    method: str,
    path: str,
    body: bytes | None,
    headers: dict[str, str],
    allowed: set[int],
) -> None:
    rsp = requests.request(
        method,
        served.root + path,
        data=body,
        timeout=30,
        headers={**auth, "Content-Type": "application/json", **headers},
    )
    assert rsp.status_code in allowed, (label, rsp.status_code, rsp.text[:300])
    _shape(rsp)
    if rsp.status_code == 202:
        job = requests.get(rsp.json()["location"], timeout=10)
        assert job.status_code in (200, 503)
        _shape(job)
    _intact(served, auth)


@pytest.mark.slow
def test_bad_input__10_mb_body_is_rejected_cleanly(served: Served, auth: dict[str, str]) -> None:
    big = b'{"params": {"name": "' + b"x" * (10 * 1024 * 1024) + b'"}}'
    rsp = requests.post(
        f"{served.api}/images",
        data=big,
        timeout=60,
        headers={**auth, "Content-Type": "application/json"},
    )
    assert rsp.status_code == 413
    _shape(rsp)
    _intact(served, auth)


@pytest.mark.slow
def test_bad_input__oversized_headers(served: Served, auth: dict[str, str]) -> None:
    try:
        rsp = requests.get(
            f"{served.api}/images", timeout=30, headers={**auth, "X-Junk": "x" * 200_000}
        )
        assert rsp.status_code in (200, 400, 413, 431)
        _shape(rsp)
    except requests.ConnectionError:
        pass  # the server may close the connection on a header it will not read
    _intact(served, auth)


@pytest.mark.slow
def test_bad_input__slow_clients_do_not_block_others(served: Served, auth: dict[str, str]) -> None:
    slow = []
    for _ in range(16):
        s = socket.create_connection(("127.0.0.1", served.port), timeout=5)
        s.sendall(
            b'POST /zstack/v1/images HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"par'
        )
        slow.append(s)
    try:
        start = time.monotonic()
        _intact(served, auth)
        assert time.monotonic() - start < 5
    finally:
        for s in slow:
            s.close()
    _intact(served, auth)
