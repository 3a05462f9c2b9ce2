"""The mock's own control API under /_mock/: reset, fixtures, state, jobs, faults, journal, UI."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from mock_server.runtime import runtime
from mock_server.state.fixtures import FixtureError, read_fixtures
from mock_server.state.jobs import Progression, ProgressionMode
from mock_server.tooling import admin
from mock_server.tooling.admin import AdminError
from mock_server.tooling.faults import FaultAction
from mock_server.zstack.encoding import json_response

JSON = Any
bp = Blueprint("admin", __name__, url_prefix="/_mock")


@bp.errorhandler(AdminError)
def admin_error(e: AdminError) -> Response:
    code, description = {
        400: ("MOCK.1000", "Invalid admin request"),
        404: ("MOCK.1001", "No such admin resource"),
        409: ("MOCK.1002", "The admin request conflicts with the current state"),
    }[e.status]
    return json_response(
        e.status, {"error": {"code": code, "description": description, "details": e.details}}
    )


def _json_body(schema_name: str) -> dict[str, JSON]:
    """The body, checked against the spec's schema for this admin request."""
    try:
        body = request.get_json(force=True, silent=False)
    except Exception:  # werkzeug raises several kinds for bad JSON
        raise AdminError(400, "the body is not valid JSON") from None
    spec = runtime().spec
    validator = spec.validator({"$ref": f"#/components/schemas/{schema_name}"})
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "(body)"
        raise AdminError(400, f"{where}: {errors[0].message}")
    result: dict[str, JSON] = body
    return result


@bp.post("/reset")
def reset() -> Response:
    return json_response(200, admin.reset(runtime()))


@bp.put("/fixtures")
def load_fixtures() -> Response:
    """Replace the fixtures with a YAML body (JSON with a JSON type); a bad one changes nothing."""
    try:
        text = request.get_data(as_text=True)
        fixtures = read_fixtures(text, "fixtures", json_only=request.mimetype == "application/json")
    except FixtureError as e:
        raise AdminError(400, str(e)) from None
    return json_response(200, admin.reset(runtime(), fixtures))


@bp.get("/state")
def state() -> Response:
    body = admin.state(runtime(), _int_arg("limit", minimum=1))
    # a poller (the dashboard, every second) gets 304 while nothing changed
    rsp = json_response(200, body)
    rsp.add_etag()
    rsp.make_conditional(request)  # in place
    return rsp


@bp.get("/jobs")
def list_jobs() -> Response:
    return json_response(200, admin.list_jobs(runtime(), _int_arg("limit", minimum=1)))


def _int_arg(name: str, minimum: int) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    if not raw.isdigit() or int(raw) < minimum:
        raise AdminError(400, f"{name} must be an integer of at least {minimum}")
    return int(raw)


@bp.put("/jobs/progression")
def set_progression() -> Response:
    body = _json_body("MockProgression")
    mode = ProgressionMode(body["mode"])
    value = float(body.get("value", 0))
    if mode is not ProgressionMode.IMMEDIATE and value <= 0:
        raise AdminError(400, f"mode {mode.value} needs a value above 0")
    return json_response(200, admin.set_progression(runtime(), Progression(mode, value)))


@bp.post("/jobs/<uuid>/complete")
def complete_job(uuid: str) -> Response:
    return json_response(200, admin.complete_job(runtime(), uuid))


@bp.post("/jobs/<uuid>/fail")
def fail_job(uuid: str) -> Response:
    body = _json_body("MockJobFailure")
    details = body.get("details") or "failed by the mock's admin API"
    return json_response(200, admin.fail_job(runtime(), uuid, body["code"], details))


@bp.get("/faults")
def list_faults() -> Response:
    return json_response(200, {"faults": [r.to_json() for r in runtime().faults.listed()]})


@bp.post("/faults")
def add_fault() -> Response:
    rt = runtime()
    body = _json_body("MockFaultRuleRequest")
    action = FaultAction(body["action"])
    fields: dict[str, JSON] = {
        "operation": body["operation"],
        "action": action,
        "remaining": body.get("times"),
    }
    if "match" in body:
        fields.update(field=body["match"]["field"], value=body["match"]["value"])
    if action is FaultAction.LATENCY:
        latency = body.get("latency")
        if latency is None:
            raise AdminError(400, "a latency rule needs latency (seconds, or {min, max})")
        low, high = (
            (latency, latency)
            if isinstance(latency, int | float)
            else (latency["min"], latency["max"])
        )
        if high < low:
            raise AdminError(400, "latency: min is above max")
        fields["latency"] = (float(low), float(high))
    elif action is FaultAction.FAIL_JOB:
        if "code" not in body:
            raise AdminError(400, "a fail_job rule needs code (and optionally details)")
        fields.update(
            code=body["code"], details=body.get("details", "injected by the mock's fault rule")
        )
    elif action is FaultAction.REST_ERROR:
        fields.update(status=body.get("status", 500), message=body.get("message", ""))
    rule = rt.faults.add(fields)
    return json_response(201, rule.to_json())


@bp.delete("/faults/<rule_id>")
def delete_fault(rule_id: str) -> Response:
    if not runtime().faults.remove(rule_id):
        raise AdminError(404, f"no fault rule {rule_id}")
    return json_response(200, {"deleted": rule_id})


@bp.get("/journal")
def journal() -> Response:
    """Entries matching every filter, newest last; `since` (a rev) and `limit` for pollers."""
    rt = runtime()
    filters: dict[str, JSON] = {}
    for key in ("method", "path", "verdict", "api"):
        if key in request.args:
            filters[key] = request.args[key]
    for key in ("status", "since", "limit"):
        if key in request.args:
            try:
                filters[key] = int(request.args[key])
            except ValueError:
                raise AdminError(400, f"{key} must be an integer") from None
    if filters.get("verdict") not in (None, "ok", "warning", "violation"):
        raise AdminError(400, "verdict is one of ok, warning, violation")
    if filters.get("limit", 0) < 0:
        raise AdminError(400, "limit must be 0 or more")
    admin.settle(rt)  # jobs that have come due end first, so their late findings are in this answer
    stats = rt.journal.stats()  # before the entries: a poller never misses a rev in between
    entries = rt.journal.entries(**filters)
    secrets = rt.journal.secrets
    return json_response(200, {"entries": [e.to_json(secrets) for e in entries], **stats})


@bp.delete("/journal")
def clear_journal() -> Response:
    runtime().journal.clear()
    return json_response(200, {})
