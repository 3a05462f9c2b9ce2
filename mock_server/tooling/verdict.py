"""The contract verdict on a client's request: what ZStack rejects, and what it only tolerates.

Violations are requests a real server rejects (REST-layer errors, invalid arguments). Warnings are
what a real ZStack silently tolerates but a correct client must not do: unknown fields, DeleteImage
parameters in a body, a session id in the query string (zstack-behaviour.md §6).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mock_server.state.jobs import Job
from mock_server.tooling.journal import Finding
from mock_server.zstack.errors import ErrorCode
from mock_server.zstack.validation import MessageSchema

JSON = Any
# NeedReplyMessage (every APIMessage's base) declares them, so ZStack reads them beside the
# envelope and inside it (header/src/main/java/org/zstack/header/message/NeedReplyMessage.java
# L20-21; APIMessage.java L24 extends it); the Java SDK sends them inside `params`
MESSAGE_TAGS = frozenset({"systemTags", "userTags"})
SESSION_PARAMS = frozenset({"sessionId", "sessionUuid", "session"})
# what RestServer.handleQueryApi reads from a query's query string; it ignores every other key
# (rest/src/main/java/org/zstack/rest/RestServer.java L1100-1187; "q" by `"q".startsWith(name)`)
QUERY_PARAMS = frozenset(
    {"limit", "start", "count", "groupBy", "replyWithCount", "filterName", "sort", "fields"}
) | {"q", ""}


def envelope_findings(
    schema: MessageSchema, body: JSON, envelope: str, path_vars: dict[str, str]
) -> list[Finding]:
    """Unknown fields inside the envelope or beside it: ignored by the real server (Gson).

    A path variable repeated in the body is harmless when it has the path's value: RestServer
    copies the URL's variables into the message after the body (zstack-behaviour.md §6).
    """
    found: list[Finding] = []
    if not isinstance(body, dict):
        return found
    for key in sorted(set(body) - MESSAGE_TAGS - {envelope}):
        if key in path_vars and body[key] == path_vars[key]:
            continue
        reason = f"top-level key '{key}' is not part of {schema.api}; ZStack ignores it"
        found.append(Finding("warning", "unknown-field", reason))
    inner = body.get(envelope)
    if isinstance(inner, dict):
        for key in sorted(set(inner) - set(schema.properties) - MESSAGE_TAGS):
            reason = f"'{envelope}.{key}' is not a field of {schema.api}; ZStack ignores it"
            found.append(Finding("warning", "unknown-field", reason))
        for key in sorted(set(inner) & set(path_vars)):
            if inner[key] != path_vars[key]:
                reason = (
                    f"'{envelope}.{key}' is {inner[key]!r} but the path says "
                    f"{path_vars[key]!r}; ZStack uses the path's"
                )
                found.append(Finding("warning", "path-variable-differs", reason))
    return found


def query_findings(schema: MessageSchema, args: Iterable[str], has_body: bool) -> list[Finding]:
    """DeleteImage: parameters go in the query string; a body and unknown parameters are ignored."""
    found: list[Finding] = []
    if has_body:
        reason = (
            f"{schema.api} reads its parameters from the query string only; the body is ignored"
        )
        found.append(Finding("warning", "body-ignored", reason))
    for key in sorted(set(args)):
        name = key.split(".")[0]
        if name not in schema.properties and name not in SESSION_PARAMS | MESSAGE_TAGS:
            found.append(_unknown_parameter(key, schema.api))
    return found


def query_api_findings(api: str, args: Iterable[str]) -> list[Finding]:
    """QueryImage, QueryBackupStorage: a query string key handleQueryApi does not read."""
    return [
        _unknown_parameter(key, api)
        for key in sorted(set(args))
        if key.strip() not in QUERY_PARAMS and key not in SESSION_PARAMS
    ]


def _unknown_parameter(key: str, api: str) -> Finding:
    reason = f"query parameter '{key}' is not a parameter of {api}; ZStack ignores it"
    return Finding("warning", "unknown-parameter", reason)


def unchecked_session(api: str) -> list[Finding]:
    """A bad session ZStack never checks: DeleteImage of a missing image succeeds first.

    Its @APIParam has successIfResourceNotExisting (header/src/main/java/org/zstack/header/image/
    APIDeleteImageMsg.java L22), checked at SYSTEM, before the session check at FRONT
    (header/src/main/java/org/zstack/header/apimediator/GlobalApiMessageInterceptor.java L8).
    """
    reason = (
        f"the session is unknown or expired (ID.1001); ZStack answers {api} of a missing "
        "resource with success before it checks the session"
    )
    return [Finding("warning", "authentication", reason)]


def session_in_query(args: Iterable[str]) -> list[Finding]:
    """A session id belongs in `Authorization: OAuth`, never in a URL (ZStack ignores it there)."""
    return [
        Finding(
            "warning",
            "session-in-query",
            f"query parameter '{key}' carries a session id; send it as Authorization: OAuth",
        )
        for key in sorted(set(args))
        if key in SESSION_PARAMS
    ]


def error_findings(error: ErrorCode) -> list[Finding]:
    """What a failed call says about the client (README, "which errors are findings").

    SYS.1007 (SysErrors.INVALID_ARGUMENT_ERROR) is the request's shape: a violation. ID.1001
    (IdentityErrors.INVALID_SESSION, header/.../identity/IdentityErrors.java) is a warning. Every
    other code comes from the state (a missing image, a wrong password, a full backup storage),
    which correct clients meet in races and error-path tests: no finding.
    """
    if error.code == "SYS.1007":
        return [Finding("violation", "invalid-argument", error.details or error.code)]
    if error.code == "ID.1001":
        return [Finding("warning", "authentication", error.details or error.code)]
    return []


def job_findings(job: Job) -> list[Finding]:
    """A job's end: its error is judged unless a fault rule or the admin API decided it."""
    if not job.judged or job.error is None:
        return []
    return error_findings(job.error)


def rest_error_findings(status: int, message: str) -> list[Finding]:
    """The REST layer rejected the request before any job: a real server would too."""
    return [Finding("violation", "rest-layer", f"{status} {message or '(empty body)'}")]
