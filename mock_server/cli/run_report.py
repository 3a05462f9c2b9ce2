"""The gate's verdict: a table of every finding with its request body and reason, and JUnit XML."""

from __future__ import annotations

import argparse
import signal
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any, TextIO

JSON = Any
LEVELS = ("violation", "warning")
# the request body shown under a finding in the table (JUnit carries the journal's whole body)
TABLE_BODY = 300


def _request(e: JSON) -> str:
    query = f"?{e['query']}" if e["query"] else ""
    return f"{e['method']} {e['path']}{query} -> {e['status']}"


def _one_line(body: str, limit: int) -> str:
    flat = " ".join(body.split())
    return flat if len(flat) <= limit else f"{flat[:limit]}…"


def _unlisted(journal: JSON) -> dict[str, int]:
    """Findings the run counted whose entries the journal no longer holds, by level."""
    listed = Counter(f["level"] for e in journal["entries"] for f in e["findings"])
    return {level: max(0, journal["findings"][level] - listed[level]) for level in LEVELS}


def _count(n: int, noun: str) -> str:
    """`1 violation`, `2 violations`: the noun agrees with its count."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _command_outcome(code: int, signum: int | None) -> str:
    if signum is not None:
        return f"the gate was stopped by {signal.Signals(signum).name}"
    return f"the command exited {code}"


def report(
    journal: JSON,
    code: int,
    command: list[str],
    args: argparse.Namespace,
    out: TextIO,
    signum: int | None,
) -> int:
    """Print the verdict and write the JUnit report; return 0 (passed), 1, or the command's code."""
    entries: list[JSON] = journal["entries"]
    counts = journal["findings"]
    requests, violations, warnings = journal["runTotal"], counts["violation"], counts["warning"]
    print(
        f"\nzstack-mock run: {_count(requests, 'request')}, {_count(violations, 'violation')}, "
        f"{_count(warnings, 'warning')}; {_command_outcome(code, signum)}",
        file=out,
    )
    flagged = [e for e in entries if e["findings"]]
    if flagged:
        print(f"{'level':<10} {'rule':<18} {'request':<48} reason", file=out)
        for e in flagged:
            for f in e["findings"]:
                print(f"{f['level']:<10} {f['rule']:<18} {_request(e):<48} {f['reason']}", file=out)
            if e["requestBody"]:
                print(f"{'':<10} request body: {_one_line(e['requestBody'], TABLE_BODY)}", file=out)
    unlisted = _unlisted(journal)
    if any(unlisted.values()):
        print(
            f"zstack-mock run: {_count(unlisted['violation'], 'violation')} and "
            f"{_count(unlisted['warning'], 'warning')} are counted but not listed: their "
            "requests fell out of the journal or it was cleared",
            file=out,
        )
    silent = requests == 0 and not args.allow_no_requests
    if silent:
        print(
            "zstack-mock run: the command made no request to the mock: a client that never "
            "reached it (a wrong URL, skipped tests) does not pass; read ZSTACK_URL, or pass "
            "--allow-no-requests",
            file=out,
        )
    if args.report:
        _write_junit(args.report, journal, code, command, args, signum)
    failed = (
        code != 0
        or signum is not None
        or silent
        or violations > 0
        or (warnings > 0 and not args.allow_warnings)
    )
    print("zstack-mock run: " + ("FAILED" if failed else "passed"), file=out)
    return code if code != 0 else (1 if failed else 0)


def _write_junit(
    path: Path,
    journal: JSON,
    code: int,
    command: list[str],
    args: argparse.Namespace,
    signum: int | None,
) -> None:
    entries: list[JSON] = journal["entries"]
    suite = ET.Element("testsuite", name="zstack-mock contract gate")
    case = ET.SubElement(suite, "testcase", classname="client", name=" ".join(command))
    failures = 0
    if code != 0 or signum is not None:
        failures += 1
        ET.SubElement(case, "failure", message=_command_outcome(code, signum))
    if journal["runTotal"] == 0 and not args.allow_no_requests:
        failures += 1
        ET.SubElement(case, "failure", message="the command made no request to the mock")
    for e in entries:
        name = f"{e['seq']} {e['method']} {e['path']}" + (f"?{e['query']}" if e["query"] else "")
        case = ET.SubElement(suite, "testcase", classname=e.get("api") or "rest", name=name)
        for f in e["findings"]:
            text = f"{f['level']}: {_request(e)}\nreason: {f['reason']}\n"
            text += f"request body:\n{e['requestBody']}" if e["requestBody"] else "no request body"
            if f["level"] == "violation" or not args.allow_warnings:
                failures += 1
                ET.SubElement(case, "failure", type=f["rule"], message=f["reason"]).text = text
            else:
                ET.SubElement(case, "system-out").text = f"warning {f['rule']}: {text}"
    unlisted = _unlisted(journal)
    tests = len(entries) + 1
    if any(unlisted.values()):
        tests += 1
        case = ET.SubElement(suite, "testcase", classname="client", name="unlisted findings")
        message = (
            f"{_count(unlisted['violation'], 'violation')} and "
            f"{_count(unlisted['warning'], 'warning')} fell out of the journal"
        )
        if unlisted["violation"] or not args.allow_warnings:
            failures += 1
            ET.SubElement(case, "failure", message=message)
        else:
            ET.SubElement(case, "system-out").text = message
    suite.set("tests", str(tests))
    suite.set("failures", str(failures))
    ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)
