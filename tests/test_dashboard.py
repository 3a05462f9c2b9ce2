"""The dashboard at /_mock/ui and the API docs at /_mock/docs, clicked through in real Chromium.

Debian's chromium package, driven by Playwright (no browser download). Each test starts its own
mock on a free loopback port and stops it; one browser serves the whole module.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from werkzeug.serving import make_server

from mock_server.app import create_app
from mock_server.config import MockConfig
from tests.conftest import ADMIN_PASSWORD, CONNECTED_BS, IMAGE_URL
from tests.served import Served, ThreadedServer, _Quiet

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
SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "dashboard.png"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
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
def mock_url() -> Iterator[str]:
    server = ThreadedServer(create_app(MockConfig(seed=0)))
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


def test_dashboard__reset_add_fault_and_see_it_act(page, mock_url: str, tmp_path: Path) -> None:
    client = Client(mock_url)
    client.add_image("before-reset")
    images = page.locator("#images tbody")
    expect(images).to_contain_text("before-reset")

    page.click("#reset")
    expect(images).not_to_contain_text("before-reset")
    client = Client(mock_url)  # a reset ends every session

    page.select_option("#fault-form select[name=operation]", "AddImage")
    page.select_option("#fault-form select[name=action]", "fail_job")
    page.fill("#fault-form input[name=times]", "1")
    page.click("#add-fault")
    expect(page.locator("#faults tbody")).to_contain_text("fail_job")

    assert client.add_image("hit-by-fault").status_code == 202
    expect(page.locator("#jobs tbody")).to_contain_text("SYS.1002: Failed to download image")
    expect(page.locator("#faults tbody tr td").nth(6)).to_have_text("1")  # hits

    requests.get(f"{mock_url}/zstack/v1/images/", timeout=10)  # a contract violation
    expect(page.locator("#journal tbody tr.violation")).to_have_count(1)
    expect(page.locator("#journal tbody tr.violation")).to_contain_text("no api mapping")

    assert client.add_image("after-the-fault").status_code == 202  # the rule is used up
    expect(images).to_contain_text("after-the-fault")
    expect(images).to_contain_text("Ready")
    journal_row(page, "POST /zstack/v1/images").first.click()  # an open row in the picture

    shot = SCREENSHOT if os.environ.get("UPDATE_SCREENSHOT") else tmp_path / "dashboard.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


def test_dashboard__journal_row_opens_the_whole_exchange(page, mock_url: str) -> None:
    client = Client(mock_url)
    client.add_image("shown", format="nope")  # SYS.1007: a violation with a reason
    row = journal_row(page, "POST /zstack/v1/images")
    expect(row).to_have_class(re.compile(r"\bviolation\b"))
    row.click()
    detail = page.locator("#journal tbody tr.detail")
    request, response = detail.locator(".request"), detail.locator(".response")
    expect(request).to_contain_text('"format": "nope"')  # the body, pretty-printed
    expect(request).to_contain_text(f"Authorization:OAuth {client.session[:4]}…")  # redacted
    expect(request).not_to_contain_text(client.session)
    expect(response).to_contain_text("202")
    expect(response).to_contain_text('"location"')
    expect(response).to_contain_text("Content-Type:application/json")
    job = requests.get(f"{mock_url}/_mock/jobs", timeout=10).json()["jobs"][-1]["uuid"]
    expect(detail.locator(".meta .job")).to_have_text(f" · job {job}")
    expect(detail.locator(".meta .timing")).to_contain_text(" ms")
    expect(detail.locator("ul.findings li.violation")).to_contain_text("unknown format[nope]")
    row.click()  # and closed again
    expect(detail).to_have_count(0)


def test_dashboard__late_finding_updates_the_open_row_in_place(page, mock_url: str) -> None:
    client = Client(mock_url)
    client.admin("PUT", "jobs/progression", {"mode": "polls", "value": 2})
    accepted = client.add_image("late", format="nope")
    row = journal_row(page, "POST /zstack/v1/images")
    expect(row).to_have_class(re.compile(r"\bok\b"))
    row.click()
    body = page.locator("#journal tbody tr.detail .request pre")
    expect(body).to_contain_text('"name": "late"')
    # the user selects text in the open row, and the page must keep it
    page.evaluate("""() => { const pre = document.querySelector("#journal tr.detail .request pre");
        const r = document.createRange(); r.selectNodeContents(pre); getSelection().removeAllRanges();
        getSelection().addRange(r); pre.closest("tr").dataset.marker = "same-node"; }""")
    selected = page.evaluate("() => String(getSelection())")
    assert '"name": "late"' in selected

    client.poll(accepted), client.poll(accepted)  # the job ends, failing with SYS.1007
    expect(row).to_have_class(re.compile(r"^(?=.*\bviolation\b)(?=.*\bopen\b)"))
    expect(page.locator("#journal tr.detail ul.findings li.violation")).to_contain_text(
        "unknown format[nope]"
    )
    expect(page.locator("#journal tr.detail")).to_have_attribute("data-marker", "same-node")
    assert page.evaluate("() => String(getSelection())") == selected


def test_dashboard__journal_filters(page, mock_url: str) -> None:
    client = Client(mock_url)
    client.add_image("filtered")
    requests.get(f"{mock_url}/zstack/v1/images/", timeout=10)  # 404, a violation
    requests.get(
        f"{mock_url}/zstack/v1/images?sessionId={client.session}", headers=client.auth, timeout=10
    )  # a warning: a session id in the query string
    rows = page.locator("#journal tbody tr.entry")
    # each step waits for exactly these rows, newest first (a count alone could match the last
    # step); a row's text runs its cells together: path, then status
    login, add, missing, query = (
        re.compile(p)
        for p in (
            r"PUT /zstack/v1/accounts/login",
            r"POST /zstack/v1/images202",
            r"GET /zstack/v1/images/404",
            r"GET /zstack/v1/images\?sessionId=",
        )
    )
    expect(rows).to_have_text([query, missing, add, login])

    page.select_option("#journal-filters select[name=verdict]", "violation")
    expect(rows).to_have_text([missing])
    page.select_option("#journal-filters select[name=verdict]", "warning")
    expect(rows).to_have_text([query])
    page.select_option("#journal-filters select[name=verdict]", "")
    expect(rows).to_have_text([query, missing, add, login])

    page.select_option("#journal-filters select[name=api]", "LogInByAccount")
    expect(rows).to_have_text([login])
    page.select_option("#journal-filters select[name=api]", "")
    expect(rows).to_have_text([query, missing, add, login])

    page.fill("#journal-filters input[name=status]", "404")
    page.locator("#journal-filters input[name=status]").dispatch_event("change")
    expect(rows).to_have_text([missing])
    page.fill("#journal-filters input[name=status]", "")
    page.locator("#journal-filters input[name=status]").dispatch_event("change")
    expect(rows).to_have_text([query, missing, add, login])

    page.fill("#journal-filters input[name=text]", "backupStorageUuids")  # in a request body only
    expect(rows).to_have_text([add])


def test_dashboard__polls_the_journal_incrementally(page, mock_url: str) -> None:
    seen: list[dict[str, list[str]]] = []
    page.on(
        "request",
        lambda r: (
            seen.append(parse_qs(urlsplit(r.url).query))
            if urlsplit(r.url).path == "/_mock/journal"
            else None
        ),
    )
    client = Client(mock_url)
    rows = page.locator("#journal tbody tr.entry")
    expect(rows).to_have_count(1)
    page.evaluate(
        "() => { document.querySelector('#journal tbody tr.entry').dataset.marker = 'kept'; }"
    )
    client.add_image("one")
    expect(rows).to_have_count(2)
    # the old row was not rebuilt: only the new one was added
    expect(page.locator("#journal tbody tr.entry[data-marker=kept]")).to_contain_text(
        "accounts/login"
    )
    revs = requests.get(f"{mock_url}/_mock/journal", timeout=10).json()["rev"]
    polls = [q for q in seen if "since" in q]
    assert polls, seen
    assert all(q["limit"] == ["500"] for q in polls)
    assert max(int(q["since"][0]) for q in polls) <= revs
    assert any(int(q["since"][0]) >= 1 for q in polls)


def test_dashboard__unchanged_state_is_not_downloaded_again(page, mock_url: str) -> None:
    answers: list[int] = []
    page.on("response", lambda r: answers.append(r.status) if "/_mock/state" in r.url else None)
    page.wait_for_timeout(3500)  # idle: the state answers 304 to the ETag the page sent
    assert 200 in answers and 304 in answers, answers
    Client(mock_url).add_image("changed")
    expect(page.locator("#images tbody")).to_contain_text("changed")


def test_dashboard__refresh_keeps_a_half_filled_form_and_selected_text(page, mock_url: str) -> None:
    client = Client(mock_url)
    page.select_option("#fault-form select[name=action]", "rest_error")
    page.fill("#fault-form input[name=match-field]", "name")
    page.fill("#fault-form input[name=message]", "half typed")
    page.focus("#fault-form input[name=message]")
    client.add_image("changing")
    expect(page.locator("#images tbody")).to_contain_text("changing")
    page.evaluate("""() => { const td = document.querySelector("#images tbody td.uuid");
        const r = document.createRange(); r.selectNodeContents(td); getSelection().removeAllRanges();
        getSelection().addRange(r); }""")
    selected = page.evaluate("() => String(getSelection())")
    for n in range(3):  # the state changes under several refreshes
        client.add_image(f"more-{n}")
        expect(page.locator("#images tbody")).to_contain_text(f"more-{n}")
    assert page.evaluate("() => String(getSelection())") == selected
    assert page.input_value("#fault-form input[name=message]") == "half typed"
    assert page.input_value("#fault-form input[name=match-field]") == "name"
    assert page.evaluate("() => document.activeElement.name") == "message"


def test_dashboard__banner_when_the_mock_stops_answering(browser) -> None:
    app = create_app(MockConfig(seed=0))
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
        again = make_server("127.0.0.1", port, app, threaded=True, request_handler=_Quiet)
        import threading

        thread = threading.Thread(target=again.serve_forever, daemon=True)
        thread.start()
        try:
            expect(banner).to_be_hidden()
        finally:
            again.shutdown()
            again.server_close()
            thread.join(timeout=10)
    finally:
        page.close()


def test_dashboard__fault_form_has_every_operation_action_and_field(page, mock_url: str) -> None:
    spec = requests.get(
        f"{mock_url}/_mock/spec", headers={"Accept": "application/json"}, timeout=10
    ).json()["components"]["schemas"]["MockFaultRuleRequest"]
    operations = page.locator("#fault-form select[name=operation] option")
    expect(operations).to_have_count(len(spec["properties"]["operation"]["enum"]))
    assert (
        operations.evaluate_all("os => os.map(o => o.value)")
        == spec["properties"]["operation"]["enum"]
    )
    assert "LogOut" in spec["properties"]["operation"]["enum"]
    actions = page.locator("#fault-form select[name=action] option").evaluate_all(
        "os => os.map(o => o.value)"
    )
    assert actions == spec["properties"]["action"]["enum"]
    # every input has a label a user (and a screen reader) can read
    unlabelled = page.evaluate("""() => [...document.querySelectorAll("input, select")]
        .filter(e => e.labels.length === 0).map(e => e.name)""")
    assert unlabelled == []

    def add(action: str, fields: dict[str, str], operation: str = "AddImage") -> None:
        page.select_option("#fault-form select[name=operation]", operation)
        page.select_option("#fault-form select[name=action]", action)
        for name, value in fields.items():
            selector = f"#fault-form [name={name}]"
            if page.locator(selector).evaluate("e => e.tagName") == "SELECT":
                page.select_option(selector, value)
            else:
                page.fill(selector, value)
        page.click("#add-fault")

    add(
        "latency",
        {
            "latency-min": "0.5",
            "latency-max": "2",
            "times": "3",
            "match-field": "name",
            "match-value": "slow",
        },
        "LogOut",
    )
    add(
        "fail_job",
        {
            "code": "SYS.1006",
            "details": "no space",
            "times": "",
            "match-field": "",
            "match-value": "",
        },
    )
    add(
        "rest_error",
        {
            "status": "503",
            "message": "down for maintenance",
            "match-field": "system",
            "match-value": "true",
        },
        "QueryImage",
    )
    add("broken_body", {"match-field": "", "match-value": ""}, "GetJob")
    expect(page.locator("#faults tbody tr")).to_have_count(4)
    stored = requests.get(f"{mock_url}/_mock/faults", timeout=10).json()["faults"]
    assert stored == [
        {
            "id": "f1",
            "operation": "LogOut",
            "action": "latency",
            "times": 3,
            "hits": 0,
            "match": {"field": "name", "value": "slow"},
            "latency": {"min": 0.5, "max": 2},
        },
        {
            "id": "f2",
            "operation": "AddImage",
            "action": "fail_job",
            "times": None,
            "hits": 0,
            "code": "SYS.1006",
            "details": "no space",
        },
        {
            "id": "f3",
            "operation": "QueryImage",
            "action": "rest_error",
            "times": None,
            "hits": 0,
            "match": {"field": "system", "value": True},
            "status": 503,
            "message": "down for maintenance",
        },
        {"id": "f4", "operation": "GetJob", "action": "broken_body", "times": None, "hits": 0},
    ]
    faults = page.locator("#faults tbody")
    expect(faults.locator("tr").nth(0)).to_contain_text('name = "slow"0.5–2 s3')
    expect(faults.locator("tr").nth(1)).to_contain_text("SYS.1006: no space")
    expect(faults.locator("tr").nth(2)).to_contain_text(
        'system = trueHTTP 503 "down for maintenance"always'
    )
    # a rule the mock refuses says why, next to the form
    add("latency", {"latency-min": "5", "latency-max": "1"})
    expect(page.locator("#fault-error")).to_have_text("not added: latency: min is above max")
    faults.locator("tr").nth(0).get_by_role("button", name="Remove").click()
    expect(page.locator("#faults tbody tr")).to_have_count(3)


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


def test_dashboard__progression_and_failing_a_job_by_hand(page, mock_url: str) -> None:
    page.select_option("#progression-form select[name=mode]", "seconds")
    page.fill("#progression-form input[name=value]", "0")
    page.get_by_role("button", name="Set progression").click()
    expect(page.locator("#jobs-error")).to_have_text(
        "progression: mode seconds needs a value above 0"
    )
    page.select_option("#progression-form select[name=mode]", "polls")
    page.fill("#progression-form input[name=value]", "3")
    page.get_by_role("button", name="Set progression").click()
    expect(page.locator("#progression-now")).to_have_text("now: after 3 polls")
    assert requests.get(f"{mock_url}/_mock/jobs", timeout=10).json()["progression"] == {
        "mode": "polls",
        "value": 3.0,
    }

    accepted = Client(mock_url).add_image("to-fail")
    job = page.locator("#jobs tbody tr", has_text="AddImage")
    expect(job).to_contain_text("processing")
    page.fill("#progression-form input[name=fail-code]", "SYS.1006")
    page.fill("#progression-form input[name=fail-details]", "disk full")
    job.get_by_role("button", name="Fail").click()
    expect(job).to_contain_text("SYS.1006: disk full")
    error = requests.get(accepted.json()["location"], timeout=10).json()["error"]
    assert (error["code"], error["details"]) == ("SYS.1006", "disk full")
    expect(page.locator("#images tbody tr")).to_have_count(0)  # a failed AddImage removes its image


IMAGE_ACTIONS = {"updateImage", "changeImageState", "setImageBootMode"}


def _click_image_actions(page: Any, name: str) -> Any:
    """Rename the image's row to `renamed-<name>`, disable it, set its boot mode to UEFI."""
    row = page.locator("#images tbody tr", has_text=name)
    status = page.locator("#image-action-status")
    row.locator("input[name=new-name]").fill(f"renamed-{name}")
    row.get_by_role("button", name="Rename").click()
    expect(status).to_contain_text("updateImage")
    expect(status).to_contain_text("done")
    row.get_by_role("button", name="Disable").click()
    expect(status).to_contain_text("changeImageState")
    expect(status).to_contain_text("done")
    row.locator("select[name=boot-mode]").select_option("UEFI")
    row.get_by_role("button", name="Set boot mode").click()
    expect(status).to_contain_text("setImageBootMode")
    expect(status).to_contain_text("done")
    return row


