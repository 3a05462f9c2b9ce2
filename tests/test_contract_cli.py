"""The contract suite as users run it: `zstack-contract`, `pytest --pyargs`, env fallbacks, JUnit."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask, Response, request

from tests.broken_servers import Broken, BrokenServer
from tests.conftest import ADMIN_PASSWORD
from tests.served import Served, ThreadedServer, free_port

ROOT = Path(__file__).resolve().parent.parent

ZSTACK_CONTRACT = Path(sys.executable).with_name("zstack-contract")


@pytest.fixture(scope="module")
def mock_url() -> Iterator[str]:
    server = BrokenServer(Broken("none", "none", lambda app: None))
    yield server.url
    server.stop()


def test_zstack_contract__runs_outside_the_checkout_with_junit(
    mock_url: str, tmp_path: Path
) -> None:
    junit = tmp_path / "contract.xml"
    result = subprocess.run(
        [
            str(ZSTACK_CONTRACT),
            "--target-url",
            mock_url,
            "-q",
            "-k",
            "async_protocol",
            f"--junitxml={junit}",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:]
    assert "ZStack contract summary" in result.stdout
    assert "job_accepted_conformance" in result.stdout
    assert 'name="test_add_image__accepted_then_polled_to_a_result"' in junit.read_text()


def test_pyargs__with_environment_fallbacks(mock_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "ZSTACK_TARGET_URL": mock_url, "ZSTACK_CONTRACT_PROFILE": "quick"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--pyargs",
            "contract_tests",
            "-q",
            "-p",
            "no:cacheprovider",
            "-k",
            "unknown_job",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:]
    assert f"target: {mock_url}\n" in result.stdout


def test_options__are_listed_in_help(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(ZSTACK_CONTRACT), "--help"], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    for option in (
        "--target-url",
        "--context-path",
        "--account",
        "--password",
        "--session-uuid",
        "--backup-storage-uuid",
        "--image-url",
        "--contract-profile",
    ):
        assert option in result.stdout
    assert "ZSTACK_TARGET_URL" in result.stdout


def test_bad_profile__is_a_usage_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(ZSTACK_CONTRACT), "--contract-profile", "huge"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 4
    assert "invalid choice" in result.stderr


def test_failure__names_the_check_request_and_reproduction(tmp_path: Path) -> None:
    from tests.broken_servers import BROKEN

    broken = next(b for b in BROKEN if b.name == "relative job location")
    server = BrokenServer(broken)
    try:
        result = subprocess.run(
            [str(ZSTACK_CONTRACT), "--target-url", server.url, "-q", "-k", "async_protocol"],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=300,
        )
    finally:
        server.stop()
    assert result.returncode == 1
    assert "[job_accepted_conformance] location is an absolute URL" in result.stdout
    assert "request:  POST " in result.stdout and "response: 202" in result.stdout
    assert "to reproduce: pytest --pyargs contract_tests" in result.stdout


# -- §8: the command line of a real tool ---------------------------------------------------------


def contract(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ZSTACK_CONTRACT), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
        env=env,
    )


def test_help__starts_with_the_suites_options_and_examples_then_pytest(tmp_path: Path) -> None:
    out = contract("--help", cwd=tmp_path).stdout
    assert out.startswith("usage: zstack-contract [options] [pytest options]\n")
    options, examples, pytest_part = (
        out.index("--target-url URL"),
        out.index("examples:"),
        out.index("pytest options:"),
    )
    assert options < examples < pytest_part
    assert "zstack-contract --target-url http://127.0.0.1:8080 --context-path /" in out
    assert "-k EXPR" in out and "--pytest-help" in out
    full = contract("--pytest-help", cwd=tmp_path).stdout
    assert "--junit-xml=path" in full and "--target-url=URL" in full


def test_version__prints_the_package_version(tmp_path: Path) -> None:
    from importlib.metadata import version

    result = contract("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == f"zstack-contract {version('zstack-image-contract')}\n"


def test_users_pytest_configuration__does_not_break_the_suite(
    mock_url: str, tmp_path: Path
) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\naddopts = --cov=myapp --no-such-option\n")
    (tmp_path / "pyproject.toml").write_text('[tool.pytest.ini_options]\naddopts = "--bogus"\n')
    (tmp_path / "conftest.py").write_text("raise SystemExit('the user conftest was read')\n")
    result = contract("--target-url", mock_url, "-q", "-k", "unknown_job", cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "1 passed" in result.stdout


def test_summary__configuration_totals_and_singular(tmp_path: Path) -> None:
    server = Served("--context-path", "/", "--deletion-policy", "Direct")
    try:
        result = contract(
            "--target-url",
            server.root,
            "--context-path",
            "/",
            "-q",
            "-k",
            "add_query_delete or resource_uuid_is_a_known or not_holding",
            cwd=tmp_path,
        )
    finally:
        server.stop()
    out = result.stdout
    assert result.returncode == 0, out[-3000:]
    for fact in (
        "context path: /\n",
        "deletion policy seen: Direct\n",
        "backup storages: 2 usable for AddImage of 4\n",
        "message variant: resourceUuid message: current\n",
    ):
        assert fact in out, out[-3000:]
    # the expunge test cannot run under Direct: the summary says which and why
    assert "not run here (1 test skipped):" in out
    assert "test_expunge_image__backup_storage_not_holding_the_image: the target's deletion " in out
    assert " 0 violations\n" in out


# -- §6: setup mistakes are one clear message ---------------------------------------------------


def no_usable_backup_storage_seed(folder: Path) -> Path:
    import yaml

    seed = yaml.safe_load((ROOT / "fixtures/seed/default.yaml").read_text())
    for bs in seed["backupStorages"]:
        bs["status"] = "Disconnected"
    path = folder / "none-usable.yaml"
    path.write_text(yaml.safe_dump(seed))
    return path


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    server = Served()
    yield server
    server.stop()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--target-url", "127.0.0.1:8080"], "is not a server root URL: it needs http://"),
        (
            ["--target-url", "http://no-such-host.invalid:8080"],
            "cannot resolve the host 'no-such-host.invalid'",
        ),
        (["--target-url", "{refused}"], "(connection refused)"),
        (
            ["--target-url", "{url}", "--context-path", "/"],
            "not under the context path /: PUT /v1/accounts/login got 404",
        ),
        (["--target-url", "{url}/zstack"], "has a path: give the server root"),
        (
            ["--target-url", "{url}", "--password", "wrong"],
            "the login as account 'admin' fails: ID.1000",
        ),
        (
            ["--target-url", "{url}", "--session-uuid", "0123456789abcdef0123456789abcdef"],
            "--session-uuid 0123... is not a live session: ID.1001",
        ),
        (
            ["--target-url", "{url}", "--backup-storage-uuid", "2499cd48fc33450a8737efff67ccb920"],
            "is not fit for AddImage: sftp-bs-down",
        ),
        (
            ["--target-url", "{url}", "--backup-storage-uuid", "ffffffffffffffffffffffffffffffff"],
            "names no backup storage of the target",
        ),
    ],
    ids=[
        "no-scheme",
        "unresolvable-host",
        "refused",
        "wrong-context-path",
        "url-with-path",
        "wrong-password",
        "dead-session",
        "unusable-backup-storage",
        "unknown-backup-storage",
    ],
)
def test_preflight__one_message_naming_the_option_and_no_test_runs(
    served: Served, tmp_path: Path, args: list[str], says: str
) -> None:
    values = {"url": served.root, "refused": f"http://127.0.0.1:{free_port()}"}
    result = contract(*(a.format(**values) for a in args), cwd=tmp_path)
    out = result.stdout + result.stderr
    assert result.returncode == 4, out
    [message] = [line for line in out.splitlines() if line.startswith("ERROR: ")]
    assert message.startswith("ERROR: zstack-contract preflight: ") and says in message, out
    changed = "--context-path" if "context path" in says else args[-2]
    assert f"change {changed}" in message or f"use {changed}" in message or "--account" in message
    assert len(out.strip().splitlines()) == 1, out
    assert "0123456789abcdef0123456789abcdef" not in out  # a session shows by 4 characters


def test_preflight__wrong_context_path_says_which_one_answers(
    served: Served, tmp_path: Path
) -> None:
    result = contract("--target-url", served.root, "--context-path", "/", cwd=tmp_path)
    sessions = requests.get(f"{served.root}/_mock/state", timeout=10).json()["sessions"]
    assert "it answers under /zstack: use --context-path /zstack" in result.stderr
    assert sessions == []  # the probe opened none


def test_preflight__no_usable_backup_storage(tmp_path: Path) -> None:
    server = Served("--fixtures", str(no_usable_backup_storage_seed(tmp_path)))
    try:
        result = contract("--target-url", server.root, cwd=tmp_path)
        sessions = requests.get(f"{server.root}/_mock/state", timeout=10).json()["sessions"]
    finally:
        server.stop()
    assert result.returncode == 4
    assert "the target has no backup storage fit for AddImage" in result.stderr
    assert "name one with --backup-storage-uuid" in result.stderr
    assert sessions == []  # the preflight logged out the session it opened


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


def test_secrets__never_whole_in_terminal_or_junit(tmp_path: Path) -> None:
    from mock_server.app import create_app

    app = create_app()
    accepting_any_password(app)
    server = ThreadedServer(app)
    junit = tmp_path / "contract.xml"
    try:
        result = contract(
            "--target-url",
            server.url,
            "-k",
            "wrong_password or missing_fields or bad_limit",
            "-v",
            "--showlocals",
            f"--junitxml={junit}",
            cwd=tmp_path,
        )
    finally:
        server.stop()
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
def test_non_json_body__is_a_named_violation_also_in_cleanup(tmp_path: Path, body: bytes) -> None:
    from mock_server.app import create_app

    app = create_app()
    bodies_broken(app, body)
    server = ThreadedServer(app)
    junit = tmp_path / "contract.xml"
    try:
        result = contract(
            "--target-url",
            server.url,
            "-q",
            f"--junitxml={junit}",
            "-k",
            "async_protocol or lifecycle or expunge_image or unknown_condition",
            cwd=tmp_path,
        )
    finally:
        server.stop()
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


def test_preflight__session_is_logged_out_when_no_test_runs(served: Served, tmp_path: Path) -> None:
    result = contract("--target-url", served.root, "-k", "no_such_test", cwd=tmp_path)
    sessions = requests.get(f"{served.root}/_mock/state", timeout=10).json()["sessions"]
    assert result.returncode == 5, result.stdout[-2000:]  # pytest's "no tests ran"
    assert sessions == []
