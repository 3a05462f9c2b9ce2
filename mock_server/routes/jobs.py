"""Job polling: GET /v1/api-jobs/{uuid}, answered before any authorization."""

from __future__ import annotations

from flask import Blueprint, Response

from mock_server.errors import RestError
from mock_server.routes.rest import injected_faults, operation, runtime, wants_schema
from mock_server.state.jobs import JobState
from mock_server.wire import json_response, schema_map, text_response

bp = Blueprint("jobs", __name__, url_prefix="/zstack/v1/api-jobs")

# which result key holds which inventory, for the `schema` map of a job result
_RESULT_ROOTS = {"inventory": "ImageInventory"}


@bp.get("/<uuid>", provide_automatic_options=False)
def get_job(uuid: str) -> Response:
    """202 {} while running, 200 with the result, 503 with the error, 404 when unknown."""
    rt = runtime()
    operation("GetJob")
    failure = injected_faults("GetJob", {"uuid": uuid})
    if failure is not None:
        raise failure
    with rt.store.locked() as store:
        job = store.jobs.get(uuid)
        if job is None or not store.jobs.is_visible(job):
            return text_response(404, "the job has been expired")
        store.jobs.polled(job)
        if job.state is JobState.PROCESSING:
            return json_response(202, {})
        if job.state is JobState.FAILED:
            assert job.error is not None
            return json_response(503, {"error": job.error.to_json()})
        result = dict(job.result or {})
    if wants_schema():
        result["schema"] = schema_map(rt.spec, result, _RESULT_ROOTS)
    return json_response(200, result)


@bp.route(
    "/<uuid>",
    methods=["POST", "PUT", "DELETE", "PATCH", "OPTIONS"],
    provide_automatic_options=False,
)
def job_other_method(uuid: str) -> Response:
    raise RestError(405, "only GET method is allowed for querying job status")
