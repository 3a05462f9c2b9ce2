"""The spec is in charge: request validation covers every keyword, and every copy is pinned to it.

Request validation is the hand-written walker (`mock_server/zstack/validation.py`, ARCHITECTURE.md
says why); the meta-test below fails when a request schema uses a keyword the walker would ignore.
Where Python must hold a copy of a spec fact (an enum used as a type, a compiled pattern, a
default), a test here pins it to the spec.
"""

from __future__ import annotations

import copy
import dataclasses
import subprocess
import sys
from typing import Any

import pytest

from contract_tests import checks
from contract_tests import model as contract_model
from contract_tests.spec import Contract
from mock_server.cli import run_report
from mock_server.state import fixtures, ids, query
from mock_server.state.jobs import JobState, ProgressionMode
from mock_server.state.model import (
    BackupStorage,
    BackupStorageStatus,
    DeleteMode,
    Image,
    ImageBackupStorageRef,
    ImageState,
    ImageStatus,
    Session,
)
from mock_server.tooling import journal
from mock_server.tooling.faults import FaultAction
from mock_server.zstack import api_chain, validation
from mock_server.zstack.api_chain import Apis
from mock_server.zstack.i18n import localized
from mock_server.zstack.spec import Spec
from tests.conftest import ZStack
from zstack_spec import document
from zstack_spec.i18n import Catalogue
from zstack_spec.json_types import JSON


def _unimplemented(spec: Spec) -> list[str]:
    apis = Apis(spec)
    return [found for s in apis.schemas.values() for found in validation.unimplemented_keywords(s)]


def _spec_with(spec: Spec, field: str, **keywords: JSON) -> Spec:
    doc = copy.deepcopy(spec.doc)
    doc["components"]["schemas"]["AddImageParams"]["properties"][field].update(keywords)
    return Spec(doc)


# --- item 1: the walker implements every keyword the request schemas use -------------------------


def test_walker__implements_every_keyword_of_every_request_schema(spec: Spec) -> None:
    assert _unimplemented(spec) == []


@pytest.mark.parametrize(
    ("field", "keywords", "found"),
    [
        ("name", {"multipleOf": 2}, "AddImage.name: multipleOf"),
        ("name", {"minLength": 1}, "AddImage.name: minLength"),
        ("system", {"type": "integer"}, "AddImage.system: type integer"),
        ("backupStorageUuids", {"minItems": 2}, "AddImage.backupStorageUuids: minItems 2"),
        ("backupStorageUuids", {"items": {"type": "string", "enum": ["a"]}}, "[]: enum"),
        ("backupStorageUuids", {"uniqueItems": True}, "AddImage.backupStorageUuids: uniqueItems"),
    ],
)
def test_walker_meta_test__fails_on_a_keyword_the_walker_ignores(
    spec: Spec, field: str, keywords: dict[str, JSON], found: str
) -> None:
    unimplemented = _unimplemented(_spec_with(spec, field, **keywords))
    assert len(unimplemented) == 1 and unimplemented[0].endswith(found), unimplemented


def test_walker_meta_test__a_constraint_checked_by_a_later_interceptor_is_excused(
    spec: Spec,
) -> None:
    marked = _spec_with(spec, "name", multipleOf=2, **{"x-zstack-checked-by": "SomeInterceptor"})
    assert _unimplemented(marked) == []


def test_walker__covers_every_zstack_operation_with_a_body(spec: Spec) -> None:
    """A new API with a body is in the chain's message table, so the meta-test sees its schema."""
    covered = {op for op, _ in api_chain.MESSAGES.values()}
    for op in spec.operations.values():
        if "mock-admin" not in op.raw.get("tags", []) and "requestBody" in op.raw:
            assert op.operation_id in covered, op.operation_id


# --- item 2: action keys and inventories are read from the spec, copies are pinned ---------------


def test_action_keys__the_chain_messages_are_the_spec_actions(spec: Spec) -> None:
    for op in spec.operations.values():
        for key, api in op.raw.get("x-zstack-actions", {}).items():
            assert api_chain.MESSAGES[api] == (op.operation_id, key)


def test_action_keys__the_route_routes_by_the_spec_actions(make_app, spec: Spec) -> None:
    """Without `recoverImage` in the spec's x-zstack-actions, the route has no such action."""
    doc = copy.deepcopy(spec.doc)
    del doc["paths"]["/zstack/v1/images/{imageUuid}/actions"]["put"]["x-zstack-actions"][
        "recoverImage"
    ]
    zs = ZStack(make_app(Spec(doc)).test_client())
    image = zs.ready_image()
    rsp = zs.recover_image(image["uuid"])
    assert rsp.status_code == 400
    assert rsp.get_data(as_text=True) == (
        f"the body doesn't contain action mapping to the URL[/v1/images/{image['uuid']}/actions]"
    )
    assert zs.expunge_image(image["uuid"]).status_code == 202
    assert ZStack(make_app(spec).test_client()).recover_image(image["uuid"]).status_code == 202


