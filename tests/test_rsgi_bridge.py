"""The RSGI bridge: the app sees each request as granian's WSGI interface gave it, and the
served mock stays responsive while bodies arrive slowly or a latency rule sleeps."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from mock_server.cli.rsgi_bridge import RsgiBridge
from mock_server.config import DEFAULT_MAX_BODY
from mock_server.tooling.faults import FaultAction, FaultRules
from tests import echo_app
from tests.echo_app import MAX_BODY
from tests.served import Served, free_port

ROOT = Path(__file__).resolve().parents[1]


class Granian:
    """granian serving tests/echo_app.py: its WSGI interface, or the bridge (RSGI)."""

    def __init__(self, bridged: bool) -> None:
        self.port = free_port()
        # the bridge as the mock is served (granian_settings: the Rust task implementation)
        target = [
            "--interface",
            "rsgi",
            "--task-impl",
            "rust",
            "--factory",
            "tests.echo_app:bridged",
        ]
        if not bridged:
            target = ["--interface", "wsgi", "--blocking-threads", "1", "tests.echo_app:app"]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "granian", "--port", str(self.port), "--no-ws"]
            + ["--loop", "asyncio", "--log-level", "error", *target[:-1], target[-1]],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise AssertionError("granian did not start")

    def send(self, raw: bytes) -> tuple[str, list[tuple[str, str]], bytes]:
        """One raw HTTP request: the status line, the headers (no Date) and the body."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as s:
            s.sendall(raw)
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        status, *lines = head.decode("latin-1").split("\r\n")
        headers = [tuple(line.split(": ", 1)) for line in lines]
        return status, [(k, v) for k, v in headers if k.lower() != "date"], body

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def both() -> Iterator[tuple[Granian, Granian]]:
    wsgi, bridge = Granian(bridged=False), Granian(bridged=True)
    yield wsgi, bridge
    wsgi.stop()
    bridge.stop()


REQUESTS = {
    "query, duplicate headers and cookies": (
        b"GET /zstack/v1/images?q=name%3Dx&q=uuid!%3Dy&limit=1 HTTP/1.1\r\nHost: mock.test\r\n"
        b"Authorization: OAuth abc\r\nX-Dup: one\r\nX-Dup: two\r\nCookie: a=1\r\nCookie: b=2\r\n"
        b"X-Web-Hook: http://h/x\r\nConnection: close\r\n\r\n"
    ),
    "JSON body": (
        b"POST /zstack/v1/images HTTP/1.1\r\nHost: mock.test\r\nContent-Type: application/json\r\n"
        b'Content-Length: 15\r\nConnection: close\r\n\r\n{"params": {}}\n'
    ),
    # granian's WSGI removes these from hyper's map first: the last header takes their places
    "content headers and cookies amid others": (
        b"POST /zstack/v1/images HTTP/1.1\r\nContent-Type: application/json\r\nX-A: 1\r\n"
        b"Cookie: c=1\r\nHost: mock.test\r\nContent-Length: 2\r\nX-B: 2\r\nX-C: 3\r\n"
        b"Connection: close\r\n\r\n{}"
    ),
    "chunked body": (
        b"PUT /zstack/v1/images/x/actions HTTP/1.1\r\nHost: mock.test\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        b'5\r\n{"exp\r\na\r\nungeI": 1}\r\n0\r\n\r\n'
    ),
    "percent-encoded path": (
        b"DELETE /zstack/v1/images/%C3%A9t%C3%A9%2Fx%FFy%C3z%E2%82z%F0%9F%98z%ED%A0%80z%C0%AFz"
        b"?deleteMode=Enforcing HTTP/1.1\r\n"
        b"Host: mock.test\r\nConnection: close\r\n\r\n"
    ),
    "HTTP/1.0 without Host": b"GET /zstack/v1/api-jobs/j HTTP/1.0\r\n\r\n",
    "absolute-form target": (
        b"GET http://other.test:81/zstack/v1/images HTTP/1.1\r\nHost: mock.test\r\n"
        b"Connection: close\r\n\r\n"
    ),
    "empty header value and odd names": (
        b"GET /x HTTP/1.1\r\nHost: mock.test\r\nX-Empty:\r\nx_under: u\r\nX-API-Timeout: 5\r\n"
        b"Connection: close\r\n\r\n"
    ),
}


