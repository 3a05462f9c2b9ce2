"""create_app: the Flask app of one mock instance, with ZStack's error channels wired in."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Request, Response, g, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from mock_server.config import MockConfig
from mock_server.package_data import default_fixtures_path
from mock_server.routes import backup_storage, images, jobs, sessions, system_tags
from mock_server.routes.rest import (
    current_request,
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
    app = MockFlask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = config.max_body
    app.url_map.strict_slashes = True
    rt = _runtime(config, spec)
    app.extensions["zstack"] = rt
    if config.background_jobs:
        rt.start_ticker()
    _register_routes(app, config)
    _register_error_handlers(app)
    if config.validate_responses:
        from mock_server.tooling.self_check import install_response_validation

        install_response_validation(app, spec)
    return app


def _runtime(config: MockConfig, spec: Spec) -> MockRuntime:
    """The composition root's parts: the store (in memory or in a --state file) and the tools."""
    fixtures = load_fixtures(config.fixtures or default_fixtures_path())
    settings, path = config.store_settings(), config.state_file
    store = Store(fixtures, settings) if path is None else Store.open(fixtures, settings, path)
    rt = MockRuntime(
        config=config,
        spec=spec,
        apis=Apis(spec),
        store=store,
        locale=i18n.Locale(config.locale, spec.catalogue),
        webhooks=WebhookSender(config.webhook_allow, config.webhook_retry_interval),
    )
    rt.install(store)
    rt.restore_faults()
    return rt


def _register_routes(app: Flask, config: MockConfig) -> None:
    """ZStack's blueprints under the context path, the mock's own under /_mock, and the hooks."""
    for bp in (images.bp, jobs.bp, sessions.bp, backup_storage.bp, system_tags.bp):
        # ZStack's APIs under the context path (--context-path); RestServer sees `/v1/...`
        app.register_blueprint(bp, url_prefix=f"{config.context_path}{bp.url_prefix}")
    app.register_blueprint(admin_api.bp)
    app.register_blueprint(pages.bp, url_prefix="/_mock")
    # one hook each way, not five: Flask's per-hook dispatch costs more than their bodies
    app.before_request(_before)
    app.teardown_request(_stop_speaking)
    app.after_request(_after)


class MockFlask(Flask):
    """Flask, answering `ensure_sync` (its documented override point) once per function.

    Flask asks it for every hook and view of every request, and each answer costs an
    `inspect.iscoroutinefunction`; the answer for a function never changes.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        sync = self._sync.get(func)
        if sync is None:
            sync = super().ensure_sync(func)
            if len(self._sync) < SYNC_CACHE:  # bounded: `after_this_request` makes new ones
                self._sync[func] = sync
        return sync


SYNC_CACHE = 1024


def _before() -> Response | None:
    """Before routing, in this order.

    Speak the app's language, start the clock and judge the query string, answer a CORS
    preflight, gate the method.
    """
    req, rt = current_request(), runtime()
    gl = g._get_current_object()
    # every detail of this request in the app's language (MockRuntime.locale)
    gl.locale_token = i18n.speak(rt.locale)
    gl.started = time.perf_counter()
    if req.query_string:  # no query string, no arguments to judge
        note(verdict.session_in_query(req.args))
    answer = cors.preflight(req, rt.config)
    return answer if answer is not None else method_gate(req)


def _stop_speaking(_: BaseException | None) -> None:
    token = g.pop("locale_token", None)
    if token is not None:
        i18n.stop_speaking(token)


def _after(response: Response) -> Response:
    """After the view: CORS marks the response, then `_finish`.

    Flask's order when they were two hooks (after_request functions run last registered first).
    """
    req, rt = current_request(), runtime()
    return _finish(req, rt, cors.allow(req, rt.config, response))


def _own_page(path: str) -> bool:
    """The mock's own pages (`/_mock/...`, and `/` and `/_mock`, the dashboard's redirects)."""
    return path in ("/", "/_mock") or path.startswith("/_mock/")


def _finish(req: Request, rt: MockRuntime, response: Response) -> Response:
    """Break the body if a fault says so, then journal and log the request."""
    gl = g._get_current_object()
    if gl.get("broken_body") and response.mimetype == "application/json":
        data = response.get_data()
        response.set_data(data[: max(1, len(data) // 2)])
    if _own_page(req.path):
        return response  # the mock's own pages are not part of the client's traffic
    record_exchange(rt.journal, rt.config, req, response, gl)
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
