"""Query APIs (synchronous) and query-string messages: RestServer.handleQueryApi's parsing."""

from __future__ import annotations

import re

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
from zstack_spec.json_types import JSON

# APIMessage's own fields, which every message has (allApiClassFields includes them)
MESSAGE_FIELDS = ("systemTags", "userTags")
_JAVA_INT = re.compile(r"^[+-]?[0-9]+$")


def query_message(schema: MessageSchema) -> dict[str, JSON]:
    """GET/DELETE parameters as RestServer.handleApi reads them (L908-937).

    normalizeCollectionParameters (L813-858) turns `name.N` keys into one list; then each key,
    in a java.util.HashMap's order, goes through Api.mapQueryParameterToApiFieldValue (a key with
    a dot) or Api.queryParameterToApiFieldValue (L495-556). Unknown keys are ignored.
    Real server: rest/src/main/java/org/zstack/rest/RestServer.java.
    """
    params: dict[str, list[str]] = {k: request.args.getlist(k) for k in request.args}
    capacity = copy_capacity(len(params))
    _normalize_collection_parameters(params)
    known = set(schema.properties) | set(MESSAGE_FIELDS)
    message: dict[str, JSON] = {}
    for key in iteration_order(params, capacity):
        name = key.split(".")[0]
        if name not in known:
            continue  # "unknown query parameter[%s], ignored"
        message[key] = _field_value(schema, key, name, params[key])
    return {k: v for k, v in message.items() if k in schema.properties and k not in schema.url_vars}


def _normalize_collection_parameters(params: dict[str, list[str]]) -> None:
    """RestServer.normalizeCollectionParameters L811-858: `name.N` keys become one list.

    Real server: rest/src/main/java/org/zstack/rest/RestServer.java; a key whose second part is
    no Java int stays as it is (NumberFormatException is ignored).
    """
    indexed: dict[str, list[tuple[int, str]]] = {}
    for key in list(params):
        if "." not in key:
            continue
        pairs = _java_split_dot(key)
        if _JAVA_INT.match(pairs[1]) and -(2**31) <= int(pairs[1]) < 2**31:
            indexed.setdefault(pairs[0], []).append((int(pairs[1]), params.pop(key)[0]))
    for name, pairs_ in indexed.items():
        params[name] = [v for _, v in sorted(pairs_, key=lambda p: p[0])]


def _field_value(schema: MessageSchema, key: str, name: str, values: list[str]) -> JSON:
    """Api.queryParameterToApiFieldValue L495-556: a list field takes all values, others one.

    Real server: rest/src/main/java/org/zstack/rest/RestServer.java (class Api).
    """
    if "." in key:
        # no field of these messages carries @MapField: DebugUtils.Assert fails (a 500)
        raise RestError(500, f"class {schema.message_class}::{name} must be annotated by @MapField")
    if key in schema.query_lists or key in MESSAGE_FIELDS:
        return values
    if len(values) > 1:
        raise RestError(
            400,
            f"Invalid query parameter[{key}], only one value is allowed for the parameter but "
            "multiple values found",
        )
    return values[0]


def _java_split_dot(key: str) -> list[str]:
    """Java's split on dots; fewer than two parts throws ArrayIndexOutOfBoundsException (500)."""
    parts = key.split(".")
    while parts and parts[-1] == "":
        parts.pop()
    if len(parts) < 2:
        raise RestError(500, str(len(parts)))  # Java 8's message is the index
    return parts


def _parse_query() -> q.Query:
    """RestServer.handleQueryApi's loop over the query string, one rule per parameter.

    Real server: rest/src/main/java/org/zstack/rest/RestServer.java L1099-1190; groupBy and
    filterName are not modelled.
    """
    conditions: list[q.Condition] = []
    opts: dict[str, JSON] = {}
    for raw_key in request.args:
        key = raw_key.strip()
        value = request.args.getlist(raw_key)[0].strip()
        if key in ("limit", "start"):
            opts[key] = _integer_parameter(key, value)
        elif key in ("count", "replyWithCount"):
            # Boolean.parseBoolean (L1116-1123)
            opts["count" if key == "count" else "reply_with_count"] = value.lower() == "true"
        elif key == "sort":
            opts["sort_desc"], opts["sort_by"] = _sort_parameter(value)
        elif "q".startswith(key):  # the real code's test, so `q` (and an empty name) match
            conditions.extend(_condition(c) for c in request.args.getlist(raw_key))
        elif key == "fields":
            # L1177-1187
            opts["fields"] = tuple(f.strip() for f in value.split(","))
    return q.Query(conditions=tuple(conditions), **opts)


def _integer_parameter(key: str, value: str) -> int:
    """`limit` and `start`: Integer.valueOf, else a 400 (RestServer.java L1104-1115).

    Java's int is 32 bits and has no `_` separators, which Python's int() accepts.
    """
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or "_" in value or not -(2**31) <= number < 2**31:
        raise RestError(400, f"Invalid query parameter. '{key}' must be an integer")
    return number


def _sort_parameter(value: str) -> tuple[bool, str]:
    """`sort`: a leading `+` or `-` is the direction (RestServer.java L1124-1135)."""
    return value.startswith("-"), value.lstrip("+-")


def _condition(cond: str) -> q.Condition:
    """One `q` condition: its operator and the sides it splits (RestServer.java L1136-1176)."""
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


def run_query(api: str, session: str, uuid: str | None) -> Response:
    """Run a query API: 200 with inventories (the spec's `x-zstack-inventory`) and `schema`."""
    rt = runtime()
    inventory = rt.spec.inventory(api)
    operation(api)
    if uuid is None:
        note(query_api_findings(api, request.args))
    sync_faults(api, {"uuid": uuid} if uuid else {})
    query = q.Query(conditions=(q.Condition("uuid", "=", uuid),)) if uuid else _parse_query()
    body = rt.call(ApiCall(api, {}, session, query=query))
    body["schema"] = schema_map(rt.spec, body, {"inventories": inventory})
    return api_response(200, body)
