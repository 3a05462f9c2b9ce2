"""Proof that the contract suite works: it fails against every deliberately broken server."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests

from tests.broken_servers import BROKEN, Broken, BrokenServer

CAUGHT = pytest.StashKey[dict[str, bool]]()


def run_suite(url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "contract_tests", "--target-url", url,
         "-q", "-p", "no:cacheprovider", "--maxfail=3", "-W", "ignore"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def test_contract_suite__passes_against_the_mock() -> None:
    server = BrokenServer(Broken("none", "none", lambda app: None))
    try:
        result = run_suite(server.url)
        left = requests.get(f"{server.url}/_mock/state", timeout=10).json()
    finally:
        server.stop()
    assert result.returncode == 0, result.stdout[-3000:]
    # safe on a real system: it cleaned up every image it made and logged out every session
    assert left["images"] == [] and left["sessions"] == []


@pytest.mark.parametrize("broken", BROKEN, ids=[b.name for b in BROKEN])
def test_contract_suite__catches(broken: Broken, request: pytest.FixtureRequest) -> None:
    server = BrokenServer(broken)
    try:
        result = run_suite(server.url)
    finally:
        server.stop()
    # exit 1: tests ran and some failed or errored in a contract fixture (not a crash or usage error)
    caught = result.returncode == 1 and ("FAILED" in result.stdout or "ERROR" in result.stdout)
    request.config.stash.setdefault(CAUGHT, {})[f"{broken.family}: {broken.name}"] = caught
    assert caught, (
        f"the suite did not catch '{broken.name}' ({broken.family}):\n{result.stdout[-3000:]}"
    )
