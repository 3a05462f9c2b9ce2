"""The dashboard's journal and its refreshes: rows, exchanges, filters, incremental polls."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.dashboard.conftest import Client, expect, journal_row

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "dashboard.png"

pytestmark = pytest.mark.slow


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
