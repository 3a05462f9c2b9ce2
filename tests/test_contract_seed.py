"""The plugin's hypothesis seed: the one it prints to reproduce a run is the one hypothesis uses."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

INNER = """
import pytest
from hypothesis import core


def test_seed(request: pytest.FixtureRequest) -> None:
    chosen = request.config.getoption("hypothesis_seed")
    assert chosen is not None and core.global_force_seed == int(chosen)
    print("SEED", chosen)
"""


@pytest.mark.parametrize(("args", "seed"), [((), None), (("--hypothesis-seed=7",), "7")])
def test_plugin__hands_its_seed_to_hypothesis(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], seed
) -> None:
    monkeypatch.delenv("CI", raising=False)  # under CI generation is derandomized instead
    pytester.makepyfile(test_inner=INNER)
    # a fresh process: the seed hypothesis keeps is global to the interpreter
    result = pytester.runpytest_subprocess("-s", "-p", "no:cacheprovider", *args)
    result.assert_outcomes(passed=1)
    [used] = [line.split("SEED ")[1] for line in result.outlines if "SEED " in line]
    assert used.isdigit() and (seed is None or used == seed)
