"""The /_mock/ control API: reset, fixtures, state, jobs and progression, faults, journal."""

from __future__ import annotations

import copy
import json
import re
import time
from importlib import metadata

import pytest
import yaml

from mock_server.state.ids import ManualClock
from mock_server.zstack.spec import Spec
from tests.conftest import ZStack


def test_reset__drops_images_and_keeps_fixtures(zs: ZStack) -> None:
    zs.ready_image()
    rsp = zs.client.post("/_mock/reset")
    assert rsp.status_code == 200
    assert rsp.json == {"images": 0, "backupStorages": 4, "accounts": 1}
    assert zs.client.get("/_mock/state").json["images"] == []


def test_fixtures__yaml_body_replaces_state(zs: ZStack) -> None:
    yaml_text = (
        "accounts: [{uuid: 36c27e8ff05c4780bf6d2fa65700f22e, name: dev, password: secret}]\n"
        "backupStorages: [{uuid: c340364aad7b4130a12e641afe3a968f, name: one, type: SftpBackupStorage,"
        " url: /bs, status: Connected, totalCapacity: 10, availableCapacity: 10}]\n"
    )
    rsp = zs.client.put("/_mock/fixtures", data=yaml_text, content_type="application/yaml")
    assert rsp.json == {"images": 0, "backupStorages": 1, "accounts": 1}
    assert zs.login().status_code == 503  # admin is gone
    assert zs.login("dev", __import__("hashlib").sha512(b"secret").hexdigest()).status_code == 200


@pytest.mark.parametrize(
    ("body", "content_type", "details"),
    [
        ("accounts: [", "application/yaml", "fixtures: not valid YAML at line 1, column 12"),
        # a JSON body is read as JSON: a tab-indented one is fine, a broken one says where
        ('{"zones": [}', "application/json", "fixtures: not valid JSON at line 1, column 12"),
        ('{"zones": 3}', "application/json", "field 'zones' (line 1, column 11)"),
        ("", "application/yaml", "fixtures: the fixtures are empty"),
        ('{\n\t"zones": []\n}', "application/json", "fixtures: field 'accounts': no account"),
        ('{"backupStorages": [{"uuid": "x"}]}', "application/json", "field 'backupStorages/0"),
    ],
)
def test_fixtures__bad_body_is_a_clear_error_and_changes_nothing(
    zs: ZStack, body, content_type, details
) -> None:
    image = zs.ready_image()
    rsp = zs.client.put("/_mock/fixtures", data=body, content_type=content_type)
    assert rsp.status_code == 400
    assert rsp.json["error"]["code"] == "MOCK.1000"
    assert details in rsp.json["error"]["details"]
    assert [i["uuid"] for i in zs.client.get("/_mock/state").json["images"]] == [image["uuid"]]


def test_state__dumps_everything(zs: ZStack) -> None:
    zs.ready_image()
    state = zs.client.get("/_mock/state").json
    assert len(state["images"]) == 1 and len(state["backupStorages"]) == 4
    assert len(state["sessions"]) == 1 and state["jobs"][0]["state"] == "succeeded"
    assert state["settings"]["deletionPolicy"] == "Delay"


def test_progression__polls_then_manual_complete_and_fail(zs: ZStack) -> None:
    rsp = zs.client.put("/_mock/jobs/progression", json={"mode": "polls", "value": 2})
    assert rsp.json == {"mode": "polls", "value": 2.0}
    location = zs.add_image().json["location"].removeprefix("http://localhost")
    assert zs.client.get(location).status_code == 202
    assert zs.client.get(location).status_code == 200  # the second poll finishes it
    job = zs.add_image().json["location"].rsplit("/", 1)[1]
    assert zs.client.post(f"/_mock/jobs/{job}/complete").json["state"] == "succeeded"
    assert zs.client.post(f"/_mock/jobs/{job}/complete").status_code == 409
    job = zs.add_image(name="failing").json["location"].rsplit("/", 1)[1]
    rsp = zs.client.post(
        f"/_mock/jobs/{job}/fail", json={"code": "SYS.1002", "details": "disk full"}
    )
    assert rsp.json["error"] == {
        "code": "SYS.1002",
        "description": "Unable to create a resource",
        "details": "disk full",
        "cost": "0ms",
    }
    assert zs.client.get(f"/zstack/v1/api-jobs/{job}").status_code == 503
    names = [i["name"] for i in zs.client.get("/_mock/state").json["images"]]
    assert "failing" not in names  # a failed download removes the image


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/_mock/jobs/progression", {"mode": "hours", "value": 1}, 400),
        ("/_mock/jobs/progression", {"mode": "seconds"}, 400),
        ("/_mock/jobs/" + "0" * 32 + "/complete", None, 404),
        ("/_mock/faults", {"operation": "AddImage"}, 400),
        ("/_mock/faults", {"operation": "Nope", "action": "latency", "latency": 1}, 400),
        ("/_mock/faults", {"operation": "AddImage", "action": "latency"}, 400),
        (
            "/_mock/faults",
            {"operation": "AddImage", "action": "latency", "latency": {"min": 2, "max": 1}},
            400,
        ),
    ],
)
def test_admin__bad_input_is_json_error(zs: ZStack, path, body, status) -> None:
    send = zs.client.put if path.endswith("progression") else zs.client.post
    rsp = send(path, json=body) if body is not None else send(path)
    assert rsp.status_code == status
    assert rsp.json["error"]["details"]
    assert zs.client.get("/_mock/faults").json == {"faults": []}


