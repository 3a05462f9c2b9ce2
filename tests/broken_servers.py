"""Deliberately broken servers: the mock with exactly one contract deviation each.

The contract suite must fail against every one of them (test_contract_catches_deviations.py).
Each deviation is a function that changes one thing in a freshly built mock app.
"""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, request

from mock_server.app import create_app
from mock_server.errors import InvalidSession
from mock_server.routes.rest import MockRuntime
from tests.served import ThreadedServer

JSON = Any
Deviation = Callable[[Flask], None]


@dataclass(frozen=True)
class Broken:
    name: str
    family: str
    deviate: Deviation


def _runtime(app: Flask) -> MockRuntime:
    rt: MockRuntime = app.extensions["zstack"]
    return rt


def _body() -> JSON:
    """The request body, read without using it up."""
    length = int(request.environ.get("CONTENT_LENGTH") or 0)
    raw = request.environ["wsgi.input"].read(length) if length else b""
    request.environ["wsgi.input"] = io.BytesIO(raw)
    try:
        return json.loads(raw or b"null")
    except ValueError:
        return None


def _set_body(data: JSON) -> None:
    raw = json.dumps(data).encode()
    request.environ["wsgi.input"] = io.BytesIO(raw)
    request.environ["CONTENT_LENGTH"] = str(len(raw))
    request.__dict__.pop("stream", None)
    request.__dict__.pop("_cached_data", None)


def _set_query(query: str) -> None:
    request.environ["QUERY_STRING"] = query
    request.query_string = query.encode("latin-1")
    request.__dict__.pop("args", None)


def _rewrite_json(
    app: Flask, when: Callable[[Response], bool], change: Callable[[JSON], JSON]
) -> None:
    @app.after_request
    def rewrite(response: Response) -> Response:
        if response.mimetype == "application/json" and when(response):
            response.set_data(json.dumps(change(json.loads(response.get_data()))))
        return response


def _is_poll(response: Response) -> bool:
    return "/api-jobs/" in request.path


def _inventory(change: Callable[[JSON], None]) -> Callable[[JSON], JSON]:
    def apply(body: JSON) -> JSON:
        if isinstance(body, dict) and isinstance(body.get("inventory"), dict):
            change(body["inventory"])
        if isinstance(body, dict) and isinstance(body.get("inventories"), list):
            for inv in body["inventories"]:
                change(inv)
        return body

    return apply


# -- body layout -------------------------------------------------------------------------------


def params_envelope_ignored(app: Flask) -> None:
    """Reads AddImage's fields from the top level instead of `params`."""

    @app.before_request
    def move() -> None:
        body = _body()
        if request.method == "POST" and isinstance(body, dict) and "params" in body:
            params = body.pop("params")
            _set_body({**body, "parameters": params})


def expunge_action_renamed(app: Flask) -> None:
    """Expects the action key `expunge` instead of `expungeImage`."""

    @app.before_request
    def rename() -> None:
        body = _body()
        if request.method == "PUT" and isinstance(body, dict) and "expungeImage" in body:
            _set_body({"expunge": body.pop("expungeImage"), **body})


def unknown_fields_rejected(app: Flask) -> None:
    """Rejects AddImage params it does not know, where ZStack ignores them."""
    known = set(_runtime(app).apis.schemas["AddImage"].properties)

    @app.before_request
    def reject() -> Response | None:
        body = _body()
        params = body.get("params") if isinstance(body, dict) else None
        if isinstance(params, dict) and set(params) - known:
            return Response("unknown field", status=400, mimetype="text/plain")
        return None


# -- query params ------------------------------------------------------------------------------


def delete_ignores_query_subset(app: Flask) -> None:
    """DeleteImage ignores backupStorageUuids in the query string (reads only a body)."""
    _drop_query_args(app, lambda key: key == "backupStorageUuids")


def delete_ignores_indexed_form(app: Flask) -> None:
    """DeleteImage does not understand `backupStorageUuids.N`."""
    _drop_query_args(app, lambda key: key.startswith("backupStorageUuids."))


def _drop_query_args(app: Flask, drop: Callable[[str], bool]) -> None:
    @app.before_request
    def strip() -> None:
        if request.method == "DELETE":
            pairs = [(k, v) for k, v in request.args.items(multi=True) if not drop(k)]
            from urllib.parse import urlencode

            _set_query(urlencode(pairs))


def delete_splits_commas(app: Flask) -> None:
    """Splits a comma-joined backupStorageUuids value into several elements."""

    @app.before_request
    def split() -> None:
        if request.method == "DELETE" and "," in request.args.get("backupStorageUuids", ""):
            from urllib.parse import urlencode

            pairs = [
                ("backupStorageUuids", v) for v in request.args["backupStorageUuids"].split(",")
            ]
            _set_query(urlencode(pairs))


# -- async protocol ----------------------------------------------------------------------------


