"""Meta-tests that pin the layering and the tables the mock shares with ZStack."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from flask import Flask

from mock_server.zstack import errors
from mock_server.zstack.spec import Spec


def test_state__imports_no_flask() -> None:
    code = (
        "import sys, mock_server.state.store, mock_server.state.fixtures;"
        "assert 'flask' not in sys.modules and 'werkzeug' not in sys.modules, 'state imports flask'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("cls", errors.ALL_ZSTACK_ERRORS, ids=lambda c: c.__name__)
def test_errors__code_and_description_match_the_spec_table(cls, spec: Spec) -> None:
    # the spec's table is conf/errorCodes/*.xml in the ZStack tree
    assert spec.schema("ErrorCode")["x-zstack-descriptions"][cls.code] == cls.description
    assert errors.error_class_for_code(cls.code) is cls


def test_routes__every_spec_operation_has_a_route(app: Flask, spec: Spec) -> None:
    def shape(path: str) -> str:
        return re.sub(r"[<{][^>}]+[>}]", "{}", path)

    rules = {(shape(r.rule), m) for r in app.url_map.iter_rules() for m in r.methods or ()}
    for op in spec.operations.values():
        assert (shape(op.path), op.method) in rules, op.operation_id


def test_error_code__nested_cause_round_trips() -> None:
    inner = errors.OperationError("inner")
    outer = errors.DeleteResourceError("outer", cause=inner)
    wire = outer.to_error_code().to_json()
    assert wire["cause"]["code"] == "SYS.1006"
    assert "cost" not in wire and wire["cause"]["cost"] == "0ms"
    assert errors.ErrorCode.from_json(wire) == outer.to_error_code()


@pytest.mark.parametrize(("length", "kept"), [(4096, 4096), (4097, 4093)])
def test_error_code__details_are_cut_as_error_facade_does(length, kept) -> None:
    # ErrorFacadeImpl.doInstantiateErrorCode: over 4096 chars, the first 4093 and "..."
    details = errors.InternalError("x" * length).details
    assert details == "x" * length if length == kept else details == "x" * kept + "..."
