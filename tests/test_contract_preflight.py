"""The contract suite's setup mistakes: each is one clear message, and no test runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.served import Served, contract, free_port

ROOT = Path(__file__).resolve().parent.parent


def no_usable_backup_storage_seed(folder: Path) -> Path:
    import yaml

    seed = yaml.safe_load((ROOT / "fixtures/seed/default.yaml").read_text())
    for bs in seed["backupStorages"]:
        bs["status"] = "Disconnected"
    path = folder / "none-usable.yaml"
    path.write_text(yaml.safe_dump(seed))
    return path


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    server = Served()
    yield server
    server.stop()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--target-url", "127.0.0.1:8080"], "is not a server root URL: it needs http://"),
        (
            ["--target-url", "http://no-such-host.invalid:8080"],
            "cannot resolve the host 'no-such-host.invalid'",
        ),
        (["--target-url", "{refused}"], "(connection refused)"),
        (
            ["--target-url", "{url}", "--context-path", "/"],
            "not under the context path /: PUT /v1/accounts/login got 404",
        ),
        (["--target-url", "{url}/zstack"], "has a path: give the server root"),
        (
            ["--target-url", "{url}", "--password", "wrong"],
            "the login as account 'admin' fails: ID.1000",
        ),
        (
            ["--target-url", "{url}", "--session-uuid", "0123456789abcdef0123456789abcdef"],
            "--session-uuid 0123... is not a live session: ID.1001",
        ),
        (
            ["--target-url", "{url}", "--backup-storage-uuid", "2499cd48fc33450a8737efff67ccb920"],
            "is not fit for AddImage: sftp-bs-down",
        ),
        (
            ["--target-url", "{url}", "--backup-storage-uuid", "ffffffffffffffffffffffffffffffff"],
            "names no backup storage of the target",
        ),
    ],
    ids=[
        "no-scheme",
        "unresolvable-host",
        "refused",
        "wrong-context-path",
        "url-with-path",
        "wrong-password",
        "dead-session",
        "unusable-backup-storage",
        "unknown-backup-storage",
    ],
)
def test_preflight__one_message_naming_the_option_and_no_test_runs(
    served: Served, tmp_path: Path, args: list[str], says: str
) -> None:
    values = {"url": served.root, "refused": f"http://127.0.0.1:{free_port()}"}
    result = contract(*(a.format(**values) for a in args), cwd=tmp_path)
    out = result.stdout + result.stderr
    assert result.returncode == 4, out
    [message] = [line for line in out.splitlines() if line.startswith("ERROR: ")]
    assert message.startswith("ERROR: zstack-contract preflight: ") and says in message, out
    changed = "--context-path" if "context path" in says else args[-2]
    assert f"change {changed}" in message or f"use {changed}" in message or "--account" in message
    assert len(out.strip().splitlines()) == 1, out
    assert "0123456789abcdef0123456789abcdef" not in out  # a session shows by 4 characters


def test_preflight__wrong_context_path_says_which_one_answers(
    served: Served, tmp_path: Path
) -> None:
    result = contract("--target-url", served.root, "--context-path", "/", cwd=tmp_path)
    sessions = requests.get(f"{served.root}/_mock/state", timeout=10).json()["sessions"]
    assert "it answers under /zstack: use --context-path /zstack" in result.stderr
    assert sessions == []  # the probe opened none


def test_preflight__no_usable_backup_storage(tmp_path: Path) -> None:
    server = Served("--fixtures", str(no_usable_backup_storage_seed(tmp_path)))
    try:
        result = contract("--target-url", server.root, cwd=tmp_path)
        sessions = requests.get(f"{server.root}/_mock/state", timeout=10).json()["sessions"]
    finally:
        server.stop()
    assert result.returncode == 4
    assert "the target has no backup storage fit for AddImage" in result.stderr
    assert "name one with --backup-storage-uuid" in result.stderr
    assert sessions == []  # the preflight logged out the session it opened


def test_preflight__session_is_logged_out_when_no_test_runs(served: Served, tmp_path: Path) -> None:
    result = contract("--target-url", served.root, "-k", "no_such_test", cwd=tmp_path)
    sessions = requests.get(f"{served.root}/_mock/state", timeout=10).json()["sessions"]
    assert result.returncode == 5, result.stdout[-2000:]  # pytest's "no tests ran"
    assert sessions == []
