"""The dashboard's views and ways in, the offline banner, the API docs and the start-up line."""

from __future__ import annotations

import pytest
import requests

from mock_server.state.ids import SystemClock
from tests.conftest import AppFactory
from tests.dashboard.conftest import Client, expect
from tests.served import Served, ThreadedServer

pytestmark = pytest.mark.slow


def test_dashboard__banner_when_the_mock_stops_answering(browser, make_app: AppFactory) -> None:
    app = make_app(clock=SystemClock())
    server = ThreadedServer(app)
    port = int(server.url.rsplit(":", 1)[1])
    page = browser.new_page()
    try:
        page.goto(f"{server.url}/_mock/ui")
        banner = page.locator("#offline")
        expect(page.locator("#health")).to_contain_text("v0.1.0")
        expect(banner).to_be_hidden()
        server.stop()
        expect(banner).to_be_visible()
        expect(banner).to_contain_text(f"The mock at 127.0.0.1:{port} is not answering")
        # the mock comes back on the same port: the banner goes
        again = ThreadedServer(app, port=port)
        try:
            expect(banner).to_be_hidden()
        finally:
            again.stop()
    finally:
        page.close()


def test_dashboard__images_jobs_sessions_and_backup_storages(page, mock_url: str) -> None:
    client = Client(mock_url)
    ready = client.poll(client.add_image("shown-image", platform="Windows")).json()["inventory"]
    client.admin("PUT", "jobs/progression", {"mode": "polls", "value": 5})
    requests.delete(f"{mock_url}/zstack/v1/images/{ready['uuid']}", headers=client.auth, timeout=10)
    client.admin("PUT", "jobs/progression", {"mode": "immediate"})
    failed = client.add_image("broken", format="nope")

    image = page.locator("#images tbody tr", has_text="shown-image")
    expect(image).to_contain_text(ready["uuid"])
    expect(image).to_contain_text("Deleted")  # the delete took effect; its job still runs
    expect(image).to_contain_text("Enabled")
    expect(image).to_contain_text("RootVolumeTemplate / qcow2")
    expect(image).to_contain_text("Windows")
    expect(image).to_contain_text("1.8 GiB")
    expect(image).to_contain_text(ready["createDate"])
    expect(image).to_contain_text("sftp-bs-1: Deleted")

    jobs = page.locator("#jobs tbody")
    delete = jobs.locator("tr", has_text="DeleteImage")
    expect(delete).to_contain_text(ready["uuid"])  # the job's image
    expect(delete).to_contain_text("processing")
    expect(delete).to_contain_text("waits for polls or a click")
    add = jobs.locator("tr", has_text="AddImage").filter(has_text="succeeded")
    expect(add).to_contain_text(ready["uuid"])
    expect(add).to_contain_text("ended")
    job_uuid = failed.json()["location"].rsplit("/", 1)[1]
    bad = jobs.locator("tr", has_text=job_uuid)
    expect(bad).to_contain_text("failed")
    expect(bad).to_contain_text("SYS.1007: unknown format[nope]")
    delete.get_by_role("button", name="Complete").click()
    expect(delete).to_contain_text("succeeded")

    sessions = page.locator("#sessions tbody tr")
    expect(sessions).to_have_count(1)
    expect(sessions).to_contain_text(client.session[:4] + "…")
    expect(sessions).not_to_contain_text(client.session)
    expect(sessions).to_contain_text("36c27e8ff05c4780bf6d2fa65700f22e")

    storages = page.locator("#backup-storages tbody tr")
    expect(storages).to_have_count(4)
    expect(storages.filter(has_text="sftp-bs-down")).to_contain_text("Disconnected")
    expect(storages.filter(has_text="sftp-bs-full")).to_contain_text("0 B / 100.0 GiB")


def test_dashboard__root_and_admin_prefix_lead_to_it(page, mock_url: str) -> None:
    for path in ("/", "/_mock"):
        page.goto(f"{mock_url}{path}")
        assert page.url == f"{mock_url}/_mock/ui"
        expect(page.locator("h1")).to_have_text("ZStack mock")


def test_docs__swagger_ui_offline_and_try_it_out_calls_the_mock(page, mock_url: str) -> None:
    page.goto(f"{mock_url}/_mock/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("ZStack image APIs")
    operation = page.locator("#operations-mock-admin-MockHealth")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    with page.expect_response(f"{mock_url}/_mock/health") as answered:
        operation.get_by_role("button", name="Execute").click()
    assert answered.value.status == 200
    expect(operation.locator(".live-responses-table")).to_contain_text("uptimeSeconds")
    expect(operation.locator(".request-url")).to_contain_text(f"{mock_url}/_mock/health")


def test_serve__start_up_line_prints_the_dashboard_url() -> None:
    served = Served(quiet=False)
    try:
        assert requests.get(f"{served.root}/", timeout=10).url == f"{served.root}/_mock/ui"
    finally:
        log = served.stop()
    [serving] = [line for line in log.splitlines() if line.startswith("zstack-mock: serving")]
    assert serving.endswith(f"; dashboard http://127.0.0.1:{served.port}/_mock/ui")
