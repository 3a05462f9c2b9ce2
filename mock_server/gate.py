"""`zstack-mock run`: gate a ZStack client in CI by running it against the mock and judging it."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, TextIO

import requests

JSON = Any


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


def _serve_command(args: argparse.Namespace, port: int) -> list[str]:
    cmd = [sys.executable, "-m", "mock_server", "serve", "--host", args.host, "--port", str(port),
           "--job-delay", str(args.job_delay), "--deletion-policy", args.deletion_policy,
           "--expunge-period", str(args.expunge_period), "--quiet",
           "--context-path", args.context_path or "/"]  # fmt: skip
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


def _wait_ready(proc: subprocess.Popen[str], base: str, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            requests.get(f"{base}/_mock/journal", timeout=1)
            return True
        except requests.ConnectionError:
            time.sleep(0.1)
    return False


def _stop(proc: subprocess.Popen[str]) -> str:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    return err or ""


def run_gate(args: argparse.Namespace, command: list[str], out: TextIO) -> int:
    """Start the mock, run the client, stop the mock, report; the exit code is the verdict."""
    port = args.port or _free_port(args.host)
    host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    base = f"http://{host}:{port}"
    proc = subprocess.Popen(_serve_command(args, port), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    if not _wait_ready(proc, base):
        err = _stop(proc)
        print(f"zstack-mock run: the mock did not start on {base}\n{err.strip()}", file=out)
        return 2
    env = {**os.environ, "ZSTACK_URL": base, "ZSTACK_HOST": host, "ZSTACK_PORT": str(port)}
    try:
        try:
            code = subprocess.call(command, env=env)
        except OSError as e:
            print(f"zstack-mock run: cannot run {command[0]!r}: {e.strerror or e}", file=out)
            code = 127
        entries: list[JSON] = requests.get(f"{base}/_mock/journal", timeout=30).json()["entries"]
    finally:
        _stop(proc)
    return _report(entries, code, command, args, out)


def _report(entries: list[JSON], code: int, command: list[str], args: argparse.Namespace,
            out: TextIO) -> int:  # fmt: skip
    flagged = [e for e in entries if e["findings"]]
    violations = sum(1 for e in flagged for f in e["findings"] if f["level"] == "violation")
    warnings = sum(1 for e in flagged for f in e["findings"] if f["level"] == "warning")
    print(f"\nzstack-mock run: {len(entries)} requests, {violations} violations, "
          f"{warnings} warnings; the command exited {code}", file=out)  # fmt: skip
    if flagged:
        print(f"{'level':<10} {'rule':<18} {'request':<48} reason", file=out)
        for e in flagged:
            query = f"?{e['query']}" if e["query"] else ""
            request = f"{e['method']} {e['path']}{query} -> {e['status']}"
            for f in e["findings"]:
                print(f"{f['level']:<10} {f['rule']:<18} {request:<48} {f['reason']}", file=out)
    if args.report:
        _write_junit(args.report, entries, code, command, args.allow_warnings)
    failed = code != 0 or violations > 0 or (warnings > 0 and not args.allow_warnings)
    print("zstack-mock run: " + ("FAILED" if failed else "passed"), file=out)
    return code if code != 0 else (1 if failed else 0)


def _write_junit(path: Path, entries: list[JSON], code: int, command: list[str],
                 allow_warnings: bool) -> None:  # fmt: skip
    suite = ET.Element("testsuite", name="zstack-mock contract gate")
    case = ET.SubElement(suite, "testcase", classname="client", name=" ".join(command))
    if code != 0:
        ET.SubElement(case, "failure", message=f"the command exited {code}")
    failures = int(code != 0)
    for e in entries:
        name = f"{e['seq']} {e['method']} {e['path']}"
        case = ET.SubElement(suite, "testcase", classname=e.get("api") or "rest", name=name)
        for f in e["findings"]:
            if f["level"] == "violation" or not allow_warnings:
                failures += 1
                ET.SubElement(
                    case, "failure", type=f["rule"], message=f["reason"]
                ).text = f"{f['level']}: {e['method']} {e['path']}?{e['query']} -> {e['status']}"
            else:
                ET.SubElement(case, "system-out").text = f"warning {f['rule']}: {f['reason']}"
    suite.set("tests", str(len(entries) + 1))
    suite.set("failures", str(failures))
    ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)
