"""Under test, the mock checks every response it sends against the spec (openapi-core)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, request
from openapi_core import OpenAPI
from openapi_core.contrib.flask import FlaskOpenAPIRequest
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIResponse
from openapi_core.templating.paths.exceptions import (
    OperationNotFound,
    PathNotFound,
    ServerNotFound,
)
from openapi_core.validation.response.exceptions import MissingData

from mock_server.zstack.spec import Spec

log = logging.getLogger(__name__)


def install_response_validation(app: Flask, spec: Spec) -> None:
    """Record (and log) every response that breaks the spec in `app.extensions["violations"]`."""
    openapi = OpenAPI.from_dict(spec.doc)
    violations: list[dict[str, Any]] = []
    app.extensions["violations"] = violations

    @app.after_request
    def validate(response: Response) -> Response:
        if request.method in ("HEAD", "OPTIONS") or response.status_code == 413:
            # 413: the body was never read, so there is no request to match (README, differences)
            return response
        if "fields" in request.args:
            # partial inventories: a real query feature the spec leaves out (QueryImage description)
            return response
        result = openapi.unmarshal_response(
            FlaskOpenAPIRequest(request), WerkzeugOpenAPIResponse(response)
        )
        # an undocumented path (openapi-core says ServerNotFound for one with a trailing slash)
        undocumented = PathNotFound | OperationNotFound | ServerNotFound
        errors = [e for e in result.errors if not isinstance(e, undocumented)]
        if response.mimetype == "text/plain" and not response.get_data():
            # RestServer's 500 for an NPE has an empty body; the spec says "possibly empty"
            errors = [e for e in errors if not isinstance(e, MissingData)]
        if errors:
            detail = {
                "request": f"{request.method} {request.full_path}",
                "status": response.status_code,
                "body": response.get_data(as_text=True)[:500],
                "errors": [
                    f"{type(e).__name__}: {e} {getattr(e, '__cause__', '') or ''}" for e in errors
                ],
            }
            log.error("response breaks the spec: %s", detail)
            violations.append(detail)
        return response
