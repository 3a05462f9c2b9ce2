"""CORS for browser frontends on other origins: preflight answered, responses marked allowed."""

from __future__ import annotations

import re

from flask import Request, Response

from mock_server.config import MockConfig

# by default any localhost origin, on any port (frontend dev servers)
LOCALHOST = re.compile(r"^https?://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$")
ALLOWED_HEADERS = (
    "Authorization, Content-Type, X-Job-UUID, X-JSON-Schema, X-Web-Hook, X-API-Timeout"
)
ALLOWED_METHODS = "GET, POST, PUT, DELETE"


def _allowed(origin: str, config: MockConfig) -> bool:
    configured = config.cors_origins
    if not configured:
        return bool(LOCALHOST.match(origin))
    return "*" in configured or origin in configured


def preflight(request: Request, config: MockConfig) -> Response | None:
    """Answer a CORS preflight (OPTIONS with Access-Control-Request-Method) before routing."""
    if request.method != "OPTIONS":
        return None
    origin = request.headers.get("Origin")
    if not origin or "Access-Control-Request-Method" not in request.headers:
        return None
    if not _allowed(origin, config):
        return Response(status=403)
    rsp = Response(status=204)
    rsp.headers["Access-Control-Allow-Origin"] = origin
    rsp.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
    rsp.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
    rsp.headers["Access-Control-Max-Age"] = "600"
    rsp.headers["Vary"] = "Origin"
    return rsp


def allow(request: Request, config: MockConfig, response: Response) -> Response:
    """Mark a response readable by an allowed origin."""
    origin = request.environ.get("HTTP_ORIGIN")  # request.headers.get("Origin"), without Headers
    if (
        origin
        and _allowed(origin, config)
        and "Access-Control-Allow-Origin" not in response.headers
    ):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = "Location, Allow"
        response.headers.add("Vary", "Origin")
    return response
