"""schemathesis against the mock, every operation (the admin API too), positive and negative:
every response is documented and matches the spec, and nothing logs or returns a traceback."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from schemathesis import Case, CheckContext, Response

from mock_server.app import create_app
from mock_server.config import MockConfig
from mock_server.zstack.spec import Spec
from tests.served import ThreadedServer


@pytest.fixture(scope="module")
def fuzz_target() -> Iterator[tuple[str, Any]]:
    server = ThreadedServer(create_app(MockConfig(validate_responses=True)))
    yield server.url, server.app
    server.stop()


@pytest.fixture(scope="module")
def fuzz_schema(fuzz_target: tuple[str, Any]) -> Any:
    schema = schemathesis.openapi.from_dict(Spec.load().doc)
    schema.config.update(base_url=fuzz_target[0])
    return schema


def no_traceback(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    body = response.content.decode("utf-8", "replace")
    assert "Traceback" not in body and 'File "/' not in body, body[:500]
    return None


schema = schemathesis.pytest.from_fixture("fuzz_schema")


@pytest.mark.slow
@schema.parametrize()
def test_fuzz__every_response_documented_and_no_traceback(
    case: Case[Any], fuzz_target: tuple[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="mock_server")
    # only the checks that judge the server against its own spec; ZStack's retuned oracles are the
    # contract suite's business
    from schemathesis.specs.openapi.checks import (
        response_schema_conformance,
        status_code_conformance,
    )

    case.call_and_validate(
        checks=[status_code_conformance, response_schema_conformance, no_traceback]
    )
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]
    assert fuzz_target[1].extensions["violations"] == []
