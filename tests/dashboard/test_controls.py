"""The dashboard's controls: the fault form, the progression form and failing a job by hand."""

from __future__ import annotations

import pytest
import requests

from tests.dashboard.conftest import Client, expect

pytestmark = pytest.mark.slow


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
