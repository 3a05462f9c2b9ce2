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


# -- citations: every one points at a section of this page ---------------------------------------

# The name of the reference notes this page replaced, spelled so that this file does not cite it.
OLD_NOTES = "zstack-" + "behaviour.md"
CITATION = re.compile(r"docs/zstack-protocol\.md#([\w-]+)")
SECTION_SIGN = re.compile(r"§\s?\d")
# `issue 13 §6` cites an issue of the tracker, not a section of the old notes
ISSUE_SECTION = re.compile(r"issue \d+\b")
# a test module's banner, `# -- ` then the section sign, a number and a colon, names a section
# of the issue the module implements
ISSUE_BANNER = re.compile(r"^\s*# -- §\d+:")
SKIPPED_DIRS = {".venv", ".git", ".hypothesis", ".mypy_cache", ".ruff_cache", ".pytest_cache"}
SKIPPED_DIRS |= {"__pycache__", "node_modules", "build", "dist"}
SOURCE_PATH = re.compile(r"[\w./-]+\.(java|xml|groovy|go|md|properties)\b")


def _repo_texts() -> list[tuple[Path, str]]:
    """Every text file of the checkout, outside the virtualenv, git and caches."""
    texts = []
    for path in sorted(ROOT.rglob("*")):
        rel = path.relative_to(ROOT)
        if not path.is_file() or any(
            p in SKIPPED_DIRS or p.endswith(".egg-info") for p in rel.parts
        ):
            continue
        try:
            texts.append((rel, path.read_text(encoding="utf-8")))
        except UnicodeDecodeError:
            continue  # binary (the dashboard screenshot)
    return texts


def _anchors() -> set[str]:
    """The page's stable anchors (`<a id="...">`) and its headings' GitHub slugs."""
    text = DOC.read_text(encoding="utf-8")
    ids = set(re.findall(r'<a id="([\w-]+)"></a>', text))
    for heading in re.findall(r"^#+ (.+)$", text, flags=re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        ids.add(slug)
    return ids


def _sections() -> dict[str, str]:
    """Each anchored section's text, up to the next anchor or heading of level 2."""
    text = DOC.read_text(encoding="utf-8")
    parts = re.split(r'<a id="([\w-]+)"></a>', text)
    return {
        anchor: re.split(r"^## ", body, flags=re.MULTILINE)[0]
        for anchor, body in zip(parts[1::2], parts[2::2], strict=True)
    }


def test_protocol_doc__no_file_cites_the_old_notes() -> None:
    found = [str(rel) for rel, text in _repo_texts() if OLD_NOTES in text]
    assert found == [], f"cite docs/zstack-protocol.md#<anchor> instead of {OLD_NOTES}: {found}"


def test_protocol_doc__no_bare_section_numbers() -> None:
    """A section number that names no issue is the old notes': cite an anchor of this page."""
    found = []
    for rel, text in _repo_texts():
        for number, line in enumerate(text.splitlines(), 1):
            if ISSUE_BANNER.match(line):
                continue
            for m in SECTION_SIGN.finditer(line):
                if not ISSUE_SECTION.search(line[: m.start()]):
                    found.append(f"{rel}:{number}: {line.strip()}")
    assert found == []


def test_protocol_doc__every_citation_names_an_existing_anchor() -> None:
    anchors = _anchors()
    cited = [(rel, a) for rel, text in _repo_texts() for a in CITATION.findall(text)]
    local = re.findall(r"\]\(#([\w-]+)\)", DOC.read_text(encoding="utf-8"))
    cited += [(DOC.relative_to(ROOT), a) for a in local]
    assert len(cited) >= 25
    missing = [f"{rel}: #{a}" for rel, a in cited if a not in anchors]
    assert missing == []


def test_protocol_doc__every_anchor_is_cited_and_names_its_source() -> None:
    sections = _sections()
    cited = {a for _, text in _repo_texts() for a in CITATION.findall(text)}
    assert sections, "the page has no anchored sections"
    for anchor, body in sections.items():
        assert anchor in cited, f"#{anchor} is cited nowhere: drop it or cite it"
        assert SOURCE_PATH.search(body), f"#{anchor} names no ZStack source file"
        assert re.search(r"\bL\d+", body), f"#{anchor} names no source line"
