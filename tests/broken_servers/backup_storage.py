"""Deviations in the backup storage APIs (issue 11): exports, the actions, the candidates."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, Response, request

from tests.broken_servers.base import (
    JOB_OUTCOME_CHECKS,
    Broken,
    body,
    is_poll,
    rewrite_json,
    runtime,
    set_body,
)
from zstack_spec.json_types import JSON

ACTIONS = "/v1/backup-storage/"


def _action(key: str, after: bool = False) -> JSON:
    """The envelope of a backup storage action in this request, if it is that action.

    `after`: in an after_request hook, where the body was read already (only the cache is left).
    """
    if request.method != "PUT" or ACTIONS not in request.path:
        return None
    data = json.loads(request.get_data() or b"null") if after else body()
    return data.get(key) if isinstance(data, dict) and isinstance(data.get(key), dict) else None


def _on_jobs_of(app: Flask, key: str, change: Any) -> None:
    """Rewrite the finished result of every job started by the action `key`."""
    jobs: set[str] = set()

    @app.after_request
    def remember(response: Response) -> Response:
        if response.status_code == 202 and _action(key, after=True) is not None:
            jobs.add(json.loads(response.get_data())["location"].rsplit("/", 1)[-1])
        return response

    def when(response: Response) -> bool:
        return (
            is_poll(response)
            and response.status_code == 200
            and (request.path.rsplit("/", 1)[-1] in jobs)
        )

    rewrite_json(app, when, change)


def export_without_md5(app: Flask) -> None:
    """The first export of an image answers without the agent's exportMd5Sum."""
    _on_jobs_of(
        app,
        "exportImageFromBackupStorage",
        lambda d: {k: v for k, v in d.items() if k != "exportMd5Sum"},
    )


def export_url_without_name(app: Flask) -> None:
    """The export URL leaves out the image's name (ImageHelper.addNameToExportUrl)."""

    def change(data: JSON) -> JSON:
        url = str(data.get("imageUrl", ""))
        head, _, tail = url.rpartition("/")
        data["imageUrl"] = f"{head}/{tail.rsplit('-', 1)[-1]}"
        return data

    _on_jobs_of(app, "exportImageFromBackupStorage", change)


def delete_export_clears_md5(app: Flask) -> None:
    """DeleteExportedImageFromBackupStorage clears exportMd5Sum along with exportUrl."""

    @app.after_request
    def clear(response: Response) -> Response:
        parts = request.path.split("/")
        if (
            request.method == "DELETE"
            and "exported-images" in parts
            and response.status_code == 202
        ):
            store = runtime(app).store
            image = store.images.images.get(parts[-1])
            ref = image.ref_on(parts[-3]) if image is not None else None
            if ref is not None:
                ref.export_md5_sum = None
        return response


def delete_export_on_sftp_succeeds(app: Flask) -> None:
    """DeleteExportedImageFromBackupStorage on Sftp succeeds instead of SYS.1008."""

    @app.after_request
    def succeed(response: Response) -> Response:
        if (
            is_poll(response)
            and response.status_code == 503
            and (b"APIDeleteExportedImageFromBackupStorageMsg" in response.get_data())
        ):
            response.set_data(b"{}")
            response.status_code = 200
        return response


def state_event_ignored(app: Flask) -> None:
    """ChangeBackupStorageState keeps the state whatever the event."""

    @app.before_request
    def ignore() -> None:
        inner = _action("changeBackupStorageState")
        if inner is not None and inner.get("stateEvent") == "disable":
            set_body({"changeBackupStorageState": {**inner, "stateEvent": "enable"}})


def reconnect_without_inventory(app: Flask) -> None:
    """ReconnectBackupStorage's job answers {} instead of {"inventory": ...}."""
    _on_jobs_of(app, "reconnectBackupStorage", lambda d: {})


def update_name_not_limited(app: Flask) -> None:
    """UpdateBackupStorage takes a name of any length (it is cut to 255 and stored)."""

    @app.before_request
    def cut() -> None:
        inner = _action("updateBackupStorage")
        if inner is not None and isinstance(inner.get("name"), str) and len(inner["name"]) > 255:
            set_body({"updateBackupStorage": {**inner, "name": inner["name"][:255]}})


def candidate_path_is_query_image(app: Flask) -> None:
    """/v1/images/candidate-backup-storage is matched as QueryImage's {uuid}: an empty list."""

    @app.before_request
    def shadow() -> Response | None:
        if request.path.endswith("/v1/images/candidate-backup-storage"):
            return Response(
                '{"inventories": [], "schema": {}}', status=200, mimetype="application/json"
            )
        return None


# one configuration each keeps the proof's time down; the rest show in the default seed alone
ONE = ("delay-two",)
CEPH = ("delay-two",)  # the suite's backup storage is a Ceph one only with the default seed
BROKEN = [
    Broken(
        "export without md5",
        "backup storage",
        export_without_md5,
        ("export_result_conformance",),
        CEPH,
    ),
    Broken(
        "export url without name",
        "backup storage",
        export_url_without_name,
        ("export_url_conformance",),
        CEPH,
    ),
    Broken(
        "delete export clears md5",
        "backup storage",
        delete_export_clears_md5,
        ("export_ref_conformance",),
        CEPH,
    ),
    Broken(
        "delete export on sftp succeeds",
        "backup storage",
        delete_export_on_sftp_succeeds,
        JOB_OUTCOME_CHECKS + ("empty_result_conformance",),
        ONE,
    ),
    Broken(
        "state event ignored",
        "backup storage",
        state_event_ignored,
        ("backup_storage_echo_conformance",),
        ONE,
    ),
    Broken(
        "reconnect without inventory",
        "backup storage",
        reconnect_without_inventory,
        ("backup_storage_result_conformance", "job_success_conformance"),
        ONE,
    ),
    Broken(
        "update name not limited",
        "backup storage",
        update_name_not_limited,
        JOB_OUTCOME_CHECKS,
        ONE,
    ),
    Broken(
        "candidate path is query image",
        "backup storage",
        candidate_path_is_query_image,
        JOB_OUTCOME_CHECKS,
        ONE,
    ),
]
