"""The `zstack-mock` command, including a real server process driven over HTTP."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from mock_server.cli.main import build_parser, config_from_args
from tests.conftest import ADMIN_PASSWORD, CONNECTED_BS, IMAGE_URL
from tests.served import Served, free_port

ZSTACK_MOCK = [sys.executable, "-m", "mock_server"]


def test_help__explains_every_option() -> None:
    out = subprocess.run(
        [*ZSTACK_MOCK, "serve", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for option in (
        "--host",
        "--port",
        "--job-delay",
        "--deletion-policy",
        "--fixtures",
        "--seed",
        "--expunge-period",
    ):
        assert option in out
    assert "Delay" in out and "Direct" in out and "Never" in out


def test_args__map_to_config() -> None:
    args = build_parser().parse_args(
        [
            "serve",
            "--port",
            "9000",
            "--job-delay",
            "2.5",
            "--deletion-policy",
            "Never",
            "--seed",
            "3",
        ]
    )
    config = config_from_args(args)
    assert (config.port, config.job_delay, config.deletion_policy.value, config.seed) == (
        9000,
        2.5,
        "Never",
        3,
    )


@pytest.mark.parametrize(
    "argv",
    [["--port", "0"], ["--port", "x"], ["--job-delay", "-1"], ["--deletion-policy", "Soon"]],
)
def test_args__bad_values_are_usage_errors(argv) -> None:
    rsp = subprocess.run([*ZSTACK_MOCK, "serve", *argv], capture_output=True, text=True)
    assert rsp.returncode == 2
    assert "usage:" in rsp.stderr and "Traceback" not in rsp.stderr


def test_serve__malformed_fixtures_stop_start_with_clear_message(tmp_path: Path) -> None:
    bad = tmp_path / "seed.yaml"
    bad.write_text("backupStorages: [{uuid: nope}]")
    rsp = subprocess.run(
        [*ZSTACK_MOCK, "serve", "--port", str(free_port()), "--fixtures", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert rsp.returncode == 2
    assert f"zstack-mock: cannot start: {bad}: field 'backupStorages/0" in rsp.stderr
    assert "Traceback" not in rsp.stderr


@pytest.fixture
def server() -> Iterator[str]:
    served = Served("--job-delay", "0.5", "--seed", "1")
    yield served.root
    err = served.stop()
    assert served.proc.returncode == 0, err
    assert "Traceback" not in err


@pytest.mark.slow
def test_serve__whole_lifecycle_over_http(server: str) -> None:
    http = requests.Session()
    rsp = http.put(
        f"{server}/zstack/v1/accounts/login",
        json={"logInByAccount": {"accountName": "admin", "password": ADMIN_PASSWORD}},
    )
    http.headers["Authorization"] = f"OAuth {rsp.json()['inventory']['uuid']}"
    params = {
        "name": "TinyLinux",
        "url": IMAGE_URL,
        "format": "qcow2",
        "backupStorageUuids": [CONNECTED_BS],
    }
    rsp = http.post(f"{server}/zstack/v1/images", json={"params": params})
    assert rsp.status_code == 202
    location = rsp.json()["location"]
    assert location.startswith(f"{server}/zstack/v1/api-jobs/")
    assert requests.get(location).status_code == 202  # still downloading
    deadline = time.monotonic() + 10
    while (done := requests.get(location)).status_code == 202 and time.monotonic() < deadline:
        time.sleep(0.1)
    image = done.json()["inventory"]
    assert image["status"] == "Ready"
    uuid = image["uuid"]
    assert http.get(f"{server}/zstack/v1/images/{uuid}").json()["inventories"][0]["uuid"] == uuid
    for rsp in (
        http.delete(f"{server}/zstack/v1/images/{uuid}?deleteMode=Permissive"),
        http.put(f"{server}/zstack/v1/images/{uuid}/actions", json={"expungeImage": {}}),
    ):
        assert rsp.status_code == 202
        time.sleep(0.6)
        assert requests.get(rsp.json()["location"]).json() == {}
    assert http.get(f"{server}/zstack/v1/images/{uuid}").json()["inventories"] == []


def test_python_m_and_console_script_agree() -> None:
    script = Path(sys.executable).with_name("zstack-mock")
    if not script.exists():
        pytest.skip("the console script is not installed in this environment")
    out = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=True)
    assert "serve" in out.stdout
    out2 = subprocess.run([*ZSTACK_MOCK, "--help"], capture_output=True, text=True, check=True)
    assert out2.stdout == out.stdout


def _serve_once(args: list[str]) -> str:
    served = Served(*args, quiet="--quiet" in args)
    requests.get(f"{served.api}/nothing", timeout=5)
    err = served.stop()
    assert served.proc.returncode == 0, err
    return err


@pytest.mark.slow
def test_serve__request_log_text_json_and_quiet() -> None:
    text = _serve_once([])
    assert "GET /zstack/v1/nothing 404" in text and "verdict=violation" in text
    json_log = _serve_once(["--log-format", "json"])
    line = next(ln for ln in json_log.splitlines() if '"/zstack/v1/nothing"' in ln)
    assert __import__("json").loads(line)["status"] == 404
    quiet = _serve_once(["--quiet"])
    assert "/zstack/v1/nothing" not in quiet


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_serve__clean_shutdown(sig: signal.Signals) -> None:
    served = Served()
    err = served.stop(sig)
    assert served.proc.returncode == 0, err
    assert "Traceback" not in err
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{served.root}/_mock/jobs", timeout=2)


def test_serve__a_port_in_use_is_refused_without_serving() -> None:
    first = Served("--seed", "1")
    try:
        second = subprocess.run(
            [*ZSTACK_MOCK, "serve", "--port", str(first.port)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert second.returncode == 2, second.stderr
        assert second.stderr.strip().splitlines() == [
            f"zstack-mock: cannot start: cannot listen on 127.0.0.1 port {first.port}: it is in use"
        ]
        # the first mock alone answers, every time (a shared port answers from either state)
        for _ in range(20):
            assert requests.get(f"{first.root}/_mock/state", timeout=5).json()["images"] == []
            requests.delete(f"{first.root}/_mock/journal", timeout=5)
    finally:
        err = first.stop()
    assert "Traceback" not in err


def test_gate__a_port_in_use_fails_the_gate_before_the_client_runs() -> None:
    first = Served()
    try:
        gate = subprocess.run(
            [
                *ZSTACK_MOCK,
                "run",
                "--port",
                str(first.port),
                "--",
                sys.executable,
                "-c",
                "print('client ran')",
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        first.stop()
    assert gate.returncode == 2
    assert f"port {first.port}: it is in use" in gate.stdout and "client ran" not in gate.stdout


@pytest.mark.parametrize("command", ["serve", "run"])
def test_help__states_each_default_once(command) -> None:
    out = subprocess.run(
        [*ZSTACK_MOCK, command, "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "(default: None)" not in out and "(default: False)" not in out
    assert "(default: 500)" not in out  # its help says "ZStack's default 500" already
    assert "(default: Delay)" in out


def test_version__prints_the_package_version() -> None:
    from importlib.metadata import version

    out = subprocess.run([*ZSTACK_MOCK, "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"zstack-mock {version('zstack-image-contract')}"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_serve__state_keeps_fault_rules_and_leaves_no_wal_files(tmp_path: Path, sig) -> None:
    state = tmp_path / "mock.db"
    first = Served("--state", str(state))
    rule = {"operation": "AddImage", "action": "fail_job", "code": "SYS.1002", "times": 2}
    added = requests.post(f"{first.root}/_mock/faults", json=rule, timeout=10).json()
    first.stop(sig)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mock.db"]
    second = Served("--state", str(state))
    try:
        assert requests.get(f"{second.root}/_mock/faults", timeout=10).json()["faults"] == [added]
        auth = {"Authorization": f"OAuth {second.session()}"}
        params = {
            "name": "x",
            "url": IMAGE_URL,
            "format": "qcow2",
            "backupStorageUuids": [CONNECTED_BS],
        }
        rsp = requests.post(
            f"{second.api}/images", json={"params": params}, headers=auth, timeout=10
        )
        job = requests.get(rsp.json()["location"], timeout=10).json()
        assert job["error"]["code"] == "SYS.1002"
        next_rule = requests.post(f"{second.root}/_mock/faults", json=rule, timeout=10).json()
        assert next_rule["id"] == "f2"  # ids go on where they stopped
    finally:
        second.stop()


def test_serve__sigterm_right_after_serving_stops_it() -> None:
    # the line comes once the app answers; a stop signal then is never lost (it once was, and the
    # main process waited for its worker forever)
    proc = subprocess.Popen(
        [*ZSTACK_MOCK, "serve", "--port", str(free_port()), "--quiet"],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        assert proc.stderr.readline().startswith("zstack-mock: serving")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