def _fields(spec: Spec, name: str) -> tuple[set[str], set[str]]:
    return set(spec.inventory_fields(name)), set(spec.schema(name).get("required", []))


@pytest.mark.parametrize(
    ("inventory", "obj"),
    [
        (
            "ImageInventory",
            Image(
                "u",
                "n",
                "http://x",
                "ISO",
                "iso",
                ImageStatus.READY,
                0.0,
                0.0,
                "d",
                md5_sum="m",
                guest_os_type="g",
                platform="Linux",
                architecture="x86_64",
            ),
        ),
        (
            "ImageBackupStorageRefInventory",
            ImageBackupStorageRef(1, "u", "b", ImageStatus.READY, "/p", 0.0, 0.0),
        ),
        (
            "BackupStorageInventory",
            BackupStorage(
                "u", "n", "T", "/", BackupStorageStatus.CONNECTED, 1, 1, 0.0, 0.0, "Enabled", "d"
            ),
        ),
        ("SessionInventory", Session("u", "a", 0.0, 1.0)),
    ],
)
def test_inventory__fields_are_the_spec_inventory(spec: Spec, inventory: str, obj: Any) -> None:
    properties, required = _fields(spec, inventory)
    keys = set(obj.to_inventory())
    assert required <= keys <= properties, (keys - properties, required - keys)


def test_inventory__every_query_api_names_a_spec_inventory(spec: Spec) -> None:
    queries = [op for op in spec.operations.values() if op.operation_id.startswith("Query")]
    assert queries
    for op in queries:
        assert spec.inventory(op.operation_id) in spec.doc["components"]["schemas"]
    # the chain's copy: which inventory each query API's objects are checked and rendered as
    for api, (inventory, _) in api_chain.QUERY_SOURCES.items():
        assert inventory == spec.inventory(api)


# --- enums used as types ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("enum", "schema", "prop"),
    [
        (ImageStatus, "ImageStatus", None),
        (ImageState, "ImageInventory", "state"),
        (BackupStorageStatus, "BackupStorageInventory", "status"),
        (JobState, "MockJob", "state"),
        (ProgressionMode, "MockProgression", "mode"),
        (FaultAction, "MockFaultRuleRequest", "action"),
    ],
)
def test_enum__is_the_spec_enum(spec: Spec, enum: Any, schema: str, prop: str | None) -> None:
    assert tuple(e.value for e in enum) == spec.enum(schema, prop)


def test_enum__delete_mode_and_its_default_are_the_spec(spec: Spec) -> None:
    param = spec.parameter("DeleteImage", "deleteMode")
    assert tuple(m.value for m in DeleteMode) == tuple(param["schema"]["enum"])
    assert param["schema"]["default"] == DeleteMode.PERMISSIVE


def test_enum__verdicts_and_finding_levels_are_the_spec(spec: Spec) -> None:
    entry = spec.schema("MockJournalEntry")["properties"]
    assert set(journal.LEVELS) == set(entry["findings"]["items"]["properties"]["level"]["enum"])
    assert run_report.LEVELS == journal.LEVELS
    assert set(spec.enum("MockJournalEntry", "verdict")) == {"ok", *journal.LEVELS}
    verdict_filter = spec.parameter("MockGetJournal", "verdict")["schema"]["enum"]
    assert verdict_filter == list(spec.enum("MockJournalEntry", "verdict"))


def test_enum__fault_operations_are_spec_operations(spec: Spec) -> None:
    for api in spec.enum("MockFaultRuleRequest", "operation"):
        assert api in spec.operations or api in api_chain.MESSAGES, api


# --- patterns ---------------------------------------------------------------------------------


def test_pattern__zstack_uuid_is_the_spec_pattern(spec: Spec) -> None:
    pattern = spec.pattern("AddImageParams", "resourceUuid")
    assert ids.ZSTACK_UUID.pattern == pattern
    assert f"^{contract_model.ZSTACK_UUID.pattern}$" == pattern


def test_pattern__job_location_and_error_code_are_the_spec_patterns(spec: Spec) -> None:
    assert checks.JOB_LOCATION.pattern == spec.pattern("JobAccepted", "location")
    assert checks.ERROR_CODE.pattern == spec.pattern("ErrorCode", "code")


