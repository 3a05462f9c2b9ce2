"""Job polling: GET /v1/api-jobs/{uuid}, answered before any authorization."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from mock_server.routes.rest import operation, sync_faults, wants_schema
from mock_server.runtime import runtime
from mock_server.zstack.encoding import api_response, text_response
from mock_server.zstack.errors import RestError

JSON = Any
bp = Blueprint("jobs", __name__, url_prefix="/v1/api-jobs")


@bp.get("/<uuid>", provide_automatic_options=False)
def get_job(uuid: str) -> Response:
    """202 {} while running, 200 with the result, 503 with the error, 404 when unknown."""
    operation("GetJob")
    sync_faults("GetJob", {"uuid": uuid})
    answer = runtime().poll_job(uuid, wants_schema())
    if answer is None:
        return text_response(404, "the job has been expired")
    return api_response(*answer)


@bp.route(
    "/<uuid>",
    methods=["POST", "PUT", "DELETE", "PATCH", "OPTIONS"],
    provide_automatic_options=False,
)
def job_other_method(uuid: str) -> Response:
    raise RestError(405, "only GET method is allowed for querying job status")
