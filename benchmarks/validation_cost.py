"""Per-request cost of request validation, in-process: the mock's checks vs openapi-core.

Run: .venv/bin/python benchmarks/validation_cost.py
Prints microseconds per AddImage request for each path, measured side by side in one run.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable

from openapi_core import OpenAPI
from openapi_core.testing import MockRequest

from mock_server.zstack import validation
from mock_server.zstack.api_chain import Apis
from mock_server.zstack.spec import Spec

BODY = {
    "params": {
        "name": "TinyLinux",
        "url": "http://192.168.1.20/share/images/tinylinux.qcow2",
        "mediaType": "RootVolumeTemplate",
        "system": False,
        "format": "qcow2",
        "platform": "Linux",
        "backupStorageUuids": ["c340364aad7b4130a12e641afe3a968f"],
    },
    "systemTags": [],
    "userTags": [],
}


def per_call_us(fn: Callable[[], object], rounds: int = 7, calls: int = 2000) -> float:
    """Median over rounds of the mean time per call, in microseconds."""
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter() - start) / calls * 1e6)
    return statistics.median(samples)


def main() -> None:
    spec = Spec.load()
    apis = Apis(spec)
    schema = apis.schemas["AddImage"]
    openapi = OpenAPI.from_dict(spec.doc)
    raw = json.dumps(BODY).encode()
    headers = {"Authorization": "OAuth abc", "Content-Type": "application/json"}

    def ours() -> None:
        message = validation.read_message(schema, json.loads(raw)["params"])
        validation.check_params(schema, message, lambda vo, uuid: True)

    def openapi_core_full() -> None:
        request = MockRequest(
            "http://localhost",
            "post",
            "/zstack/v1/images",
            headers=headers,
            data=raw,
            content_type="application/json",
        )
        openapi.unmarshal_request(request)

    mine = per_call_us(ours)
    full = per_call_us(openapi_core_full, calls=300)
    print(f"{'validation path':<40} {'us/request':>10}")
    print(f"{'mock: read_message + check_params':<40} {mine:>10.1f}")
    print(f"{'openapi-core unmarshal_request':<40} {full:>10.1f}")
    print(f"ratio openapi-core / mock: {full / mine:.1f}x")


if __name__ == "__main__":
    main()
