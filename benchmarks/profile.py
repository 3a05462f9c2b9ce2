"""The mock's per-request cost, in-process, split by what it is spent on.

Run: .venv/bin/python benchmarks/profile.py [--requests N] [--json PATH]

Each operation is sent N times straight into the app's WSGI callable (no HTTP server, no
client library: one prebuilt environ per request shape), first timed without a profiler, then
under cProfile. The profile's self times are grouped as issue 12 lists them; time spent in the
standard library or in builtins (json, re, hashlib, dict methods) is charged to whoever called
it, in proportion to the time each caller spent there. The table shows the timed µs per request
split by the profiled shares (cProfile's own overhead inflates every call alike, so its shares,
not its absolute figures, are what it tells). Writes `benchmarks/results/profile-<date>.md` and
the same figures as JSON.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import io
import json
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zstack_spec.json_types import JSON

HERE = Path(__file__).resolve().parent
# Run as a script, this file's folder leads sys.path and this module would stand in for the
# standard library's `profile`, which cProfile imports.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
import cProfile  # noqa: E402
import pstats  # noqa: E402

ROOT = HERE.parent
RESULTS = HERE / "results"
BS = "c340364aad7b4130a12e641afe3a968f"
PASSWORD = hashlib.sha512(b"password").hexdigest()
ADD_PARAMS = {
    "name": "bench",
    "url": "http://x/y.qcow2",
    "format": "qcow2",
    "backupStorageUuids": [BS],
}
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

# (group, path fragments): the first group whose fragment is in a function's file owns its self
# time. Old and new module layouts are both listed, so the table stays comparable across them.
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("CORS", ("mock_server/cors.py", "mock_server/tooling/cors.py")),
    ("logging", ("mock_server/request_log.py", "mock_server/tooling/request_log.py",
                 "/logging/")),
    ("journal and verdict", ("journal.py", "verdict.py", "redact.py", "faults.py")),
    ("response encoding", ("mock_server/wire.py", "mock_server/zstack/encoding.py",
                           "json/encoder.py")),
    ("JSON parsing and Gson emulation", ("gson.py", "gson_reader.py", "javamap.py",
                                         "json/decoder.py", "json/__init__.py")),
    ("validation", ("validation.py",)),
    ("store and lock", ("mock_server/state/", "threading.py")),
    ("mock's routes and API chain", ("mock_server/",)),
    ("routing and request objects (Flask, werkzeug)", ("/flask/", "/werkzeug/")),
)  # fmt: skip
OTHER = "other"
ORDER = [g for g, _ in GROUPS] + [OTHER]


def own_group(filename: str) -> str | None:
    """The group a function's own time belongs to, or None: charge it to its callers."""
    path = filename.replace("\\", "/")
    for group, fragments in GROUPS:
        if any(f in path for f in fragments):
            return group
    if "/site-packages/" in path:
        return OTHER  # another library: its own line
    return None  # the standard library, builtins ("~"): charged to the caller


def grouped(stats: dict[Any, Any]) -> dict[str, float]:
    """Seconds per group, from pstats' raw table {func: (cc, nc, tt, ct, callers)}."""
    memo: dict[Any, dict[str, float]] = {}

    def shares(func: Any, seen: frozenset[Any]) -> dict[str, float]:
        if func in memo:
            return memo[func]
        group = own_group(func[0])
        if group is not None:
            return {group: 1.0}
        callers = stats[func][4] if func in stats else {}
        total = sum(entry[3] for entry in callers.values())
        if func in seen or total <= 0:
            return {OTHER: 1.0}
        out: dict[str, float] = {}
        for caller, entry in callers.items():
            for g, part in shares(caller, seen | {func}).items():
                out[g] = out.get(g, 0.0) + part * entry[3] / total
        memo[func] = out
        return out

    seconds: dict[str, float] = dict.fromkeys(ORDER, 0.0)
    for func, (_, _, tt, _, _) in stats.items():
        for g, part in shares(func, frozenset()).items():
            seconds[g] += tt * part
    return seconds


