"""Deviations in DeleteImage's parameters, which RestServer.handleApi reads from the query string."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, request

from tests.broken_servers.base import JOB_OUTCOME_CHECKS, Broken, body, set_query


def _on_delete(
    app: Flask, change: Callable[[list[tuple[str, str]]], list[tuple[str, str]]]
) -> None:
    @app.before_request
    def rewrite() -> None:
        if request.method == "DELETE" and "/v1/images/" in request.path:
            set_query(change(list(request.args.items(multi=True))))


def delete_ignores_query_subset(app: Flask) -> None:
    """DeleteImage ignores backupStorageUuids in the query string: it deletes every copy."""
    _on_delete(app, lambda pairs: [(k, v) for k, v in pairs if k != "backupStorageUuids"])


def delete_ignores_indexed_form(app: Flask) -> None:
    """DeleteImage drops `backupStorageUuids.N` instead of reading it as a list."""
    _on_delete(app, lambda pairs: [(k, v) for k, v in pairs if "." not in k])


def delete_rejects_indexed_form(app: Flask) -> None:
    """DeleteImage answers `backupStorageUuids.N` as an unknown map parameter (400)."""

    @app.before_request
    def reject() -> Response | None:
        if request.method == "DELETE" and any(
            k.startswith("backupStorageUuids.") for k in request.args
        ):
            return Response("unknown parameter", status=400, mimetype="text/plain")
        return None


def delete_splits_commas(app: Flask) -> None:
    """Splits a comma-joined backupStorageUuids value into several elements."""

    def split(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return [
            (k, part)
            for k, v in pairs
            for part in (v.split(",") if k == "backupStorageUuids" else [v])
        ]

    _on_delete(app, split)


def delete_reads_body(app: Flask) -> None:
    """DeleteImage takes backupStorageUuids from a JSON body, over the query string."""

    @app.before_request
    def read() -> None:
        data = body() if request.method == "DELETE" else None
        params = data.get("params") if isinstance(data, dict) else None
        uuids = params.get("backupStorageUuids") if isinstance(params, dict) else None
        if isinstance(uuids, list):
            pairs = [(k, v) for k, v in request.args.items(multi=True) if k != "backupStorageUuids"]
            set_query(pairs + [("backupStorageUuids", str(u)) for u in uuids])


CAUGHT = ("delete_scope_conformance",)
# a delete that fails or succeeds where the real one does the opposite
REJECTED = ("empty_result_conformance",)
FAILS = JOB_OUTCOME_CHECKS
BROKEN = [
    Broken("delete ignores query subset", "query params", delete_ignores_query_subset, CAUGHT),
    Broken("delete ignores indexed form", "query params", delete_ignores_indexed_form, CAUGHT),
    Broken("delete rejects indexed form", "query params", delete_rejects_indexed_form, REJECTED),
    Broken("delete splits commas", "query params", delete_splits_commas, FAILS),
    Broken("delete reads a body", "query params", delete_reads_body, CAUGHT),
]
