"""The dashboard at /_mock/ui, clicked through in a real headless Chromium (Debian's package)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from mock_server.app import create_app
from tests.conftest import ADMIN_PASSWORD, CONNECTED_BS, IMAGE_URL
from tests.served import ThreadedServer

CHROMIUM = "/usr/bin/chromium"
# as root, on a machine whose only network is the package registries
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "dashboard.png"


@pytest.fixture
def mock_url() -> Iterator[str]:
    server = ThreadedServer(create_app())
    yield server.url
    server.stop()


def add_image(url: str, name: str) -> requests.Response:
    session = requests.put(f"{url}/zstack/v1/accounts/login", json={"logInByAccount": {
        "accountName": "admin", "password": ADMIN_PASSWORD}}).json()["inventory"]["uuid"]  # fmt: skip
    params = {
        "name": name,
        "url": IMAGE_URL,
        "format": "qcow2",
        "backupStorageUuids": [CONNECTED_BS],
    }
    return requests.post(f"{url}/zstack/v1/images", json={"params": params},
                         headers={"Authorization": f"OAuth {session}"})  # fmt: skip


@pytest.mark.slow
def test_dashboard__reset_add_fault_and_see_it_act(mock_url: str, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have Debian's chromium: .ci/run installs it")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    add_image(mock_url, "before-reset")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(f"{mock_url}/_mock/ui")
        images = page.locator("#images tbody")
        expect(images).to_contain_text("before-reset")

        page.click("#reset")
        expect(images).not_to_contain_text("before-reset")

        page.select_option("select[name=operation]", "AddImage")
        page.select_option("select[name=action]", "fail_job")
        page.fill("input[name=times]", "1")
        page.click("#add-fault")
        expect(page.locator("#faults tbody")).to_contain_text("fail_job")

        assert add_image(mock_url, "hit-by-fault").status_code == 202
        expect(page.locator("#jobs tbody")).to_contain_text("failed (SYS.1002)")
        expect(page.locator("#faults tbody tr td").nth(4)).to_have_text("1")  # hits

        requests.get(f"{mock_url}/zstack/v1/images/")  # a contract violation for the journal
        expect(page.locator("#journal tbody tr.violation")).to_have_count(1)
        expect(page.locator("#journal tbody tr.violation")).to_contain_text("no api mapping")

        assert add_image(mock_url, "after-the-fault").status_code == 202  # the rule is used up
        expect(images).to_contain_text("after-the-fault")
        expect(images).to_contain_text("Ready")

        shot = SCREENSHOT if os.environ.get("UPDATE_SCREENSHOT") else tmp_path / "dashboard.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    assert shot.stat().st_size > 10_000
