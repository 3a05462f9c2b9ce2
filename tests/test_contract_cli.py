"""The contract suite as users run it: `zstack-contract`, `pytest --pyargs`, env fallbacks, JUnit."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.broken_servers import Broken, BrokenServer

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
        [str(ZSTACK_CONTRACT), "--target-url", mock_url, "-q", "-k", "async_protocol",
         f"--junitxml={junit}"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:]
    assert "ZStack contract summary" in result.stdout
    assert "job_accepted_conformance" in result.stdout
    assert 'name="test_add_image__accepted_then_polled_to_a_result"' in junit.read_text()


def test_pyargs__with_environment_fallbacks(mock_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "ZSTACK_TARGET_URL": mock_url, "ZSTACK_CONTRACT_PROFILE": "quick"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "contract_tests", "-q", "-p", "no:cacheprovider",
         "-k", "unknown_job"],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:]
    assert f"target: {mock_url}\n" in result.stdout


def test_options__are_listed_in_help(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(ZSTACK_CONTRACT), "--help"], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    for option in ("--target-url", "--context-path", "--account", "--password", "--session-uuid",
                   "--backup-storage-uuid", "--image-url", "--contract-profile"):  # fmt: skip
        assert option in result.stdout
    assert "ZSTACK_TARGET_URL" in result.stdout


def test_bad_profile__is_a_usage_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(ZSTACK_CONTRACT), "--contract-profile", "huge"],
        capture_output=True, text=True, cwd=tmp_path, timeout=60,
    )  # fmt: skip
    assert result.returncode == 4
    assert "invalid choice" in result.stderr


def test_failure__names_the_check_request_and_reproduction(tmp_path: Path) -> None:
    from tests.broken_servers import BROKEN

    broken = next(b for b in BROKEN if b.name == "relative job location")
    server = BrokenServer(broken)
    try:
        result = subprocess.run(
            [str(ZSTACK_CONTRACT), "--target-url", server.url, "-q", "-k", "async_protocol"],
            capture_output=True, text=True, cwd=tmp_path, timeout=300,
        )  # fmt: skip
    finally:
        server.stop()
    assert result.returncode == 1
    assert "[job_accepted_conformance] location is an absolute URL" in result.stdout
    assert "request:  POST " in result.stdout and "response: 202" in result.stdout
    assert "to reproduce: pytest --pyargs contract_tests" in result.stdout
