"""GetCandidateBackupStorageForCreatingImage: synchronous, on three paths under /v1/images."""

from __future__ import annotations

from flask import Response

from mock_server.routes.query import query_message
from mock_server.routes.rest import operation, read_body, session_uuid, sync_faults, wants_schema
from mock_server.runtime import runtime
from mock_server.zstack.api_chain import ApiCall
from mock_server.zstack.encoding import api_response, schema_map

API = "GetCandidateBackupStorageForCreatingImage"
# A unique path is dispatched whatever the method (RestServer.handleUniqueApi).
ANY_METHOD = ["GET", "POST", "PUT", "DELETE"]


def candidate_backup_storage(url_vars: dict[str, str]) -> Response:
    """200 {"inventories": [...]} or 503 {"error"}; parameters from the query string.

    The URL variable is set after the query string's (RestServer.handleApi L1010-1016).
    Simulation choice: every method reads the query string (a POST/PUT body is ignored).
    """
    rt = runtime()
    operation(API)
    read_body()
    session = session_uuid()
    message = {**query_message(rt.apis.schemas[API]), **url_vars}
    sync_faults(API, message)
    reply = rt.call(ApiCall(API, message, session))
    if wants_schema():
        reply["schema"] = schema_map(rt.spec, reply, {"inventories": "BackupStorageInventory"})
    return api_response(200, reply)
