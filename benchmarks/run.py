"""`make bench`: the mock's speed side by side with Prism and a bare Flask ceiling, and its scale.

Also the validation cost and the contract suite's quick profile; a table and JSON results.

Throughput is reported as ratios measured in the same run (this machine is shared and noisy);
latency percentiles and memory are absolute, with the machine they were measured on.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
PRISM_DIR = HERE / ".prism"
PRISM = PRISM_DIR / "node_modules" / ".bin" / "prism"
PY = sys.executable
DURATION = int(os.environ.get("BENCH_SECONDS", "3"))
CONNECTIONS = (1, 8, 32)
BS = "c340364aad7b4130a12e641afe3a968f"
IMAGES = "/zstack/v1/images"
ADD = {
    "params": {
        "name": "s",
        "url": "http://x/y.qcow2",
        "format": "qcow2",
        "backupStorageUuids": [BS],
    }
}
EXPUNGE: dict[str, dict[str, str]] = {"expungeImage": {}}
JSON = Any


# -- setup -------------------------------------------------------------------------------------


def ensure_tools() -> None:
    """Install wrk (Debian's package) and Prism (the npm registry) on first use."""
    if shutil.which("wrk") is None:
        print("installing wrk (apt-get) ...", flush=True)
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "wrk"],
            check=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    if not PRISM.exists():
        print("installing @stoplight/prism-cli@5.14.2 (npm) ...", flush=True)
        PRISM_DIR.mkdir(exist_ok=True)
        subprocess.run(
            [
                "npm",
                "install",
                "--prefix",
                str(PRISM_DIR),
                "--no-audit",
                "--no-fund",
                "@stoplight/prism-cli@5.14.2",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_up(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
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


def start(cmd: list[str], probe: str) -> subprocess.Popen[bytes]:
    log = RESULTS / "scratch" / f"server-{probe.split(':')[2].split('/')[0]}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=log.open("wb"), start_new_session=True
    )
    wait_up(probe, proc)
    return proc


def stop(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)


# -- load --------------------------------------------------------------------------------------


def lua(method: str, body: JSON, headers: dict[str, str]) -> Path:
    """A wrk script that sends one request shape."""
    lines = [f'wrk.method = "{method}"']
    if body is not None:
        lines.append(f"wrk.body = [[{json.dumps(body)}]]")
    for k, v in {"Content-Type": "application/json", **headers}.items():
        lines.append(f'wrk.headers["{k}"] = "{v}"')
    path = RESULTS / "scratch" / f"{hashlib.md5(str(lines).encode()).hexdigest()}.lua"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def _ms(text: str) -> float:
    value, unit = float(re.match(r"[\d.]+", text).group()), re.sub(r"[\d.]+", "", text)  # type: ignore[union-attr]
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(url: str, script: Path, connections: int) -> dict[str, float]:
    done = subprocess.run(
        [
            "wrk",
            f"-t{min(2, connections)}",
            f"-c{connections}",
            f"-d{DURATION}s",
            "--latency",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed on {url}: {done.stdout}{done.stderr}")
    out = done.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    pct = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    total = re.search(r"(\d+) requests in", out)
    return {
        "rps": rps,
        "p50_ms": _ms(pct["50"]),
        "p99_ms": _ms(pct["99"]),
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "requests": int(total.group(1)) if total else 0,
    }


def operations(
    base: str, session: str, image: str, deleted: str, job: str
) -> dict[str, tuple[str, str, JSON]]:
    auth = {"Authorization": f"OAuth {session}"}
    pw = hashlib.sha512(b"password").hexdigest()
    add = {
        "params": {
            "name": "bench",
            "url": "http://x/y.qcow2",
            "format": "qcow2",
            "backupStorageUuids": [BS],
        }
    }
    return {
        "LogInByAccount": (
            "PUT",
            f"{base}/zstack/v1/accounts/login",
            ({"logInByAccount": {"accountName": "admin", "password": pw}}, {}),
        ),
        "QueryImage by uuid": ("GET", f"{base}/zstack/v1/images/{image}", (None, auth)),
        "AddImage submit": ("POST", f"{base}/zstack/v1/images", (add, auth)),
        "job poll": ("GET", f"{base}/zstack/v1/api-jobs/{job}", (None, {})),
        "DeleteImage": ("DELETE", f"{base}/zstack/v1/images/{deleted}", (None, auth)),
        "ExpungeImage": (
            "PUT",
            f"{base}/zstack/v1/images/{image}/actions",
            ({"expungeImage": {}}, auth),
        ),
    }


def prepare(base: str) -> tuple[str, str, str, str]:
    pw = hashlib.sha512(b"password").hexdigest()
    session = requests.put(
        f"{base}/zstack/v1/accounts/login",
        json={"logInByAccount": {"accountName": "admin", "password": pw}},
    ).json()["inventory"]["uuid"]
    auth = {"Authorization": f"OAuth {session}"}
    params = {
        "name": "bench",
        "url": "http://x/y.qcow2",
        "format": "qcow2",
        "backupStorageUuids": [BS],
    }
    images = []
    job = ""
    for _ in range(2):
        rsp = requests.post(f"{base}/zstack/v1/images", json={"params": params}, headers=auth)
        job = rsp.json()["location"].rsplit("/", 1)[1]
        images.append(requests.get(rsp.json()["location"]).json()["inventory"]["uuid"])
    requests.delete(f"{base}/zstack/v1/images/{images[1]}", headers=auth)
    return session, images[0], images[1], job


def prism_spec() -> Path:
    """Our spec for Prism, less one character Prism 5.14 cannot put in a header.

    Prism crashes when it reports a violation of a pattern holding a non-ASCII character (the
    Timestamp's narrow no-break space) in its `sl-violations` header.
    """
    text = (ROOT / "spec" / "zstack-image.yaml").read_text(encoding="utf-8").replace("\\u202f", "")
    path = RESULTS / "scratch" / "prism-spec.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def load_runs() -> dict[str, JSON]:
    mock_port, ceil_port, prism_port = free_port(), free_port(), free_port()
    procs = [
        start(
            [
                PY,
                "-m",
                "mock_server",
                "serve",
                "--port",
                str(mock_port),
                "--quiet",
                "--max-sessions",
                "100000000",
            ],
            f"http://127.0.0.1:{mock_port}/_mock/jobs",
        ),
        start(
            [
                PY,
                "-m",
                "granian",
                "--interface",
                "wsgi",
                "--workers",
                "1",
                "--port",
                str(ceil_port),
                "--log-level",
                "error",
                "benchmarks.ceiling:app",
            ],
            f"http://127.0.0.1:{ceil_port}/ping",
        ),
        start(
            [str(PRISM), "mock", "-v", "error", "-p", str(prism_port), str(prism_spec())],
            f"http://127.0.0.1:{prism_port}/zstack/v1/api-jobs/x",
        ),
    ]
    try:
        mock = f"http://127.0.0.1:{mock_port}"
        ids = prepare(mock)
        results: dict[str, JSON] = {"mock": {}, "prism": {}, "ceiling": {}}
        for c in CONNECTIONS:
            results["ceiling"][str(c)] = wrk(
                f"http://127.0.0.1:{ceil_port}/ping", lua("GET", None, {}), c
            )
        for target, base in (("mock", mock), ("prism", f"http://127.0.0.1:{prism_port}")):
            for name, (method, url, (body, headers)) in operations(base, *ids).items():
                for c in CONNECTIONS:
                    results[target].setdefault(name, {})[str(c)] = wrk(
                        url, lua(method, body, headers), c
                    )
        return results
    finally:
        for p in procs:
            stop(p)


# -- in-process measurements ---------------------------------------------------------------------


def scale() -> dict[str, JSON]:
    """Per-operation cost with 100, 10,000 and 100,000 images present, and memory per image."""
    from mock_server.app import create_app
    from mock_server.state.images import simulated_download
    from mock_server.state.model import Image, ImageStatus

    def seed(store: Any, n: int) -> None:
        size, actual, md5 = simulated_download("http://x/y.qcow2", "qcow2")
        for _ in range(n):
            uuid = store.ids.uuid()
            image = Image(
                uuid=uuid,
                name="seed",
                url="http://x/y.qcow2",
                media_type="RootVolumeTemplate",
                format="qcow2",
                status=ImageStatus.READY,
                create_date=0.0,
                last_op_date=0.0,
                size=size,
                actual_size=actual,
                md5_sum=md5,
                platform="Linux",
                guest_os_type="Linux",
                architecture="x86_64",
            )
            store.images.seed_image(image, [BS, "06ccc8e0322a4cd3ae5555d9d88451de"])

    out: dict[str, JSON] = {}
    for n in (100, 10_000, 100_000):
        app = create_app()
        store = app.extensions["zstack"].store
        seed(store, n)
        client = app.test_client()
        pw = hashlib.sha512(b"password").hexdigest()
        session = client.put(  # type: ignore[index]
            "/zstack/v1/accounts/login",
            json={"logInByAccount": {"accountName": "admin", "password": pw}},
        ).json["inventory"]["uuid"]
        auth = {"Authorization": f"OAuth {session}"}
        targets = list(store.images.images)[:300]

        def timed(fn: Any, items: list[Any]) -> float:
            samples = []
            for item in items:
                t = time.perf_counter()
                fn(item)
                samples.append(time.perf_counter() - t)
            return statistics.median(samples) * 1e6

        c, h = client, auth
        out[str(n)] = {
            "add_us": timed(
                lambda _, c=c, h=h: c.post(IMAGES, json=ADD, headers=h),
                list(range(300)),
            ),
            "query_by_uuid_us": timed(
                lambda u, c=c, h=h: c.get(f"{IMAGES}/{u}", headers=h), targets
            ),
            "delete_us": timed(lambda u, c=c, h=h: c.delete(f"{IMAGES}/{u}", headers=h), targets),
            "expunge_us": timed(
                lambda u, c=c, h=h: c.put(f"{IMAGES}/{u}/actions", json=EXPUNGE, headers=h), targets
            ),
        }
    app = create_app()
    store = app.extensions["zstack"].store
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    seed(store, 20_000)
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    grown = sum(s.size_diff for s in after.compare_to(before, "filename"))
    out["bytes_per_image"] = grown / 20_000
    return out


def validation_cost() -> dict[str, float]:
    from benchmarks import validation_cost as vc
    from mock_server.zstack import validation
    from mock_server.zstack.api_chain import Apis
    from mock_server.zstack.spec import Spec

    spec = Spec.load()
    schema = Apis(spec).schemas["AddImage"]
    raw = json.dumps(vc.BODY).encode()

    def ours() -> None:
        message = validation.read_message(schema, json.loads(raw)["params"])
        validation.check_params(schema, message, lambda vo, uuid: True)

    return {"mock_checks_us": vc.per_call_us(ours)}


def contract_suite_seconds() -> float:
    t = time.perf_counter()
    subprocess.run(
        [PY, "-m", "pytest", "contract_tests", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - t


# -- report ------------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "system": platform.platform(),
    }


def report(data: dict[str, JSON]) -> None:
    load = data["load"]
    print(
        f"\nmachine: {data['machine']['cpu']}, {data['machine']['cores']} cores; "
        f"{DURATION}s per run with wrk\n"
    )
    print(
        f"{'operation':<20} {'conns':>5} {'mock req/s':>11} {'vs Prism':>9} {'vs ceiling':>10} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'non-2xx':>8}"
    )
    for name, by_conn in load["mock"].items():
        for c, m in by_conn.items():
            prism = load["prism"][name][c]["rps"]
            ceiling = load["ceiling"][c]["rps"]
            print(
                f"{name:<20} {c:>5} {m['rps']:>11.0f} {m['rps'] / prism:>8.2f}x "
                f"{m['rps'] / ceiling:>9.2f}x "
                f"{m['p50_ms']:>7.2f} {m['p99_ms']:>7.2f} {m['non2xx']:>8}"
            )
    print("\nscale (in-process, median µs per request):")
    for n in ("100", "10000", "100000"):
        row = data["scale"][n]
        print(f"  {n:>7} images: " + ", ".join(f"{k} {v:.0f}" for k, v in row.items()))
    base, big = data["scale"]["100"], data["scale"]["100000"]
    print("  100k / 100: " + ", ".join(f"{k} {big[k] / base[k]:.2f}x" for k in base))
    print(f"  memory per image (2 refs): {data['scale']['bytes_per_image'] / 1024:.2f} KiB")
    print(f"validation per AddImage request: {data['validation']['mock_checks_us']:.1f} µs")
    print(
        f"contract suite, quick profile, against the mock: {data['contract_suite_seconds']:.1f} s"
    )


def main() -> None:
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    RESULTS.mkdir(exist_ok=True)
    ensure_tools()
    data: dict[str, JSON] = {
        "when": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": machine(),
        "seconds_per_run": DURATION,
    }
    when = str(data["when"])
    data["load"] = load_runs()
    data["scale"] = scale()
    data["validation"] = validation_cost()
    data["contract_suite_seconds"] = contract_suite_seconds()
    path = RESULTS / f"bench-{when.replace(':', '')}.json"
    path.write_text(json.dumps(data, indent=2))
    report(data)
    print(f"\nresults: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