# -- request shapes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """One request, as an environ to copy and a body to send."""

    environ: dict[str, Any]
    body: bytes

    def call(self, app: WsgiApp) -> tuple[str, bytes]:
        env = dict(self.environ)
        env["wsgi.input"] = io.BytesIO(self.body)
        status: list[str] = []
        out = b"".join(app(env, lambda s, h, exc=None: status.append(s)))
        return status[0], out


def shape(
    method: str, path: str, body: JSON = None, headers: dict[str, str] | None = None
) -> Shape:
    from werkzeug.test import EnvironBuilder

    data = b"" if body is None else json.dumps(body).encode()
    hdrs = dict(headers or {})
    if body is not None:
        hdrs["Content-Type"] = "application/json"
    builder = EnvironBuilder(
        path=path,
        method=method,
        headers=list(hdrs.items()),
        data=data,
        base_url="http://127.0.0.1:8080",
    )
    env = builder.get_environ()
    builder.close()
    env.pop("wsgi.input", None)
    return Shape(env, data)


def new_app() -> WsgiApp:
    from mock_server.app import create_app
    from mock_server.config import MockConfig

    app = create_app(MockConfig(max_sessions=100_000_000))
    wsgi: WsgiApp = app.wsgi_app
    return wsgi


def ceiling_app() -> WsgiApp:
    sys.path.insert(0, str(ROOT))
    from benchmarks.ceiling import app

    wsgi: WsgiApp = app.wsgi_app
    return wsgi


def _json(app: WsgiApp, s: Shape) -> JSON:
    status, body = s.call(app)
    if not status.startswith(("200", "202")):
        raise RuntimeError(f"setup request failed: {status} {body[:200]!r}")
    return json.loads(body)


def operations(app: WsgiApp, n: int) -> dict[str, list[Shape]]:
    """Each operation's n requests.

    The same shape repeated, or n fresh targets where the operation consumes its target
    (DeleteImage, ExpungeImage and RecoverImage each get their own images). The image actions
    are the ones `make bench` serves (benchmarks/run.py OPERATIONS, which says why these).
    """
    images = "/zstack/v1/images"
    login = shape(
        "PUT",
        "/zstack/v1/accounts/login",
        {"logInByAccount": {"accountName": "admin", "password": PASSWORD}},
    )
    session = _json(app, login)["inventory"]["uuid"]
    auth = {"Authorization": f"OAuth {session}"}
    add = shape("POST", images, {"params": ADD_PARAMS}, auth)

    def new_image() -> tuple[str, str]:
        job = _json(app, add)["location"].rsplit("/", 1)[1]
        done = _json(app, shape("GET", f"/zstack/v1/api-jobs/{job}"))
        return done["inventory"]["uuid"], job

    image, job = new_image()
    acted_on = new_image()[0]
    to_delete = [new_image()[0] for _ in range(n)]
    to_expunge = [new_image()[0] for _ in range(n)]
    to_recover = [new_image()[0] for _ in range(n)]
    for uuid in to_expunge + to_recover:
        shape("DELETE", f"{images}/{uuid}", None, auth).call(app)

    def action(uuid: str, body: JSON) -> Shape:
        return shape("PUT", f"{images}/{uuid}/actions", body, auth)

    return {
        "LogInByAccount": [login] * n,
        "QueryImage by uuid": [shape("GET", f"{images}/{image}", None, auth)] * n,
        "AddImage submit": [add] * n,
        "job poll": [shape("GET", f"/zstack/v1/api-jobs/{job}")] * n,
        "DeleteImage": [shape("DELETE", f"{images}/{u}", None, auth) for u in to_delete],
        "ExpungeImage": [action(u, {"expungeImage": {}}) for u in to_expunge],
        "UpdateImage": [action(acted_on, {"updateImage": {"name": "bench"}})] * n,
        "ChangeImageState": [action(acted_on, {"changeImageState": {"stateEvent": "enable"}})] * n,
        "RecoverImage": [action(u, {"recoverImage": {}}) for u in to_recover],
        "SyncImageSize": [action(acted_on, {"syncImageSize": {}})] * n,
    }


