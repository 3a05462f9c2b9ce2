"""The suite's pytest plugin (entry point `pytest11`): options, fixtures, profiles, summary."""

from __future__ import annotations

import contextlib
import os
import random
from collections.abc import Generator, Iterator
from typing import Any

import pytest
import requests
from _pytest._code.code import ExceptionRepr
from hypothesis import HealthCheck, settings

from contract_tests import preflight
from contract_tests.checks import CheckLog
from contract_tests.client import ZStackClient
from contract_tests.redact import REDACT
from contract_tests.session import ZStackSession
from contract_tests.spec import Contract
from contract_tests.target import OPTIONS, OwnMock, Target

LOG_KEY = pytest.StashKey[CheckLog]()
SEED_KEY = pytest.StashKey[int | None]()
TARGET_KEY = pytest.StashKey[Target]()
PREFLIGHT_KEY = pytest.StashKey[preflight.Preflight]()
SKIPPED_KEY = pytest.StashKey[list[tuple[str, str]]]()

# quick: under a minute against the mock on a 2-core machine; thorough: for nightly runs
PROFILES = {
    "quick": {"max_examples": 25, "stateful_step_count": 10},
    "thorough": {"max_examples": 150, "stateful_step_count": 30},
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("zstack-contract", "ZStack image API contract suite")
    for option in OPTIONS:
        kwargs = {"choices": option.choices} if option.choices else {"metavar": option.metavar}
        group.addoption(
            option.flag,
            dest=option.dest,
            default=None,
            help=f"{option.help} (env {option.env}; default {option.default})",
            **kwargs,
        )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.stash[LOG_KEY] = CheckLog()
    config.stash[SKIPPED_KEY] = []
    profile = config.getoption("zstack_contract_profile") or os.environ.get(
        "ZSTACK_CONTRACT_PROFILE", "quick"
    )
    values = PROFILES.get(profile, PROFILES["quick"])
    in_ci = bool(os.environ.get("CI"))
    settings.register_profile(
        f"zstack-{profile}",
        max_examples=values["max_examples"],
        stateful_step_count=values["stateful_step_count"],
        deadline=None,
        derandomize=in_ci,
        print_blob=True,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
            HealthCheck.function_scoped_fixture,
        ],
    )
    settings.load_profile(f"zstack-{profile}")
    seed = None
    if not in_ci:
        from hypothesis import core

        given = config.getoption("hypothesis_seed", None)
        seed = int(given) if given is not None else random.randrange(2**32)
        core.global_force_seed = seed  # type: ignore[assignment]
    config.stash[SEED_KEY] = seed
    _preflight(config)


def _given_target(config: pytest.Config) -> bool:
    return bool(config.getoption("zstack_target_url") or os.environ.get("ZSTACK_TARGET_URL"))


def _preflight(config: pytest.Config) -> None:
    """Preflight (issue 13 §6): before any contract test, the target must be usable at all.

    It runs before the session starts, so a setup mistake prints one message and nothing else.
    """
    if config.option.help or config.option.version or config.option.collectonly:
        return
    runs_contract = any("contract_tests" in str(arg) for arg in config.args)
    if not runs_contract or not _given_target(config):
        return
    target = Target.from_config(config, None)
    config.stash[TARGET_KEY] = target
    try:
        config.stash[PREFLIGHT_KEY] = preflight.run(target)
    except preflight.PreflightError as e:
        raise pytest.UsageError(f"zstack-contract preflight: {REDACT(str(e))}") from None


@pytest.fixture(scope="session")
def zstack_target(request: pytest.FixtureRequest) -> Iterator[Target]:
    """The server under test: --target-url, or the project's mock booted on a free port."""
    config = request.config
    if _given_target(config):
        yield config.stash.get(TARGET_KEY, None) or Target.from_config(config, None)
        return
    mock = OwnMock().start()
    try:
        yield Target.from_config(config, mock.url)
    finally:
        mock.stop()


@pytest.fixture(scope="session")
def zstack_contract() -> Contract:
    return Contract.load()


@pytest.fixture(scope="session")
def check_log(request: pytest.FixtureRequest) -> CheckLog:
    return request.config.stash[LOG_KEY]


