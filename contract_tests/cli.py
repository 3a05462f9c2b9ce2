"""`zstack-contract --target-url URL [pytest args]`: the suite, runnable outside the checkout."""

from __future__ import annotations

import sys

import pytest


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    return int(pytest.main(["--pyargs", "contract_tests", "-p", "no:cacheprovider", *args]))
