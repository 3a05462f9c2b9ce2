"""Run the contract suite against one broken server: `python -m tests.broken_servers.prove`.

Usage: python -m tests.broken_servers.prove NAME CONFIG OUT.json, where NAME is a broken server's
name (or `none`, the faithful mock) and CONFIG a proof configuration. OUT.json gets the verdict.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.broken_servers import BY_NAME, NONE, PROOF_CONFIGS, BrokenServer
from tests.broken_servers.outcome import Outcome

# the broken servers are mocks: the opt-in backup storage changes are safe to make
SUITE_ARGS = [
    "--pyargs",
    "contract_tests",
    "-q",
    "-p",
    "no:cacheprovider",
    "-W",
    "ignore",
    "--hypothesis-seed=0",
    "--allow-backup-storage-changes",
    "yes",
]


def prove(name: str, config: str) -> dict[str, object]:
    broken = NONE if name == NONE.name else BY_NAME[name]
    outcome = Outcome(frozenset(broken.caught_by))
    server = BrokenServer(broken, PROOF_CONFIGS[config])
    started = time.monotonic()
    try:
        pytest.main([*SUITE_ARGS, "--target-url", server.url], plugins=[outcome])
        left = requests.get(f"{server.url}/_mock/state", timeout=10).json()
    finally:
        server.stop()
    return {
        "exit_status": outcome.exit_status,
        "failures": outcome.failures,
        "caught": outcome.caught,
        "seconds": round(time.monotonic() - started, 1),
        "left_images": len(left["images"]),
        "left_sessions": len(left["sessions"]),
    }


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[1] not in PROOF_CONFIGS:
        print(__doc__, file=sys.stderr)
        return 2
    name, config, out = argv
    Path(out).write_text(json.dumps(prove(name, config)), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
