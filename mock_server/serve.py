"""Serving the mock from one process with granian (measured fastest here; README, "Serving")."""

from __future__ import annotations

import dataclasses
import gc
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import TextIO

from flask import Flask

from mock_server.config import MockConfig
from mock_server.resources import default_fixtures_path
from mock_server.state.fixtures import FixtureError, load_fixtures
from mock_server.state.model import DeletionPolicy
from mock_server.state.persist import StateFile, StateFileError

_ENV = "ZSTACK_MOCK_CONFIG"
# how many requests the served mock works on at once (README, "Limits")
BLOCKING_THREADS = 64


def _to_env(config: MockConfig) -> str:
    data = {
        f.name: getattr(config, f.name) for f in dataclasses.fields(config) if f.name != "clock"
    }
    data["fixtures"] = str(config.fixtures) if config.fixtures else None
    data["state_file"] = str(config.state_file) if config.state_file else None
    data["deletion_policy"] = config.deletion_policy.value
    return json.dumps(data)


def _die_with_parent() -> None:
    """The worker exits when granian's main process dies, even by kill -9 (Linux prctl)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import ctypes.util

    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


def app_from_env() -> Flask:
    """The granian worker's factory: the config travels in an environment variable."""
    from mock_server.app import create_app

    _die_with_parent()
    data = json.loads(os.environ[_ENV])
    data["fixtures"] = Path(data["fixtures"]) if data["fixtures"] else None
    data["state_file"] = Path(data["state_file"]) if data["state_file"] else None
    data["deletion_policy"] = DeletionPolicy(data["deletion_policy"])
    data["cors_origins"] = tuple(data["cors_origins"])
    data["webhook_allow"] = tuple(data["webhook_allow"])
    config = MockConfig(**data)
    if config.access_log:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(
            "%(message)s" if config.log_format == "json" else "%(asctime)s %(message)s"
        ))  # fmt: skip
        access = logging.getLogger("zstack_mock.access")
        access.addHandler(handler)
        access.setLevel(logging.INFO)
        access.propagate = False
    app = create_app(config)
    # the store is many small long-lived objects: collect less often, and never scan what start-up
    # built (full collections over a large store showed up as 100 ms+ p99 spikes in `make bench`)
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)
    return app


def serve(config: MockConfig, err: TextIO) -> int:
    """Check the fixtures, then serve until SIGTERM or Ctrl-C."""
    try:
        load_fixtures(config.fixtures or default_fixtures_path())
        if config.state_file is not None:
            StateFile(config.state_file).close()  # refuses a file it must not overwrite
    except (FixtureError, StateFileError) as e:
        print(f"zstack-mock: cannot start: {e}", file=err)
        return 2
    from granian import Granian
    from granian.constants import Interfaces
    from granian.log import LogLevels

    os.environ[_ENV] = _to_env(config)
    print(
        f"zstack-mock: serving ZStack image APIs at http://{config.host}:{config.port}/zstack/v1 "
        f"(deletion policy {config.deletion_policy.value}, job delay {config.job_delay:g}s); "
        f"dashboard http://{config.host}:{config.port}/_mock/ui",
        file=err,
        flush=True,
    )
    # one worker: the state lives in that one process; several would split it
    Granian(
        "mock_server.serve:app_from_env",
        address=config.host,
        port=config.port,
        interface=Interfaces.WSGI,
        workers=1,
        # a WSGI thread waits while a slow client sends its body; enough threads that a few slow
        # clients cannot starve the rest (measured: 8 slow senders stalled 5 threads)
        blocking_threads=BLOCKING_THREADS,
        factory=True,
        log_access=False,
        # granian warns about that many threads on few cores; our own line says we started
        log_level=LogLevels.error,
    ).serve()
    return 0
