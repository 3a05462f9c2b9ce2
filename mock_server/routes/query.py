"""Query APIs (synchronous) and query-string messages: RestServer.handleQueryApi's parsing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from flask import Response, request

from mock_server.errors import RestError
from mock_server.routes.rest import note, operation, runtime, sync_faults
from mock_server.state import query as q
from mock_server.validation import MessageSchema
from mock_server.verdict import query_api_findings
from mock_server.wire import json_response, schema_map

JSON = Any


class HasInventory(Protocol):
    def to_inventory(self) -> dict[str, JSON]: ...


def query_message(schema: MessageSchema) -> dict[str, JSON]:
    """GET/DELETE parameters: repeated keys or `name.N` for lists; unknown keys are ignored."""
    indexed: dict[str, list[tuple[int, str]]] = {}
    plain: dict[str, list[str]] = {}
    for key in request.args:
        values = request.args.getlist(key)
        name, _, index = key.partition(".")
        if index.lstrip("-").isdigit():
            indexed.setdefault(name, []).append((int(index), values[0]))
        else:
            plain[key] = values
    for name, pairs in indexed.items():
        plain[name] = [v for _, v in sorted(pairs)]
    message: dict[str, JSON] = {}
    for key, values in plain.items():
        if key not in schema.properties or key in schema.url_vars:
            continue  # "unknown query parameter[%s], ignored"
        if key in schema.query_lists:
            message[key] = values
        elif len(values) > 1:
            raise RestError(
                400, f"Invalid query parameter[{key}], only one value is allowed for the parameter"
            )
        else:
            message[key] = values[0]
    return message


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
    with rt.store.locked() as store:
        store.sessions.check(session)
        schema = rt.spec.schema(inventory)
        q.check_fields(query, schema["properties"], schema["x-zstack-class"])
        items: Mapping[str, HasInventory] = (
            store.images.images if inventory == "ImageInventory" else store.backup_storages
        )
        pinned = query.uuid_equals()
        if pinned is None:
            objs = list(items.values())
        else:
            objs = [items[pinned]] if pinned in items else []
        page, total = q.run(query, (o.to_inventory() for o in objs))
    body: dict[str, JSON] = {}
    if not query.count:
        body["inventories"] = page
    if query.count or query.reply_with_count:
        body["total"] = total
    body["schema"] = schema_map(rt.spec, body, {"inventories": inventory})
    return json_response(200, body)
