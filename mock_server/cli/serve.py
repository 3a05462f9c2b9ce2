"""Serving the mock from one process with granian (measured fastest here; README, "Serving")."""

from __future__ import annotations

import dataclasses
import errno
import gc
import json
import logging
import os
import signal
import socket
import sys
from multiprocessing.util import Finalize
from pathlib import Path
from typing import Any, TextIO

from flask import Flask

from mock_server.cli.rsgi_bridge import RsgiBridge
from mock_server.config import MockConfig
from mock_server.package_data import default_fixtures_path
from mock_server.state.fixtures import FixtureError, load_fixtures
from mock_server.state.model import DeletionPolicy
from mock_server.state.persist import StateFile, StateFileError
from mock_server.tooling.faults import FaultRules

_ENV = "ZSTACK_MOCK_CONFIG"


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


def app_from_env() -> RsgiBridge:
    """The granian worker's factory: the config travels in an environment variable."""
    from mock_server.app import create_app
    from mock_server.runtime import MockRuntime

    _die_with_parent()
    # the worker inherits granian's main-process handlers, which only set a flag there: a SIGTERM
    # before granian installs the worker's own (after this factory) would be lost, and the main
    # process would wait for this worker forever; until then, a stop signal simply ends it
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    config = _from_env(os.environ[_ENV])
    if config.access_log:
        _log_access(config.log_format)
    app = create_app(config)
    # granian's worker is a multiprocessing child: its exit runs Finalize callbacks, not atexit
    Finalize(app, _close_state, args=(app,), exitpriority=10)
    # the store is many small long-lived objects: never scan what start-up built (full
    # collections over a large store showed up as 100 ms+ p99 spikes in `make bench`), and keep
    # the young generations small, so that no collection stalls long: (5,000, 10, 100) against
    # (50,000, 50, 100), AddImage and QueryImage at 32 connections while the store grows, 4
    # alternating rounds: +4-10% req/s and p99 13-32 ms against 22-90 ms
    gc.collect()
    gc.freeze()
    gc.set_threshold(5_000, 10, 100)
    # the socket listens (granian's main process bound it) and the app is built: say so now, so a
    # client or the gate that waits for this line finds a mock that answers
    print(
        f"zstack-mock: serving ZStack image APIs at "
        f"http://{config.host}:{config.port}{config.context_path}/v1 "
        f"(deletion policy {config.deletion_policy.value}, job delay {config.job_delay:g}s); "
        f"dashboard http://{config.host}:{config.port}/_mock/ui",
        file=sys.stderr,
        flush=True,
    )
    rt: MockRuntime = app.extensions["zstack"]
    # the fault rules outlive a reset, so the bridge may ask this object for the app's lifetime
    return RsgiBridge(app.wsgi_app, config.max_body, rt.faults.may_sleep)


def _from_env(text: str) -> MockConfig:
    """The config `_to_env` wrote, read back."""
    data = json.loads(text)
    data["fixtures"] = Path(data["fixtures"]) if data["fixtures"] else None
    data["state_file"] = Path(data["state_file"]) if data["state_file"] else None
    data["deletion_policy"] = DeletionPolicy(data["deletion_policy"])
    data["cors_origins"] = tuple(data["cors_origins"])
    data["webhook_allow"] = tuple(data["webhook_allow"])
    return MockConfig(**data)


def _log_access(log_format: str) -> None:
    """The request log on stderr, one line per request (text or JSON lines)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(message)s" if log_format == "json" else "%(asctime)s %(message)s")
    )
    access = logging.getLogger("zstack_mock.access")
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    access.propagate = False


def _close_state(app: Flask) -> None:
    """A clean stop checkpoints the state file, so no -wal or -shm file is left beside it."""
    state_file = app.extensions["zstack"].store.state_file
    if state_file is not None:
        state_file.close()


def serve(config: MockConfig, err: TextIO) -> int:
    """Check the fixtures, then serve until SIGTERM or Ctrl-C."""
    try:
        load_fixtures(config.fixtures or default_fixtures_path())
        if config.state_file is not None:
            state = StateFile(config.state_file)  # refuses a file it must not overwrite
            try:
                state.load([FaultRules()])
            finally:
                state.close()
    except (FixtureError, StateFileError) as e:
        print(f"zstack-mock: cannot start: {e}", file=err)
        return 2
    # one worker: the state lives in that one process; several would split it
    os.environ[_ENV] = _to_env(config)
    server = _exclusive_server()(
        "mock_server.cli.serve:app_from_env",
        address=config.host,
        port=config.port,
        factory=True,
        **granian_settings(),
    )
    try:
        server.serve()
    except PortInUse as e:
        print(f"zstack-mock: cannot start: {e}", file=err)
        return 2
    return 0


def granian_settings() -> dict[str, Any]:
    """How granian serves the mock (`make bench` serves its bare Flask ceiling the same way)."""
    from granian.constants import Interfaces, Loops, TaskImpl
    from granian.log import LogLevels

    return {
        # bodies are read on the event loop, the app runs on its thread (cli/rsgi_bridge.py)
        "interface": Interfaces.RSGI,
        "workers": 1,
        "websockets": False,
        # asyncio's own loop, even where uvloop is installed: under uvloop a stop signal that
        # arrives before the loop runs was lost and the worker never stopped (measured)
        "loop": Loops.asyncio,
        # granian's Rust task implementation: fewer loop round trips per request (measured on
        # Python 3.11; granian calls it experimental, and on 3.12+ it falls back to asyncio's)
        "task_impl": TaskImpl.rust,
        "log_access": False,
        # our own line says we started
        "log_level": LogLevels.error,
    }


class PortInUse(Exception):
    """The address cannot be bound (in use, or not ours to bind)."""


def listening_socket(host: str, port: int, backlog: int) -> socket.socket:
    """A listening socket without SO_REUSEPORT, so a port in use fails instead of being shared."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        # SO_REUSEADDR (set by create_server) only reuses TIME_WAIT ports, never a listening one
        sock = socket.create_server((host, port), family=family, backlog=backlog, reuse_port=False)
    except OSError as e:
        reason = "it is in use" if e.errno == errno.EADDRINUSE else e.strerror or str(e)
        raise PortInUse(f"cannot listen on {host} port {port}: {reason}") from None
    # as granian's own listener: accepted connections inherit TCP_NODELAY (without it a
    # keep-alive client waits ~40 ms for each answer, measured: Nagle against delayed ACKs)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _exclusive_server() -> type[Any]:
    """Granian's server, listening on a socket we bind ourselves.

    granian 2.8's own listener (ListenerSpec) sets SO_REUSEPORT, so a second mock on a busy port
    would share it and answer half the requests from another state.
    """
    from granian._granian import SocketHolder
    from granian.server import MPServer  # granian's server on a GIL build (Python 3.11)

    class ExclusiveGranian(MPServer):
        def _init_shared_socket(self) -> None:
            sock = listening_socket(self.bind_addr, self.bind_port, self.backlog)
            sock.set_inheritable(True)
            # what granian's own non-Linux path does: the worker serves this inherited socket
            self._ssp = None
            # SocketHolder(fd, is_uds, backlog), as granian pickles it; its stub omits __new__
            holder = SocketHolder(sock.fileno(), False, self.backlog)  # type: ignore[call-arg]
            # granian declares these None-typed; they hold the socket, as in its own code
            self._shd = holder  # type: ignore[assignment]
            self._sfd = sock.fileno()  # type: ignore[assignment]
            self._sso = sock

    return ExclusiveGranian
