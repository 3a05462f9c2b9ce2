"""GET /_mock/journal: since/rev/limit, late findings, redacted and bounded exchanges, run counts."""

from __future__ import annotations

import time

import pytest

from mock_server.tooling.journal import BODY_BUDGET, Exchange, Finding, Journal
from mock_server.tooling.redact import Secrets
from tests.conftest import ADMIN_PASSWORD, ZStack, make_app


def journal(zs: ZStack, query: str = "") -> dict:
    rsp = zs.client.get(f"/_mock/journal{query}")
    assert rsp.status_code == 200, rsp.data
    return dict(rsp.json or {})


def test_journal__since_a_rev_and_limit(zs: ZStack) -> None:
    zs.login()
    zs.client.get("/zstack/v1/images", headers=zs.auth)
    first = journal(zs)
    assert first["rev"] == 2 and first["total"] == 2 and first["dropped"] == 0
    zs.client.get("/zstack/v1/images", headers=zs.auth)
    zs.client.get("/zstack/v1/nothing")
    new = journal(zs, f"?since={first['rev']}")
    assert [e["seq"] for e in new["entries"]] == [3, 4]
    assert [e["path"] for e in journal(zs, "?limit=1")["entries"]] == ["/zstack/v1/nothing"]
    assert journal(zs, "?limit=0")["entries"] == []
    assert zs.client.get("/_mock/journal?limit=-1").status_code == 400
    assert journal(zs)["findings"] == {"violation": 1, "warning": 0}


def test_journal__the_mocks_own_pages_are_not_journaled(zs: ZStack) -> None:
    for path in ("/", "/_mock", "/_mock/", "/_mock/ui"):
        assert zs.client.get(path).status_code in (200, 302)
    zs.client.get("/zstack/v1/nothing")
    body = journal(zs)
    assert [e["path"] for e in body["entries"]] == ["/zstack/v1/nothing"]
    assert body["total"] == 1


def test_journal__late_job_error_is_a_finding_of_the_starting_request(spec, clock) -> None:
    zs = ZStack(make_app(spec, job_delay=5, clock=clock).test_client())
    accepted = zs.add_image(format=None)  # SYS.1007, reported when the job ends
    before = journal(zs)
    [add] = [e for e in before["entries"] if e["api"] == "AddImage"]
    assert add["verdict"] == "ok" and accepted.status_code == 202
    clock.advance(5)
    after = journal(zs, f"?since={before['rev']}")
    [late] = after["entries"]
    assert (late["seq"], late["verdict"]) == (add["seq"], "violation")
    assert late["findings"][0]["rule"] == "invalid-argument" and late["rev"] > before["rev"]
    assert after["findings"] == {"violation": 1, "warning": 0}


def test_journal__hand_failed_and_fault_failed_jobs_are_no_finding(spec, clock) -> None:
    zs = ZStack(make_app(spec, job_delay=5, clock=clock).test_client())
    job = zs.add_image(format=None).json["location"].rsplit("/", 1)[-1]
    zs.client.post(f"/_mock/jobs/{job}/fail", json={"code": "SYS.1007"})
    zs.client.post(
        "/_mock/faults", json={"operation": "AddImage", "action": "fail_job", "code": "SYS.1007"}
    )
    zs.add_image()
    clock.advance(5)
    zs.client.get("/zstack/v1/images", headers=zs.auth)
    assert journal(zs)["findings"] == {"violation": 0, "warning": 0}


def test_journal__exchange_kept_with_secrets_hidden(zs: ZStack) -> None:
    zs.login()
    session = zs.session
    assert session is not None
    zs.client.get(f"/zstack/v1/images?sessionId={session}&q=name=x", headers=zs.auth)
    zs.client.delete(f"/zstack/v1/accounts/sessions/{session}")
    login, query, logout = journal(zs)["entries"]
    text = str([login, query, logout])
    assert ADMIN_PASSWORD not in text and session not in text
    assert f'"password": "{ADMIN_PASSWORD[:4]}…"' in login["requestBody"].replace('":"', '": "')
    assert f'"uuid":"{session[:4]}…"' in login["responseBody"]
    assert query["requestHeaders"]["Authorization"] == f"OAuth {session[:4]}…"
    assert query["query"] == f"sessionId={session[:4]}…&q=name=x"
    assert query["responseHeaders"]["Content-Type"].startswith("application/json")
    assert logout["path"] == f"/zstack/v1/accounts/sessions/{session[:4]}…"


def test_journal__bodies_bounded_with_a_marker(zs: ZStack) -> None:
    zs.add_image(description="d" * 100_000)
    [add] = journal(zs, "?api=AddImage")["entries"]
    head, _, tail = add["requestBody"].partition("…[truncated ")
    assert len(head.encode()) == 64 * 1024 and head.startswith('{"params"')
    assert tail.endswith(" bytes]") and int(tail.removesuffix(" bytes]")) > 30_000


def _with_bodies(j: Journal, path: str, size: int, findings: list | None = None) -> None:
    exchange = Exchange.capture((), b"q" * size, (), b"r" * size, frozenset())
    j.record(
        time=0.0,
        method="POST",
        path=path,
        query="",
        status=200,
        duration_ms=0.0,
        findings=findings or [],
        exchange=exchange,
    )


