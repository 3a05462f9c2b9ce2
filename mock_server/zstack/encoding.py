"""Responses as the real server writes them: Gson's JSON, plain-text errors, and `schema` maps."""

from __future__ import annotations

import json
import re
import weakref
from dataclasses import dataclass

from flask import Response

from mock_server.state.jobs import Job, JobState
from mock_server.zstack.javamap import iteration_order
from mock_server.zstack.spec import Spec
from zstack_spec.json_types import JSON

# Gson escapes these by default (htmlSafe); they only ever occur inside JSON strings.
_GSON_ESCAPES = str.maketrans(
    {
        "<": "\\u003c",
        ">": "\\u003e",
        "&": "\\u0026",
        "=": "\\u003d",
        "'": "\\u0027",
        "\u2028": "\\u2028",
        "\u2029": "\\u2029",
    }
)


_NEEDS_GSON_ESCAPE = re.compile("[<>&='\u2028\u2029]")
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def gson_dumps(obj: JSON) -> str:
    text = _ENCODE(obj)
    # most bodies hold none of them: one regex scan instead of a translation of every character
    return text if _NEEDS_GSON_ESCAPE.search(text) is None else text.translate(_GSON_ESCAPES)


def json_response(status: int, obj: JSON) -> Response:
    return Response(gson_dumps(obj), status=status, mimetype="application/json")


def api_response(status: int, obj: dict[str, JSON]) -> Response:
    """A body RestServer writes, its keys in java.util.HashMap order.

    ApiResponse is a HashMap: `schema` comes before `inventories`, `apiTimeout` before `location`.

    Real server: rest/.../ApiResponse.java extends HashMap; CloudBusGson.toJsonForHttpResponse
    writes it with Gson's map adapter, in entrySet order (default capacity 16).
    """
    return json_response(status, {k: obj[k] for k in iteration_order(obj, 16)})


def text_response(status: int, text: str, allow: tuple[str, ...] = ()) -> Response:
    rsp = Response(text, status=status, mimetype="text/plain")
    if allow:
        rsp.headers["Allow"] = ", ".join(allow)
    return rsp


def schema_map(spec: Spec, body: dict[str, JSON], roots: dict[str, str]) -> dict[str, str]:
    """JsonSchemaBuilder: JSON path to Java class for each ZStack object, in ZStack's order.

    `roots` names the spec schema of each top-level key, e.g. {"inventories": "ImageInventory"}.
    Real server: JsonSchemaBuilder.build(Object, Stack) (header/.../message/JsonSchemaBuilder.java
    L33-97) records an object after its children; build() L140-146 then reverses the whole list,
    so `inventories[1]` comes before `inventories[0]`, each followed by its refs, last one first.
    """
    post_order: list[tuple[str, str]] = []
    for key, schema_name in roots.items():
        if key in body:
            _walk(spec, body[key], schema_name, key, post_order)
    return dict(reversed(post_order))


@dataclass(frozen=True, slots=True)
class _Node:
    """What JsonSchemaBuilder needs of one spec schema, read from the spec once."""

    # (property, child schema) for each property holding a ZStack object, in the spec's order
    children: tuple[tuple[str, str], ...]
    by_type: dict[str, str]
    java_class: str


_NODES: weakref.WeakKeyDictionary[Spec, dict[str, _Node]] = weakref.WeakKeyDictionary()


def _node(spec: Spec, schema_name: str) -> _Node:
    nodes = _NODES.setdefault(spec, {})
    node = nodes.get(schema_name)
    if node is None:
        schema = spec.schema(schema_name)
        children = []
        for prop, prop_schema in schema.get("properties", {}).items():
            target = prop_schema.get("items", prop_schema).get("$ref", "")
            child = target.rsplit("/", 1)[-1]
            if child in spec.java_classes:
                children.append((prop, child))
        node = _Node(tuple(children), schema.get("x-zstack-class-by-type", {}),
                     schema["x-zstack-class"])  # fmt: skip
        nodes[schema_name] = node
    return node


def _walk(spec: Spec, value: JSON, schema_name: str, path: str, out: list[tuple[str, str]]) -> None:
    if isinstance(value, list):
        for i, item in enumerate(value):
            _walk(spec, item, schema_name, f"{path}[{i}]", out)
        return
    if not isinstance(value, dict):
        return
    node = _node(spec, schema_name)
    for prop, child in node.children:
        if prop in value:
            _walk(spec, value[prop], child, f"{path}.{prop}", out)
    out.append((path, node.by_type.get(value.get("type"), node.java_class)))  # type: ignore[arg-type]


def _result_roots(spec: Spec, api: str) -> dict[str, str]:
    """Which key of the API's job result holds which inventory (its `x-zstack-event`'s)."""
    roots = _ROOTS.setdefault(spec, {})
    if api not in roots:
        props = spec.schema(spec.event(api)).get("properties", {})
        refs = {k: v.get("items", v).get("$ref", "").rsplit("/", 1)[-1] for k, v in props.items()}
        roots[api] = {k: ref for k, ref in refs.items() if ref in spec.java_classes}
    return roots[api]


_ROOTS: weakref.WeakKeyDictionary[Spec, dict[str, dict[str, str]]] = weakref.WeakKeyDictionary()


def job_result_body(spec: Spec, job: Job, with_schema: bool) -> dict[str, JSON]:
    """What a poll of a finished job answers (and what its webhook posts)."""
    if job.state is JobState.FAILED:
        assert job.error is not None
        return {"error": job.error.to_json()}
    result = dict(job.result or {})
    if with_schema:
        result["schema"] = schema_map(spec, result, _result_roots(spec, job.api))
    return result
