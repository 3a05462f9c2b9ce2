"""The self-check is honest: a test whose app sent a response the spec forbids fails, and every
app the tests build goes through the one factory the check watches."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

TESTS = Path(__file__).resolve().parent

# one test on the spec and one whose app answers /_mock/health off the spec (`status` is "ok")
INNER = """
from flask import Response


def test_on_spec(make_app):
    assert make_app().test_client().get("/_mock/health").status_code == 200


def test_off_spec(make_app):
    app = make_app()

    @app.after_request  # runs before the self-check, which create_app registered first
    def off_spec(response: Response) -> Response:
        response.set_data(b'{"status": "busy", "version": "0", "uptimeSeconds": 0}')
        return response

    assert app.test_client().get("/_mock/health").status_code == 200


def test_off_spec_on_purpose(make_app):
    app = make_app(validate_responses=False)

    @app.after_request
    def off_spec(response: Response) -> Response:
        response.set_data(b"{}")
        return response

    assert app.test_client().get("/_mock/health").json == {}
"""


def test_fixture__fails_the_test_whose_app_sent_an_off_spec_response(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_inner=INNER)
    result = pytester.runpytest_inprocess("-p", "tests.conftest", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_off_spec*",
            "*the mock sent responses the spec forbids (self_check)*GET /_mock/health?*",
        ]
    )
    assert "ERROR at teardown of test_on_spec" not in result.stdout.str()
    assert "of test_off_spec_on_purpose" not in result.stdout.str()


def test_every_app_built_in_tests__goes_through_the_watched_factory() -> None:
    """`create_app(` only in conftest.py (BuiltApps.build) and the deliberately broken servers."""
    allowed = {
        TESTS / "conftest.py",  # BuiltApps.build, the factory itself
        TESTS / "test_packaging.py",  # in the built wheel's interpreter; it answers no request
    }
    callers = [
        path.relative_to(TESTS).as_posix()
        for path in sorted(TESTS.rglob("*.py"))
        if path not in allowed
        and "broken_servers" not in path.parts
        and path != Path(__file__).resolve()
        and re.search(r"\bcreate_app\(", path.read_text(encoding="utf-8"))
    ]
    assert callers == [], "build apps with the make_app fixture (tests/conftest.py BuiltApps)"
