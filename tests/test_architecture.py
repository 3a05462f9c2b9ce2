"""The architecture's invariants, read from the source with `ast`: no import cycle, the size
limits, route modules imported only by the app factory, and a state layer without HTTP.

Every check is a function of a source tree, so each one is also run on a small synthetic tree
that breaks it (the `_self_test` cases): a check that cannot fail would prove nothing.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("mock_server", "contract_tests")
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 40
# the Flask blueprints: only the app factory (and other route modules) may import them
ROUTE_MODULES = ("mock_server.routes", "mock_server.tooling.admin_api", "mock_server.tooling.pages")
ROUTE_IMPORTERS = ("mock_server.app", *ROUTE_MODULES)
# what state/ must never reach, directly or through what it imports
STATE = "mock_server.state"
STATE_FORBIDDEN = (
    "flask",
    "werkzeug",
    "mock_server.routes",
    "mock_server.tooling",
    "mock_server.cli",
)


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    tree: ast.Module

    @property
    def lines(self) -> int:
        return len(self.path.read_text(encoding="utf-8").splitlines())


def modules(root: Path, packages: tuple[str, ...] = PACKAGES) -> dict[str, Module]:
    """Every module of the packages under `root`, by dotted name."""
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            name = ".".join(parts)
            found[name] = Module(name, path, ast.parse(path.read_text(encoding="utf-8")))
    return found


def imports(module: Module, known: set[str]) -> set[str]:
    """What a module imports, anywhere in it (functions and TYPE_CHECKING blocks included).

    `from a import b` names the module `a.b` when there is one, else `a`; names outside the
    packages (flask, ...) are kept as written.
    """
    package = module.name if module.path.name == "__init__.py" else module.name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                target = f"{base}.{alias.name}"
                out.add(target if target in known else base)
    out.discard(module.name)
    return out


def import_graph(mods: dict[str, Module]) -> dict[str, set[str]]:
    known = set(mods)
    return {name: imports(m, known) for name, m in mods.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _is_limited(module: Module) -> bool:
    """contract_tests' test_*.py are the suite's tests, not its code: no size limit there."""
    return not (module.name.startswith("contract_tests.") and module.path.name.startswith("test_"))


def oversized(mods: dict[str, Module]) -> list[str]:
    """Modules over MAX_MODULE_LINES and functions over MAX_FUNCTION_LINES."""
    out = []
    for m in mods.values():
        if not _is_limited(m):
            continue
        if m.lines > MAX_MODULE_LINES:
            out.append(f"{m.name}: {m.lines} lines")
        for node in ast.walk(m.tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    out.append(f"{m.name}.{node.name} (line {node.lineno}): {length} lines")
    return sorted(out)


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(f"{p}.") for p in prefixes)


def route_imports(graph: dict[str, set[str]]) -> list[str]:
    """Imports of a route module by anything but the app factory and the route modules."""
    return [
        f"{importer} imports {target}"
        for importer, targets in sorted(graph.items())
        for target in sorted(targets)
        if _within(target, ROUTE_MODULES) and not _within(importer, ROUTE_IMPORTERS)
    ]


def _reachable(graph: dict[str, set[str]], start: str) -> Iterator[tuple[str, str]]:
    """(importer, imported) for every import reachable from `start`."""
    seen, todo = {start}, [start]
    while todo:
        importer = todo.pop()
        for target in sorted(graph.get(importer, ())):
            yield importer, target
            if target in graph and target not in seen:
                seen.add(target)
                todo.append(target)


def state_leaks(graph: dict[str, set[str]]) -> list[str]:
    """Imports, from state/ or anything it imports, of Flask or of routes/, tooling/, cli/."""
    leaks: set[str] = set()
    for name in graph:
        if _within(name, (STATE,)):
            leaks.update(
                f"{name} reaches {target} (imported by {importer})"
                for importer, target in _reachable(graph, name)
                if _within(target, STATE_FORBIDDEN)
            )
    return sorted(leaks)


# -- the project ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def project() -> dict[str, Module]:
    return modules(ROOT)


def test_architecture__no_import_cycle(project: dict[str, Module]) -> None:
    assert cycles(import_graph(project)) == []


def test_architecture__size_limits(project: dict[str, Module]) -> None:
    assert oversized(project) == []


def test_architecture__route_modules_are_imported_only_by_the_app(
    project: dict[str, Module],
) -> None:
    assert route_imports(import_graph(project)) == []


def test_architecture__state_has_no_http_and_no_tooling(project: dict[str, Module]) -> None:
    assert state_leaks(import_graph(project)) == []


# -- each check fails on a tree that breaks it ----------------------------------------------------


def _tree(root: Path, files: dict[str, str]) -> dict[str, Module]:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return modules(root, ("mock_server", "contract_tests"))


_PACKAGE_FILES = {
    "mock_server/__init__.py": "",
    "mock_server/state/__init__.py": "",
    "mock_server/routes/__init__.py": "",
    "mock_server/tooling/__init__.py": "",
    "contract_tests/__init__.py": "",
}


def test_architecture__self_test_finds_a_cycle_through_a_function_and_type_checking(
    tmp_path: Path,
) -> None:
    mods = _tree(
        tmp_path,
        {
            **_PACKAGE_FILES,
            "mock_server/a.py": "def f():\n    from mock_server import b\n",
            "mock_server/b.py": (
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import a\n"
            ),
            "mock_server/c.py": "import mock_server.a\n",
        },
    )
    assert cycles(import_graph(mods)) == [["mock_server.a", "mock_server.b"]]


def test_architecture__self_test_finds_a_long_module_and_a_long_function(tmp_path: Path) -> None:
    long_function = "def f():\n" + "    x = 1\n" * MAX_FUNCTION_LINES
    mods = _tree(
        tmp_path,
        {
            **_PACKAGE_FILES,
            "mock_server/big.py": "x = 1\n" * (MAX_MODULE_LINES + 1),
            "contract_tests/checks.py": long_function,
            # the suite's own tests are exempt
            "contract_tests/test_big.py": "x = 1\n" * (MAX_MODULE_LINES + 1) + long_function,
        },
    )
    assert oversized(mods) == [
        f"contract_tests.checks.f (line 1): {MAX_FUNCTION_LINES + 1} lines",
        f"mock_server.big: {MAX_MODULE_LINES + 1} lines",
    ]


def test_architecture__self_test_finds_a_route_module_imported_outside_the_app(
    tmp_path: Path,
) -> None:
    mods = _tree(
        tmp_path,
        {
            **_PACKAGE_FILES,
            "mock_server/routes/images.py": "from mock_server.routes import rest\n",
            "mock_server/routes/rest.py": "",
            "mock_server/tooling/pages.py": "",
            "mock_server/app.py": "from mock_server.routes import images\n",
            "mock_server/runtime.py": "from mock_server.tooling import pages\n",
        },
    )
    assert route_imports(import_graph(mods)) == [
        "mock_server.runtime imports mock_server.tooling.pages"
    ]


def test_architecture__self_test_finds_http_reached_from_state(tmp_path: Path) -> None:
    mods = _tree(
        tmp_path,
        {
            **_PACKAGE_FILES,
            "mock_server/state/store.py": "from mock_server import helpers\n",
            "mock_server/helpers.py": "import flask\n",
            "mock_server/state/ok.py": "import sqlite3\n",
        },
    )
    assert state_leaks(import_graph(mods)) == [
        "mock_server.state.store reaches flask (imported by mock_server.helpers)"
    ]