def test_journal__stored_bodies_have_a_total_budget_oldest_dropped_first() -> None:
    assert BODY_BUDGET == 256 * 1024 * 1024
    j = Journal(size=100, body_budget=10_000)
    bad = [Finding("violation", "rest-layer", "404")]
    _with_bodies(j, "/first", 2_000, bad)  # 4,000 bytes of bodies per entry
    _with_bodies(j, "/second", 2_000)
    assert [e.exchange.bodies_dropped for e in j.entries()] == [False, False]
    _with_bodies(j, "/third", 2_000)  # 12,000 > 10,000: the oldest bodies go
    first, second, third = (e.to_json(j.secrets) for e in j.entries())
    assert (
        first["requestBody"] == "…[dropped 2000 bytes: the journal's bodies were over their budget]"
    )
    assert first["responseBody"].startswith("…[dropped 2000 bytes")
    assert first["findings"] == [bad[0].to_json()] and first["path"] == "/first"
    assert second["requestBody"] == "q" * 2_000 and third["responseBody"] == "r" * 2_000
    assert j.stats()["total"] == 3 and j.stats()["findings"]["violation"] == 1


def test_journal__bodies_of_entries_that_fell_out_leave_the_budget() -> None:
    j = Journal(size=2, flagged_size=1, body_budget=10_000)
    for i in range(500):  # 500 x 4,000 bytes went through; only the 2 newest are held
        _with_bodies(j, f"/r{i}", 2_000)
    assert [e.to_json(j.secrets)["requestBody"] for e in j.entries()] == ["q" * 2_000] * 2
    assert j._body_bytes <= 10_000 and len(j._bodied) <= 2 * 2 + 64 + 1


def test_journal__findings_outlive_the_bounded_journal() -> None:
    j = Journal(size=10, flagged_size=3)
    j.record(
        time=0.0,
        method="GET",
        path="/bad",
        query="",
        status=404,
        duration_ms=0.0,
        findings=[Finding("violation", "rest-layer", "404")],
    )
    for _ in range(25):
        j.record(time=0.0, method="GET", path="/ok", query="", status=200, duration_ms=0.0)
    stats = j.stats()
    assert (stats["total"], stats["dropped"], stats["findings"]["violation"]) == (26, 15, 1)
    assert [e.path for e in j.entries(verdict="violation")] == ["/bad"]
    j.clear()
    assert j.entries() == [] and j.stats()["findings"]["violation"] == 1
    assert j.stats()["runTotal"] == 26


def test_journal__late_finding_after_the_entry_fell_out_is_kept() -> None:
    j = Journal(size=2)
    j.expect_job("job1")
    j.record(
        time=0.0,
        method="POST",
        path="/zstack/v1/images",
        query="",
        status=202,
        duration_ms=0.0,
        job="job1",
        starts_job=True,
    )
    for _ in range(5):
        j.record(time=0.0, method="GET", path="/ok", query="", status=200, duration_ms=0.0)
    j.job_ended("job1", [Finding("violation", "invalid-argument", "bad")], None, 0.0)
    assert [e.job for e in j.entries(verdict="violation")] == ["job1"]


def test_journal__job_error_after_a_restart_names_the_starting_request(tmp_path) -> None:
    import requests

    from tests.conftest import CONNECTED_BS
    from tests.served import Served

    state = tmp_path / "mock.db"
    first = Served("--state", str(state), "--job-delay", "3")
    try:
        auth = {"Authorization": f"OAuth {first.session()}"}
        params = {
            "name": "x",
            "url": "http://h/x.qcow2",
            "format": None,
            "backupStorageUuids": [CONNECTED_BS],
        }
        rsp = requests.post(
            f"{first.api}/images", json={"params": params}, headers=auth, timeout=10
        )
        job = rsp.json()["location"].rsplit("/", 1)[-1]
    finally:
        first.stop()
    second = Served("--state", str(state), port=first.port, quiet=False)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            body = requests.get(f"{second.root}/_mock/journal?verdict=violation", timeout=10).json()
            if body["entries"]:
                break
            time.sleep(0.2)
        [entry] = body["entries"]
        assert (entry["method"], entry["path"], entry["job"]) == ("POST", "/zstack/v1/images", job)
        assert entry["findings"][0]["rule"] == "invalid-argument"
    finally:
        log = second.stop()
    assert f"job={job} of POST /zstack/v1/images ended: verdict=violation" in log


@pytest.mark.parametrize(
    ("kind", "text", "hidden"),
    [
        # query strings: password= and session parameters, whatever their value
        ("query", f"password={ADMIN_PASSWORD}&name=x", "password=b109…&name=x"),
        ("query", "sessionId=abcdefgh12&q=uuid=1", "sessionId=abcd…&q=uuid=1"),
        # bodies: a password field (hashed or not), any SHA-512; an image uuid stays
        ("text", '{"password": "plain-secret"}', '{"password": "plai…"}'),
        ("text", f"hash {ADMIN_PASSWORD} end", "hash b109… end"),
        ("text", "image " + "a" * 32, "image " + "a" * 32),
        ("text", "session " + "5" * 32, "session 5555…"),  # a session id seen before
    ],
)
def test_redaction__secrets_by_their_first_4_characters(kind, text, hidden) -> None:
    secrets = Secrets()
    secrets.remember("5" * 32)
    assert getattr(secrets, kind)(text) == hidden


def test_redaction__authorization_and_named_tokens_in_headers() -> None:
    headers = Secrets().headers(
        [("Authorization", "OAuth token-12345"), ("x-session-id", "token-12345")],
        frozenset({"token-12345"}),
    )
    assert headers == {"Authorization": "OAuth toke…", "x-session-id": "toke…"}