def add_image_synchronous(app: Flask) -> None:
    """Answers AddImage with 200 and the result instead of 202 and a job."""

    @app.after_request
    def sync(response: Response) -> Response:
        if (
            request.method == "POST"
            and request.path.endswith("/images")
            and response.status_code == 202
        ):
            job_uuid = json.loads(response.get_data())["location"].rsplit("/", 1)[1]
            with _runtime(app).store.locked() as store:
                job = store.jobs.get(job_uuid)
                result = (
                    job.result
                    if job and job.result
                    else {"error": job.error.to_json() if job and job.error else {}}
                )
            return Response(json.dumps(result), status=200, mimetype="application/json")
        return response


def relative_location(app: Flask) -> None:
    """Sends `location` as a path, not an absolute URL."""
    _rewrite_json(app, lambda r: r.status_code == 202 and not _is_poll(r),
                  lambda b: {**b, "location": "/zstack" + b["location"].split("/zstack", 1)[1]})  # fmt: skip


def unknown_job_is_json(app: Flask) -> None:
    """Answers an unknown job with a JSON 404 instead of RestServer's plain text."""

    @app.after_request
    def to_json(response: Response) -> Response:
        if _is_poll(response) and response.status_code == 404:
            return Response(
                json.dumps({"error": "not found"}), status=404, mimetype="application/json"
            )
        return response


def failed_job_is_400(app: Flask) -> None:
    """Reports a failed job with 400 instead of 503."""

    @app.after_request
    def status(response: Response) -> Response:
        if response.status_code == 503:
            response.status_code = 400
        return response


# -- error structure ---------------------------------------------------------------------------


def error_description_wrong(app: Flask) -> None:
    """Puts its own text in `description` instead of ZStack's text for the code."""
    _rewrite_json(app, lambda r: r.status_code == 503,
                  lambda b: {"error": {**b["error"], "description": "Something failed"}})  # fmt: skip


def error_without_details(app: Flask) -> None:
    """Leaves `details` out of errors."""
    _rewrite_json(app, lambda r: r.status_code == 503,
                  lambda b: {"error": {k: v for k, v in b["error"].items() if k != "details"}})  # fmt: skip


def rest_errors_as_json(app: Flask) -> None:
    """Sends the REST layer's 400s as JSON instead of plain text."""

    @app.after_request
    def to_json(response: Response) -> Response:
        if response.status_code == 400 and response.mimetype == "text/plain":
            text = response.get_data(as_text=True)
            return Response(json.dumps({"message": text}), status=400, mimetype="application/json")
        return response


# -- inventory fields --------------------------------------------------------------------------


def size_as_string(app: Flask) -> None:
    """Sends sizes as strings."""

    def change(inv: JSON) -> None:
        inv["size"] = str(inv.get("size"))

    _rewrite_json(app, lambda r: r.status_code == 200, _inventory(change))


def iso_timestamps(app: Flask) -> None:
    """Sends ISO 8601 timestamps instead of Gson's `Nov 28, 2026 11:00:00 AM`."""

    def change(inv: JSON) -> None:
        inv["createDate"] = "2026-11-28T11:00:00Z"

    _rewrite_json(app, lambda r: r.status_code == 200, _inventory(change))


def name_not_trimmed(app: Flask) -> None:
    """Returns the name with the blanks it was sent with."""

    @app.before_request
    def keep() -> None:
        body = _body()
        params = body.get("params") if isinstance(body, dict) else None
        if (
            isinstance(params, dict)
            and isinstance(params.get("name"), str)
            and params["name"] != params["name"].strip()
        ):
            # the server stores a marker the response then turns back into the raw name
            params["name"] = params["name"].replace(" ", "\u2063")
            _set_body(body)

    def change(inv: JSON) -> None:
        if isinstance(inv.get("name"), str):
            inv["name"] = inv["name"].replace("\u2063", " ")

    _rewrite_json(app, lambda r: r.status_code == 200, _inventory(change))


def refs_on_unusable_storage(app: Flask) -> None:
    """Makes refs on every backup storage sent, usable or not."""

    def change(inv: JSON) -> None:
        refs = inv.get("backupStorageRefs") or []
        if refs:
            extra = {
                **refs[0],
                "backupStorageUuid": "2499cd48fc33450a8737efff67ccb920",
                "id": 99999,
            }
            inv["backupStorageRefs"] = [*refs, extra]

    _rewrite_json(app, lambda r: r.status_code == 200 and _is_poll(r), _inventory(change))


def defaults_not_filled(app: Flask) -> None:
    """Leaves platform and guestOsType unset when the client did not send them."""

    def change(inv: JSON) -> None:
        inv.pop("guestOsType", None)

    _rewrite_json(app, lambda r: r.status_code == 200, _inventory(change))


# -- validation --------------------------------------------------------------------------------


def unknown_format_wrong_code(app: Flask) -> None:
    """Fails an unknown format with SYS.1000 instead of SYS.1007."""

    def change(body: JSON) -> JSON:
        if "unknown format" in body["error"].get("details", ""):
            body["error"] = {**body["error"], "code": "SYS.1000",
                             "description": "An internal error happened in system"}  # fmt: skip
        return body

    _rewrite_json(app, lambda r: r.status_code == 503, change)


