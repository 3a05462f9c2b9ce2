"""How a check fails: ContractViolation, with the rule it states and the exchange that broke it."""

from __future__ import annotations

from typing import NoReturn

from contract_tests.client import Exchange
from zstack_spec.json_types import JSON


class ContractViolation(AssertionError):  # it is what the suite reports
    """A response broke a rule of the contract."""

    def __init__(self, check: str, rule: str, exchange: Exchange | None, detail: str = "") -> None:
        parts = [f"[{check}] {rule}"]
        if detail:
            parts.append(f"  found: {detail}")
        if exchange is not None:
            parts.append(exchange.describe())
        super().__init__("\n".join(parts))
        self.check = check


# reports and JUnit name it `contract_tests.checks.ContractViolation`, as before the module split
# (checks re-exports it): scripts that grep a suite's output keep working
ContractViolation.__module__ = "contract_tests.checks"


def fail(check: str, rule: str, ex: Exchange | None, detail: str = "") -> NoReturn:
    raise ContractViolation(check, rule, ex, detail)


def json_body(check: str, ex: Exchange) -> JSON:
    body = ex.json_or_none()
    if body is None:
        fail(check, "the body must be JSON", ex)
    return body
