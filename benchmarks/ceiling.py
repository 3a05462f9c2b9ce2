"""The ceiling: a bare Flask JSON endpoint, served the same way as the mock (granian, 1 worker)."""

from flask import Flask, Response, jsonify

app = Flask(__name__)


@app.get("/ping")
def ping() -> Response:
    return jsonify({"ok": True})
