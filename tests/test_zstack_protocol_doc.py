"""docs/zstack-protocol.md: every conformance row names a ZStack source and tests that exist."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "zstack-protocol.md"
TEST_REF = re.compile(r"(tests/[\w/]+\.py)::(test_\w+)")


def _rows() -> list[tuple[str, str, str]]:
    """The conformance table rows: (behaviour, source, pinned by)."""
    rows = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if not line.startswith("| ") or line.startswith(("| Behaviour", "|---")):
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        assert len(cells) == 3, f"a row must have three cells: {line}"
        rows.append((cells[0], cells[1], cells[2]))
    return rows


def _test_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}


def test_protocol_doc__has_rows() -> None:
    assert len(_rows()) >= 40


@pytest.mark.parametrize(("behaviour", "source", "pinned"), _rows())
def test_protocol_doc__row_names_a_source_and_existing_tests(behaviour, source, pinned) -> None:
    assert source, f"no ZStack source for: {behaviour}"
    refs = TEST_REF.findall(pinned)
    assert refs, f"no test pins: {behaviour}"
    for file, name in refs:
        path = ROOT / file
        assert path.is_file(), f"{file} does not exist ({behaviour})"
        assert name in _test_names(path), f"{file}::{name} does not exist ({behaviour})"
