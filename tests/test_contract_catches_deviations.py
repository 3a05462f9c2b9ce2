"""Proof that the contract suite works: each broken server is caught by a check it declares.

The suite runs against the faithful mock and against every broken server, in two configurations a
real ZStack can be in (no job delay): Delay with two usable backup storages, and Direct with one.
A broken server counts as caught only if a check it declares is among the failures and every
failure is a named check (no crash, plain assert or usage error). The runs go concurrently, each in
its own process (`python -m tests.broken_servers.prove`), and stop at the first declared catch.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from contract_tests import action_checks, backup_storage_checks, checks
from tests.broken_servers import BROKEN, NONE, PROOF_CONFIGS
from tests.broken_servers.outcome import CRASH

Verdict = dict[str, Any]
# label -> caught, for the catch-rate table conftest.py prints at the end, with the proof's times
CAUGHT = pytest.StashKey[dict[str, bool]]()
TIMING = pytest.StashKey[str]()
CASES = [
    pytest.param(b.name, c, id=f"{c}: {b.family}: {b.name}") for b in BROKEN for c in b.configs
]
BASELINES = [pytest.param(NONE.name, c, id=c) for c in PROOF_CONFIGS]
# the suite is mostly CPU and each run has its own server: one more run than cores keeps both busy
WORKERS = (os.cpu_count() or 2) + 1


def _selected(session: pytest.Session) -> list[tuple[str, str]]:
    """The (server, config) pairs of this module's tests that this session runs."""
    pairs = []
    for item in session.items:
        callspec = getattr(item, "callspec", None)
        if item.module.__name__ == __name__ and callspec is not None:  # type: ignore[attr-defined]
            pairs.append((callspec.params["name"], callspec.params["config"]))
    return list(dict.fromkeys(pairs))


def _prove(name: str, config: str, folder: Path) -> Verdict:
    out = folder / f"{abs(hash((name, config)))}.json"
    try:
        result = subprocess.run(
            [sys.executable, "-m", "tests.broken_servers.prove", name, config, str(out)],
            capture_output=True,
            text=True,
            timeout=600,
        )
    except subprocess.TimeoutExpired:
        return {"error": "the suite did not finish within 600 s", "output": ""}
    if result.returncode != 0 or not out.exists():
        return {"error": f"the proof run crashed:\n{result.stderr[-3000:]}", "output": ""}
    verdict: Verdict = json.loads(out.read_text(encoding="utf-8"))
    verdict["output"] = result.stdout[-4000:]
    return verdict


@pytest.fixture(scope="module")
def verdicts(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[tuple[str, str], Verdict]:
    folder = tmp_path_factory.mktemp("proof")
    pairs = _selected(request.session)
    started = time.monotonic()
    with ThreadPoolExecutor(WORKERS) as pool:
        results = dict(
            zip(pairs, pool.map(lambda p: _prove(p[0], p[1], folder), pairs), strict=True)
        )
    wall = time.monotonic() - started
    runs = sum(v.get("seconds", 0) for v in results.values())
    request.config.stash[TIMING] = (
        f"{len(pairs)} suite runs in {wall:.0f} s wall time ({runs:.0f} s of runs, "
        f"{WORKERS} at a time)"
    )
    return results


def _crashes(verdict: Verdict) -> list[str]:
    return [
        f"{f['test']} ({f['when']}): {name}"
        for f in verdict["failures"]
        for name in f["checks"]
        if name.startswith(CRASH)
    ]


@pytest.mark.parametrize(("name", "config"), BASELINES)
def test_contract_suite__passes_against_the_mock(
    verdicts: dict[tuple[str, str], Verdict], name: str, config: str
) -> None:
    verdict = verdicts[(name, config)]
    assert "error" not in verdict, verdict.get("error")
    assert verdict["failures"] == [], verdict["output"]
    # safe on a real system: it cleaned up every image it made and logged out every session
    assert verdict["left_images"] == 0 and verdict["left_sessions"] == 0


@pytest.mark.parametrize(("name", "config"), CASES)
def test_contract_suite__catches(
    verdicts: dict[tuple[str, str], Verdict], name: str, config: str, request: pytest.FixtureRequest
) -> None:
    verdict = verdicts[(name, config)]
    broken = next(b for b in BROKEN if b.name == name)
    declared = broken.caught_by
    caught = "error" not in verdict and verdict["caught"] and not _crashes(verdict)
    request.config.stash.setdefault(CAUGHT, {})[f"{broken.family}: {name} ({config})"] = caught
    assert "error" not in verdict, verdict.get("error")
    assert not _crashes(verdict), (
        f"failures that are not named checks: {_crashes(verdict)}\n{verdict['output']}"
    )
    seen = sorted({n for f in verdict["failures"] for n in f["checks"]})
    assert verdict["caught"], (
        f"'{name}' was not caught by any of {list(declared)}; failed checks: {seen}\n"
        f"{verdict['output']}"
    )


def test_broken_servers__declare_checks_the_suite_has() -> None:
    """A declared check is one of the suite's named checks (or a schemathesis check it keeps)."""
    names = {
        n
        for module in (checks, action_checks, backup_storage_checks)
        for n, f in vars(module).items()
        if callable(f) and n.endswith(("_conformance", "_rejection"))
    } | {"response_schema_conformance", "status_code_conformance"}
    for broken in BROKEN:
        assert broken.caught_by, broken.name
        assert set(broken.caught_by) <= names, (broken.name, set(broken.caught_by) - names)
    assert len({b.name for b in BROKEN}) == len(BROKEN)