@pytest.fixture(scope="session")
def zstack(
    request: pytest.FixtureRequest,
    zstack_target: Target,
    zstack_contract: Contract,
    check_log: CheckLog,
) -> Iterator[ZStackSession]:
    """One logged-in session for the whole run; cleans up its images and logs out at the end."""
    client = ZStackClient(zstack_target)
    checked = request.config.stash.get(PREFLIGHT_KEY, None)
    if checked is not None and checked.session_uuid is not None:
        client.session_uuid = checked.session_uuid  # the preflight's login; logged out below
        del request.config.stash[PREFLIGHT_KEY]
    client.ensure_session()
    session = ZStackSession(client, zstack_contract, check_log)
    facts = check_log.facts
    facts["target"] = zstack_target.url + (
        " (the project's mock)" if zstack_target.is_own_mock else ""
    )
    facts["context path"] = zstack_target.context_path or "/"
    facts["image name prefix"] = zstack_target.name_prefix
    try:
        yield session
    finally:
        # the language every detail checked was in (issue 13 §9; i18n.LanguageSeen)
        facts["language"] = zstack_contract.language.describe()
        # runs after failures and on Ctrl-C too (pytest tears session fixtures down)
        session.clean_up()
        client.log_out()


def pytest_unconfigure(config: pytest.Config) -> None:
    """No test took over the preflight's session (all deselected): log it out."""
    checked = config.stash.get(PREFLIGHT_KEY, None)
    if checked is None or checked.session_uuid is None:
        return
    client = ZStackClient(config.stash[TARGET_KEY], timeout=preflight.TIMEOUT)
    client.session_uuid = checked.session_uuid
    # the target may have gone away meanwhile; the session then expires on its own
    with contextlib.suppress(requests.RequestException):
        client.log_out()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Secrets out of every report (terminal and JUnit read the same): issue 13 §7."""
    report = yield
    if report.longrepr is not None and not report.skipped:
        report.longrepr = _scrubbed(report.longrepr)
    report.sections = [(name, REDACT(text)) for name, text in report.sections]
    if report.skipped and isinstance(report.longrepr, tuple):
        reason = str(report.longrepr[2]).removeprefix("Skipped: ")
        item.config.stash[SKIPPED_KEY].append((item.name, reason))
    return report


def _scrubbed(longrepr: Any) -> Any:
    """The failure's text redacted in place, its structure kept (JUnit and -r read the crash)."""
    if isinstance(longrepr, str):
        return REDACT(longrepr)
    if isinstance(longrepr, ExceptionRepr):
        chain = getattr(longrepr, "chain", None) or [
            (longrepr.reprtraceback, longrepr.reprcrash, None)
        ]
        for traceback, crash, _ in chain:
            if crash is not None:
                crash.message = REDACT(crash.message)
            for entry in traceback.reprentries:
                entry.lines = [REDACT(line) for line in entry.lines]
                args = getattr(entry, "reprfuncargs", None)
                if args is not None:
                    args.args = [(name, REDACT(str(value))) for name, value in args.args]
                local = getattr(entry, "reprlocals", None)
                if local is not None:
                    local.lines = [REDACT(line) for line in local.lines]
        longrepr.sections = [(n, REDACT(c), sep) for n, c, sep in longrepr.sections]
        return longrepr
    return REDACT(str(longrepr))  # anything else: as text


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    log = config.stash.get(LOG_KEY, None)
    if log is None or not (log.passed or log.failed):
        return
    tr = terminalreporter
    tr.section("ZStack contract summary")
    for key, value in log.facts.items():
        tr.write_line(REDACT(f"{key}: {value}"))
    names = sorted(set(log.passed) | set(log.failed))
    width = max(len(n) for n in names)
    tr.write_line(f"{'check'.ljust(width)}  passed  failed")
    for name in names:
        failed = log.failed.get(name, 0)
        tr.write_line(
            f"{name.ljust(width)}  {log.passed.get(name, 0):>6}  {failed:>6}",
            red=bool(failed),
            green=not failed,
        )
    passed, violations = sum(log.passed.values()), sum(log.failed.values())
    tr.write_line(f"{plural(passed, 'check')} passed, {plural(violations, 'violation')}")
    skipped = config.stash.get(SKIPPED_KEY, [])
    if skipped:
        tr.write_line(f"not run here ({plural(len(skipped), 'test')} skipped):")
        for test, reason in skipped:
            tr.write_line(f"  {test}: {reason}", yellow=True)
    seed = config.stash.get(SEED_KEY, None)
    if exitstatus != 0:
        how = (
            "derandomized (CI): rerun the same command"
            if seed is None
            else f"--hypothesis-seed={seed}"
        )
        tr.write_line(f"to reproduce: pytest --pyargs contract_tests <same options> {how}")
