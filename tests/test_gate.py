"""`zstack-mock run`: a well-behaved client passes the gate; each kind of contract break fails it."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.served import free_port

CLIENT = Path(__file__).with_name("clients") / "sample_client.py"
RUN = [sys.executable, "-m", "mock_server", "run"]


def gate(
    *args: str, mistake: str = "none", cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*RUN, *args, "--", sys.executable, str(CLIENT), "--mistake", mistake],
        capture_output=True, text=True, timeout=120, cwd=cwd,
    )  # fmt: skip


@pytest.mark.slow
def test_gate__well_behaved_client_passes_with_report(tmp_path: Path) -> None:
    report = tmp_path / "gate.xml"
    result = gate("--report", str(report))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 violations, 0 warnings" in result.stdout
    suite = ET.parse(report).getroot()
    assert suite.get("failures") == "0" and int(suite.get("tests", "0")) >= 8


@pytest.mark.slow
@pytest.mark.parametrize(
    ("mistake", "level", "rule"),
    [
        ("unknown-field", "warning", "unknown-field"),
        ("delete-body", "warning", "body-ignored"),
        ("session-in-query", "warning", "session-in-query"),
        ("list-as-string", "violation", "rest-layer"),
    ],
)
def test_gate__contract_breaks_fail_with_the_reason(tmp_path: Path, mistake, level, rule) -> None:
    report = tmp_path / "gate.xml"
    result = gate("--report", str(report), mistake=mistake)
    assert result.returncode == 1, result.stdout + result.stderr
    line = next(ln for ln in result.stdout.splitlines() if ln.startswith(level))
    assert rule in line
    failures = ET.parse(report).getroot().findall(".//failure")
    assert any(f.get("type") == rule for f in failures)


@pytest.mark.slow
def test_gate__allow_warnings_passes_a_tolerated_mistake() -> None:
    result = gate("--allow-warnings", mistake="unknown-field")
    assert result.returncode == 0, result.stdout
    assert "1 warnings" in result.stdout


def test_gate__failing_command_fails_the_gate() -> None:
    result = subprocess.run([*RUN, "--", sys.executable, "-c", "raise SystemExit(3)"],
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 3
    assert "the command exited 3" in result.stdout


def test_gate__exports_the_mock_location() -> None:
    code = "import os; print(os.environ['ZSTACK_URL'], os.environ['ZSTACK_HOST'], os.environ['ZSTACK_PORT'])"
    port = free_port()
    result = subprocess.run([*RUN, "--port", str(port), "--", sys.executable, "-c", code],
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert f"http://127.0.0.1:{port} 127.0.0.1 {port}" in result.stdout


def test_gate__needs_a_command() -> None:
    result = subprocess.run([*RUN], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "needs a command" in result.stderr
