"""The contract suite as users run it: `zstack-contract`, `pytest --pyargs`, env fallbacks, JUnit."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.broken_servers import Broken, BrokenServer
from tests.served import ZSTACK_CONTRACT, Served, contract

ROOT = Path(__file__).resolve().parent.parent


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