def test_fault__fail_job_applies_to_next_n_matches(zs: ZStack) -> None:
    rule = zs.client.post(
        "/_mock/faults",
        json={
            "operation": "AddImage",
            "action": "fail_job",
            "code": "SYS.1002",
            "details": "Failed to download image",
            "times": 1,
        },
    ).json
    assert rule["id"] and rule["times"] == 1
    error = zs.job_error(zs.add_image())
    assert (error["code"], error["details"]) == ("SYS.1002", "Failed to download image")
    assert zs.poll(zs.add_image()).status_code == 200  # used up
    assert zs.client.get("/_mock/faults").json["faults"][0]["hits"] == 1


def test_fault__match_on_field_value(zs: ZStack) -> None:
    zs.client.post(
        "/_mock/faults",
        json={
            "operation": "AddImage",
            "action": "rest_error",
            "status": 400,
            "message": "nope",
            "match": {"field": "name", "value": "bad"},
        },
    )
    assert zs.add_image(name="bad").status_code == 400
    assert zs.add_image(name="good").status_code == 202


def test_fault__latency_and_broken_body_and_delete(zs: ZStack) -> None:
    zs.login()
    rule = zs.client.post(
        "/_mock/faults",
        json={"operation": "QueryImage", "action": "latency", "latency": {"min": 0.2, "max": 0.2}},
    ).json
    start = time.monotonic()
    zs.client.get("/zstack/v1/images", headers=zs.auth)
    assert time.monotonic() - start >= 0.2
    assert zs.client.delete(f"/_mock/faults/{rule['id']}").json == {"deleted": rule["id"]}
    assert zs.client.delete(f"/_mock/faults/{rule['id']}").status_code == 404
    zs.client.post("/_mock/faults", json={"operation": "QueryImage", "action": "broken_body"})
    text = zs.client.get("/zstack/v1/images", headers=zs.auth).get_data(as_text=True)
    with pytest.raises(json.JSONDecodeError, match="^Unterminated string starting at"):
        json.loads(text)


def test_journal__records_and_filters_and_clears(zs: ZStack) -> None:
    zs.ready_image()
    zs.client.get("/zstack/v1/nothing")
    entries = zs.client.get("/_mock/journal").json["entries"]
    assert [e["api"] for e in entries[:3]] == ["LogInByAccount", "AddImage", "GetJob"]
    add = entries[1]
    assert (add["method"], add["status"], add["verdict"]) == ("POST", 202, "ok")
    assert add["job"] and entries[2]["job"] == add["job"]
    bad = zs.client.get("/_mock/journal?verdict=violation").json["entries"]
    assert [e["path"] for e in bad] == ["/zstack/v1/nothing"]
    assert bad[0]["findings"][0]["rule"] == "rest-layer"
    assert zs.client.get("/_mock/journal?status=x").status_code == 400
    zs.client.delete("/_mock/journal")
    assert zs.client.get("/_mock/journal").json["entries"] == []


