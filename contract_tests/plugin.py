"""The suite's pytest plugin (entry point `pytest11`): options, fixtures, profiles, summary."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from contract_tests.checks import CheckLog
from contract_tests.client import ZStackClient
from contract_tests.session import ZStackSession
from contract_tests.spec import Contract
from contract_tests.target import OPTIONS, OwnMock, Target

LOG_KEY = pytest.StashKey[CheckLog]()
SEED_KEY = pytest.StashKey[int | None]()

# quick: under a minute against the mock on a 2-core machine; thorough: for nightly runs
PROFILES = {
    "quick": {"max_examples": 25, "stateful_step_count": 10},
    "thorough": {"max_examples": 150, "stateful_step_count": 30},
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("zstack-contract", "ZStack image API contract suite")
    for option in OPTIONS:
        kwargs = {"choices": option.choices} if option.choices else {}
        group.addoption(
            option.flag, dest=option.dest, default=None,
            help=f"{option.help} (env {option.env}; default {option.default})", **kwargs,
        )  # fmt: skip


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.stash[LOG_KEY] = CheckLog()
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
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                               HealthCheck.function_scoped_fixture],
    )  # fmt: skip
    settings.load_profile(f"zstack-{profile}")
    seed = None
    if not in_ci:
        from hypothesis import core

        given = config.getoption("hypothesis_seed", None)
        seed = int(given) if given is not None else random.randrange(2**32)
        core.global_force_seed = seed  # type: ignore[assignment]
    config.stash[SEED_KEY] = seed


@pytest.fixture(scope="session")
def zstack_target(request: pytest.FixtureRequest) -> Iterator[Target]:
    """The server under test: --target-url, or the project's mock booted on a free port."""
    config = request.config
    if config.getoption("zstack_target_url") or os.environ.get("ZSTACK_TARGET_URL"):
        yield Target.from_config(config, None)
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
    zstack_target: Target, zstack_contract: Contract, check_log: CheckLog
) -> Iterator[ZStackSession]:
    """One logged-in session for the whole run; cleans up its images and logs out at the end."""
    client = ZStackClient(zstack_target)
    client.ensure_session()
    session = ZStackSession(client, zstack_contract, check_log)
    check_log.facts["target"] = zstack_target.url + (
        " (the project's mock)" if zstack_target.is_own_mock else ""
    )
    check_log.facts["image name prefix"] = zstack_target.name_prefix
    try:
        yield session
    finally:
        # runs after failures and on Ctrl-C too (pytest tears session fixtures down)
        session.clean_up()
        client.log_out()


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    log = config.stash.get(LOG_KEY, None)
    if log is None or not (log.passed or log.failed):
        return
    tr = terminalreporter
    tr.section("ZStack contract summary")
    for key, value in log.facts.items():
        tr.write_line(f"{key}: {value}")
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
    seed = config.stash.get(SEED_KEY, None)
    if exitstatus != 0:
        how = (
            "derandomized (CI): rerun the same command"
            if seed is None
            else f"--hypothesis-seed={seed}"
        )
        tr.write_line(f"to reproduce: pytest --pyargs contract_tests <same options> {how}")
