"""LogInByAccount, LogOut and ValidateSession: synchronous, and need no Authorization."""

from __future__ import annotations

from flask import Blueprint, Response, request

from mock_server.routes.query import query_message
from mock_server.routes.rest import (
    operation,
    read_body,
    sync_faults,
    wants_schema,
)
from mock_server.runtime import runtime
from mock_server.zstack.api_chain import ApiCall
from mock_server.zstack.encoding import api_response, schema_map
from mock_server.zstack.gson import as_message
from mock_server.zstack.validation import read_message

bp = Blueprint("sessions", __name__, url_prefix="/v1/accounts")

# A unique path is dispatched whatever the method (RestServer.handleUniqueApi).
ANY_METHOD = ["GET", "POST", "PUT", "DELETE"]


@bp.route("/login", methods=ANY_METHOD, provide_automatic_options=False)
def log_in_by_account() -> Response:
    """LogInByAccount: 200 {"inventory": SessionInventory} or 503 {"error"}."""
    rt = runtime()
    operation("LogInByAccount")
    body = read_body()
    schema = rt.apis.schemas["LogInByAccount"]
    if request.method in ("GET", "DELETE"):
        # RestServer.handleApi L908-937: GET and DELETE take parameters from the query string
        raw: dict[str, object] | None = query_message(schema)
    else:
        raw = as_message((body or {}).get("logInByAccount"), "logInByAccount")
    message = read_message(schema, raw)
    sync_faults("LogInByAccount", message)
    reply = rt.call(ApiCall("LogInByAccount", message, None))
    if wants_schema():
        reply["schema"] = schema_map(rt.spec, reply, {"inventory": "SessionInventory"})
    return api_response(200, reply)


def _session_api(api: str, session_uuid: str) -> None:
    """An API naming its session in the path: the body is parsed, then the faults apply."""
    operation(api)
    read_body()
    sync_faults(api, {"sessionUuid": session_uuid})


@bp.route("/sessions/<session_uuid>", methods=ANY_METHOD, provide_automatic_options=False)
def log_out(session_uuid: str) -> Response:
    """LogOut: 200 {}; an unknown session is silently ignored."""
    _session_api("LogOut", session_uuid)
    reply = runtime().call(ApiCall("LogOut", {"sessionUuid": session_uuid}, None))
    return api_response(200, reply)


@bp.route("/sessions/<session_uuid>/valid", methods=ANY_METHOD, provide_automatic_options=False)
def validate_session(session_uuid: str) -> Response:
    """ValidateSession: 200 {"valid": true|false} (APIValidateSessionReply `valid=validSession`)."""
    _session_api("ValidateSession", session_uuid)
    reply = runtime().call(ApiCall("ValidateSession", {"sessionUuid": session_uuid}, None))
    return api_response(200, reply)
