"""Query APIs (synchronous) and query-string messages: RestServer.handleQueryApi's parsing."""

from __future__ import annotations

import re
from typing import Any

from flask import Response, request

from mock_server.routes.rest import note, operation, sync_faults
from mock_server.runtime import runtime
from mock_server.state import query as q
from mock_server.tooling.verdict import query_api_findings
from mock_server.zstack.api_chain import ApiCall
from mock_server.zstack.encoding import api_response, schema_map
from mock_server.zstack.errors import RestError
from mock_server.zstack.javamap import copy_capacity, iteration_order
from mock_server.zstack.validation import MessageSchema

JSON = Any


# APIMessage's own fields, which every message has (allApiClassFields includes them)
MESSAGE_FIELDS = ("systemTags", "userTags")
_JAVA_INT = re.compile(r"^[+-]?[0-9]+$")


def query_message(schema: MessageSchema) -> dict[str, JSON]:
    """GET/DELETE parameters as RestServer.handleApi reads them (L908-937).

    normalizeCollectionParameters (L813-858) turns `name.N` keys into one list; then each key,
    in a java.util.HashMap's order, goes through Api.mapQueryParameterToApiFieldValue (a key with
    a dot) or Api.queryParameterToApiFieldValue (L495-556). Unknown keys are ignored.
    """
    params: dict[str, list[str]] = {k: request.args.getlist(k) for k in request.args}
    capacity = copy_capacity(len(params))
    indexed: dict[str, list[tuple[int, str]]] = {}
    for key in list(params):
        if "." not in key:
            continue
        pairs = _java_split_dot(key)
        if _JAVA_INT.match(pairs[1]) and -(2**31) <= int(pairs[1]) < 2**31:
            indexed.setdefault(pairs[0], []).append((int(pairs[1]), params.pop(key)[0]))
    for name, pairs_ in indexed.items():
        params[name] = [v for _, v in sorted(pairs_, key=lambda p: p[0])]
    known = set(schema.properties) | set(MESSAGE_FIELDS)
    message: dict[str, JSON] = {}
    for key in iteration_order(params, capacity):
        values = params[key]
        name = key.split(".")[0]
        if name not in known:
            continue  # "unknown query parameter[%s], ignored"
        if "." in key:
            # no field of these messages carries @MapField: DebugUtils.Assert fails (a 500)
            raise RestError(
                500, f"class {schema.message_class}::{name} must be annotated by @MapField"
            )
        if key in schema.query_lists or key in MESSAGE_FIELDS:
            message[key] = values
        elif len(values) > 1:
            raise RestError(
                400,
                f"Invalid query parameter[{key}], only one value is allowed for the parameter but "
                "multiple values found",
            )
        else:
            message[key] = values[0]
    return {k: v for k, v in message.items() if k in schema.properties and k not in schema.url_vars}


def _java_split_dot(key: str) -> list[str]:
    """Java's split on dots; fewer than two parts throws ArrayIndexOutOfBoundsException (500)."""
    parts = key.split(".")
    while parts and parts[-1] == "":
        parts.pop()
    if len(parts) < 2:
        raise RestError(500, str(len(parts)))  # Java 8's message is the index
    return parts


def _parse_query() -> q.Query:
    conditions: list[q.Condition] = []
    opts: dict[str, JSON] = {}
    for raw_key in request.args:
        key = raw_key.strip()
        value = request.args.getlist(raw_key)[0].strip()
        if key in ("limit", "start"):
            try:
                opts[key] = int(value)
            except ValueError:
                raise RestError(
                    400, f"Invalid query parameter. '{key}' must be an integer"
                ) from None
        elif key in ("count", "replyWithCount"):
            opts["count" if key == "count" else "reply_with_count"] = value.lower() == "true"
        elif key == "sort":
            opts["sort_desc"] = value.startswith("-")
            opts["sort_by"] = value.lstrip("+-")
        elif "q".startswith(key):  # the real code's test, so `q` (and an empty name) match
            conditions.extend(_condition(c) for c in request.args.getlist(raw_key))
        elif key == "fields":
            opts["fields"] = tuple(f.strip() for f in value.split(","))
    return q.Query(conditions=tuple(conditions), **opts)


def _condition(cond: str) -> q.Condition:
    op = next((o for o in q.OPERATORS if o in cond), None)
    if op is None:
        ops = "[" + ", ".join(q.OPERATORS) + "]"
        raise RestError(
            400,
            f"Invalid query parameter. The '{cond}' in the parameter[q] doesn't contain any query "
            f"operator. Valid query operators are {ops}",
        )
    name, _, value = cond.partition(op)
    if op in ("is null", "not null"):
        return q.Condition(name.strip(), op)
    if not name or not value:
        # StringUtils.splitByWholeSeparator drops the empty side: not a key-value pair
        raise RestError(
            400,
            f"Invalid query parameter. The '{cond}' in parameter[q] is not a key-value pair split "
            f"by {op}",
        )
    return q.Condition(name.strip(), op, value)


def run_query(inventory: str, session: str, uuid: str | None) -> Response:
    """Run a query API: 200 with inventories and `schema`, or 503 with the error."""
    rt = runtime()
    api = "QueryImage" if inventory == "ImageInventory" else "QueryBackupStorage"
    operation(api)
    if uuid is None:
        note(query_api_findings(api, request.args))
    sync_faults(api, {"uuid": uuid} if uuid else {})
    query = q.Query(conditions=(q.Condition("uuid", "=", uuid),)) if uuid else _parse_query()
    body = rt.call(ApiCall(api, {}, session, query=query))
    body["schema"] = schema_map(rt.spec, body, {"inventories": inventory})
    return api_response(200, body)
