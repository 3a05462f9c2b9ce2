"""X-Web-Hook: the job's result is POSTed when it ends, with ZStack's headers and retries."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from mock_server.config import MockConfig
from mock_server.tooling.webhooks import WebhookSender
from tests.conftest import ZStack


class Receiver:
    """A loopback HTTP server that records webhook calls; the first `fail` calls get a 500.

    Hand-written on purpose: http.server keeps each header name as sent, and the tests check
    ZStack's exact names (`X-Job-UUID`, rest/.../RestConstants.java L13); a WSGI receiver such as
    pytest-httpserver only sees them title-cased (`X-Job-Uuid`).
    """

    def __init__(self, fail: int = 0) -> None:
        self.calls: list[tuple[dict[str, str], Any]] = []
        self.fail = fail
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.calls.append((dict(self.headers), json.loads(body)))
                status = 500 if len(outer.calls) <= outer.fail else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while len(self.calls) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.calls) >= count, self.calls


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.stop()


def test_webhook__success_posts_the_poll_body_with_headers(zs: ZStack, receiver: Receiver) -> None:
    zs.login()
    rsp = zs.client.post(
        "/zstack/v1/images",
        json={
            "params": {
                "name": "hooked",
                "url": "http://x/y.qcow2",
                "format": "qcow2",
                "backupStorageUuids": ["c340364aad7b4130a12e641afe3a968f"],
            }
        },
        headers={**zs.auth, "X-Web-Hook": receiver.url},
    )
    assert rsp.status_code == 202  # the 202 is still returned
    receiver.wait_for(1)
    headers, body = receiver.calls[0]
    assert headers["X-Job-UUID"] == rsp.json["location"].rsplit("/", 1)[1]
    assert headers["X-Job-Success"] == "true"
    assert body["inventory"]["name"] == "hooked"
    assert body == zs.client.get(rsp.json["location"].removeprefix("http://localhost")).json


def test_webhook__failure_posts_the_error(zs: ZStack, receiver: Receiver) -> None:
    zs.login()
    zs.client.post(
        "/zstack/v1/images", json={"params": {}}, headers={**zs.auth, "X-Web-Hook": receiver.url}
    )
    receiver.wait_for(1)
    headers, body = receiver.calls[0]
    assert headers["X-Job-Success"] == "false"
    assert body["error"]["code"] == "SYS.1007"


def test_webhook__retried_until_2xx(make_app) -> None:
    receiver = Receiver(fail=2)
    try:
        zs = ZStack(make_app(webhook_retry_interval=0.05).test_client())
        zs.login()
        zs.client.delete(
            "/zstack/v1/images/" + "1" * 32, headers={**zs.auth, "X-Web-Hook": receiver.url}
        )
        receiver.wait_for(3)
        time.sleep(0.2)
        assert len(receiver.calls) == 3  # two 500s, then a 200, then no more
    finally:
        receiver.stop()


def test_webhook__host_not_allowed_is_never_called(zs: ZStack, receiver: Receiver) -> None:
    zs.login()
    url = receiver.url.replace("127.0.0.1", "example.invalid")
    rsp = zs.client.delete("/zstack/v1/images/" + "1" * 32, headers={**zs.auth, "X-Web-Hook": url})
    assert rsp.status_code == 202
    [entry] = zs.client.get("/_mock/journal?verdict=warning").json["entries"]
    assert entry["findings"][0]["rule"] == "webhook-not-allowed"
    time.sleep(0.2)
    assert receiver.calls == []


def test_webhook__fires_for_a_delayed_job_without_polling(make_app, receiver: Receiver) -> None:
    from mock_server.state.ids import SystemClock

    app = make_app(job_delay=0.3, background_jobs=True, clock=SystemClock())
    zs = ZStack(app.test_client())
    zs.login()
    zs.client.delete(
        "/zstack/v1/images/" + "1" * 32, headers={**zs.auth, "X-Web-Hook": receiver.url}
    )
    assert receiver.calls == []
    receiver.wait_for(1, timeout=5)


def test_webhook__gives_up_after_15_tries_and_says_so(
    make_app, caplog: pytest.LogCaptureFixture
) -> None:
    """RestServer.callWebHook: 15 tries 2 s apart (the interval is shortened here), then a log."""
    receiver = Receiver(fail=100)
    try:
        zs = ZStack(make_app(webhook_retry_interval=0.01).test_client())
        zs.login()
        with caplog.at_level(logging.WARNING, logger="mock_server.tooling.webhooks"):
            zs.client.delete(
                "/zstack/v1/images/" + "1" * 32, headers={**zs.auth, "X-Web-Hook": receiver.url}
            )
            receiver.wait_for(15)
            deadline = time.monotonic() + 10
            while not caplog.records and time.monotonic() < deadline:
                time.sleep(0.02)
        time.sleep(0.2)
        assert len(receiver.calls) == 15
        [gave_up] = [r.getMessage() for r in caplog.records]
        assert (
            gave_up
            == f"webhook {receiver.url} for job {receiver.calls[0][0]['X-Job-UUID']} gave up after 15 tries"
        )
    finally:
        receiver.stop()


def test_webhook__zstacks_interval_is_2_s() -> None:
    assert MockConfig().webhook_retry_interval == 2.0
    assert WebhookSender(()).retry_interval == 2.0