@pytest.mark.parametrize("raw", REQUESTS.values(), ids=REQUESTS.keys())
def test_bridge__the_app_sees_what_granians_wsgi_gives(
    both: tuple[Granian, Granian], raw: bytes
) -> None:
    wsgi, bridge = both
    (s1, h1, b1), (s2, h2, b2) = wsgi.send(raw), bridge.send(raw)
    assert (s2, h2) == (s1, h1)
    seen1, seen2 = json.loads(b1), json.loads(b2)
    assert seen1["environ"].pop("SERVER_PORT") == str(wsgi.port)
    assert seen2["environ"].pop("SERVER_PORT") == str(bridge.port)
    assert seen2 == seen1


def test_bridge__a_chunked_body_past_the_limit_is_cut_after_one_byte_more(
    both: tuple[Granian, Granian],
) -> None:
    _, bridge = both
    chunk = b"x" * 700
    raw = (
        b"POST /x HTTP/1.1\r\nHost: mock.test\r\nTransfer-Encoding: chunked\r\n"
        b"Connection: close\r\n\r\n" + (b"%x\r\n%s\r\n" % (len(chunk), chunk)) * 3 + b"0\r\n\r\n"
    )
    status, _, body = bridge.send(raw)
    assert status.startswith("HTTP/1.1 201")
    # the app's own limit (werkzeug's, max_body) sees it is over; the rest is never buffered
    assert MAX_BODY < len(json.loads(body)["body"]) <= 2 * len(chunk)


@pytest.fixture(scope="module")
def mock() -> Iterator[Served]:
    served = Served()
    yield served
    served.stop()


def test_bridge__a_chunked_body_over_the_limit_is_read_up_to_it(mock: Served) -> None:
    # werkzeug's limit on a body without a length (LimitedStream, is_max) stops reading at the
    # limit without a 413; granian's WSGI interface gave the same answer (measured at 483c6f5)
    big = b'{"params": {"name": "' + b"x" * (DEFAULT_MAX_BODY + 10) + b'"}}'

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(big), 4096):
            yield big[i : i + 4096]

    chunked = requests.post(f"{mock.api}/images", data=chunks(), timeout=60)
    assert chunked.status_code == 500
    assert chunked.text == (
        "com.google.gson.stream.MalformedJsonException: Unterminated string at line 1 column "
        f"{DEFAULT_MAX_BODY + 1} path $..name"
    )
    sized = requests.post(f"{mock.api}/images", data=big, timeout=60)
    assert sized.status_code == 413


def test_bridge__a_sleeping_latency_rule_stalls_no_other_request(mock: Served) -> None:
    rule = {"operation": "AddImage", "action": "latency", "latency": 3, "times": 1}
    rsp = requests.post(f"{mock.root}/_mock/faults", json=rule, timeout=10)
    assert rsp.status_code in (200, 201), rsp.text
    auth = {"Authorization": f"OAuth {mock.session()}"}
    body = {"params": {"name": "slow", "url": "http://x/y.qcow2", "format": "qcow2"}}
    slow = threading.Thread(
        target=lambda: requests.post(f"{mock.api}/images", json=body, headers=auth, timeout=30)
    )
    slow.start()
    time.sleep(0.5)  # the AddImage sleeps in its rule now
    start = time.monotonic()
    assert requests.get(f"{mock.api}/images", headers=auth, timeout=10).status_code == 200
    assert time.monotonic() - start < 1.5
    slow.join()
    faults = requests.get(f"{mock.root}/_mock/faults", timeout=10).json()
    assert [f["hits"] for f in faults["faults"]] == [1]


