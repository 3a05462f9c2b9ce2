"""create_app: the Flask app of one mock instance, with ZStack's error channels wired in."""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from mock_server.apis import Apis
from mock_server.config import MockConfig
from mock_server.errors import RestError, ZStackError
from mock_server.resources import default_fixtures_path
from mock_server.routes import backup_storage, images, jobs, sessions
from mock_server.routes.rest import CONTEXT, MockRuntime, relative_path
from mock_server.spec import Spec
from mock_server.state.fixtures import load_fixtures
from mock_server.state.store import Store
from mock_server.wire import json_response, text_response

log = logging.getLogger(__name__)


def create_app(config: MockConfig | None = None, spec: Spec | None = None) -> Flask:
    """Build a mock: load the spec and fixtures, build the store, register the routes."""
    config = config or MockConfig()
    spec = spec or Spec.load()
    fixtures = load_fixtures(config.fixtures or default_fixtures_path())
    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = config.max_body
    app.url_map.strict_slashes = True
    app.extensions["zstack"] = MockRuntime(
        config=config, spec=spec, apis=Apis(spec), store=Store(fixtures, config.store_settings())
    )
    for bp in (images.bp, jobs.bp, sessions.bp, backup_storage.bp):
        app.register_blueprint(bp)
    app.before_request(_reject_head)
    _register_error_handlers(app)
    if config.validate_responses:
        from mock_server.self_check import install_response_validation

        install_response_validation(app, spec)
    return app


def _allow() -> tuple[str, ...]:
    """`Allow` for a 405: what the spec documents for this path."""
    spec: Spec = current_app.extensions["zstack"].spec
    return spec.documented_methods(request.path)


def _reject_head() -> Response | None:
    """HEAD reaches RestServer, which has no API for it on these paths."""
    if request.method != "HEAD":
        return None
    if request.path.startswith(f"{CONTEXT}/v1/api-jobs/"):
        return text_response(405, "only GET method is allowed for querying job status", _allow())
    return text_response(
        405, f"The method[HEAD] is not allowed for the path[{request.path}]", _allow()
    )


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ZStackError)
    def zstack_error(e: ZStackError) -> Response:
        return json_response(503, {"error": e.to_error_code().to_json()})

    @app.errorhandler(RestError)
    def rest_error(e: RestError) -> Response:
        return text_response(e.status, e.message, _allow() if e.status == 405 else ())

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(e: RequestEntityTooLarge) -> Response:
        # Not determinable from the source: the closest documented kind, plain text.
        limit = app.config["MAX_CONTENT_LENGTH"]
        return text_response(413, f"the request body is larger than {limit} bytes")

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> Response:
        if e.code == 405:
            return text_response(
                405,
                f"The method[{request.method}] is not allowed for the path[{request.path}]",
                _allow(),
            )
        if e.code == 404:
            # RestServer: "no api mapping to %s" with the path below the context
            return text_response(404, f"no api mapping to {relative_path()}")
        return text_response(e.code or 500, e.description or "")

    @app.errorhandler(Exception)
    def unexpected(e: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return text_response(500, f"{type(e).__name__}: {e}".splitlines()[0])
