"""QueryBackupStorage, the backup storage actions and DeleteExportedImageFromBackupStorage."""

from __future__ import annotations

from flask import Blueprint, Response, request

from mock_server.routes import query
from mock_server.routes.images import submit_action, submit_async
from mock_server.routes.rest import (
    note,
    operation,
    read_body,
    session_uuid,
    wrong_method,
)
from mock_server.runtime import runtime
from mock_server.tooling.verdict import query_findings
from mock_server.zstack.errors import RestError

bp = Blueprint("backup_storage", __name__, url_prefix="/v1/backup-storage")


@bp.route("", methods=["GET", "POST", "PUT", "DELETE", "PATCH"], provide_automatic_options=False)
def query_backup_storage() -> Response:
    """A unique path: RestServer dispatches it to the query whatever the method."""
    read_body()
    return query.run_query("QueryBackupStorage", session_uuid(), None)


@bp.get("/<uuid>", provide_automatic_options=False)
def query_backup_storage_by_uuid(uuid: str) -> Response:
    read_body()
    return query.run_query("QueryBackupStorage", session_uuid(), uuid=uuid)


@bp.route("/<uuid>", methods=["POST", "PUT", "DELETE", "PATCH"], provide_automatic_options=False)
def backup_storage_other_method(uuid: str) -> Response:
    read_body()
    if request.method == "DELETE":
        # DeleteBackupStorage shares this path on the real server; the mock does not model it.
        raise RestError(405, "DeleteBackupStorage is not modelled by this mock")
    raise wrong_method()


# the operation of PUT /v1/backup-storage/{uuid}/actions; its x-zstack-actions name the APIs
ACTIONS_OPERATION = "ExportImageFromBackupStorage"


@bp.put("/<bs_uuid>/actions", provide_automatic_options=False)
def backup_storage_actions(bs_uuid: str) -> Response:
    """The four actions, chosen by the action key in the body; each runs in a job."""
    return submit_action(runtime().spec.actions(ACTIONS_OPERATION), bs_uuid)


@bp.route(
    "/<bs_uuid>/actions",
    methods=["GET", "POST", "DELETE"],
    provide_automatic_options=False,
)
def actions_other_method(bs_uuid: str) -> Response:
    read_body()
    raise wrong_method()


@bp.route(
    "/<bs_uuid>/exported-images/<image_uuid>",
    methods=["GET", "POST", "PUT", "DELETE"],
    provide_automatic_options=False,
)
def delete_exported_image(bs_uuid: str, image_uuid: str) -> Response:
    """DeleteExportedImageFromBackupStorage; parameters from the URL and the query string.

    A unique path, so any method runs it (INFERENCE, RestServer.handleUniqueApi L1199-1202).
    """
    api = "DeleteExportedImageFromBackupStorage"
    operation(api)
    body = read_body()
    session_uuid()
    schema = runtime().apis.schemas[api]
    note(query_findings(schema, request.args, body is not None))
    message = query.query_message(schema)
    message.update(backupStorageUuid=bs_uuid, imageUuid=image_uuid)
    return submit_async(api, message)