def test_dashboard__image_actions_send_the_zstack_requests(page, mock_url: str) -> None:
    """The wire format of the spec (issue 11): the mock's answers are stood in for by the page's
    route, so this holds whether or not the mock serves the three APIs yet."""
    import json

    client = Client(mock_url)
    image = client.poll(client.add_image("actions-wire")).json()["inventory"]
    sent: list[tuple[str, str, Any, str]] = []

    def accept(route: Any) -> None:
        req = route.request
        sent.append(
            (
                req.method,
                urlsplit(req.url).path,
                req.post_data_json,
                req.headers.get("authorization", ""),
            )
        )
        job = f"{mock_url}/zstack/v1/api-jobs/{len(sent):032x}"
        route.fulfill(
            status=202,
            content_type="application/json",
            body=json.dumps({"location": job, "apiTimeout": 1800000}),
        )

    def result(route: Any) -> None:
        route.fulfill(
            status=200, content_type="application/json", body=json.dumps({"inventory": image})
        )

    page.route(f"{mock_url}/zstack/v1/images/*/actions", accept)
    page.route(f"{mock_url}/zstack/v1/api-jobs/*", result)
    _click_image_actions(page, "actions-wire")
    path = f"/zstack/v1/images/{image['uuid']}/actions"
    assert [(m, p, b) for m, p, b, _ in sent] == [
        ("PUT", path, {"updateImage": {"name": "renamed-actions-wire"}}),
        ("PUT", path, {"changeImageState": {"stateEvent": "disable"}}),
        ("PUT", path, {"setImageBootMode": {"bootMode": "UEFI"}}),
    ]
    # one real login (SHA-512 of the form's password) serves all three
    sessions = requests.get(f"{mock_url}/_mock/state", timeout=10).json()["sessions"]
    assert len({auth for *_, auth in sent}) == 1 and sent[0][3].startswith("OAuth ")
    assert len(sessions) == 2  # the Client's and the dashboard's


def test_dashboard__image_actions_change_the_image(page, mock_url: str) -> None:
    from mock_server.zstack.spec import Spec

    actions = Spec.load().operations["ExpungeImage"].raw.get("x-zstack-actions", {})
    if not set(actions) >= IMAGE_ACTIONS:
        pytest.skip("UpdateImage, ChangeImageState, SetImageBootMode are issue 11's part A")
    client = Client(mock_url)
    image = client.poll(client.add_image("actions-live")).json()["inventory"]
    row = _click_image_actions(page, "actions-live")
    expect(row).to_contain_text("renamed-actions-live")
    expect(row).to_contain_text("Disabled")
    expect(row.get_by_role("button", name="Enable")).to_be_visible()
    tags = requests.get(
        f"{mock_url}/zstack/v1/system-tags",
        headers=client.auth,
        timeout=10,
        params={"q": f"resourceUuid={image['uuid']}"},
    ).json()["inventories"]
    assert [t["tag"] for t in tags] == ["bootMode::UEFI"]
