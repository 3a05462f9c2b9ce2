"""A pytest plugin for the proof: which named checks failed, and any failure that was not one."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import pytest
from schemathesis.core.failures import CustomFailure, Failure

from contract_tests.checks import ContractViolation

CRASH = "crash:"


def failure_names(exc: BaseException) -> list[str]:
    """The named checks an exception reports; `crash:<type>` for anything that is not one."""
    if isinstance(exc, ContractViolation):
        return [exc.check]
    if isinstance(exc, CustomFailure):
        return failure_names(exc.exception)
    if isinstance(exc, Failure) and type(exc).checks:
        return list(type(exc).checks)
    if isinstance(exc, BaseExceptionGroup):
        return [name for e in exc.exceptions for name in failure_names(e)]
    return [f"{CRASH}{type(exc).__name__}: {str(exc)[:300]}"]


@dataclass(slots=True)
class Outcome:
    """Collects failures; stops the run once a declared check has caught the deviation."""

    declared: frozenset[str]
    failures: list[dict[str, Any]] = field(default_factory=list)
    exit_status: int | None = None

    @property
    def caught(self) -> bool:
        return any(self.declared & set(f["checks"]) for f in self.failures)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if report.failed:
            names = failure_names(call.excinfo.value) if call.excinfo else [f"{CRASH}no exception"]
            self.failures.append({"test": item.nodeid, "when": report.when, "checks": names})
            if self.caught:
                # the deviation is caught: the rest of the suite adds time, not evidence
                item.session.shouldstop = "caught by a declared check"
        return report

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.failures.append(
                {"test": report.nodeid, "when": "collect", "checks": [f"{CRASH}collection error"]}
            )

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self.exit_status = int(exitstatus)
