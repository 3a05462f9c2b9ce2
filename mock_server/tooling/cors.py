"""CORS for browser frontends on other origins: preflight answered, responses marked allowed."""

from __future__ import annotations

import re

from flask import Response, request

from mock_server.runtime import runtime

# by default any localhost origin, on any port (frontend dev servers)
LOCALHOST = re.compile(r"^https?://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$")
ALLOWED_HEADERS = (
    "Authorization, Content-Type, X-Job-UUID, X-JSON-Schema, X-Web-Hook, X-API-Timeout"
)
ALLOWED_METHODS = "GET, POST, PUT, DELETE"


def _allowed(origin: str) -> bool:
    configured = runtime().config.cors_origins
    if not configured:
        return bool(LOCALHOST.match(origin))
    return "*" in configured or origin in configured


def preflight() -> Response | None:
    """Answer a CORS preflight (OPTIONS with Access-Control-Request-Method) before routing."""
    origin = request.headers.get("Origin")
    if (
        request.method != "OPTIONS"
        or not origin
        or "Access-Control-Request-Method" not in request.headers
    ):
        return None
    if not _allowed(origin):
        return Response(status=403)
    rsp = Response(status=204)
    rsp.headers["Access-Control-Allow-Origin"] = origin
    rsp.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
    rsp.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
    rsp.headers["Access-Control-Max-Age"] = "600"
    rsp.headers["Vary"] = "Origin"
    return rsp


def allow(response: Response) -> Response:
    """Mark a response readable by an allowed origin."""
    origin = request.headers.get("Origin")
    if origin and _allowed(origin) and "Access-Control-Allow-Origin" not in response.headers:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = "Location, Allow"
        response.headers.add("Vary", "Origin")
    return response
