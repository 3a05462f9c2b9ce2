"""`zstack-mock run`: a well-behaved client passes the gate; each kind of contract break fails it."""

from __future__ import annotations

import argparse
import io
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mock_server.cli.run_report import report
from tests.served import free_port

CLIENT = Path(__file__).with_name("clients") / "sample_client.py"
RUN = [sys.executable, "-m", "mock_server", "run"]


def gate(
    *args: str, mistake: str = "none", cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*RUN, *args, "--", sys.executable, str(CLIENT), "--mistake", mistake],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


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
    assert "0 violations, 1 warning;" in result.stdout


def test_gate__failing_command_fails_the_gate() -> None:
    result = subprocess.run(
        [*RUN, "--", sys.executable, "-c", "raise SystemExit(3)"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 3
    assert "the command exited 3" in result.stdout


def test_gate__exports_the_mock_location() -> None:
    code = "import os; print(os.environ['ZSTACK_URL'], os.environ['ZSTACK_HOST'], os.environ['ZSTACK_PORT'])"
    port = free_port()
    result = subprocess.run(
        [*RUN, "--port", str(port), "--", sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert f"http://127.0.0.1:{port} 127.0.0.1 {port}" in result.stdout


def test_gate__needs_a_command() -> None:
    result = subprocess.run([*RUN], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "needs a command" in result.stderr


FLOOD = Path(__file__).with_name("clients") / "flood_client.py"


def test_gate__violation_followed_by_10050_correct_requests_fails() -> None:
    # the journal's default size is 10,000: the violation falls out of it, the gate still counts it
    result = subprocess.run(
        [*RUN, "--", sys.executable, str(FLOOD), "10050"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "10051 requests, 1 violation, 0 warnings" in result.stdout
    assert "GET /zstack/v1/images/ -> 404" in result.stdout  # still listed, with its reason
    assert "no api mapping to /v1/images/" in result.stdout


def test_gate__job_error_after_a_job_delay_fails(tmp_path: Path) -> None:
    report = tmp_path / "gate.xml"
    result = gate("--job-delay", "1", "--report", str(report), mistake="no-format")
    assert result.returncode == 1, result.stdout + result.stderr
    line = next(ln for ln in result.stdout.splitlines() if ln.startswith("violation"))
    assert "invalid-argument" in line and "POST /zstack/v1/images -> 202" in line
    [failure] = ET.parse(report).getroot().findall(".//failure")
    assert failure.get("type") == "invalid-argument"
    assert '"format": null' in (failure.text or "")  # the request body, with the reason


@pytest.mark.parametrize(("flags", "code"), [((), 1), (("--allow-no-requests",), 0)])
def test_gate__a_command_that_never_reached_the_mock(flags, code) -> None:
    result = subprocess.run(
        [*RUN, *flags, "--", sys.executable, "-c", "pass"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == code, result.stdout + result.stderr
    assert ("made no request to the mock" in result.stdout) is (code == 1)


HANGING = Path(__file__).with_name("clients") / "hanging_client.py"


def _children(pid: int) -> list[int]:
    """The direct children of `pid` (Linux /proc)."""
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_gate__a_stop_signal_stops_client_and_mock_and_reports(tmp_path: Path, sig) -> None:
    pidfile, report = tmp_path / "pids", tmp_path / "gate.xml"
    gate = subprocess.Popen(
        [*RUN, "--report", str(report), "--", sys.executable, str(HANGING), str(pidfile)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not pidfile.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        client, grandchild = map(int, pidfile.read_text().split())
        watched = [client, grandchild, *_children(gate.pid)]  # the mock and the client
        gate.send_signal(sig)
        out, err = gate.communicate(timeout=60)
    finally:
        if gate.poll() is None:
            gate.kill()
    assert gate.returncode == 128 + sig, out + err
    assert "Traceback" not in out + err
    assert f"stopped by {signal.Signals(sig).name}" in out and "1 request, 0 violations" in out
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in watched) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [p for p in watched if _alive(p)] == []
    suite = ET.parse(report).getroot()
    assert (
        suite.get("failures") == "1"
        and suite.find(".//testcase[@classname='LogInByAccount']") is not None
    )


def _args(tmp_path: Path, **overrides) -> argparse.Namespace:
    values = {"report": tmp_path / "gate.xml", "allow_warnings": False, "allow_no_requests": False}
    return argparse.Namespace(**{**values, **overrides})


def _entry(seq: int, query: str = "", findings: list | None = None) -> dict:
    return {
        "seq": seq,
        "method": "POST",
        "path": "/zstack/v1/images",
        "query": query,
        "status": 202,
        "api": "AddImage",
        "findings": findings or [],
        "requestBody": '{"params": {"colour": "blue"}}',
    }


def test_report__findings_that_fell_out_still_fail_and_are_counted(tmp_path: Path) -> None:
    warning = {"level": "warning", "rule": "unknown-field", "reason": "'params.colour' ..."}
    journal = {
        "entries": [_entry(7, findings=[warning]), _entry(8, query="x=1")],
        "findings": {"violation": 2, "warning": 1},
        "runTotal": 12_000,
    }
    out = io.StringIO()
    assert report(journal, 0, ["client"], _args(tmp_path), out, None) == 1
    text = out.getvalue()
    assert "12000 requests, 2 violations, 1 warning;" in text
    assert "2 violations and 0 warnings are counted but not listed" in text
    assert 'request body: {"params": {"colour": "blue"}}' in text
    suite = ET.parse(tmp_path / "gate.xml").getroot()
    names = [c.get("name") for c in suite.iter("testcase")]
    assert names == [
        "client",
        "7 POST /zstack/v1/images",
        "8 POST /zstack/v1/images?x=1",
        "unlisted findings",
    ]
    assert suite.get("failures") == "2"  # the warning, and the unlisted violations


def test_report__a_count_of_one_is_singular(tmp_path: Path) -> None:
    violation = {"level": "violation", "rule": "rest-layer", "reason": "no api mapping"}
    journal = {"entries": [], "findings": {"violation": 1, "warning": 1}, "runTotal": 1}
    out = io.StringIO()
    assert report(journal, 0, ["client"], _args(tmp_path), out, None) == 1
    text = out.getvalue()
    assert "1 request, 1 violation, 1 warning;" in text
    assert "1 violation and 1 warning are counted but not listed" in text
    journal = {
        "entries": [_entry(1, findings=[violation])],
        "findings": {"violation": 1, "warning": 0},
        "runTotal": 2,
    }
    out = io.StringIO()
    report(journal, 0, ["client"], _args(tmp_path), out, None)
    assert "2 requests, 1 violation, 0 warnings;" in out.getvalue()
