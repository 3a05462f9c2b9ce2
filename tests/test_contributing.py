"""CONTRIBUTING.md can be followed: what it names exists, and its runnable commands run."""

from __future__ import annotations

import ast
import importlib.util
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.broken_servers import BY_NAME, PROOF_CONFIGS

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "CONTRIBUTING.md"
BIN = Path(sys.executable).parent
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
RUNNABLE = "<!-- runnable -->"
TOP_DIRS = ("mock_server", "contract_tests", "tests", "spec", "docs", "fixtures", "benchmarks")
CODE_SPAN = re.compile(r"`([^`\n]+)`")
# `Apis.submit`, `runtime().call`, `ASYNC_HANDLERS`, `read_body`: a name the code must define
PY_NAME = re.compile(r"^(?:\w+(?:\(\))?\.)*(\w+)(?:\(\))?$")


def _blocks() -> list[tuple[bool, list[str]]]:
    """The shell blocks: (marked runnable, their command lines without comments)."""
    text = GUIDE.read_text(encoding="utf-8")
    blocks = []
    for m in FENCE.finditer(text):
        if m.group(1) != "sh":
            continue
        before = text[: m.start()].rstrip().splitlines()
        runnable = bool(before) and before[-1].strip() == RUNNABLE
        lines = [re.sub(r"\s+#\s.*$", "", line).strip() for line in m.group(2).splitlines()]
        blocks.append((runnable, [line for line in lines if line and not line.startswith("#")]))
    return blocks


def _commands(runnable: bool) -> list[str]:
    return [c for r, lines in _blocks() if r is runnable for c in lines]


def _make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    variables = dict(re.findall(r"^(\w+) :?= (.+)$", text, flags=re.MULTILINE))
    targets = set()
    for target in re.findall(r"^([^\s:#=]+):(?!=)", text, flags=re.MULTILINE):
        for _ in range(3):  # variables defined in terms of others
            target = re.sub(r"\$\((\w+)\)", lambda v: variables.get(v.group(1), ""), target)
        targets.add(target)
    phony = re.search(r"^\.PHONY: (.+)$", text, flags=re.MULTILINE)
    return targets | set(phony.group(1).split() if phony else ())


def _defined_names() -> set[str]:
    """Functions, classes, module constants and attributes the project's code defines."""
    names: set[str] = set()
    for top in ("mock_server", "contract_tests", "zstack_spec", "tests"):
        for path in (ROOT / top).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    names.add(node.name)
                elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    names.add(node.id)
                elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                    names.add(node.attr)
                elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                    names.add(node.target.id)
    return names


def _check_path(token: str) -> None:
    path, _, test = token.split("#")[0].partition("::")
    if "<" in path:  # a placeholder (`tests/broken_servers/<family>.py`): some file fits it
        pattern = re.sub(r"<[^>]+>", "*", path)
        assert list(ROOT.glob(pattern)), f"CONTRIBUTING.md names {path}: nothing fits"
        return
    assert (ROOT / path).exists(), f"CONTRIBUTING.md names {path}, which does not exist"
    if test:
        tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
        assert test in {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}, token


def _check_command(command: str) -> None:
    words = shlex.split(command)
    while words and re.match(r"^\w+=", words[0]):
        variable = words.pop(0).split("=")[0]
        users = [p for p in (ROOT / "tests").rglob("*.py") if variable in p.read_text("utf-8")]
        assert users, f"no test reads {variable}"
    program = words[0]
    if program == "make":
        assert set(words[1:]) <= _make_targets(), command
        return
    assert program.startswith(".venv/bin/"), f"run tools from the checkout's venv: {command}"
    assert (BIN / program.removeprefix(".venv/bin/")).exists(), command
    args = words[1:]
    if args[:1] == ["-m"]:
        assert importlib.util.find_spec(args[1]) is not None, command
        if args[1] == "tests.broken_servers.prove":
            name, config, _out = args[2:]
            assert name in BY_NAME and config in PROOF_CONFIGS, command
        args = args[2:]
    for i, arg in enumerate(args):
        if arg.startswith(TOP_DIRS):
            _check_path(arg)
        if arg == "-k":
            files = [ROOT / a for a in args if a.startswith("tests/") and a.endswith(".py")]
            found = any(f"def test_{args[i + 1]}" in f.read_text("utf-8") for f in files) or any(
                args[i + 1] in f.read_text("utf-8") for f in files
            )
            assert found, f"-k {args[i + 1]} selects no test in {files}"


def test_contributing__has_commands_of_both_kinds() -> None:
    assert len(_commands(runnable=True)) >= 2
    assert len(_commands(runnable=False)) >= 6


@pytest.mark.parametrize("command", _commands(runnable=False) + _commands(runnable=True))
def test_contributing__command_names_what_exists(command: str) -> None:
    _check_command(command)


@pytest.mark.parametrize("command", _commands(runnable=True))
def test_contributing__runnable_command_runs(command: str) -> None:
    argv = shlex.split(command)
    argv[0] = str(BIN / argv[0].removeprefix(".venv/bin/"))
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def test_contributing__every_named_path_exists() -> None:
    spans = CODE_SPAN.findall(GUIDE.read_text(encoding="utf-8"))
    paths = [s for s in spans if s.startswith(TOP_DIRS) and " " not in s]
    assert len(paths) >= 20
    for path in paths:
        _check_path(path.rstrip("/"))


def test_contributing__every_named_function_or_table_exists() -> None:
    defined = _defined_names()
    spans = CODE_SPAN.findall(GUIDE.read_text(encoding="utf-8"))
    names = [
        m.group(1)
        for s in spans
        if (m := PY_NAME.match(s)) and ("_" in s or "." in s) and not s.startswith(TOP_DIRS)
    ]
    assert len(names) >= 15
    missing = sorted({n for n in names if n not in defined})
    assert missing == []
