"""The suite passes the mock in every configuration a real ZStack can be in (issue 13 §2).

Deletion policy Delay, Direct, Never x job delay 0 and 0.3 s x one or two usable backup storages x
context path /zstack and /, in the mock's default language (the source text), plus two zero-delay
configurations in the languages a real ZStack speaks (issue 13 §9: zh_CN, its default, and
en_US): 26 served mocks, each checked by `pytest contract_tests --target-url`
in its own process. They run concurrently (job waits use no CPU): the whole suite where jobs end
at once, and with job delay only the async-protocol and lifecycle tests, whose waits it changes.
Measured on the 2-core machine with four other test runs beside it (load average 10): 334 s for
24; with the two language configurations, 26 in 212 s (load average 5).
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.conftest import ADMIN_PASSWORD, CONNECTED_BS, IMAGE_URL
from tests.served import Served

ROOT = Path(__file__).resolve().parent.parent
SEEDS = {
    2: ROOT / "fixtures" / "seed" / "default.yaml",
    1: ROOT / "fixtures" / "seed" / "one-usable-backup-storage.yaml",
}
DELAYED_TESTS = ("contract_tests/test_async_protocol.py", "contract_tests/test_lifecycle.py")
# the zero-delay suites are CPU-bound on a 2-core machine: this many at once; the delayed ones
# mostly wait for their jobs and all run at once beside them
CPU_BOUND_WORKERS = 3


@dataclass(frozen=True, slots=True)
class Config:
    policy: str
    job_delay: float
    backup_storages: int
    context_path: str
    # --locale: raw (the source text), en_US or zh_CN
    locale: str = "raw"

    @property
    def id(self) -> str:
        return (
            f"{self.policy}-delay{self.job_delay:g}-{self.backup_storages}bs-"
            f"context{self.context_path}" + ("" if self.locale == "raw" else f"-{self.locale}")
        )

    def serve_args(self) -> list[str]:
        return [
            "--deletion-policy",
            self.policy,
            "--job-delay",
            str(self.job_delay),
            "--fixtures",
            str(SEEDS[self.backup_storages]),
            "--context-path",
            self.context_path,
            "--locale",
            self.locale,
        ]

    def suite_args(self, url: str) -> list[str]:
        tests = list(DELAYED_TESTS) if self.job_delay else ["contract_tests"]
        return [
            sys.executable,
            "-m",
            "pytest",
            *tests,
            "-q",
            "-p",
            "no:cacheprovider",
            "--target-url",
            url,
            "--context-path",
            self.context_path,
            "--job-timeout",
            "60",
        ]


CONFIGS = [
    Config(policy, delay, bs, context)
    for delay, policy, bs, context in itertools.product(
        (0.3, 0.0), ("Delay", "Direct", "Never"), (1, 2), ("/zstack", "/")
    )
] + [Config("Delay", 0.0, 2, "/zstack", "zh_CN"), Config("Direct", 0.0, 1, "/", "en_US")]


@dataclass(frozen=True, slots=True)
class Outcome:
    returncode: int
    output: str
    seconds: float


def _run(config: Config) -> Outcome:
    started = time.monotonic()
    server = Served(*config.serve_args())
    try:
        result = subprocess.run(
            config.suite_args(server.root),
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=420,
            env={**os.environ, "CI": "1"},
        )
    finally:
        server.stop()
    return Outcome(result.returncode, result.stdout + result.stderr, time.monotonic() - started)


@dataclass(frozen=True, slots=True)
class Matrix:
    outcomes: dict[Config, Outcome]
    wall_seconds: float


@pytest.fixture(scope="module")
def matrix() -> Iterator[Matrix]:
    started = time.monotonic()
    waiting = [c for c in CONFIGS if c.job_delay]
    busy = [c for c in CONFIGS if not c.job_delay]
    with ThreadPoolExecutor(len(waiting)) as idle, ThreadPoolExecutor(CPU_BOUND_WORKERS) as cpu:
        futures = {c: idle.submit(_run, c) for c in waiting} | {
            c: cpu.submit(_run, c) for c in busy
        }
        outcomes = {c: futures[c].result() for c in CONFIGS}
    wall = time.monotonic() - started
    slowest = sorted(outcomes.items(), key=lambda item: -item[1].seconds)[:3]
    print(
        f"\ncontract matrix: {len(CONFIGS)} configurations in {wall:.0f} s of wall time; "
        + ", ".join(f"{c.id} {o.seconds:.0f} s" for c, o in slowest)
    )
    yield Matrix(outcomes, wall)


def test_matrix__runs_within_8_minutes(matrix: Matrix) -> None:
    slowest = max(matrix.outcomes.items(), key=lambda item: item[1].seconds)
    assert matrix.wall_seconds < 8 * 60, f"slowest: {slowest[0].id}, {slowest[1].seconds:.0f} s"


@pytest.mark.parametrize("config", CONFIGS, ids=[c.id for c in CONFIGS])
def test_suite__passes_the_mock_in_every_faithful_configuration(
    matrix: Matrix, config: Config
) -> None:
    outcome = matrix.outcomes[config]
    assert outcome.returncode == 0, outcome.output[-6000:]
    seen = "Direct" if config.policy == "Direct" else "Delay or Never"
    assert f"deletion policy seen: {seen}\n" in outcome.output, outcome.output[-3000:]
    if not config.job_delay:  # the whole suite meets a detail that tells the languages apart
        assert f"language: {config.locale} (recognised from " in outcome.output, outcome.output[
            -3000:
        ]


# -- the mock's --context-path, which the matrix relies on ---------------------------------------


def test_context_path__root_serves_the_apis_at_v1() -> None:
    server = Served("--context-path", "/")
    try:
        login = {"logInByAccount": {"accountName": "admin", "password": ADMIN_PASSWORD}}
        rsp = requests.put(f"{server.root}/v1/accounts/login", json=login, timeout=10)
        session = rsp.json()["inventory"]["uuid"]
        moved = requests.put(f"{server.root}/zstack/v1/accounts/login", json=login, timeout=10)
        add = requests.post(
            f"{server.root}/v1/images",
            headers={"Authorization": f"OAuth {session}"},
            json={"params": {"name": "c", "url": IMAGE_URL, "backupStorageUuids": [CONNECTED_BS]}},
            timeout=10,
        )
        action = requests.put(
            f"{server.root}/v1/images/{'a' * 32}/actions",
            json={"expunge": {}},
            headers={"Authorization": f"OAuth {session}"},
            timeout=10,
        )
    finally:
        server.stop()
    assert rsp.status_code == 200
    assert (moved.status_code, moved.text) == (404, "no api mapping to /zstack/v1/accounts/login")
    assert add.status_code == 202
    assert add.json()["location"].startswith(f"{server.root}/v1/api-jobs/")
    assert (
        action.text
        == f"the body doesn't contain action mapping to the URL[/v1/images/{'a' * 32}/actions]"
    )


def test_context_path__nested_and_its_errors_name_the_full_uri() -> None:
    server = Served("--context-path", "/cloud/zstack/")
    try:
        rsp = requests.delete(f"{server.root}/cloud/zstack/v1/images", timeout=10)
        outside = requests.get(f"{server.root}/zstack/v1/images", timeout=10)
    finally:
        server.stop()
    # RestServer's "No ... API found" uses the full request URI, context path included
    assert (rsp.status_code, rsp.text) == (
        500,
        "No delete API found for the path[/cloud/zstack/v1/images]",
    )
    assert outside.status_code == 404


@pytest.mark.parametrize("bad", ["zstack", "/zstack?x=1", "/a b"])
def test_context_path__a_bad_value_is_a_usage_error(bad: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mock_server", "serve", "--context-path", bad],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "--context-path: a context path starts with / and is a plain path" in result.stderr


def test_context_path__run_passes_it_to_the_served_mock(tmp_path: Path) -> None:
    client = tmp_path / "client.py"
    client.write_text(
        "import os, requests\n"
        "r = requests.get(os.environ['ZSTACK_URL'] + '/v1/api-jobs/' + 'b' * 32, timeout=10)\n"
        "raise SystemExit(0 if (r.status_code, r.text) == (404, 'the job has been expired') else 1)\n"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mock_server",
            "run",
            "--context-path",
            "/",
            "--",
            sys.executable,
            str(client),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
