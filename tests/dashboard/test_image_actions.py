"""The dashboard's image buttons: rename, disable/enable and boot mode, through ZStack's REST API."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from tests.dashboard.conftest import Client, expect

pytestmark = pytest.mark.slow


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
    """The exact requests of the spec's wire format (issue 11), with the mock's answers stood in
    for by the page's route."""

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


def test_dashboard__what_the_user_picked_survives_a_re_render(page, mock_url: str) -> None:
    """The actions cell is rebuilt when the image's state changes (the page polls every second):
    a typed name and a picked boot mode must survive it, or the next click sends the default."""
    client = Client(mock_url)
    image = client.poll(client.add_image("kept-choice")).json()["inventory"]
    row = page.locator("#images tbody tr", has_text="kept-choice")
    row.locator("input[name=new-name]").fill("typed-name")
    row.locator("select[name=boot-mode]").select_option("UEFI")
    disable = {"changeImageState": {"stateEvent": "disable"}}
    path = f"{mock_url}/zstack/v1/images/{image['uuid']}/actions"
    client.poll(requests.put(path, json=disable, headers=client.auth, timeout=10))
    expect(row.get_by_role("button", name="Enable")).to_be_visible()  # the cell was rebuilt
    expect(row.locator("input[name=new-name]")).to_have_value("typed-name")
    expect(row.locator("select[name=boot-mode]")).to_have_value("UEFI")
