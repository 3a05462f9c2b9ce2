"""`zstack-contract --target-url URL [pytest args]`: the suite, runnable outside the checkout."""

from __future__ import annotations

import os
import sys
import textwrap
from importlib.metadata import PackageNotFoundError, version

import pytest

from contract_tests.target import OPTIONS

DISTRIBUTION = "zstack-image-contract"

EXAMPLES = """\
examples:
  zstack-contract --target-url http://zstack:8080
      check a management node (context path /zstack, account admin, password password)
  zstack-contract --target-url http://127.0.0.1:8080 --context-path / --password secret
      a test deployment served at the root context
  zstack-contract --target-url http://zstack:8080 --session-uuid <uuid> --junitxml=contract.xml
      use an existing session (not logged out) and write a JUnit report
  zstack-contract --target-url http://zstack:8080 --contract-profile thorough -k lifecycle
      only the lifecycle tests, with more generated cases
  zstack-contract
      without --target-url: check the project's own mock, booted on a free port
"""

PYTEST_NOTE = """\
pytest options:
  Every other option goes to pytest, which runs the suite: e.g. -k EXPR (select tests), -x (stop
  at the first failure), -q/-v, --junitxml=FILE, --hypothesis-seed=N (replay a failure).
  `zstack-contract --pytest-help` lists all of pytest's options. A pytest.ini, pyproject.toml,
  tox.ini, setup.cfg or conftest.py in the current directory is not read.
"""


def help_text() -> str:
    lines = [
        "usage: zstack-contract [options] [pytest options]",
        "",
        "Check a ZStack server (or anything that claims to be one) against the image API",
        "contract. Before any test a preflight checks that the target answers, that the context",
        "path and the login are right, and that a backup storage is fit for AddImage.",
        "",
        "options (each also read from its environment variable):",
    ]
    for option in OPTIONS:
        value = f"{{{','.join(option.choices)}}}" if option.choices else option.metavar
        lines.append(f"  {option.flag} {value}")
        default = f"; default {option.default}" if option.default is not None else ""
        text = f"{option.help} (env {option.env}{default})"
        lines.append(textwrap.fill(text, 96, initial_indent=" " * 6, subsequent_indent=" " * 6))
    lines += [
        "  --version",
        "      print the version and exit",
        "  -h, --help",
        "      this help",
        "",
    ]
    return "\n".join(lines) + "\n" + EXAMPLES + "\n" + PYTEST_NOTE


def package_version() -> str:
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if "-h" in args or "--help" in args:
        sys.stdout.write(help_text())
        return 0
    if "--version" in args:
        print(f"zstack-contract {package_version()}")
        return 0
    if "--pytest-help" in args:
        args = [a for a in args if a != "--pytest-help"] + ["--help"]
    # this console script imports the contract_tests package before pytest starts, so pytest
    # cannot rewrite its __init__ (harmless: the checks raise their own errors); say nothing of it
    quiet = ["-W", "ignore::pytest.PytestAssertRewriteWarning"]
    # the user's own pytest configuration (addopts = --cov=myapp, a conftest.py) is not ours:
    # read no ini file and no conftest, and keep the current directory as the root
    isolated = ["-c", os.devnull, "--rootdir", os.getcwd(), "--noconftest"]
    return int(
        pytest.main(
            ["--pyargs", "contract_tests", "-p", "no:cacheprovider", *isolated, *quiet, *args]
        )
    )
