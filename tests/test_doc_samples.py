"""Every curl sample of the doc page, replayed against the mock with live uuids and a fresh session."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from mock_server.package_data import samples_dir
from tests.conftest import CONNECTED_BS, ZStack

UUID = re.compile(r"[0-9a-f]{32}")


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((samples_dir() / name).read_text())
    return data


def same_shape(sample: Any, actual: Any, where: str = "$") -> None:
    """Every key of the doc sample is in the mock's answer, with a value of the same JSON type."""
    if isinstance(sample, dict):
        assert isinstance(actual, dict), where
        for key, value in sample.items():
            assert key in actual, f"{where}.{key} missing"
            same_shape(value, actual[key], f"{where}.{key}")
    elif isinstance(sample, list):
        assert isinstance(actual, list) and actual, where
        for item in sample:
            same_shape(item, actual[0], f"{where}[]")
    else:
        assert type(sample) is type(actual), f"{where}: {sample!r} vs {actual!r}"


def replay(zs: ZStack, sample: dict[str, Any], uuids: dict[str, str]) -> Any:
    """Send the sample's request with its uuids swapped for live ones."""

    def swap(text: str) -> str:
        return UUID.sub(lambda m: uuids.get(m.group(0), m.group(0)), text)

    headers = {k: v for k, v in sample["headers"].items() if k != "Authorization"}
    headers.update(zs.auth)
    query = "&".join(f"{k}={swap(v)}" for k, v in sample.get("query", []))
    path = swap(sample["path"]) + (f"?{query}" if query else "")
    body = json.loads(swap(json.dumps(sample["body"]))) if "body" in sample else None
    return zs.client.open(path, method=sample["method"], json=body, headers=headers)


def test_add_image_sample(zs: ZStack) -> None:
    sample = load("AddImage.request.json")
    doc_bs = sample["body"]["params"]["backupStorageUuids"][0]
    result = zs.poll(replay(zs, sample, {doc_bs: CONNECTED_BS}))
    assert result.status_code == 200
    same_shape(load("AddImage.response.json")["body"], result.json)
    for key in ("name", "url", "mediaType", "platform", "format"):
        assert result.json["inventory"][key] == sample["body"]["params"][key]


def test_delete_image_sample(zs: ZStack) -> None:
    sample = load("DeleteImage.request.json")
    image = zs.ready_image()
    doc_image = sample["path"].rsplit("/", 1)[1]
    uuids = {doc_image: image["uuid"], sample["query"][0][1]: CONNECTED_BS}
    result = zs.poll(replay(zs, sample, uuids))
    assert (result.status_code, result.json) == (200, load("DeleteImage.response.json")["body"])
    assert zs.query_image(image["uuid"])[0]["status"] == "Deleted"


def test_expunge_image_sample(zs: ZStack) -> None:
    sample = load("ExpungeImage.request.json")
    image = zs.ready_image()
    zs.poll(zs.delete_image(image["uuid"]))
    doc_image = sample["path"].split("/")[4]
    doc_bs = sample["body"]["expungeImage"]["backupStorageUuids"][0]
    result = zs.poll(replay(zs, sample, {doc_image: image["uuid"], doc_bs: CONNECTED_BS}))
    assert (result.status_code, result.json) == (200, load("ExpungeImage.response.json")["body"])
    assert zs.query_image(image["uuid"]) == []


@pytest.mark.parametrize(
    "name", ["AddImage.request.json", "DeleteImage.request.json", "ExpungeImage.request.json"]
)
def test_sample_with_doc_session__fails_in_job_with_id_1001_or_succeeds(zs: ZStack, name) -> None:
    """With the doc's own (unknown) session the request is still accepted: 202, checked later."""
    sample = load(name)
    headers = dict(sample["headers"])
    body = sample.get("body")
    query = "&".join(f"{k}={v}" for k, v in sample.get("query", []))
    path = sample["path"] + (f"?{query}" if query else "")
    rsp = zs.client.open(path, method=sample["method"], json=body, headers=headers)
    assert rsp.status_code == 202
    result = zs.poll(rsp)
    # unknown resources are @APIParam errors and win over the bad session; a missing
    # well-formed image uuid succeeds at once for DeleteImage
    assert result.status_code in (200, 503)
    if result.status_code == 503:
        error = result.json["error"]
        same_shape({k: "" for k in ("code", "description", "details")}, error)
        assert error["code"] in ("SYS.1003", "ID.1001")


def test_error_sample_matches_the_error_schema(spec) -> None:
    sample = load("error.response.json")
    validator = spec.validator(spec.schema("ErrorResponse"))
    assert list(validator.iter_errors(sample["body"])) == []
