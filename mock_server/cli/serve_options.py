"""The options `zstack-mock serve` and `run` share: how the mock is served and behaves."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from mock_server.config import DEFAULT_CONTEXT_PATH, normalize_context_path
from mock_server.state.model import DeletionPolicy
from mock_server.zstack.i18n import LANGUAGES


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 0 or value != value:
        raise argparse.ArgumentTypeError(f"must be 0 or more: {text!r}")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 < value < 65536:
        raise argparse.ArgumentTypeError(f"a port is 1-65535, not {value}")
    return value


def _context_path(text: str) -> str:
    """A servlet context path: `/zstack`, or `/` for the root; no query, fragment or space."""
    if not text.startswith("/") or any(c in text for c in "?#% \t\\"):
        raise argparse.ArgumentTypeError(
            f"a context path starts with / and is a plain path, e.g. /zstack or /, not {text!r}"
        )
    return normalize_context_path(text)


# the options `serve` and `run` share, in the order --help lists them (--port's default and
# help depend on the command)
SERVE_OPTIONS: tuple[tuple[str, dict[str, Any]], ...] = (
    (
        "--host",
        {"default": "127.0.0.1", "help": "address to bind; the default serves this machine only"},
    ),
    ("--port", {"type": _port}),
    (
        "--context-path",
        {
            "type": _context_path,
            "default": DEFAULT_CONTEXT_PATH,
            "metavar": "PATH",
            "help": "the context path the APIs are served under, as a ZStack deployment's servlet "
            "context: /zstack (a management node) or / (ZStack's test deployments); "
            "ZSTACK_URL stays the server root",
        },
    ),
    (
        "--locale",
        {
            "choices": list(LANGUAGES),
            "default": "raw",
            "help": "the language of every error detail ZStack translates: raw is the source text, "
            "en_US and zh_CN render ZStack's catalogues as a real ZStack with that `locale` global "
            "property does (a stock install: zh_CN)",
        },
    ),
    (
        "--job-delay",
        {
            "type": _non_negative,
            "default": 0.0,
            "metavar": "SECONDS",
            "help": "how long each async job runs before its result is ready; meanwhile "
            "an AddImage image is Downloading and a poll answers 202",
        },
    ),
    (
        "--deletion-policy",
        {
            "choices": [p.value for p in DeletionPolicy],
            "default": DeletionPolicy.DELAY.value,
            "help": "image.deletionPolicy: Delay keeps deleted images queryable as "
            "Deleted and expunges them after --expunge-period; Direct removes them "
            "at once; Never keeps them until ExpungeImage",
        },
    ),
    (
        "--expunge-period",
        {
            "type": _non_negative,
            "default": 259200.0,
            "metavar": "SECONDS",
            "help": "under Delay, how long a Deleted image waits before it is expunged",
        },
    ),
    (
        "--fixtures",
        {
            "type": Path,
            "default": None,
            "metavar": "PATH",
            "help": "YAML or JSON seed file (accounts, zones, backup storages, "
            "images); default: the packaged fixtures/seed/default.yaml",
        },
    ),
    (
        "--seed",
        {
            "type": int,
            "default": None,
            "metavar": "N",
            "help": "make generated uuids deterministic",
        },
    ),
    (
        "--quiet",
        {
            "action": "store_true",
            "help": "no request log (one line per request: method, path, status, "
            "duration, job id, contract verdict)",
        },
    ),
    (
        "--log-format",
        {
            "choices": ["text", "json"],
            "default": "text",
            "help": "request log as text lines or JSON lines",
        },
    ),
    (
        "--max-sessions",
        {
            "type": int,
            "default": 500,
            "metavar": "N",
            "help": "session.maxConcurrent: sessions one account may hold (ZStack's default 500)",
        },
    ),
    (
        "--state",
        {
            "type": Path,
            "default": None,
            "metavar": "FILE",
            "help": "keep the state in this SQLite file across restarts (created if missing; a "
            "file that is not a state file is refused, never overwritten); default: in memory",
        },
    ),
    (
        "--webhook-allow",
        {
            "action": "append",
            "default": None,
            "metavar": "HOST",
            "help": "a host X-Web-Hook URLs may name (repeatable); default: localhost, 127.0.0.1 "
            "and ::1 only",
        },
    ),
    (
        "--cors-origin",
        {
            "action": "append",
            "default": None,
            "metavar": "ORIGIN",
            "help": "an origin browsers may call from (repeatable; '*' for any); "
            "default: any http(s)://localhost or 127.0.0.1 origin",
        },
    ),
)


def add_serve_options(parser: argparse.ArgumentParser, port_default: int | None) -> None:
    """Add the options `serve` and `run` share to a command's parser."""
    port_help = "TCP port to listen on" if port_default else "TCP port; default: a free one"
    for flag, options in SERVE_OPTIONS:
        if flag == "--port":
            options = {**options, "default": port_default, "help": port_help}
        parser.add_argument(flag, **options)
