"""Meta-tests that pin the layering and the tables the mock shares with ZStack."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from flask import Flask

from mock_server import errors
from mock_server.spec import Spec

# ZStack's code/description table (conf/errorCodes/*.xml, zstack-behaviour.md §7)
ZSTACK_ERRORS = {
    "SYS.1000": "An internal error happened in system",
    "SYS.1002": "Unable to create a resource",
    "SYS.1003": "A resource can not be found",
    "SYS.1004": "Unable to delete a resource",
    "SYS.1006": "An operation failed",
    "SYS.1007": "One or more API argument is invalid",
    "ID.1000": "Unable to authenticate a user",
    "ID.1001": "The session is invalid, either wrong session id or the session has been expired",
    "ID.1006": "Max number of active sessions exceeded",
}


def test_state__imports_no_flask() -> None:
    code = (
        "import sys, mock_server.state.store, mock_server.state.fixtures;"
        "assert 'flask' not in sys.modules and 'werkzeug' not in sys.modules, 'state imports flask'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("cls", errors.ALL_ZSTACK_ERRORS, ids=lambda c: c.__name__)
def test_errors__code_and_description_match_zstack(cls) -> None:
    assert ZSTACK_ERRORS[cls.code] == cls.description
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
