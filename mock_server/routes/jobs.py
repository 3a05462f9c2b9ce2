"""Job polling: GET /v1/api-jobs/{uuid}, answered before any authorization."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from mock_server.errors import RestError
from mock_server.routes.rest import operation, runtime, sync_faults, wants_schema
from mock_server.spec import Spec
from mock_server.state.jobs import Job, JobState
from mock_server.wire import api_response, schema_map, text_response

JSON = Any
bp = Blueprint("jobs", __name__, url_prefix="/v1/api-jobs")

# which result key holds which inventory, for the `schema` map of a job result
_RESULT_ROOTS = {"inventory": "ImageInventory"}


@bp.get("/<uuid>", provide_automatic_options=False)
def get_job(uuid: str) -> Response:
    """202 {} while running, 200 with the result, 503 with the error, 404 when unknown."""
    rt = runtime()
    operation("GetJob")
    sync_faults("GetJob", {"uuid": uuid})
    with rt.store.locked() as store:
        job = store.jobs.get(uuid)
        if job is None or not store.jobs.is_visible(job):
            return text_response(404, "the job has been expired")
        store.jobs.polled(job)
        if job.state is JobState.PROCESSING:
            return api_response(202, {})
        body = job_result_body(rt.spec, job, wants_schema())
    return api_response(503 if job.state is JobState.FAILED else 200, body)


def job_result_body(spec: Spec, job: Job, with_schema: bool) -> dict[str, JSON]:
    """What a poll of a finished job answers (and what its webhook posts)."""
    if job.state is JobState.FAILED:
        assert job.error is not None
        return {"error": job.error.to_json()}
    result = dict(job.result or {})
    if with_schema:
        result["schema"] = schema_map(spec, result, _RESULT_ROOTS)
    return result


@bp.route(
    "/<uuid>",
    methods=["POST", "PUT", "DELETE", "PATCH", "OPTIONS"],
    provide_automatic_options=False,
)
def job_other_method(uuid: str) -> Response:
    raise RestError(405, "only GET method is allowed for querying job status")
