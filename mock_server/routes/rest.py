"""The REST layer's request handling shared by every route: RestServer.handleApi's steps."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable

from flask import Request, Response, g, request

from mock_server.runtime import runtime
from mock_server.state.jobs import Job
from mock_server.tooling.faults import FaultAction
from mock_server.tooling.journal import Finding
from mock_server.zstack import gson
from mock_server.zstack.encoding import api_response
from mock_server.zstack.errors import RestError, ZStackError
from zstack_spec.json_types import JSON

# the spec writes every path under ZStack's default context path
SPEC_CONTEXT = "/zstack"


def current_request() -> Request:
    """The request itself, not Flask's proxy: each read through `request` costs a lookup.

    `_get_current_object` is werkzeug's documented way to it (LocalProxy).
    """
    req: Request = request._get_current_object()  # type: ignore[attr-defined]
    return req


def header(req: Request, name: str) -> str | None:
    """`req.headers.get(name)`, for a header other than Content-Type and Content-Length.

    Without building werkzeug's EnvironHeaders: the WSGI environ's `HTTP_` key (PEP 3333), its
    value as sent, which is what EnvironHeaders answers.
    """
    value: str | None = req.environ.get("HTTP_" + name.upper().replace("-", "_"))
    return value


def read_body() -> dict[str, JSON] | None:
    """The body as Gson parses it; every API path parses it before anything else."""
    return gson.parse_body(current_request().get_data(cache=True))


def session_uuid() -> str:
    """`Authorization: OAuth <session>`; the OAuth backend accepts any string (checked later)."""
    auth = header(current_request(), "Authorization")
    if auth is None:
        raise RestError(400, "missing header 'Authorization'")
    auth = auth.strip()
    if auth.startswith("OAuth"):
        return auth.replace("OAuth", "", 1).strip()
    if auth.startswith("ZStack"):
        # RestServer.handleApi L879-880 asks RestAuthenticationType.valueOf("ZStack") first; only
        # "OAuth" is registered in the open-source tree (AccountConstant L68), so it throws
        # (header/.../rest/RestAuthenticationType.java L20), answered 500 with its message.
        raise RestError(
            500,
            "RestAuthenticationType type: ZStack was not registered by any "
            "RestAuthenticationBackend",
        )
    raise RestError(400, "Authorization type must be 'OAuth'")


def accepted(job: Job, timeout_ms: int) -> Response:
    """202 {"location", "apiTimeout"}: the location is absolute, under the context path."""
    # scheme://host as the client addressed us (request.host_url costs ~25 µs of IRI decoding)
    req = current_request()
    base = f"{req.scheme}://{req.host}"
    g.job_uuid = job.uuid
    return api_response(
        202,
        {"location": f"{base}{context_path()}/v1/api-jobs/{job.uuid}", "apiTimeout": timeout_ms},
    )


def top_level_tags(message: dict[str, JSON], body: dict[str, JSON] | None) -> None:
    """Top-level systemTags/userTags replace the message's (from `params`) only when present.

    Real server: RestServer.handleApi L997-1006, after Gson has filled the message from the
    envelope (the official SDKs send tags inside it).
    """
    for key in ("systemTags", "userTags"):
        value = gson.as_tags((body or {}).get(key))
        if value is not None:
            message[key] = value


def wants_schema() -> bool:
    return header(current_request(), "X-JSON-Schema") is not None


def context_path() -> str:
    """The context path this mock is served under (`--context-path`; "" for the root)."""
    return runtime().config.context_path


def relative_path() -> str:
    """The path as RestServer sees it, without the context path (getDecodedUrl)."""
    path, context = request.path, context_path()
    return path[len(context) :] if path.startswith(context + "/") else path


def spec_path() -> str:
    """The request path as the spec writes it (under `/zstack`), whatever the context path."""
    path, context = request.path, context_path()
    if path.startswith(context + "/v1/"):
        return SPEC_CONTEXT + path[len(context) :]
    return path


def is_job_path() -> bool:
    return request.path.startswith(f"{context_path()}/v1/api-jobs/")


# RestServerController maps only these methods (rest/.../RestServerController.java L21-27)
CONTROLLER_METHODS = ("POST", "PUT", "DELETE", "GET", "HEAD")
# paths with a single API: RestServer.handleUniqueApi runs it whatever the method, HEAD included
UNIQUE_PATHS = re.compile(
    r"^/v1/(accounts/login|accounts/sessions/[^/]+|backup-storage"
    r"|backup-storage/[^/]+/exported-images/[^/]+|images/candidate-backup-storage"
    r"|images/volumes/[^/]+/candidate-backup-storage"
    r"|images/volume-snapshots/[^/]+/candidate-backup-storage)$"
)


def method_gate(request: Request) -> Response | None:
    """What happens to a request before RestServer's APIs see it, by its method.

    Any other method (PATCH, ...) never reaches RestServer: Spring answers 405 and the servlet
    container writes the body (simulation choice: a short HTML page; only the status is ZStack's).
    HEAD on a job path is handleJobQuery's 405, on a unique path it runs the API (the container
    drops the body), and on a shared path it is handleNonUniqueApi's 405.
    """
    if request.path.startswith("/_mock/") or request.method == "OPTIONS":
        return None
    if request.method not in CONTROLLER_METHODS:
        rsp = Response(CONTAINER_405, status=405, mimetype="text/html")
        rsp.headers["Allow"] = ", ".join(CONTROLLER_METHODS)
        return rsp
    if request.method != "HEAD" or UNIQUE_PATHS.match(relative_path()):
        return None
    if relative_path().startswith("/v1/api-jobs/"):
        raise RestError(405, "only GET method is allowed for querying job status")
    raise RestError(405, f"The method[HEAD] is not allowed for the path[{request.path}]")


CONTAINER_405 = (
    '<!doctype html><html lang="en"><head><title>HTTP Status 405 – Method Not Allowed'
    "</title></head><body><h1>HTTP Status 405 – Method Not Allowed</h1></body></html>"
)


def wrong_method() -> RestError:
    """RestServer.handleNonUniqueApi for a method the shared path has no API for."""
    method, uri = request.method, request.path
    if method == "POST":
        return RestError(500, f"No creational API found for the path[{uri}]")
    if method == "GET":
        return RestError(500, f"No query API found for the path[{uri}]")
    if method == "DELETE":
        return RestError(500, f"No delete API found for the path[{uri}]")
    if method == "PUT":
        if read_body() is None:
            # handleNonUniqueApi calls m.containsKey on the null map: an NPE without a message
            return RestError(500, "")
        return no_action_mapping()
    return RestError(405, f"The method[{method}] is not allowed for the path[{uri}]")


def no_action_mapping() -> RestError:
    """A PUT whose body names no action of the path.

    Real server: RestServer.handleNonUniqueApi L778-779 formats getDecodedUrl(req), which strips
    the context path (L603-612); the other "No ... API found" texts use getRequestURI, with it.
    """
    return RestError(400, f"the body doesn't contain action mapping to the URL[{relative_path()}]")


def operation(api: str) -> None:
    """Name the ZStack API this request is, for the journal, faults and the verdict."""
    g.zstack_api = api


def note(findings: Iterable[Finding]) -> None:
    """Record contract findings about the client's request (violations or warnings)."""
    g.setdefault("findings", []).extend(findings)


def injected_faults(api: str, message: dict[str, JSON]) -> ZStackError | None:
    """Apply the fault rules that match: sleep, answer a REST error, break the body.

    Returns the error a `fail_job` rule asks for, for the caller to put into the job (or the
    sync reply).
    """
    failure: ZStackError | None = None
    for rule in runtime().faults.take(api, message):
        if rule.action is FaultAction.LATENCY:
            time.sleep(rule.delay())
        elif rule.action is FaultAction.REST_ERROR:
            g.fault_injected = True  # the client did not cause it: no finding (README)
            raise RestError(rule.status, rule.message)
        elif rule.action is FaultAction.BROKEN_BODY:
            g.broken_body = True
        elif rule.action is FaultAction.FAIL_JOB:
            failure = runtime().spec_error(rule.code, rule.details)
    return failure


def sync_faults(api: str, message: dict[str, JSON]) -> None:
    """Apply the fault rules of a synchronous API; a `fail_job` rule fails the reply (503)."""
    failure = injected_faults(api, message)
    if failure is not None:
        g.fault_injected = True  # the client did not cause it: no finding (README)
        raise failure