def session_checked_first(app: Flask) -> None:
    """Checks the session before the @APIParam checks (ZStack checks parameters first)."""
    rt = _runtime(app)
    original = rt.apis.submit

    def submit(store: Any, call: Any, job_uuid: str) -> Any:
        try:
            store.sessions.check(call.session_uuid)
        except InvalidSession as e:
            failure = e

            def work() -> dict[str, JSON]:
                raise failure

            return store.jobs.submit(job_uuid, call.api, work)
        return original(store, call, job_uuid)

    rt.apis.submit = submit  # type: ignore[method-assign,assignment]


# -- auth --------------------------------------------------------------------------------------


def unknown_session_accepted(app: Flask) -> None:
    """Accepts any session on queries."""
    sessions = _runtime(app).store.sessions
    original = sessions.check

    def check(session_uuid: str | None) -> Any:
        if request.method == "GET":
            return None
        return original(session_uuid)

    sessions.check = check  # type: ignore[method-assign]


# -- lifecycle ---------------------------------------------------------------------------------


def expunge_of_ready_image_succeeds(app: Flask) -> None:
    """Expunges an image that was never deleted."""
    images = _runtime(app).store.images

    def expunge_image(uuid: str, backup_storage_uuids: list[str] | None) -> dict[str, JSON]:
        images.images.pop(uuid, None)
        return {}

    images.expunge_image = expunge_image  # type: ignore[method-assign]


def delete_of_unknown_uuid_fails(app: Flask) -> None:
    """Fails DeleteImage of a well-formed unknown uuid with SYS.1003 (ZStack succeeds)."""
    apis = _runtime(app).apis
    schema = apis.schemas["DeleteImage"]
    uuid = {
        k: v for k, v in schema.properties["uuid"].items() if k != "x-zstack-success-if-missing"
    }
    apis.schemas["DeleteImage"] = dataclasses.replace(
        schema, properties={**schema.properties, "uuid": uuid}
    )


def recover_does_nothing(app: Flask) -> None:
    """RecoverImage answers success but leaves the image Deleted."""
    images = _runtime(app).store.images

    def recover_image(uuid: str, backup_storage_uuids: list[str] | None) -> dict[str, JSON]:
        return {"inventory": images.get_image(uuid).to_inventory()}

    images.recover_image = recover_image  # type: ignore[method-assign]


def deleted_image_disappears_and_returns(app: Flask) -> None:
    """Under Delay, marks refs Deleted but leaves the image status Ready."""
    images = _runtime(app).store.images
    original = images.delete_image

    def delete_image(
        uuid: str, backup_storage_uuids: list[str] | None, delete_mode: str | None
    ) -> dict[str, JSON]:
        result = original(uuid, backup_storage_uuids, delete_mode)
        image = images.images.get(uuid)
        if image is not None:
            from mock_server.state.model import ImageStatus

            image.status = ImageStatus.READY
        return result

    images.delete_image = delete_image  # type: ignore[method-assign]


BROKEN = [
    Broken("params envelope ignored", "body layout", params_envelope_ignored),
    Broken("expungeImage action renamed", "body layout", expunge_action_renamed),
    Broken("unknown fields rejected", "body layout", unknown_fields_rejected),
    Broken("delete ignores query subset", "query params", delete_ignores_query_subset),
    Broken("delete ignores indexed form", "query params", delete_ignores_indexed_form),
    Broken("delete splits commas", "query params", delete_splits_commas),
    Broken("AddImage answered synchronously", "async protocol", add_image_synchronous),
    Broken("relative job location", "async protocol", relative_location),
    Broken("unknown job is JSON", "async protocol", unknown_job_is_json),
    Broken("failed job is 400", "error structure", failed_job_is_400),
    Broken("error description wrong", "error structure", error_description_wrong),
    Broken("error without details", "error structure", error_without_details),
    Broken("REST errors as JSON", "error structure", rest_errors_as_json),
    Broken("size as string", "inventory fields", size_as_string),
    Broken("ISO timestamps", "inventory fields", iso_timestamps),
    Broken("name not trimmed", "inventory fields", name_not_trimmed),
    Broken("refs on unusable storage", "inventory fields", refs_on_unusable_storage),
    Broken("defaults not filled", "inventory fields", defaults_not_filled),
    Broken("unknown format wrong code", "validation", unknown_format_wrong_code),
    Broken("session checked before parameters", "validation", session_checked_first),
    Broken("unknown session accepted on query", "auth", unknown_session_accepted),
    Broken("expunge of a Ready image succeeds", "lifecycle", expunge_of_ready_image_succeeds),
    Broken("delete of an unknown uuid fails", "lifecycle", delete_of_unknown_uuid_fails),
    Broken("recover does nothing", "lifecycle", recover_does_nothing),
    Broken("deleted image stays Ready", "lifecycle", deleted_image_disappears_and_returns),
]


class BrokenServer(ThreadedServer):
    """A broken mock served in a thread on a free loopback port."""

    def __init__(self, broken: Broken) -> None:
        app = create_app()
        broken.deviate(app)
        super().__init__(app)
