"""Deviations in the protocol: body layout, the async job protocol, error structure, auth."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, Response, request

from tests.broken_servers.base import (
    Broken,
    body,
    is_poll,
    rewrite_json,
    runtime,
    set_body,
)

JSON = Any

# -- body layout -------------------------------------------------------------------------------


def params_envelope_ignored(app: Flask) -> None:
    """Reads AddImage's fields from the top level instead of `params`."""

    @app.before_request
    def move() -> None:
        data = body()
        if request.method == "POST" and isinstance(data, dict) and "params" in data:
            params = data.pop("params")
            set_body({**data, "parameters": params})


def expunge_action_renamed(app: Flask) -> None:
    """Expects the action key `expunge` instead of `expungeImage`."""

    @app.before_request
    def rename() -> None:
        data = body()
        if request.method == "PUT" and isinstance(data, dict) and "expungeImage" in data:
            set_body({"expunge": data.pop("expungeImage"), **data})


def unknown_fields_rejected(app: Flask) -> None:
    """Rejects AddImage params it does not know, where ZStack ignores them."""
    known = set(runtime(app).apis.schemas["AddImage"].properties)

    @app.before_request
    def reject() -> Response | None:
        data = body()
        params = data.get("params") if isinstance(data, dict) else None
        if isinstance(params, dict) and set(params) - known:
            return Response("unknown field", status=400, mimetype="text/plain")
        return None


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
            with runtime(app).store.locked() as store:
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
    rewrite_json(
        app,
        lambda r: r.status_code == 202 and not is_poll(r),
        lambda b: {**b, "location": "/zstack" + b["location"].split("/zstack", 1)[1]},
    )


def unknown_job_is_json(app: Flask) -> None:
    """Answers an unknown job with a JSON 404 instead of RestServer's plain text."""

    @app.after_request
    def to_json(response: Response) -> Response:
        if is_poll(response) and response.status_code == 404:
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
    rewrite_json(
        app,
        lambda r: r.status_code == 503,
        lambda b: {"error": {**b["error"], "description": "Something failed"}},
    )


def error_without_details(app: Flask) -> None:
    """Leaves `details` out of errors."""
    rewrite_json(
        app,
        lambda r: r.status_code == 503,
        lambda b: {"error": {k: v for k, v in b["error"].items() if k != "details"}},
    )


def rest_errors_as_json(app: Flask) -> None:
    """Sends the REST layer's 400s as JSON instead of plain text."""

    @app.after_request
    def to_json(response: Response) -> Response:
        if response.status_code == 400 and response.mimetype == "text/plain":
            text = response.get_data(as_text=True)
            return Response(json.dumps({"message": text}), status=400, mimetype="application/json")
        return response


# -- auth --------------------------------------------------------------------------------------


def unknown_session_accepted(app: Flask) -> None:
    """Accepts any session on queries."""
    sessions = runtime(app).store.sessions
    original = sessions.check

    def check(session_uuid: str | None) -> Any:
        if request.method == "GET":
            return None
        return original(session_uuid)

    sessions.check = check  # type: ignore[method-assign]


# -- texts of the REST layer and of ZQL ---------------------------------------------------------


def action_mapping_with_context_path(app: Flask) -> None:
    """Names the URL with its context path in `no action mapping` (getDecodedUrl strips it)."""

    @app.after_request
    def prefix(response: Response) -> Response:
        text = response.get_data(as_text=True) if response.mimetype == "text/plain" else ""
        if response.status_code == 400 and "action mapping to the URL[/v1/" in text:
            response.set_data(text.replace("URL[/v1/", "URL[/zstack/v1/"))
        return response


def zql_error_is_the_old_query_builder(app: Flask) -> None:
    """Fails a condition on a missing field with the old query builder's text, not ZQL's."""

    def change(data: JSON) -> JSON:
        error = data.get("error") if isinstance(data, dict) else None
        details = error.get("details") if isinstance(error, dict) else None
        if isinstance(details, str) and "not having field[" in details:
            field = details.rsplit("not having field[", 1)[1].rstrip("]")
            error["details"] = f"condition name[{field}] is invalid"
        return data

    rewrite_json(app, lambda r: r.status_code == 503, change)


def reply_body_not_json(app: Flask) -> None:
    """Answers a finished job's poll with an empty body where JSON is due."""

    @app.after_request
    def empty(response: Response) -> Response:
        if is_poll(response) and response.status_code == 200:
            response.set_data(b"")
        return response


BROKEN = [
    Broken(
        "params envelope ignored",
        "body layout",
        params_envelope_ignored,
        ("job_success_conformance", "error_code_conformance"),
    ),
    Broken(
        "expungeImage action renamed",
        "body layout",
        expunge_action_renamed,
        ("job_accepted_conformance", "job_poll_conformance"),
    ),
    Broken(
        "unknown fields rejected",
        "body layout",
        unknown_fields_rejected,
        ("job_poll_conformance", "job_accepted_conformance"),
    ),
    Broken(
        "AddImage answered synchronously",
        "async protocol",
        add_image_synchronous,
        ("job_accepted_conformance", "job_poll_conformance"),
    ),
    Broken(
        "relative job location", "async protocol", relative_location, ("job_accepted_conformance",)
    ),
    Broken(
        "unknown job is JSON",
        "async protocol",
        unknown_job_is_json,
        ("unknown_job_conformance", "plain_text_conformance"),
    ),
    Broken(
        "failed job is 400",
        "error structure",
        failed_job_is_400,
        ("job_poll_conformance", "error_envelope_conformance"),
    ),
    Broken(
        "error description wrong",
        "error structure",
        error_description_wrong,
        ("error_envelope_conformance",),
    ),
    Broken(
        "error without details",
        "error structure",
        error_without_details,
        ("error_envelope_conformance",),
    ),
    Broken(
        "REST errors as JSON", "error structure", rest_errors_as_json, ("plain_text_conformance",)
    ),
    Broken(
        "unknown session accepted on query",
        "auth",
        unknown_session_accepted,
        ("error_code_conformance", "error_envelope_conformance"),
    ),
    Broken(
        "action mapping names the context path",
        "REST texts",
        action_mapping_with_context_path,
        ("plain_text_conformance",),
    ),
    Broken(
        "ZQL error in the old query builder's words",
        "REST texts",
        zql_error_is_the_old_query_builder,
        ("error_code_conformance",),
    ),
    Broken(
        "job result is not JSON",
        "async protocol",
        reply_body_not_json,
        ("job_poll_conformance", "empty_result_conformance"),
    ),
]
