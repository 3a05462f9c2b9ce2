"""The spec itself: valid OpenAPI 3.0.3, examples that match, and facts the mock shares with it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

from mock_server.package_data import spec_path
from mock_server.state import images
from mock_server.zstack.spec import Spec


def test_spec__is_valid_openapi_3_0_3() -> None:
    doc, _ = read_from_filename(str(spec_path()))
    validate(doc)
    assert doc["openapi"] == "3.0.3"
    assert doc["servers"] == [{"url": "/"}]


def test_spec__operation_ids_are_zstack_api_names(spec: Spec) -> None:
    assert {
        "AddImage",
        "DeleteImage",
        "ExpungeImage",
        "LogInByAccount",
        "LogOut",
        "GetJob",
        "QueryImage",
        "QueryBackupStorage",
    } <= set(spec.operations)
    for op in spec.operations.values():
        # ZStack's APIs live under /zstack/v1; the mock's own control API under /_mock, tagged
        admin = "mock-admin" in op.raw.get("tags", [])
        if admin:  # `/` and `/_mock` only lead to the dashboard
            assert op.path in ("/", "/_mock") or op.path.startswith("/_mock/"), op.operation_id
        else:
            assert op.path.startswith("/zstack/v1/"), op.operation_id


def _examples(spec: Spec) -> list[tuple[str, Any, Any]]:
    found = []
    for op in spec.operations.values():
        body = spec.resolve(op.raw.get("requestBody"))
        for where, content in [("request", (body or {}).get("content", {}))] + [
            (f"response {code}", spec.resolve(r).get("content", {}))
            for code, r in op.raw["responses"].items()
        ]:
            for media in content.values():
                if media.get("example") is not None:
                    found.append((f"{op.operation_id} {where}", media["schema"], media["example"]))
                for name, ex in media.get("examples", {}).items():
                    found.append(
                        (f"{op.operation_id} {where} {name}", media["schema"], ex["value"])
                    )
    return found


def test_spec__every_example_matches_its_schema(spec: Spec) -> None:
    examples = _examples(spec)
    assert len(examples) >= 8
    for label, schema, example in examples:
        errors = [e.message for e in spec.validator(schema).iter_errors(example)]
        assert errors == [], label


def test_spec__doc_artefact_id_0_0_is_rejected(spec: Spec) -> None:
    ref = {
        "id": 0.0,
        "imageUuid": "8c63603a810a4838a4cd62228e6e13b2",
        "backupStorageUuid": "06ccc8e0322a4cd3ae5555d9d88451de",
        "status": "Ready",
        "createDate": "Nov 28, 2026 11:00:00 AM",
        "lastOpDate": "Nov 28, 2026 11:00:00 AM",
    }
    validator = spec.validator({"$ref": "#/components/schemas/ImageBackupStorageRefInventory"})
    assert list(validator.iter_errors(ref))
    assert not list(validator.iter_errors({**ref, "id": 1}))


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("Nov 28, 2026 11:00:00 AM", True),  # Java 8
        ("Nov 28, 2026, 11:00:00 AM", True),  # JDK 9+ (CLDR)
        ("Nov 28, 2026, 11:00:00\u202fAM", True),  # JDK 20+
        ("2026-11-28T11:00:00Z", False),
        ("Nov 28, 2026 13:00:00 PM", False),
    ],
)
def test_spec__timestamp_forms(spec: Spec, value, ok) -> None:
    errors = list(spec.validator(spec.schema("Timestamp")).iter_errors(value))
    assert (errors == []) is ok


def test_spec__delete_image_parameters_are_in_the_query(spec: Spec) -> None:
    params = {p["name"]: p["in"] for p in spec.parameters(spec.operations["DeleteImage"])}
    assert params["backupStorageUuids"] == params["deleteMode"] == "query"
    assert "requestBody" not in spec.operations["DeleteImage"].raw


def test_spec__format_enum_is_the_mock_volume_format_registry(spec: Spec) -> None:
    fmt = spec.schema("AddImageParams")["properties"]["format"]
    assert tuple(fmt["enum"]) == images.VOLUME_FORMATS
    assert tuple(spec.schema("AddImageParams")["properties"]["type"]["enum"]) == images.IMAGE_TYPES


def test_spec__url_pattern_is_the_mock_url_prefixes(spec: Spec) -> None:
    pattern = spec.schema("AddImageParams")["properties"]["url"]["pattern"]
    match = re.fullmatch(r"\^\((.*)\)", pattern)
    assert match is not None
    alternatives = match.group(1).split("|")
    assert tuple(a for a in alternatives if a != "/") == images.URL_PREFIXES


def test_spec__param_order_names_every_field(spec: Spec) -> None:
    for name in ("AddImageParams",):
        schema = spec.schema(name)
        assert set(schema["properties"]) <= set(schema["x-zstack-param-order"])