def test_fault_rules__may_sleep_while_a_latency_rule_can_still_apply() -> None:
    rules = FaultRules()
    assert not rules.may_sleep()
    rules.add({"operation": "AddImage", "action": FaultAction.FAIL_JOB})
    assert not rules.may_sleep()
    rules.add({"operation": "AddImage", "action": FaultAction.LATENCY, "remaining": 1})
    assert rules.may_sleep()
    rules.take("AddImage", {})
    assert not rules.may_sleep()  # used up


class FakeHeaders(dict[str, str]):
    def keys(self) -> list[str]:  # type: ignore[override]
        return list(super().keys())

    def get_all(self, key: str) -> list[str]:
        return [self[key]] if key in self else []


class FakeScope:
    server, client, scheme = "127.0.0.1:1", "[::1]:2", "http"
    path, query_string, authority = "/x", "", None

    def __init__(self, method: str, headers: dict[str, str], http_version: str = "1.1") -> None:
        self.method, self.headers = method, FakeHeaders(headers)
        self.http_version = http_version


class FakeProto:
    """Answers are recorded; awaiting the body counts the awaits."""

    def __init__(self, body: bytes) -> None:
        self.body, self.awaited, self.chunks = body, 0, list[bytes]()
        self.answers: list[tuple[int, list[tuple[str, str]], bytes]] = []

    async def __call__(self) -> bytes:
        self.awaited += 1
        return self.body

    def __aiter__(self) -> FakeProto:
        self.chunks = [self.body[i : i + 100] for i in range(0, len(self.body), 100)]
        return self

    async def __anext__(self) -> bytes:
        self.awaited += 1
        if not self.chunks:
            raise StopAsyncIteration
        return self.chunks.pop(0)

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.answers.append((status, headers, body))


def _serve(app: Any, scope: FakeScope, proto: FakeProto) -> None:
    asyncio.run(RsgiBridge(app, MAX_BODY, lambda: False).__rsgi__(scope, proto))


def test_bridge__a_request_without_a_body_never_waits_for_one() -> None:
    proto = FakeProto(b"never read")
    _serve(echo_app.app, FakeScope("GET", {"host": "h"}), proto)
    assert proto.awaited == 0
    [(status, _, body)] = proto.answers
    assert status == 201 and json.loads(body)["body"] == ""
    assert json.loads(body)["environ"]["REMOTE_ADDR"] == "::1"


def test_bridge__a_length_over_the_limit_is_never_read() -> None:
    proto = FakeProto(b"x" * (MAX_BODY + 1))
    _serve(echo_app.app, FakeScope("POST", {"content-length": str(MAX_BODY + 1)}), proto)
    assert proto.awaited == 0  # the app's limit answers 413 from the header alone


def test_bridge__an_app_that_fails_is_granians_empty_500(caplog: pytest.LogCaptureFixture) -> None:
    def broken(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        raise RuntimeError("boom")

    proto = FakeProto(b"")
    _serve(broken, FakeScope("GET", {}), proto)
    assert proto.answers == [(500, [], b"")]
    assert "the app failed on GET /x" in caplog.text


def test_bridge__chunked_beside_a_small_length_is_still_cut_at_the_limit() -> None:
    # hyper keeps a Content-Length sent before Transfer-Encoding but decodes the body as chunked:
    # reading it whole would buffer any size
    proto = FakeProto(b"x" * (5 * MAX_BODY))
    headers = {"content-length": "10", "transfer-encoding": "chunked"}
    _serve(echo_app.app, FakeScope("POST", headers), proto)
    [(_, _, body)] = proto.answers
    assert MAX_BODY < len(json.loads(body)["body"]) <= MAX_BODY + 100


def test_bridge__an_http2_body_without_a_length_is_read() -> None:
    proto = FakeProto(b'{"a": 1}')
    _serve(echo_app.app, FakeScope("POST", {}, http_version="2"), proto)
    [(_, _, body)] = proto.answers
    assert json.loads(body)["body"] == '{"a": 1}'
