"""AddImage, QueryImage, DeleteImage, and the image actions (ExpungeImage, UpdateImage, ...)."""

from __future__ import annotations

from flask import Blueprint, Request, Response, request

from mock_server.routes import query
from mock_server.routes.candidates import ANY_METHOD, candidate_backup_storage
from mock_server.routes.rest import (
    accepted,
    current_request,
    header,
    injected_faults,
    no_action_mapping,
    note,
    operation,
    read_body,
    session_uuid,
    top_level_tags,
    wrong_method,
)
from mock_server.runtime import JobHeaders, MockRuntime, runtime
from mock_server.tooling.journal import Finding, Origin
from mock_server.tooling.verdict import envelope_findings, query_findings, unchecked_session
from mock_server.zstack.api_chain import ApiCall
from mock_server.zstack.errors import RestError
from mock_server.zstack.gson import as_message
from mock_server.zstack.validation import read_message

bp = Blueprint("images", __name__, url_prefix="/v1/images")

# the operation of the shared `actions` path; its x-zstack-actions maps body keys to APIs
ACTIONS_OPERATION = "ExpungeImage"


def submit_async(api: str, message: dict[str, object], session: str | None = None) -> Response:
    """Hand an async API below the REST layer; answer its 202.

    `session` is the route's `session_uuid()` when it has read it already.
    """
    rt, req = runtime(), current_request()
    session = session_uuid() if session is None else session
    failure = injected_faults(api, message)
    call = ApiCall(
        api, message, session, _webhook(rt, req), header(req, "X-JSON-Schema") is not None
    )
    headers = JobHeaders(
        header(req, "X-Job-UUID"),
        header(req, "X-API-Timeout"),
        _origin(rt, req, api),
        failure,
    )
    job, timeout_ms = rt.submit(call, headers)
    return accepted(job, timeout_ms)


def _origin(rt: MockRuntime, req: Request, api: str) -> dict[str, object]:
    """The starting request, redacted, kept with the job (and in --state) for a late finding."""
    secrets = rt.journal.secrets
    return Origin(
        req.method, req.path, secrets.query(req.query_string.decode("latin-1")), api
    ).to_json()


def _webhook(rt: MockRuntime, req: Request) -> str | None:
    """X-Web-Hook, if its host is one the mock may call (--webhook-allow)."""
    url = header(req, "X-Web-Hook")
    if url is None:
        return None
    if not rt.webhooks.allows(url):
        reason = f"X-Web-Hook {url} names a host --webhook-allow does not list; it is not called"
        note([Finding("warning", "webhook-not-allowed", reason)])
        return None
    return url


def _judge_envelope(
    api: str, body: object, envelope: str, path_vars: dict[str, str] | None = None
) -> None:
    note(envelope_findings(runtime().apis.schemas[api], body, envelope, path_vars or {}))


@bp.post("", provide_automatic_options=False)
def add_image() -> Response:
    """AddImage; every semantic check runs inside the job, as on the real server."""
    operation("AddImage")
    body = read_body()
    _judge_envelope("AddImage", body, "params")
    session = session_uuid()
    message = read_message(runtime().apis.schemas["AddImage"], _envelope(body, "params"))
    top_level_tags(message, body)
    return submit_async("AddImage", message, session)


@bp.get("", provide_automatic_options=False)
def query_image() -> Response:
    read_body()
    return query.run_query("QueryImage", session_uuid(), uuid=None)


@bp.route("/candidate-backup-storage", methods=ANY_METHOD, provide_automatic_options=False)
def get_candidate_backup_storage() -> Response:
    """An exact path: matched before `/images/{uuid}` (RestServer L624-634), unique: any method."""
    return candidate_backup_storage({})


@bp.route(
    "/volumes/<volume_uuid>/candidate-backup-storage",
    methods=ANY_METHOD,
    provide_automatic_options=False,
)
def get_candidate_backup_storage_of_volume(volume_uuid: str) -> Response:
    return candidate_backup_storage({"volumeUuid": volume_uuid})


@bp.route(
    "/volume-snapshots/<snapshot_uuid>/candidate-backup-storage",
    methods=ANY_METHOD,
    provide_automatic_options=False,
)
def get_candidate_backup_storage_of_snapshot(snapshot_uuid: str) -> Response:
    return candidate_backup_storage({"volumeSnapshotUuid": snapshot_uuid})


@bp.get("/<uuid>", provide_automatic_options=False)
def query_image_by_uuid(uuid: str) -> Response:
    read_body()
    return query.run_query("QueryImage", session_uuid(), uuid=uuid)


@bp.delete("/<uuid>", provide_automatic_options=False)
def delete_image(uuid: str) -> Response:
    """DeleteImage: parameters come from the query string only; a body is ignored."""
    operation("DeleteImage")
    body = read_body()
    session = session_uuid()
    schema = runtime().apis.schemas["DeleteImage"]
    note(query_findings(schema, request.args, body is not None))
    message = query.query_message(schema)
    message["uuid"] = uuid
    _judge_unchecked_session(uuid, session)
    return submit_async("DeleteImage", message, session)


def _judge_unchecked_session(image_uuid: str, session: str) -> None:
    """DeleteImage of a missing image succeeds before the session check: judge the session."""
    if runtime().skips_bad_session(image_uuid, session):
        note(unchecked_session("DeleteImage"))


@bp.put("/<image_uuid>/actions", provide_automatic_options=False)
def image_actions(image_uuid: str) -> Response:
    """The image actions (Expunge, Recover, Update, ChangeState, ...), by the body's action key."""
    return submit_action(runtime().spec.actions(ACTIONS_OPERATION), image_uuid)


def submit_action(action_apis: dict[str, str], url_value: str) -> Response:
    """An action of a shared PUT path, chosen by its key in the body (handleNonUniqueApi L775).

    `action_apis` is the path operation's `x-zstack-actions` (body key to ZStack API).
    """
    body = read_body()
    if body is None:
        # RestServer.handleNonUniqueApi calls m.containsKey on a null map: NPE, empty message
        raise RestError(500, "")
    key = next((k for k in action_apis if k in body), None)
    if key is None:
        raise no_action_mapping()
    api = action_apis[key]
    operation(api)
    schema = runtime().apis.schemas[api]
    url_field = schema.url_vars[0]  # the message field the URL variable fills
    _judge_envelope(api, body, key, {url_field: url_value})
    session = session_uuid()
    message = read_message(schema, _envelope(body, key))
    message[url_field] = url_value  # URL variables are copied in after the body
    top_level_tags(message, body)
    return submit_async(api, message, session)


def _envelope(body: dict[str, object] | None, key: str) -> dict[str, object] | None:
    return as_message((body or {}).get(key), key)


@bp.route("", methods=["PUT", "DELETE", "PATCH", "OPTIONS"], provide_automatic_options=False)
def images_other_method() -> Response:
    read_body()
    raise wrong_method()


@bp.route("/<uuid>", methods=["POST", "PUT", "PATCH", "OPTIONS"], provide_automatic_options=False)
def image_other_method(uuid: str) -> Response:
    body = read_body()
    if request.method == "PUT" and body is None:
        raise RestError(500, "")
    raise wrong_method()


@bp.route(
    "/<image_uuid>/actions",
    methods=["GET", "POST", "DELETE", "PATCH", "OPTIONS"],
    provide_automatic_options=False,
)
def actions_other_method(image_uuid: str) -> Response:
    read_body()
    raise wrong_method()
