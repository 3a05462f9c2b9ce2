"""The Flask app served through granian's RSGI interface: bodies arrive on the event loop.

Why not granian's WSGI interface: there each request holds a blocking thread while its body
arrives, so the served mock needed 64 threads (16 slow senders must not stall the others), and
64 threads contending for one GIL cost more than the app itself (`make bench`, README
"Performance, measured"). Here the body is read asynchronously, then the WSGI app runs on the
loop's thread, one request after another, which is how the GIL runs them anyway. A latency fault
sleeps inside the app, so while a latency rule is set every request runs on a worker thread
instead, and one sleeping request stalls no other.

The environ is the one granian's WSGI interface builds (its src/wsgi/callbacks.rs `build_wsgi`
and granian/wsgi.py `_callback_wrapper`), so the app sees the same request either way. Two
differences, both in headers whose values are not visible ASCII (which no client of ZStack sends):
RSGI drops such a value where granian's WSGI gives an empty string for it, so a header sent twice
with one such value reads as its other value alone; and granian's WSGI also copied the whole
process environment into each environ (an `HTTP_*` variable there became a request header).
"""

from __future__ import annotations

import asyncio
import io
import logging
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

log = logging.getLogger(__name__)

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
# RSGI's http_version to the SERVER_PROTOCOL granian's WSGI interface sets
PROTOCOLS = {"1": "HTTP/1", "1.1": "HTTP/1.1", "2": "HTTP/2", "3": "HTTP/3"}
# what granian/wsgi.py puts into every environ
BASE_ENVIRON: dict[str, Any] = {
    "GATEWAY_INTERFACE": "CGI/1.1",
    "SCRIPT_NAME": "",
    "SERVER_SOFTWARE": "Granian",
    "wsgi.errors": sys.stderr,
    "wsgi.input_terminated": True,
    "wsgi.multiprocess": False,
    "wsgi.multithread": True,
    "wsgi.run_once": False,
    "wsgi.version": (1, 0),
}
# requests served at once while latency rules are set (a sleeping request holds a thread)
LATENCY_THREADS = 64


class Headers(Protocol):
    """What granian's RSGI scope offers for headers (lower-case names, first value by `get`)."""

    def keys(self) -> list[str]: ...
    def get(self, key: str, default: str | None = None) -> str | None: ...
    def get_all(self, key: str) -> list[str]: ...
    def __contains__(self, key: str) -> bool: ...


def _address(addr: str) -> tuple[str, str]:
    """`ip:port` (`[ip6]:port`) as SERVER_NAME/REMOTE_ADDR and the port."""
    host, _, port = addr.rpartition(":")
    return host.strip("[]"), port


def _header_environ(headers: Headers, authority: str | None) -> dict[str, str]:
    """The request headers as granian's WSGI interface puts them into the environ."""
    out: dict[str, str] = {}
    keys = headers.keys()
    for key, name in (("content-type", "CONTENT_TYPE"), ("content-length", "CONTENT_LENGTH")):
        if key in headers:
            out[name] = headers.get(key) or ""
            _swap_remove(keys, key)
    if "cookie" in headers:
        out["HTTP_COOKIE"] = ";".join(headers.get_all("cookie"))  # cookies join with ";"
        _swap_remove(keys, "cookie")
    for key in keys:
        out["HTTP_" + key.replace("-", "_").upper()] = ",".join(headers.get_all(key))
    if "host" not in headers:
        out["HTTP_HOST"] = authority or ""
    return out


def _swap_remove(keys: list[str], key: str) -> None:
    """Remove `key` as hyper's HeaderMap does: the last header takes its place.

    granian's WSGI interface removes these headers from the map before it lists the rest, so
    the order the app (and the journal) sees the headers in depends on it.
    """
    i = keys.index(key)
    last = keys.pop()
    if i < len(keys):
        keys[i] = last


def environ(scope: Any, body: bytes) -> dict[str, Any]:
    """The WSGI environ of an RSGI request whose body has been read."""
    server, port = _address(scope.server)
    env = {
        **BASE_ENVIRON,
        "SERVER_PROTOCOL": PROTOCOLS.get(scope.http_version, "HTTP/1"),
        "SERVER_NAME": server,
        "SERVER_PORT": port,
        "REMOTE_ADDR": _address(scope.client)[0],
        "REQUEST_METHOD": scope.method,
        # granian's WSGI: the percent-decoded path's bytes as latin-1; RSGI decodes them as
        # UTF-8 (lossily, as werkzeug does when it reads PATH_INFO back)
        "PATH_INFO": scope.path.encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope.query_string,
        "wsgi.url_scheme": scope.scheme,
        "wsgi.input": io.BytesIO(body),
    }
    env.update(_header_environ(scope.headers, scope.authority))
    return env


class RsgiBridge:
    """An RSGI application that runs a WSGI app (granian calls `__rsgi__` per request)."""

    def __init__(self, app: WsgiApp, max_body: int, may_sleep: Callable[[], bool]) -> None:
        self.app = app
        self.max_body = max_body
        self.may_sleep = may_sleep  # is a latency rule set (the app may sleep in a request)?
        self._threads: ThreadPoolExecutor | None = None
        self._pooled = 0  # requests running on a thread now (read and written on the loop only)

    async def __rsgi__(self, scope: Any, proto: Any) -> None:
        try:
            body = await self._body(scope.headers, proto, scope.http_version)
        except Exception:  # the client went away before its body arrived: nobody to answer
            return
        env = environ(scope, body)
        # while any request runs on a thread, the next one does too: a rule added or used up by
        # one of them must not leave a request that sleeps in its rule on the loop's thread
        if self._pooled or self.may_sleep():
            self._pooled += 1
            try:
                loop = asyncio.get_running_loop()
                status, headers, data = await loop.run_in_executor(self._pool(), self._call, env)
            finally:
                self._pooled -= 1
        else:
            status, headers, data = self._call(env)
        proto.response_bytes(status, headers, data)

    async def _body(self, headers: Headers, proto: Any, http_version: str) -> bytes:
        """The request body, cut one frame past max_body (the app answers 413 past it)."""
        length = headers.get("content-length")
        chunked = "transfer-encoding" in headers
        if length is None and not chunked and http_version.startswith("1"):
            return b""  # HTTP/1 framing: no body (HTTP/2 may send one without a length)
        if length is not None and length.isdigit() and int(length) > self.max_body:
            return b""  # never read: the app answers 413 from the header alone, as before
        if length is not None and not chunked:
            data: bytes = await proto()  # hyper holds the body to its Content-Length
            return data
        # chunked (hyper decodes it so even beside a Content-Length) or HTTP/2 without a length
        parts, size = [], 0
        async for chunk in proto:
            parts.append(chunk)
            size += len(chunk)
            if size > self.max_body:
                break  # enough for the app's limit to see it is too large
        return b"".join(parts)

    def _call(self, env: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
        """Run the WSGI app: its status, headers and body (a failure is granian's empty 500)."""
        started: list[tuple[str, list[tuple[str, str]]]] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc: Any = None) -> None:
            started.append((status, headers))

        try:
            chunks = self.app(env, start_response)
            try:
                data = b"".join(chunks)
            finally:
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()
            status, headers = started[-1]
            return int(status.split(" ", 1)[0]), headers, data
        except Exception:
            log.exception("the app failed on %s %s", env["REQUEST_METHOD"], env["PATH_INFO"])
            return 500, [], b""

    def _pool(self) -> ThreadPoolExecutor:
        if self._threads is None:
            self._threads = ThreadPoolExecutor(LATENCY_THREADS, thread_name_prefix="latency")
        return self._threads
