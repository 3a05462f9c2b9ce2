"""The dashboard at /_mock/ui and the API docs at /_mock/docs, clicked through in real Chromium.

Debian's chromium package, driven by Playwright (no browser download). Each test starts its own
mock on a free loopback port and stops it; one browser serves the whole package.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from mock_server.state.ids import SystemClock
from tests.conftest import ADMIN_PASSWORD, CONNECTED_BS, IMAGE_URL, AppFactory
from tests.served import ThreadedServer

CHROMIUM = "/usr/bin/chromium"
# as root, on a machine whose only network is the package registries
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have Debian's chromium: .ci/run installs it")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    # the machine's two cores are shared: wait longer than Playwright's 5 s before failing
    expect.set_options(timeout=15_000)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def mock_url(make_app: AppFactory) -> Iterator[str]:
    server = ThreadedServer(make_app(clock=SystemClock()))
    yield server.url
    server.stop()


@pytest.fixture
def page(browser, mock_url: str) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(10_000)
    # nothing may leave the machine: the dashboard and the docs work offline
    outside: list[str] = []

    def refuse(route: Any) -> None:
        outside.append(route.request.url)
        route.abort()

    page.route(lambda url: not url.startswith(mock_url), refuse)
    page.goto(f"{mock_url}/_mock/ui")
    yield page
    context.close()
    assert outside == []


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


class Client:
    """A ZStack client driving the mock over HTTP while the browser watches."""

    def __init__(self, url: str) -> None:
        self.url = url
        rsp = requests.put(
            f"{url}/zstack/v1/accounts/login",
            json={"logInByAccount": {"accountName": "admin", "password": ADMIN_PASSWORD}},
            timeout=10,
        )
        self.session = rsp.json()["inventory"]["uuid"]
        self.auth = {"Authorization": f"OAuth {self.session}"}

    def add_image(self, name: str, **params: Any) -> requests.Response:
        body = {
            "name": name,
            "url": IMAGE_URL,
            "format": "qcow2",
            "backupStorageUuids": [CONNECTED_BS],
            **params,
        }
        return requests.post(
            f"{self.url}/zstack/v1/images", json={"params": body}, headers=self.auth, timeout=10
        )

    def poll(self, accepted: requests.Response) -> requests.Response:
        return requests.get(accepted.json()["location"], timeout=10)

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        rsp = requests.request(method, f"{self.url}/_mock/{path}", json=body, timeout=10)
        assert rsp.ok, rsp.text
        return rsp.json()


def journal_row(page: Any, text: str) -> Any:
    return page.locator("#journal tbody tr.entry", has_text=text)
