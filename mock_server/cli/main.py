"""The `zstack-mock` command: `serve` and the client gate `run` (also `python -m mock_server`)."""

from __future__ import annotations

import argparse
import sys
from importlib import metadata
from pathlib import Path

from mock_server import __version__
from mock_server.cli.serve_options import add_serve_options
from mock_server.config import MockConfig
from mock_server.state.model import DeletionPolicy


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
    add_serve_options(serve, 8080)
    _add_run_parser(sub)
    return parser


def _add_run_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`zstack-mock run`: the serve options, the gate's own, then `-- COMMAND...`."""
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
    add_serve_options(run, None)
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
