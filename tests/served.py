"""Servers for tests: a real `zstack-mock serve` process, or an app in a thread, on free ports."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time

import requests
from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.conftest import ADMIN_PASSWORD


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Served:
    """`python -m mock_server serve` on a free port (quiet unless `quiet=False`)."""

    def __init__(self, *args: str, port: int | None = None, quiet: bool = True) -> None:
        self.port = port or free_port()
        self.root = f"http://127.0.0.1:{self.port}"
        self.api = f"{self.root}/zstack/v1"
        extra = ["--quiet"] if quiet else []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mock_server", "serve", "--port", str(self.port), *extra, *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(f"{self.root}/_mock/jobs", timeout=1)
                return
            # the port listens before the app is built: a read may time out until it is
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.1)
        self.stop()
        raise AssertionError("the mock did not start")

    def session(self) -> str:
        rsp = requests.put(
            f"{self.api}/accounts/login",
            json={"logInByAccount": {"accountName": "admin", "password": ADMIN_PASSWORD}},
            timeout=10,
        )
        uuid: str = rsp.json()["inventory"]["uuid"]
        return uuid

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> str:
        """Stop it (SIGTERM unless told), then the log it wrote (stderr)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            _, err = self.proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        return err or ""

    def kill(self) -> None:
        """kill -9 the main process; its worker must die with it."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.communicate(timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                requests.get(f"{self.root}/_mock/jobs", timeout=1)
                time.sleep(0.1)
            except requests.ConnectionError:
                return
        raise AssertionError("the worker outlived its killed main process")


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """No access log."""


class ThreadedServer:
    """A Flask app served in a thread on a free loopback port."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
