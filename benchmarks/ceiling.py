"""The ceiling: a bare Flask JSON endpoint, served the same way as the mock.

granian, 1 worker, through the same RSGI bridge with the same settings:
`python -m benchmarks.ceiling PORT`.
"""

from __future__ import annotations

import sys

from flask import Flask, Response, jsonify

from mock_server.cli.rsgi_bridge import RsgiBridge
from mock_server.config import DEFAULT_MAX_BODY

app = Flask(__name__)


@app.get("/ping")
def ping() -> Response:
    return jsonify({"ok": True})


def bridged() -> RsgiBridge:
    """What granian serves: the app behind the mock's bridge (no fault rules: never a thread)."""
    return RsgiBridge(app.wsgi_app, DEFAULT_MAX_BODY, lambda: False)


def main(port: int) -> None:
    from granian.server import Server

    from mock_server.cli.serve import granian_settings

    Server(
        "benchmarks.ceiling:bridged",
        address="127.0.0.1",
        port=port,
        factory=True,
        **granian_settings(),
    ).serve()


if __name__ == "__main__":
    main(int(sys.argv[1]))
