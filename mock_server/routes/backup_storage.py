"""QueryBackupStorage: what a client needs to pick a backup storage for AddImage."""

from __future__ import annotations

from flask import Blueprint, Response, request

from mock_server.routes import query
from mock_server.routes.rest import read_body, session_uuid, wrong_method
from mock_server.zstack.errors import RestError

bp = Blueprint("backup_storage", __name__, url_prefix="/v1/backup-storage")


@bp.route("", methods=["GET", "POST", "PUT", "DELETE", "PATCH"], provide_automatic_options=False)
def query_backup_storage() -> Response:
    """A unique path: RestServer dispatches it to the query whatever the method."""
    read_body()
    return query.run_query("BackupStorageInventory", session_uuid(), None)


@bp.get("/<uuid>", provide_automatic_options=False)
def query_backup_storage_by_uuid(uuid: str) -> Response:
    read_body()
    return query.run_query("BackupStorageInventory", session_uuid(), uuid=uuid)


@bp.route("/<uuid>", methods=["POST", "PUT", "DELETE", "PATCH"], provide_automatic_options=False)
def backup_storage_other_method(uuid: str) -> Response:
    read_body()
    if request.method == "DELETE":
        # DeleteBackupStorage shares this path on the real server; the mock does not model it.
        raise RestError(405, "DeleteBackupStorage is not modelled by this mock")
    raise wrong_method()
