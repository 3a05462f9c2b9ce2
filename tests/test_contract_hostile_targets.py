"""The contract suite on hostile targets: secrets stay out of its output, a non-JSON body is a
named violation."""

from __future__ import annotations

import json
import re
from pathlib import Path
from subprocess import CompletedProcess

import pytest
from flask import Flask, Response, request

from mock_server.state.ids import SystemClock
from tests.conftest import ADMIN_PASSWORD, AppFactory
from tests.served import ThreadedServer, contract

# a mock made to deviate, configured as a served one is (no seed, real time);
# no self-check: its answers are off the spec on purpose, for the suite under test to catch
OFF_SPEC = {"seed": None, "clock": SystemClock(), "validate_responses": False}


def contract_against(app: Flask, tmp_path: Path, *args: str) -> tuple[CompletedProcess[str], Path]:
    """Serve `app` in a thread, run the suite at it with `args` and a JUnit report, stop it."""
    server = ThreadedServer(app)
    junit = tmp_path / "contract.xml"
    try:
        result = contract("--target-url", server.url, *args, f"--junitxml={junit}", cwd=tmp_path)
    finally:
        server.stop()
    return result, junit


# -- §7: secrets stay out of logs -----------------------------------------------------------------


def test_redact__password_hash_and_sessions_in_bodies_queries_and_headers() -> None:
    from contract_tests.redact import Redactor

    redact = Redactor()
    session = "5f2d1c0b9a8e4f7d6c5b4a3928170615"
    redact.know_session(session)
    sha = ADMIN_PASSWORD
    text = redact(
        f'{{"logInByAccount": {{"accountName": "admin", "password": "{sha}"}}}} '
        f"GET /v1/x?password=plain&sessionId={session}&q=a "
        f"{{'Authorization': 'OAuth {session}'}} "
        '{"inventory": {"uuid": "0a1b2c3d4e5f60718293a4b5c6d7e8f9", "expiredDate": "x"}} '
        f"the session {session} and a bare {sha}"
    )
    assert sha not in text and session not in text and "plain" not in text
    assert '"password": "*****"' in text and "password=*****" in text
    assert "sessionId=5f2d..." in text and "OAuth 5f2d..." in text
    assert '"uuid": "0a1b..."' in text and "0a1b2c3d4e5f60718293a4b5c6d7e8f9" not in text
    # image uuids and other 32-hex values are left alone
    assert redact('{"uuid": "0a1b2c3d4e5f60718293a4b5c6d7e8f9"}') == (
        '{"uuid": "0a1b2c3d4e5f60718293a4b5c6d7e8f9"}'
    )


def accepting_any_password(app: Flask) -> None:
    """A deviation: the login with a wrong password succeeds with a session."""

    @app.before_request
    def any_password() -> Response | None:
        if request.args.get("limit") == "ten":  # an authenticated request that fails a check
            return Response("{}", 200, mimetype="application/json")
        if not request.path.endswith("/v1/accounts/login") or request.method != "PUT":
            return None
        body = request.get_json(silent=True) or {}
        if body.get("logInByAccount", {}).get("password") != "0" * 128:
            return None
        inventory = {
            "uuid": LEAKED_SESSION,
            "accountUuid": "36c27e8ff05c4780bf6d2fa65700f22e",
            "userUuid": "36c27e8ff05c4780bf6d2fa65700f22e",
            "expiredDate": "Dec 1, 2026 10:00:00 AM",
            "createDate": "Dec 1, 2026 8:00:00 AM",
        }
        return Response(json.dumps({"inventory": inventory}), 200, mimetype="application/json")


LEAKED_SESSION = "9c8b7a6f5e4d4c3b2a1f0e9d8c7b6a5f"


def test_secrets__never_whole_in_terminal_or_junit(make_app: AppFactory, tmp_path: Path) -> None:
    app = make_app(**OFF_SPEC)
    accepting_any_password(app)
    result, junit = contract_against(
        app, tmp_path, "-k", "wrong_password or missing_fields or bad_limit", "-v", "--showlocals"
    )
    out, xml = result.stdout + result.stderr, junit.read_text()
    assert result.returncode == 1, out[-3000:]
    assert "[error_envelope_conformance]" in out and "[plain_text_conformance]" in out
    assert "2 violations\n" in out and "OAuth " in out
    for shown in (out, xml):
        assert "0" * 128 not in shown and ADMIN_PASSWORD not in shown
        assert LEAKED_SESSION not in shown and '"uuid":"9c8b..."' in shown.replace(" ", "")
        assert not re.search(r"OAuth [0-9a-f]{5,}", shown)


# -- §2: a body that is not JSON is a named violation, never a crash ------------------------------


def bodies_broken(app: Flask, body: bytes) -> None:
    """A deviation: every JSON answer but the login's comes with this body instead."""

    @app.after_request
    def broken(response: Response) -> Response:
        if response.mimetype == "application/json" and not request.path.endswith("/login"):
            response.set_data(body)
        return response


@pytest.mark.parametrize("body", [b"", b"<html>busy</html>"], ids=["empty", "html"])
def test_non_json_body__is_a_named_violation_also_in_cleanup(
    make_app: AppFactory, tmp_path: Path, body: bytes
) -> None:
    app = make_app(**OFF_SPEC)
    bodies_broken(app, body)
    result, junit = contract_against(
        app,
        tmp_path,
        "-q",
        "-k",
        "async_protocol or lifecycle or expunge_image or unknown_condition",
    )
    out = result.stdout + result.stderr
    assert result.returncode == 1, out[-3000:]
    import xml.etree.ElementTree as ET

    reported = [e for e in ET.parse(junit).iter() if e.tag in ("failure", "error")]
    assert reported, out[-3000:]
    for element in reported:
        message = element.get("message", "")
        # a contract fixture (the lifecycle's policy probe) fails "on setup"
        assert re.match(
            r'(failed on setup with ")?contract_tests\.checks\.ContractViolation: \[', message
        ), message
    assert "JSONDecodeError" not in out and "Traceback" not in out
    assert "at teardown" not in out  # the cleanup survives it
