"""create_app: the Flask app of one mock instance, with ZStack's error channels wired in."""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from contract_tests.i18n import Catalogue
from mock_server.config import MockConfig
from mock_server.package_data import default_fixtures_path
from mock_server.routes import backup_storage, images, jobs, sessions
from mock_server.routes.rest import (
    method_gate,
    note,
    relative_path,
    spec_path,
)
from mock_server.runtime import MockRuntime, runtime
from mock_server.state.fixtures import load_fixtures
from mock_server.state.store import Store
from mock_server.tooling import admin_api, cors, pages, verdict
from mock_server.tooling.request_log import record_exchange
from mock_server.tooling.webhooks import WebhookSender
from mock_server.zstack import i18n
from mock_server.zstack.api_chain import Apis
from mock_server.zstack.encoding import json_response, text_response
from mock_server.zstack.errors import RestError, ZStackError
from mock_server.zstack.spec import Spec

log = logging.getLogger(__name__)
access_log = logging.getLogger("zstack_mock.access")


def create_app(config: MockConfig | None = None, spec: Spec | None = None) -> Flask:
    """Build a mock: load the spec and fixtures, build the store, register the routes."""
    config = config or MockConfig()
    spec = spec or Spec.load()
    fixtures = load_fixtures(config.fixtures or default_fixtures_path())
    i18n.use_locale(config.locale, Catalogue.from_spec(spec.doc))
    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = config.max_body
    app.url_map.strict_slashes = True
    store = Store(fixtures, config.store_settings())
    rt = MockRuntime(
        config=config,
        spec=spec,
        apis=Apis(spec),
        store=store,
        webhooks=WebhookSender(config.webhook_allow, config.webhook_retry_interval),
    )
    rt.install(store)
    rt.restore_faults()
    app.extensions["zstack"] = rt
    if config.background_jobs:
        rt.start_ticker()
    for bp in (images.bp, jobs.bp, sessions.bp, backup_storage.bp):
        # ZStack's APIs under the context path (--context-path); RestServer sees `/v1/...`
        app.register_blueprint(bp, url_prefix=f"{config.context_path}{bp.url_prefix}")
    app.register_blueprint(admin_api.bp)
    app.register_blueprint(pages.bp, url_prefix="/_mock")
    app.before_request(_start)
    app.before_request(cors.preflight)
    app.before_request(method_gate)
    app.after_request(_finish)
    app.after_request(cors.allow)
    _register_error_handlers(app)
    if config.validate_responses:
        from mock_server.tooling.self_check import install_response_validation

        install_response_validation(app, spec)
    return app


def _start() -> None:
    g.started = time.perf_counter()
    note(verdict.session_in_query(request.args))


def _own_page(path: str) -> bool:
    """The mock's own pages (`/_mock/...`, and `/` and `/_mock`, the dashboard's redirects)."""
    return path in ("/", "/_mock") or path.startswith("/_mock/")


def _finish(response: Response) -> Response:
    """Break the body if a fault says so, then journal and log the request."""
    if g.get("broken_body") and response.mimetype == "application/json":
        data = response.get_data()
        response.set_data(data[: max(1, len(data) // 2)])
    if _own_page(request.path):
        return response  # the mock's own pages are not part of the client's traffic
    rt = runtime()
    record_exchange(rt.journal, rt.config, request, response)
    return response


def _allow() -> tuple[str, ...]:
    """`Allow` for a 405: what the spec documents for this path."""
    return runtime().spec.documented_methods(spec_path())


def _rest_text(status: int, message: str) -> Response:
    """A REST-layer rejection: plain text, and a violation in the client's verdict."""
    if not _own_page(request.path) and not g.get("fault_injected"):
        note(verdict.rest_error_findings(status, message))
    return text_response(status, message, _allow() if status == 405 else ())


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ZStackError)
    def zstack_error(e: ZStackError) -> Response:
        error = e.to_error_code()
        if not g.get("fault_injected"):
            note(verdict.error_findings(error))
        return json_response(503, {"error": error.to_json()})

    @app.errorhandler(RestError)
    def rest_error(e: RestError) -> Response:
        return _rest_text(e.status, e.message)

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(e: RequestEntityTooLarge) -> Response:
        # Not determinable from the source: the closest documented kind, plain text.
        limit = app.config["MAX_CONTENT_LENGTH"]
        return _rest_text(413, f"the request body is larger than {limit} bytes")

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> Response:
        if e.code == 405:
            return _rest_text(
                405, f"The method[{request.method}] is not allowed for the path[{request.path}]"
            )
        if e.code == 404:
            # RestServer: "no api mapping to %s" with the path below the context
            return _rest_text(404, f"no api mapping to {relative_path()}")
        return _rest_text(e.code or 500, e.description or "")

    @app.errorhandler(Exception)
    def unexpected(e: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return text_response(500, f"{type(e).__name__}: {e}".splitlines()[0])
