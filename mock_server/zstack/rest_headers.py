"""RestServer's rules for the headers of an async API call, without HTTP: X-Job-UUID, X-API-Timeout.

Real server: rest/src/main/java/org/zstack/rest/RestServer.java, handleApi
(docs/zstack-protocol.md).
"""

from __future__ import annotations

from collections.abc import Callable

from mock_server.zstack.errors import RestError


def job_uuid(value: str | None, exists: Callable[[str], bool], new_uuid: Callable[[], str]) -> str:
    """X-Job-UUID: only its length is checked; a reused id is rejected."""
    if value is None:
        return new_uuid()
    if len(value) != 32:
        raise RestError(400, "Invalid header[X-Job-UUID], it must be a UUID with '-' stripped")
    if exists(value):
        raise RestError(400, f"Duplicate job uuid[{value}]")
    return value


def api_timeout(value: str | None, default_ms: int) -> int:
    """X-API-Timeout (seconds) overrides the API's timeout; a non-number fails Long.parseLong."""
    if value is None:
        return default_ms
    try:
        return int(value.strip()) * 1000
    except ValueError:
        raise RestError(500, f'For input string: "{value}"') from None
