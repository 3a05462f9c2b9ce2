"""The `zstack-mock` command: `serve` and the client gate `run` (also `python -m mock_server`)."""

from __future__ import annotations

import argparse
import sys
from importlib import metadata
from pathlib import Path

from mock_server import __version__
from mock_server.config import DEFAULT_CONTEXT_PATH, MockConfig, normalize_context_path
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


def _version() -> str:
    """The installed package's version (the source tree's when run from a checkout)."""
    try:
        return metadata.version("zstack-image-contract")
    except metadata.PackageNotFoundError:
        return __version__


class _Help(argparse.ArgumentDefaultsHelpFormatter):
    """Appends "(default: X)" only where the help states no default and X says something."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if action.default in (None, False, argparse.SUPPRESS) or "default" in text:
            return text
        return super()._get_help_string(action) or text


def _add_serve_options(parser: argparse.ArgumentParser, port_default: int | None) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind; the default serves this machine only"
    )
    port_help = "TCP port to listen on" if port_default else "TCP port; default: a free one"
    parser.add_argument("--port", type=_port, default=port_default, help=port_help)
    parser.add_argument(
        "--context-path",
        type=_context_path,
        default=DEFAULT_CONTEXT_PATH,
        metavar="PATH",
        help="the context path the APIs are served under, as a ZStack deployment's servlet "
        "context: /zstack (a management node) or / (ZStack's test deployments); "
        "ZSTACK_URL stays the server root",
    )
    parser.add_argument(
        "--locale",
        choices=list(LANGUAGES),
        default="raw",
        help="the language of every error detail ZStack translates: raw is the source text, "
        "en_US and zh_CN render ZStack's catalogues as a real ZStack with that `locale` global "
        "property does (a stock install: zh_CN)",
    )
    parser.add_argument(
        "--job-delay",
        type=_non_negative,
        default=0.0,
        metavar="SECONDS",
        help="how long each async job runs before its result is ready; meanwhile "
        "an AddImage image is Downloading and a poll answers 202",
    )
    parser.add_argument(
        "--deletion-policy",
        choices=[p.value for p in DeletionPolicy],
        default=DeletionPolicy.DELAY.value,
        help="image.deletionPolicy: Delay keeps deleted images queryable as "
        "Deleted and expunges them after --expunge-period; Direct removes them "
        "at once; Never keeps them until ExpungeImage",
    )
    parser.add_argument(
        "--expunge-period",
        type=_non_negative,
        default=259200.0,
        metavar="SECONDS",
        help="under Delay, how long a Deleted image waits before it is expunged",
    )
    parser.add_argument(
        "--fixtures",
        type=Path,
        default=None,
        metavar="PATH",
        help="YAML or JSON seed file (accounts, zones, backup storages, "
        "images); default: the packaged fixtures/seed/default.yaml",
    )
    parser.add_argument(
        "--seed", type=int, default=None, metavar="N", help="make generated uuids deterministic"
    )
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="no request log (one line per request: method, path, status, "
        "duration, job id, contract verdict)",
    )
    parser.add_argument(
        "--log-format",
        choices=["text", "json"],
        default="text",
        help="request log as text lines or JSON lines",
    )
    parser.add_argument(
        "--max-sessions",
        type=int,
        default=500,
        metavar="N",
        help="session.maxConcurrent: sessions one account may hold (ZStack's default 500)",
    )
    parser.add_argument(
        "--state",
        type=Path,
        default=None,
        metavar="FILE",
        help="keep the state in this SQLite file across restarts (created if missing; a file "
        "that is not a state file is refused, never overwritten); default: in memory",
    )
    parser.add_argument(
        "--webhook-allow",
        action="append",
        default=None,
        metavar="HOST",
        help="a host X-Web-Hook URLs may name (repeatable); default: localhost, 127.0.0.1 "
        "and ::1 only",
    )
    parser.add_argument(
        "--cors-origin",
        action="append",
        default=None,
        metavar="ORIGIN",
        help="an origin browsers may call from (repeatable; '*' for any); "
        "default: any http(s)://localhost or 127.0.0.1 origin",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zstack-mock",
        description="A stateful mock of ZStack's image REST APIs that behaves like a real "
        "management node: async jobs, the image lifecycle, ZStack's validation and errors.",
    )
    parser.add_argument("--version", action="version", version=f"zstack-mock {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser(
        "serve",
        help="serve the mock over HTTP",
        description="Serve the mock at http://HOST:PORT/zstack/v1/... (/zstack is --context-path) "
        "from one process.",
        formatter_class=_Help,
    )
    _add_serve_options(serve, 8080)
    run = sub.add_parser(
        "run",
        help="gate a client: run it against the mock and fail on contract violations",
        usage="zstack-mock run [serve options] [--report FILE] [--allow-warnings] "
        "[--allow-no-requests] -- COMMAND...",
        description="Start the mock, run COMMAND with ZSTACK_URL, ZSTACK_HOST and ZSTACK_PORT "
        "set, stop the mock, and report every request that broke the contract. Exits non-zero "
        "if COMMAND failed, sent no request, or any violation (or, unless --allow-warnings, any "
        "warning) was seen; on SIGTERM or SIGINT it stops COMMAND's process group and the mock, "
        "reports what was seen, and exits 128+signal.",
        formatter_class=_Help,
    )
    _add_serve_options(run, None)
    run.add_argument(
        "--report",
        type=Path,
        default=None,
        metavar="FILE",
        help="write a JUnit XML report of the verdicts",
    )
    run.add_argument(
        "--allow-warnings",
        action="store_true",
        help="pass the gate with warnings (what ZStack tolerates but should not see)",
    )
    run.add_argument(
        "--allow-no-requests",
        action="store_true",
        help="pass the gate even if COMMAND sent the mock no request (by default that fails: "
        "a client that never reached the mock proves nothing)",
    )
    return parser


def config_from_args(args: argparse.Namespace) -> MockConfig:
    return MockConfig(
        host=args.host,
        port=args.port,
        context_path=args.context_path,
        job_delay=args.job_delay,
        deletion_policy=DeletionPolicy(args.deletion_policy),
        expunge_period=args.expunge_period,
        fixtures=args.fixtures,
        seed=args.seed,
        access_log=not args.quiet,
        log_format=args.log_format,
        cors_origins=tuple(args.cors_origin or ()),
        webhook_allow=tuple(args.webhook_allow or ()),
        background_jobs=True,
        state_file=args.state,
        max_sessions=args.max_sessions,
        locale=args.locale,
    )


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, command = argv[:cut], argv[cut + 1 :]
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "run":
        if not command:
            parser.error("run needs a command after --, e.g. zstack-mock run -- npm test")
        from mock_server.cli.run import run_gate

        return run_gate(args, command, sys.stdout)
    if command:
        parser.error("serve takes no command after --")
    from mock_server.cli.serve import serve  # keeps `--help` fast

    return serve(config_from_args(args), sys.stderr)
