"""X-Web-Hook: the job's result is POSTed when it ends, with ZStack's headers and retries."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.conftest import ZStack, make_app


class Receiver:
    """A loopback HTTP server that records webhook calls; the first `fail` calls get a 500."""

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


def test_webhook__retried_until_2xx(spec) -> None:
    receiver = Receiver(fail=2)
    try:
        zs = ZStack(make_app(spec, webhook_retry_interval=0.05).test_client())
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


def test_webhook__fires_for_a_delayed_job_without_polling(spec, receiver: Receiver) -> None:
    from mock_server.state.ids import SystemClock

    app = make_app(spec, job_delay=0.3, background_jobs=True, clock=SystemClock())
    zs = ZStack(app.test_client())
    zs.login()
    zs.client.delete(
        "/zstack/v1/images/" + "1" * 32, headers={**zs.auth, "X-Web-Hook": receiver.url}
    )
    assert receiver.calls == []
    receiver.wait_for(1, timeout=5)
