"""A WSGI app that answers with the environ it was given, served by granian in tests.

`app` is served through granian's own WSGI interface, `bridged()` through the mock's RSGI bridge:
tests/test_rsgi_bridge.py sends both the same raw requests and compares what the app saw.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from werkzeug.wsgi import get_path_info

from mock_server.cli.rsgi_bridge import RsgiBridge

# what the echo shows of the environ: the request, not the server's objects or its process
SHOWN_PREFIXES = ("HTTP_", "CONTENT_", "SERVER_", "REMOTE_", "REQUEST_", "PATH_", "QUERY_")
SHOWN = ("SCRIPT_NAME", "GATEWAY_INTERFACE", "wsgi.url_scheme", "wsgi.version")
SHOWN_FLAGS = ("wsgi.input_terminated", "wsgi.multiprocess", "wsgi.multithread", "wsgi.run_once")
MAX_BODY = 1000


def shown(environ: dict[str, Any]) -> dict[str, Any]:
    """The environ as the echo answers it; HTTP_* keys in the order the app saw them."""
    out: dict[str, Any] = {
        k: v for k, v in environ.items() if k.startswith(SHOWN_PREFIXES) or k in SHOWN
    }
    out.update({k: environ.get(k) for k in SHOWN_FLAGS})
    out["wsgi.version"] = list(environ["wsgi.version"])
    # the path as werkzeug reads it (UTF-8, lossily): granian's WSGI passes the raw bytes, the
    # bridge RSGI's lossy decoding; both read back alike
    out["PATH_INFO"] = get_path_info(environ)
    out["header order"] = [k for k in environ if k.startswith(("HTTP_", "CONTENT_"))]
    return out


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    body = environ["wsgi.input"].read()
    data = json.dumps({"environ": shown(environ), "body": body.decode("latin-1")}).encode()
    start_response(
        "201 Created",
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(data))),
            ("Vary", "Origin"),
            ("Vary", "Accept"),
            ("X-Echo", "a b"),
        ],
    )
    return Answer(data)


class Answer:
    """An iterable with `close`, as Flask answers (granian's WSGI streams it, not a list)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __iter__(self) -> Iterator[bytes]:
        return iter([self.data[:7], self.data[7:]])

    def close(self) -> None:
        pass


def bridged() -> RsgiBridge:
    return RsgiBridge(app, MAX_BODY, lambda: False)
