"""What the mock shows of itself under /_mock/: the dashboard, its spec, API docs and health."""

from __future__ import annotations

import mimetypes
from pathlib import Path

import yaml
from flask import Blueprint, Response, current_app, redirect, request
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from swagger_ui_bundle import swagger_ui_path
from werkzeug.exceptions import NotFound
from werkzeug.security import safe_join

from mock_server import __version__
from mock_server.runtime import runtime
from mock_server.zstack.encoding import json_response

# registered by the app factory under /_mock
bp = Blueprint("about", __name__)
_UI = Path(__file__).resolve().parent / "ui"
_STARTED = "zstack_mock.started"


@bp.record_once
def _on_register(state: BlueprintSetupState) -> None:
    """Note when this mock started, and send `/` to the dashboard (outside the /_mock prefix)."""
    app = state.app
    app.extensions[_STARTED] = app.extensions["zstack"].store.clock.now()
    app.add_url_rule("/", "dashboard_from_root", _to_dashboard, methods=["GET"])


@bp.get("/ui")
def dashboard() -> Response:
    """The dashboard: a static page that polls this API; no build step."""
    return Response((_UI / "dashboard.html").read_text(), mimetype="text/html")


@bp.get("")
@bp.get("/")
def _to_dashboard() -> ResponseReturnValue:
    return redirect("/_mock/ui", code=302)


@bp.get("/spec")
def served_spec() -> Response:
    """The OpenAPI document this mock runs: YAML, or JSON when the client asks for it."""
    doc = runtime().spec.doc
    wanted = request.accept_mimetypes.best_match(["application/yaml", "application/json"])
    if wanted == "application/json":
        return json_response(200, doc)
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)
    return Response(text, mimetype="application/yaml")


@bp.get("/docs")
def api_docs() -> Response:
    """Swagger UI over /_mock/spec, from swagger-ui-bundle's assets: no CDN, works offline."""
    return Response((_UI / "docs.html").read_text(), mimetype="text/html")


@bp.get("/docs/<path:asset>")
def api_docs_asset(asset: str) -> Response:
    path = safe_join(str(swagger_ui_path), asset)
    try:
        found = path is not None and Path(path).is_file()
    except OSError:  # a name longer than the file system allows (found by test_fuzz)
        found = False
    if path is None or not found:
        raise NotFound()
    # read whole (the largest is 1 MB): a plain body the mock's self-check can read under test
    rsp = Response(Path(path).read_bytes(), mimetype=mimetypes.guess_type(path)[0])
    rsp.cache_control.max_age = 3600
    return rsp


@bp.get("/health")
def health() -> Response:
    rt = runtime()
    uptime = rt.store.clock.now() - current_app.extensions[_STARTED]
    return json_response(
        200, {"status": "ok", "version": __version__, "uptimeSeconds": round(uptime, 3)}
    )