def timed_us(app: WsgiApp, shapes: list[Shape]) -> float:
    """CPU µs per request: the fastest of ten slices of the list.

    CPU time of this process, not wall time, and the fastest slice: what other processes on a
    shared machine do moves both far less than it moves a wall-clock median.
    """
    samples = []
    k = max(1, len(shapes) // 10)
    for i in range(0, len(shapes) - k + 1, k):
        t = time.process_time()
        for s in shapes[i : i + k]:
            s.call(app)
        samples.append((time.process_time() - t) / k * 1e6)
    return min(samples)


def profiled(app: WsgiApp, shapes: list[Shape]) -> dict[str, float]:
    """Share of each group in the profiled run (fractions summing to 1)."""
    prof = cProfile.Profile()
    prof.enable()
    for s in shapes:
        s.call(app)
    prof.disable()
    seconds = grouped(pstats.Stats(prof).stats)  # type: ignore[attr-defined]
    total = sum(seconds.values()) or 1.0
    return {g: v / total for g, v in seconds.items()}


def measure(n: int) -> dict[str, JSON]:
    """µs per request and its split, for each operation and the bare Flask ceiling."""
    out: dict[str, JSON] = {}
    # two apps of the same build, each with its own fresh targets: one timed, one profiled
    timing_app, profiled_app = new_app(), new_app()
    timing_ops, profiled_ops = operations(timing_app, n), operations(profiled_app, n)
    ceiling = ceiling_app()
    ping = [shape("GET", "/ping")] * n
    for name in timing_ops:
        us = timed_us(timing_app, timing_ops[name])
        split = profiled(profiled_app, profiled_ops[name])
        out[name] = {"us": us, "split_us": {g: us * f for g, f in split.items()}}
    timed_us(ceiling, ping)  # warm
    us = timed_us(ceiling, ping)
    out["ceiling (bare Flask)"] = {
        "us": us,
        "split_us": {g: us * f for g, f in profiled(ceiling, ping).items()},
    }
    return out


def table(data: dict[str, JSON]) -> str:
    short = {g: g.split(" (")[0] for g in ORDER}
    cols = [g for g in ORDER if any(d["split_us"].get(g, 0) >= 0.05 for d in data.values())]
    head = "| operation | µs/request | " + " | ".join(short[g] for g in cols) + " |"
    rule = "|---|---:|" + "---:|" * len(cols)
    rows = [
        f"| {name} | {d['us']:.0f} | "
        + " | ".join(f"{d['split_us'].get(g, 0.0):.1f}" for g in cols)
        + " |"
        for name, d in data.items()
    ]
    return "\n".join([head, rule, *rows])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per operation")
    parser.add_argument("--out", type=Path, default=None, help="markdown file to write")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    data = measure(args.requests)
    when = datetime.datetime.now().isoformat(timespec="seconds")
    text = table(data)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    out = args.out or RESULTS / f"profile-{when[:10]}.md"
    out.write_text(
        f"# Per-request profile, {when}\n\n"
        f"`benchmarks/profile.py --requests {args.requests}`: in-process (the app's WSGI"
        " callable, no HTTP server), CPU µs per request (the fastest tenth), split by cProfile's"
        " shares; standard-library and builtin time is charged to its caller.\n\n"
        f"{text}\n",
        encoding="utf-8",
    )
    out.with_suffix(".json").write_text(json.dumps({"when": when, "operations": data}, indent=2))
    print(f"\nwritten: {out} (and .json)")


if __name__ == "__main__":
    main()