@pytest.mark.parametrize(
    ("send", "rule"),
    [
        (lambda zs: zs.add_image(colour="blue"), "unknown-field"),
        (
            lambda zs: zs.client.delete(
                "/zstack/v1/images/" + "1" * 32, json={"params": {}}, headers=zs.auth
            ),
            "body-ignored",
        ),
        (
            lambda zs: zs.client.get("/zstack/v1/images?sessionId=abc", headers=zs.auth),
            "session-in-query",
        ),
    ],
)
def test_verdict__tolerated_mistakes_are_warnings(zs: ZStack, send, rule) -> None:
    zs.login()
    send(zs)
    [entry] = zs.client.get("/_mock/journal?verdict=warning").json["entries"]
    assert entry["findings"][0]["rule"] == rule


def test_verdict__rejected_requests_are_violations(zs: ZStack) -> None:
    zs.login()
    zs.client.post(
        "/zstack/v1/images", json={"params": {"backupStorageUuids": "x"}}, headers=zs.auth
    )
    zs.add_image(format=None)  # SYS.1007 in the job
    rules = [
        e["findings"][0]["rule"]
        for e in zs.client.get("/_mock/journal?verdict=violation").json["entries"]
    ]
    assert rules == ["rest-layer", "invalid-argument"]


@pytest.mark.parametrize(
    ("origins", "origin", "allowed"),
    [
        ((), "http://localhost:3000", True),
        ((), "http://127.0.0.1:5173", True),
        ((), "http://evil.example", False),
        (("https://app.example",), "https://app.example", True),
        (("https://app.example",), "http://localhost:3000", False),
    ],
)
def test_cors__preflight_and_response(make_app, origins, origin, allowed) -> None:
    client = make_app(cors_origins=origins).test_client()
    pre = client.options(
        "/zstack/v1/images",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert pre.status_code == (204 if allowed else 403)
    rsp = client.get("/zstack/v1/api-jobs/" + "0" * 32, headers={"Origin": origin})
    assert (rsp.headers.get("Access-Control-Allow-Origin") == origin) is allowed
    if allowed:
        assert "Authorization" in pre.headers["Access-Control-Allow-Headers"]


def test_fault__fail_job_carries_zstack_description_for_any_code(zs: ZStack) -> None:
    zs.client.post(
        "/_mock/faults",
        json={
            "operation": "AddImage",
            "action": "fail_job",
            "code": "SYS.1001",
            "details": "timeout",
        },
    )
    error = zs.job_error(zs.add_image())
    assert (error["code"], error["description"]) == ("SYS.1001", "A message or a operation timeout")


@pytest.mark.parametrize("path", ["/", "/_mock", "/_mock/"])
def test_dashboard__root_and_admin_prefix_lead_to_it(client, path) -> None:
    rsp = client.get(path)
    assert (rsp.status_code, rsp.headers["Location"]) == (302, "/_mock/ui")
    assert "<title>ZStack mock" in client.get(rsp.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize(
    ("accept", "mimetype", "parse"),
    [
        # no preference, or YAML asked for: the YAML form
        (None, "application/yaml", yaml.safe_load),
        ("application/yaml", "application/yaml", yaml.safe_load),
        ("application/json", "application/json", json.loads),
        # what Swagger UI's fetch sends
        ("application/json,*/*", "application/json", json.loads),
    ],
)
def test_spec__served_is_the_document_the_mock_runs(app, client, accept, mimetype, parse) -> None:
    rsp = client.get("/_mock/spec", headers={"Accept": accept} if accept else {})
    assert (rsp.status_code, rsp.mimetype) == (200, mimetype)
    assert parse(rsp.get_data(as_text=True)) == app.extensions["zstack"].spec.doc


def test_spec__served_is_the_runtime_spec_not_the_file(make_app, spec) -> None:
    doc = copy.deepcopy(spec.doc)
    doc["info"]["title"] = "a spec given to create_app"
    client = make_app(spec=Spec(doc)).test_client()
    assert client.get("/_mock/spec").get_data(as_text=True).count("a spec given to create_app") == 1


def test_docs__swagger_ui_served_from_the_package(client) -> None:
    page = client.get("/_mock/docs").get_data(as_text=True)
    assert 'url: "/_mock/spec"' in page
    assets = re.findall(r'(?:src|href)="(/_mock/docs/[^"]+)"', page)
    assert {"/_mock/docs/swagger-ui.css", "/_mock/docs/swagger-ui-bundle.js"} <= set(assets)
    for asset in assets:
        rsp = client.get(asset)
        assert rsp.status_code == 200 and len(rsp.data) > 500, asset
    # nothing from another host: it works offline
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page)


@pytest.mark.parametrize("asset", ["../../pyproject.toml", "x" * 300])  # 300: ENAMETOOLONG
def test_docs__unknown_asset_is_404_plain_text(client, asset: str) -> None:
    rsp = client.get(f"/_mock/docs/{asset}")
    assert (rsp.status_code, rsp.mimetype) == (404, "text/plain")


def test_health__version_and_uptime(make_app) -> None:
    clock = ManualClock()
    client = make_app(clock=clock).test_client()
    clock.advance(12.5)
    client.post("/_mock/reset")  # a reset keeps the mock's start time
    rsp = client.get("/_mock/health")
    assert rsp.status_code == 200
    assert rsp.json == {
        "status": "ok",
        "version": metadata.version("zstack-image-contract"),
        "uptimeSeconds": 12.5,
    }


def test_state__limit_keeps_the_newest_and_totals_count_all(zs: ZStack) -> None:
    images = [zs.ready_image(name=f"i{n}")["uuid"] for n in range(3)]
    state = zs.client.get("/_mock/state?limit=2").json
    assert [i["uuid"] for i in state["images"]] == images[1:]
    assert len(state["jobs"]) == 2
    assert state["totals"] == {"images": 3, "sessions": 1, "jobs": 3}
    assert len(zs.client.get("/_mock/jobs?limit=1").json["jobs"]) == 1


# "³" and "٣" are digits to str.isdigit but not to int(): found by test_fuzz
@pytest.mark.parametrize("limit", ["0", "-1", "x", "", "³", "٣"])
def test_state__bad_limit_is_json_error(zs: ZStack, limit) -> None:
    for path in ("/_mock/state", "/_mock/jobs"):
        rsp = zs.client.get(f"{path}?limit={limit}")
        assert (rsp.status_code, rsp.json["error"]["code"]) == (400, "MOCK.1000")
        assert rsp.json["error"]["details"] == "limit must be an integer of at least 1"


def test_jobs__show_their_image_and_times(zs: ZStack, clock) -> None:
    zs.client.put("/_mock/jobs/progression", json={"mode": "seconds", "value": 5})
    start = clock.now()
    added = zs.add_image()
    clock.advance(5)
    image = zs.poll(added).json["inventory"]["uuid"]
    deleted = zs.delete_image(image)
    zs.client.put("/_mock/jobs/progression", json={"mode": "polls", "value": 3})
    expunging = zs.expunge_image(image)
    add, delete, expunge = zs.client.get("/_mock/jobs").json["jobs"]
    assert (add["api"], add["image"], add["submitted"], add["due"], add["finished"]) == (
        "AddImage",
        image,
        start,
        start + 5,
        start + 5,
    )
    assert (delete["api"], delete["image"], delete["state"]) == ("DeleteImage", image, "processing")
    assert (expunge["image"], expunge["due"], expunge["finished"]) == (image, None, None)
    assert deleted.status_code == expunging.status_code == 202


def test_jobs__a_downloading_add_image_names_its_image(zs: ZStack) -> None:
    zs.client.put("/_mock/jobs/progression", json={"mode": "polls", "value": 2})
    zs.add_image()
    [job] = zs.client.get("/_mock/jobs").json["jobs"]
    [image] = zs.client.get("/_mock/state").json["images"]
    assert (job["state"], job["image"], image["status"]) == (
        "processing",
        image["uuid"],
        "Downloading",
    )


def test_jobs__failed_job_shows_error_code_and_details(zs: ZStack) -> None:
    error = zs.job_error(zs.add_image(format="nope"))
    [job] = zs.client.get("/_mock/state").json["jobs"]
    assert (job["state"], job["error"]["code"], job["error"]["details"]) == (
        "failed",
        "SYS.1007",
        error["details"],
    )
    assert job["image"] is None  # it failed before any image existed


def test_state__unchanged_state_is_304_for_its_etag(zs: ZStack) -> None:
    first = zs.client.get("/_mock/state")
    etag = first.headers["ETag"]
    assert zs.client.get("/_mock/state", headers={"If-None-Match": etag}).status_code == 304
    zs.ready_image()
    again = zs.client.get("/_mock/state", headers={"If-None-Match": etag})
    assert again.status_code == 200 and len(again.json["images"]) == 1