def test_fixture_schema__uuids_and_enums_come_from_the_spec(spec: Spec) -> None:
    props = fixtures.fixtures_schema()["properties"]
    image = props["images"]["items"]["properties"]
    bs = props["backupStorages"]["items"]["properties"]
    assert image["uuid"] == spec.schema("Uuid")
    assert tuple(image["status"]["enum"]) == spec.enum("ImageStatus")
    assert tuple(image["state"]["enum"]) == spec.enum("ImageInventory", "state")
    assert tuple(image["format"]["enum"]) == spec.enum("AddImageParams", "format")
    assert tuple(image["mediaType"]["enum"]) == spec.enum("AddImageParams", "mediaType")
    assert tuple(bs["status"]["enum"]) == spec.enum("BackupStorageInventory", "status")
    assert tuple(bs["state"]["enum"]) == spec.enum("BackupStorageInventory", "state")


# --- defaults and timeouts --------------------------------------------------------------------


def test_default__add_image_without_system_and_virtio_gets_the_spec_defaults(
    zs: ZStack, spec: Spec
) -> None:
    image = zs.ready_image()  # the helper sends neither
    assert image["system"] is spec.default("AddImageParams", "system")
    assert image["virtio"] is spec.default("AddImageParams", "virtio")


def test_default__query_paging_is_the_spec_defaults(spec: Spec) -> None:
    defaults = {f.name: f.default for f in dataclasses.fields(query.Query)}
    params = spec.doc["components"]["parameters"]
    assert defaults["limit"] == params["QueryLimit"]["schema"]["default"]
    assert defaults["start"] == params["QueryStart"]["schema"]["default"]
    assert defaults["count"] is params["QueryCount"]["schema"]["default"]
    assert defaults["reply_with_count"] is params["QueryReplyWithCount"]["schema"]["default"]


def test_api_timeout__a_202_carries_the_spec_timeout(zs: ZStack, spec: Spec) -> None:
    zs.login()
    rsp = zs.add_image()
    assert rsp.status_code == 202
    assert rsp.get_json()["apiTimeout"] == spec.api_timeout("AddImage")


# --- item 3: one loader -------------------------------------------------------------------------


def test_loader__mock_and_suite_read_one_document_with_one_loader() -> None:
    assert issubclass(Spec, document.SpecDocument) and issubclass(Contract, document.SpecDocument)
    assert Spec.load().doc == Contract.load().doc == document.packaged().doc


def test_loader__the_suite_reads_the_spec_without_the_mock() -> None:
    code = (
        "import sys, contract_tests.spec as s; c = s.Contract.load(); "
        "assert c.api_timeout('AddImage') > 0; "
        "print(sorted(m for m in sys.modules if m.startswith('mock_server')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_loader__i18n_lives_with_the_loader() -> None:
    assert Catalogue.__module__ == "zstack_spec.i18n"
    assert isinstance(Spec.load().catalogue, Catalogue)


def test_locale__is_each_app_s_own(make_app, spec: Spec) -> None:
    """Two mocks in one process answer each in its --locale, whichever was built last."""
    chinese = ZStack(make_app(spec, locale="zh_CN").test_client())
    source = ZStack(make_app(spec).test_client())
    expected = {
        lang: spec.catalogue.render(lang, "unknown format[%s]", "bogus")
        for lang in ("zh_CN", "raw")
    }
    assert expected["zh_CN"] != expected["raw"]
    for _ in range(2):  # interleaved
        assert chinese.job_error(chinese.add_image(format="bogus"))["details"] == expected["zh_CN"]
        assert source.job_error(source.add_image(format="bogus"))["details"] == expected["raw"]


def test_locale__state_used_alone_speaks_the_source_text() -> None:
    assert localized("unknown format[%s]", "bogus") == "unknown format[bogus]"


def test_walker__max_length_counts_utf16_units_as_java(zs: ZStack) -> None:
    """ApiMessageParamValidator.java L29-34 compares String.length(): an emoji counts two."""
    name = "\U0001f600" * 128  # 128 characters, 256 UTF-16 units > maxLength 255
    error = zs.job_error(zs.add_image(name=name))
    assert error["details"] == (
        "field[name] of message[org.zstack.header.message.ApiMessageParamValidator] exceeds max "
        "length of string. expected was <= 255, actual was 256"
    )
    assert zs.poll(zs.add_image(name="\U0001f600" * 127)).status_code == 200


def test_enum__the_journal_filter_takes_the_spec_verdicts(zs: ZStack, spec: Spec) -> None:
    verdicts = spec.enum("MockJournalEntry", "verdict")
    for verdict in verdicts:
        assert zs.client.get(f"/_mock/journal?verdict={verdict}").status_code == 200
    rsp = zs.client.get("/_mock/journal?verdict=bogus")
    assert rsp.status_code == 400
    assert rsp.get_json()["error"]["details"] == f"verdict is one of {', '.join(verdicts)}"
