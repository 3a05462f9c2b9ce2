"""A real `zstack-mock serve` process (granian) on a free port, for tests that need the real thing."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.conftest import ADMIN_PASSWORD


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Served:
    def __init__(self, *args: str, port: int | None = None) -> None:
        self.port = port or free_port()
        self.root = f"http://127.0.0.1:{self.port}"
        self.api = f"{self.root}/zstack/v1"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mock_server", "serve", "--port", str(self.port), "--quiet", *args],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(f"{self.root}/_mock/jobs", timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        self.stop()
        raise AssertionError("the mock did not start")

    def session(self) -> str:
        rsp = requests.put(f"{self.api}/accounts/login", json={"logInByAccount": {
            "accountName": "admin", "password": ADMIN_PASSWORD}}, timeout=10)  # fmt: skip
        uuid: str = rsp.json()["inventory"]["uuid"]
        return uuid

    def stop(self) -> str:
        """SIGTERM, then the log it wrote (stderr)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
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


def state_path(tmp: Path) -> str:
    return str(tmp / "mock.db")
