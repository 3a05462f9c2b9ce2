"""`zstack-contract --target-url URL [pytest args]`: the suite, runnable outside the checkout."""

from __future__ import annotations

import sys

import pytest


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    # this console script imports the contract_tests package before pytest starts, so pytest
    # cannot rewrite its __init__ (harmless: the checks raise their own errors); say nothing of it
    quiet = ["-W", "ignore::pytest.PytestAssertRewriteWarning"]
    return int(pytest.main(["--pyargs", "contract_tests", "-p", "no:cacheprovider", *quiet, *args]))
