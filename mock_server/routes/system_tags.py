"""QuerySystemTag: an image's system tags, e.g. the bootMode tag SetImageBootMode leaves.

header/.../tag/APIQuerySystemTagMsg.java L15-23: GET /v1/system-tags (a path shared with
CreateSystemTag's POST, H/tag/APICreateSystemTagMsg.java L11-13) and /v1/system-tags/{uuid}
(unique: RestServer.handleUniqueApi runs it whatever the method).
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from mock_server.routes import query
from mock_server.routes.rest import read_body, session_uuid, wrong_method
from mock_server.zstack.errors import RestError

bp = Blueprint("system_tags", __name__, url_prefix="/v1/system-tags")


@bp.get("", provide_automatic_options=False)
def query_system_tag() -> Response:
    read_body()
    return query.run_query("QuerySystemTag", session_uuid(), None)


@bp.route("", methods=["POST", "PUT", "DELETE", "PATCH"], provide_automatic_options=False)
def system_tags_other_method() -> Response:
    read_body()
    if request.method == "POST":
        # CreateSystemTag shares this path on the real server; the mock does not model it.
        raise RestError(405, "CreateSystemTag is not modelled by this mock")
    raise wrong_method()


@bp.route(
    "/<uuid>", methods=["GET", "POST", "PUT", "DELETE", "PATCH"], provide_automatic_options=False
)
def query_system_tag_by_uuid(uuid: str) -> Response:
    read_body()
    return query.run_query("QuerySystemTag", session_uuid(), uuid=uuid)
