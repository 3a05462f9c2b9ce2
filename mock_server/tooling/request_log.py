"""Each answered client request: its journal entry (redacted, bounded) and its request log line."""

from __future__ import annotations

import json
import logging
import time

from flask import Request, Response
from flask.ctx import _AppCtxGlobals

from mock_server.config import MockConfig
from mock_server.tooling.journal import Entry, Exchange, Finding, Journal
from mock_server.tooling.redact import Secrets

access_log = logging.getLogger("zstack_mock.access")
SESSION_PARAMS = ("sessionId", "sessionUuid", "session")


def _request_secrets(request: Request, secrets: Secrets) -> frozenset[str]:
    """Remember the session ids this request names; return the tokens to hide in it."""
    found: set[str] = set()
    # request.headers.get("Authorization", ""), read from the environ (PEP 3333's key)
    auth: str = request.environ.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = auth.strip().partition(" ")
    if scheme in ("OAuth", "ZStack") and token.strip():
        found.add(token.strip())
    if request.query_string:  # else there are no arguments to parse
        for key in SESSION_PARAMS:
            found.update(v for v in request.args.getlist(key) if v)
    # LogOut and ValidateSession name the session in the path (/accounts/sessions/<uuid>)
    if "sessions" in request.path:
        parts = request.path.split("/")
        if "sessions" in parts[:-1]:
            found.add(parts[parts.index("sessions") + 1])
    for secret in found:
        secrets.remember(secret)
    return frozenset(s for s in found if len(s) >= 8)


def _login_session(response: Response) -> str | None:
    """The session uuid a LogInByAccount answer hands out."""
    try:
        body = json.loads(response.get_data())
        uuid = body["inventory"]["uuid"]
    except (ValueError, KeyError, TypeError):
        return None
    return uuid if isinstance(uuid, str) else None


def _request_body(request: Request, response: Response) -> bytes:
    if response.status_code == 413:
        return b""  # never read: it was larger than the limit
    return request.get_data(cache=True)


def _exchange(request: Request, response: Response, extra: frozenset[str]) -> Exchange:
    return Exchange.capture(
        # the pairs `.items()` yields; a bare iterator, as tuple() would first ask EnvironHeaders
        # for its length, which walks the whole environ once more
        iter(request.headers),
        _request_body(request, response),
        iter(response.headers),
        response.get_data(),
        extra,
    )


def record_exchange(
    journal: Journal,
    config: MockConfig,
    request: Request,
    response: Response,
    g: _AppCtxGlobals,
) -> Entry:
    """Journal the request with its verdict and exchange (secrets hidden when read); log it.

    `g` is the request's `flask.g`, the object itself (each read through the proxy costs).
    """
    secrets = journal.secrets
    extra = _request_secrets(request, secrets)
    api = g.get("zstack_api")
    if api == "LogInByAccount" and response.status_code == 200:
        session = _login_session(response)
        if session is not None:
            secrets.remember(session)
    exchange = _exchange(request, response, extra)
    started_job = g.get("job_uuid")
    job = started_job
    if job is None and "/v1/api-jobs/" in request.path:
        job = request.path.rsplit("/", 1)[-1]
    duration = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
    entry = journal.record(
        time=time.time(),
        method=request.method,
        path=secrets.text(request.path, extra),
        query=secrets.query(request.query_string.decode("latin-1"), extra),
        status=response.status_code,
        duration_ms=duration,
        api=api,
        job=job,
        findings=list(g.get("findings", ())),
        exchange=exchange,
        starts_job=started_job is not None,
    )
    if config.access_log:
        access_log.info(log_line(entry, config.log_format))
    return entry


def log_line(entry: Entry, log_format: str) -> str:
    """One request log line: method, path and query, status, time, job, verdict and reasons."""
    if log_format == "json":
        return json.dumps(entry.summary())
    target = f"{entry.path}?{entry.query}" if entry.query else entry.path
    line = (
        f"{entry.method} {target} {entry.status} {entry.duration_ms:.1f}ms "
        f"job={entry.job or '-'} verdict={entry.verdict}"
    )
    reasons = "; ".join(f"{f.level} {f.rule}: {f.reason}" for f in entry.findings)
    return f"{line} ({reasons})" if reasons else line


def log_late_findings(entry: Entry, findings: list[Finding], log_format: str) -> None:
    """A job's end judged the request that started it: one more line naming that request."""
    if log_format == "json":
        access_log.info(
            json.dumps({"lateFindings": [f.to_json() for f in findings], **entry.summary()})
        )
        return
    target = f"{entry.path}?{entry.query}" if entry.query else entry.path
    reasons = "; ".join(f"{f.level} {f.rule}: {f.reason}" for f in findings)
    access_log.info(
        f"job={entry.job} of {entry.method} {target} ended: verdict={entry.verdict} ({reasons})"
    )
