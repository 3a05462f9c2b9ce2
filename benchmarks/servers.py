"""The servers `make bench` measures.

The mock (this tree or an old commit's), the bare Flask ceiling, Prism and WireMock: their tools
installed on first use, each started on a free port of 127.0.0.1 and stopped by its process group.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCRATCH = HERE / "results" / "scratch"
PRISM_DIR = HERE / ".prism"
PRISM = PRISM_DIR / "node_modules" / ".bin" / "prism"
WIREMOCK_VERSION = "3.13.2"
WIREMOCK_DIR = HERE / ".wiremock"
WIREMOCK_JAR = (
    WIREMOCK_DIR
    / "node_modules"
    / "wiremock"
    / "build"
    / f"wiremock-standalone-{WIREMOCK_VERSION}.jar"
)
FIXTURES = HERE / "bench-fixtures.yaml"
PY = sys.executable


def _apt_install(*packages: str) -> bool:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "install", "-y", "-qq", *packages], ["apt-get", "update", "-qq"]):
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    done = subprocess.run(
        ["apt-get", "install", "-y", "-qq", *packages],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return done.returncode == 0


def _npm_install(prefix: Path, package: str) -> None:
    print(f"installing {package} (npm) ...", flush=True)
    prefix.mkdir(exist_ok=True)
    subprocess.run(
        ["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund", package],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def ensure_tools(wiremock: bool) -> str | None:
    """Install wrk (apt), Prism and WireMock (npm) and a Java runtime (apt) on first use.

    Returns why WireMock cannot run (one clear message), or None when it can.
    """
    if shutil.which("wrk") is None:
        print("installing wrk (apt-get) ...", flush=True)
        if not _apt_install("wrk"):
            raise SystemExit("make bench: cannot install wrk (apt-get install wrk failed)")
    if not PRISM.exists():
        _npm_install(PRISM_DIR, "@stoplight/prism-cli@5.14.2")
    if not wiremock:
        return "not asked for (--no-wiremock)"
    if shutil.which("java") is None:
        print(
            "installing a Java runtime for WireMock (apt-get default-jre-headless) ...", flush=True
        )
        if not _apt_install("default-jre-headless") or shutil.which("java") is None:
            return "no Java runtime (apt-get install default-jre-headless failed): WireMock skipped"
    if not WIREMOCK_JAR.exists():
        _npm_install(WIREMOCK_DIR, f"wiremock@{WIREMOCK_VERSION}")
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_up(url: str, proc: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args!r} exited with {proc.returncode}")
        try:
            requests.get(url, timeout=1)
            return
        # the mock's port listens before its app is built: a read may time out until it is
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


@contextmanager
def started(
    name: str, cmd: list[str], probe: str, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> Iterator[str]:
    """Run a server until the block ends; yields its base URL (probe's scheme://host:port)."""
    SCRATCH.mkdir(parents=True, exist_ok=True)
    log = (SCRATCH / f"server-{name}.log").open("wb")
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        _wait_up(probe, proc)
        yield probe.split("/", 3)[0] + "//" + probe.split("/", 3)[2]
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def mock(name: str, tree: Path = ROOT) -> tuple[str, list[str], str, Path, dict[str, str]]:
    """How to serve the mock of `tree` as `make run` does, quiet, on the bench fixtures.

    An old commit's tree runs on this venv with its own tree first on the path.
    """
    port = free_port()
    cmd = [
        PY,
        "-m",
        "mock_server",
        "serve",
        "--port",
        str(port),
        "--quiet",
        "--max-sessions",
        "100000000",
        "--fixtures",
        str(FIXTURES),
    ]
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return name, cmd, f"http://127.0.0.1:{port}/_mock/jobs", tree, env


def ceiling() -> tuple[str, list[str], str]:
    """The bare Flask endpoint, served with the mock's own granian settings and bridge."""
    port = free_port()
    return "ceiling", [PY, "-m", "benchmarks.ceiling", str(port)], f"http://127.0.0.1:{port}/ping"


def prism_spec() -> Path:
    """Our spec for Prism, less one character Prism 5.14 cannot put in a header.

    Prism crashes when it reports a violation of a pattern holding a non-ASCII character (the
    Timestamp's narrow no-break space) in its `sl-violations` header.
    """
    text = (ROOT / "spec" / "zstack-image.yaml").read_text(encoding="utf-8").replace("\\u202f", "")
    SCRATCH.mkdir(parents=True, exist_ok=True)
    path = SCRATCH / "prism-spec.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def prism() -> tuple[str, list[str], str]:
    port = free_port()
    cmd = [str(PRISM), "mock", "-v", "error", "-p", str(port), str(prism_spec())]
    return "prism", cmd, f"http://127.0.0.1:{port}/zstack/v1/api-jobs/x"


def wiremock(stubs: list[dict[str, object]]) -> tuple[str, list[str], str]:
    """WireMock standalone serving `stubs` (WireMock's mapping JSON), without a request journal."""
    root = SCRATCH / "wiremock"
    shutil.rmtree(root, ignore_errors=True)
    (root / "mappings").mkdir(parents=True)
    (root / "mappings" / "bench.json").write_text(json.dumps({"mappings": stubs}))
    port = free_port()
    cmd = [
        "java",
        "-jar",
        str(WIREMOCK_JAR),
        "--port",
        str(port),
        "--root-dir",
        str(root),
        "--disable-banner",
        "--no-request-journal",
    ]
    return "wiremock", cmd, f"http://127.0.0.1:{port}/__admin/mappings"
