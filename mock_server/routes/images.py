"""AddImage, QueryImage, DeleteImage, and the ExpungeImage/RecoverImage actions."""

from __future__ import annotations

from flask import Blueprint, Response, request

from mock_server.apis import ApiCall
from mock_server.errors import RestError
from mock_server.gson import as_message
from mock_server.routes import query
from mock_server.routes.candidates import ANY_METHOD, candidate_backup_storage
from mock_server.routes.rest import (
    accepted,
    api_timeout,
    injected_faults,
    job_uuid,
    no_action_mapping,
    note,
    operation,
    read_body,
    runtime,
    session_uuid,
    top_level_tags,
    wrong_method,
)
from mock_server.state.journal import Finding, Origin
from mock_server.validation import read_message
from mock_server.verdict import envelope_findings, query_findings, unchecked_session

bp = Blueprint("images", __name__, url_prefix="/v1/images")

ACTION_APIS = {"expungeImage": "ExpungeImage", "recoverImage": "RecoverImage"}


def _submit(api: str, message: dict[str, object], spec_operation: str) -> Response:
    rt = runtime()
    session = session_uuid()
    raw = rt.spec.operations[spec_operation].raw
    # a shared path's actions may each have their own timeout (@DefaultTimeout)
    timeout = raw.get("x-zstack-api-timeouts", {}).get(api, raw["x-zstack-api-timeout"])
    failure = injected_faults(api, message)
    with rt.store.locked() as store:
        uuid = job_uuid(store)
        ms = api_timeout(timeout)
        call = ApiCall(api, message, session, _webhook(), "X-JSON-Schema" in request.headers)
        # the job's error becomes a finding of this request when the job ends (late findings)
        rt.journal.expect_job(uuid)
        job = rt.apis.submit(store, call, uuid, failure)
        job.origin = _origin(api)
    return accepted(job, ms)


def _origin(api: str) -> dict[str, object]:
    """The starting request, redacted, kept with the job (and in --state) for a late finding."""
    secrets = runtime().journal.secrets
    return Origin(request.method, request.path,
                  secrets.query(request.query_string.decode("latin-1")), api).to_json()  # fmt: skip


def _webhook() -> str | None:
    """X-Web-Hook, if its host is one the mock may call (--webhook-allow)."""
    url = request.headers.get("X-Web-Hook")
    if url is None:
        return None
    if not runtime().webhooks.allows(url):
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
    session_uuid()
    message = read_message(runtime().apis.schemas["AddImage"], _envelope(body, "params"))
    top_level_tags(message, body)
    return _submit("AddImage", message, "AddImage")


@bp.get("", provide_automatic_options=False)
def query_image() -> Response:
    read_body()
    return query.run_query("ImageInventory", session_uuid(), uuid=None)


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
    return query.run_query("ImageInventory", session_uuid(), uuid=uuid)


@bp.delete("/<uuid>", provide_automatic_options=False)
def delete_image(uuid: str) -> Response:
    """DeleteImage: parameters come from the query string only; a body is ignored."""
    operation("DeleteImage")
    body = read_body()
    session_uuid()
    schema = runtime().apis.schemas["DeleteImage"]
    note(query_findings(schema, request.args, body is not None))
    message = query.query_message(schema)
    message["uuid"] = uuid
    _judge_unchecked_session(uuid)
    return _submit("DeleteImage", message, "DeleteImage")


def _judge_unchecked_session(image_uuid: str) -> None:
    """DeleteImage of a missing image succeeds before the session check: judge the session."""
    rt = runtime()
    with rt.store.locked() as store:
        if image_uuid in store.images.images:
            return  # the job checks the session, and a bad one is its ID.1001
        session = store.sessions.sessions.get(session_uuid())
        if session is None or session.expired_date <= store.clock.now():
            note(unchecked_session("DeleteImage"))


@bp.put("/<image_uuid>/actions", provide_automatic_options=False)
def image_actions(image_uuid: str) -> Response:
    """ExpungeImage or RecoverImage, chosen by the action key in the body."""
    body = read_body()
    if body is None:
        # RestServer.handleNonUniqueApi calls m.containsKey on a null map: NPE, empty message
        raise RestError(500, "")
    key = next((k for k in ACTION_APIS if k in body), None)
    if key is None:
        raise no_action_mapping()
    api = ACTION_APIS[key]
    operation(api)
    _judge_envelope(api, body, key, {"imageUuid": image_uuid})
    session_uuid()
    message = read_message(runtime().apis.schemas[api], _envelope(body, key))
    message["imageUuid"] = image_uuid  # URL variables are copied in after the body
    top_level_tags(message, body)
    return _submit(api, message, "ExpungeImage")


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
