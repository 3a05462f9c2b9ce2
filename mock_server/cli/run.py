"""`zstack-mock run`: gate a ZStack client in CI by running it against the mock and judging it."""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import ctypes.util
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any, TextIO

import requests

from mock_server.cli.run_report import report

JSON = Any
# how long the client's processes get to end after SIGTERM/SIGINT before they are killed
GRACE = 5.0
# a port picked free can be taken before the mock binds it: pick again this many times
PORT_ATTEMPTS = 3


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


def _serve_command(args: argparse.Namespace, port: int) -> list[str]:
    cmd = [
        sys.executable,
        "-m",
        "mock_server",
        "serve",
        "--host",
        args.host,
        "--port",
        str(port),
        "--job-delay",
        str(args.job_delay),
        "--deletion-policy",
        args.deletion_policy,
        "--expunge-period",
        str(args.expunge_period),
        "--quiet",
        "--context-path",
        args.context_path or "/",
        "--locale",
        args.locale,
    ]
    if args.fixtures:
        cmd += ["--fixtures", str(args.fixtures)]
    if args.seed is not None:
        cmd += ["--seed", str(args.seed)]
    if args.max_sessions != 500:
        cmd += ["--max-sessions", str(args.max_sessions)]
    if args.state is not None:
        cmd += ["--state", str(args.state)]
    for origin in args.cors_origin or ():
        cmd += ["--cors-origin", origin]
    for host in args.webhook_allow or ():
        cmd += ["--webhook-allow", host]
    return cmd


def _die_with_gate() -> Callable[[], None] | None:
    """For the mock's process: SIGTERM when the gate dies, even by kill -9 (Linux prctl)."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    pr_set_pdeathsig = 1
    return lambda: libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


class Mock:
    """The served mock, in its own session (a terminal's Ctrl-C reaches the gate only)."""

    def __init__(self, command: list[str]) -> None:
        self.proc = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
            preexec_fn=_die_with_gate(),
        )
        self.lines: list[str] = []
        self._serving = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))
            if line.startswith("zstack-mock: serving"):
                self._serving.set()

    def wait_serving(self, timeout: float = 60) -> bool:
        """True once the mock said it listens (it says so only then); False if it exited."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._serving.wait(0.05):
                return True
            if self.proc.poll() is not None:
                self._reader.join(5)
                return self._serving.is_set()
        return False

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(5)
        if self.proc.stderr is not None:
            self.proc.stderr.close()
        return "\n".join(ln for ln in self.lines if not ln.startswith("zstack-mock: serving"))


class Stop:
    """The signal handler of the gate: it notes the first SIGTERM or SIGINT; the gate stops."""

    signals = (signal.SIGTERM, signal.SIGINT)

    def __init__(self) -> None:
        self.signum: int | None = None

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is None:
            self.signum = signum


def _start_mock(args: argparse.Namespace, out: TextIO) -> tuple[Mock, int] | None:
    for _ in range(1 if args.port else PORT_ATTEMPTS):
        port = args.port or _free_port(args.host)
        mock = Mock(_serve_command(args, port))
        if mock.wait_serving():
            return mock, port
        err = mock.stop()
        if args.port or "in use" not in err:
            print(
                f"zstack-mock run: the mock did not start on port {port}\n{err.strip()}", file=out
            )
            return None
    print("zstack-mock run: no free port could be bound; pass --port", file=out)
    return None


def _kill_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _run_client(command: list[str], env: dict[str, str], stop: Stop, out: TextIO) -> int:
    """Run the client in its own process group; on a stop signal, stop that whole group."""
    try:
        proc = subprocess.Popen(command, env=env, process_group=0)
    except OSError as e:
        print(f"zstack-mock run: cannot run {command[0]!r}: {e.strerror or e}", file=out)
        return 127
    while proc.poll() is None and stop.signum is None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=0.1)
    if stop.signum is not None:
        _kill_group(proc.pid, stop.signum)
        try:
            proc.wait(timeout=GRACE)
        except subprocess.TimeoutExpired:
            _kill_group(proc.pid, signal.SIGKILL)
            proc.wait()
    # what the client left running in its group goes too (the gate leaves no process behind)
    _kill_group(proc.pid, signal.SIGKILL)
    return proc.returncode


def _settle_jobs(base: str, job_delay: float, stop: Stop) -> None:
    """Let timed jobs the client left running end, so their errors are judged too."""
    deadline = time.monotonic() + job_delay + 2
    while time.monotonic() < deadline and stop.signum is None:
        jobs = requests.get(f"{base}/_mock/jobs", timeout=30).json()
        if jobs["progression"]["mode"] != "seconds":
            return
        if not any(j["state"] == "processing" for j in jobs["jobs"]):
            return
        time.sleep(0.1)


def run_gate(args: argparse.Namespace, command: list[str], out: TextIO) -> int:
    """Start the mock, run the client, stop the mock, report; the exit code is the verdict."""
    stop = Stop()
    previous = {s: signal.signal(s, stop) for s in Stop.signals}
    try:
        return _gate(args, command, stop, out)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _gate(args: argparse.Namespace, command: list[str], stop: Stop, out: TextIO) -> int:
    started = _start_mock(args, out)
    if started is None:
        return 2
    mock, port = started
    host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    base = f"http://{host}:{port}"
    env = {**os.environ, "ZSTACK_URL": base, "ZSTACK_HOST": host, "ZSTACK_PORT": str(port)}
    journal: JSON = None
    try:
        code = _run_client(command, env, stop, out) if stop.signum is None else 128 + stop.signum
        try:
            _settle_jobs(base, args.job_delay, stop)
            journal = requests.get(f"{base}/_mock/journal", timeout=120).json()
        except requests.RequestException as e:
            print(f"zstack-mock run: cannot read the mock's journal: {e}", file=out)
    finally:
        err = mock.stop()
    if journal is None:
        print(f"zstack-mock run: FAILED (the mock said: {err.strip() or 'nothing'})", file=out)
        return 2
    verdict = report(journal, code, command, args, out, stop.signum)
    return 128 + stop.signum if stop.signum is not None else verdict
