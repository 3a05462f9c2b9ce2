"""How RestServer turns a JSON body into an API message: TypeVerifier, then Gson's coercions.

Real server: RestServer.handleApi and JSONObjectUtil.rehashObject (docs/zstack-protocol.md). Gson
parses the body into a map (integral numbers become Longs, others Doubles), then rebuilds the
message class from it:
a number or boolean given for a String field becomes its text, and a value of the wrong shape
(a list for a string, a string for a list) throws, which RestServer answers with 500 plain text.
"""

from __future__ import annotations

import json
from typing import Any

from mock_server.errors import RestError

JSON = Any

_JSON_TOKENS = {dict: "BEGIN_OBJECT", list: "BEGIN_ARRAY", str: "STRING", bool: "BOOLEAN"}
_JAVA_CLASSES = {
    dict: "com.google.gson.internal.LinkedTreeMap",
    list: "java.util.ArrayList",
    str: "java.lang.String",
    bool: "java.lang.Boolean",
    float: "java.lang.Double",
    int: "java.lang.Long",
}


def _token(value: JSON) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "NUMBER"
    return _JSON_TOKENS[type(value)]


def java_double(value: float) -> str:
    """Double.toString, for the JSON numbers Gson reads as doubles."""
    f = float(value)
    if f != f or f in (float("inf"), float("-inf")):
        return str(f)
    if f == int(f) and abs(f) < 1e7:
        return f"{int(f)}.0"
    if 1e-3 <= abs(f) < 1e7:
        return repr(f)
    mantissa, exp = f"{f:.16E}".split("E")
    mantissa = mantissa.rstrip("0")
    if mantissa.endswith("."):
        mantissa += "0"
    return f"{mantissa}E{int(exp)}"


LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1


def java_number(value: int | float) -> str:
    """Number.toString of a parsed JSON number: a Long when it is integral, else a Double.

    Real server: JSONObjectUtil (utils/.../gson/JSONObjectUtil.java L29) reads map numbers with
    ToNumberPolicy.LONG_OR_DOUBLE (since commit da4f3645a3, 2022-10): Long.parseLong first, so
    `5` stays `5` but `5.0`, `1e3` and numbers beyond a long become Doubles.
    """
    if isinstance(value, int) and LONG_MIN <= value <= LONG_MAX:
        return str(value)
    return java_double(value)


def java_to_string(value: JSON) -> str:
    """What Object.toString gives for a Gson-parsed value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return java_number(value)
    if isinstance(value, list):
        return "[" + ", ".join(java_to_string(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={java_to_string(v)}" for k, v in value.items()) + "}"
    return "null" if value is None else str(value)


def parse_body(raw: bytes) -> dict[str, JSON] | None:
    """JSONObjectUtil.toObject(body, LinkedHashMap.class); an empty body is null."""
    if not raw.strip():
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        # Not determinable from the source (Spring decodes the entity); a documented 400 instead.
        raise RestError(400, "the request body is not valid UTF-8") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise RestError(
            500,
            "com.google.gson.JsonSyntaxException: com.google.gson.stream.MalformedJsonException: "
            f"{e.msg} at line {e.lineno} column {e.colno}",
        ) from None
    if data is None:
        return None  # the map adapter reads a JSON null as a null map
    if not isinstance(data, dict):
        raise RestError(
            500,
            "com.google.gson.JsonSyntaxException: java.lang.IllegalStateException: "
            f"Expected BEGIN_OBJECT but was {_token(data)} at line 1 column 1 path $",
        )
    return data


def verify_types(message: dict[str, JSON], schema: dict[str, JSON]) -> None:
    """TypeVerifier over the API class's own boolean fields, on each value's toString."""
    for name, field in schema.get("properties", {}).items():
        value = message.get(name)
        if value is None or field.get("type") != "boolean":
            continue
        text = java_to_string(value)
        if text.lower() not in ("true", "false"):
            raise RestError(
                400,
                f"Invalid value for boolean field [{name}], [{text}] is not a valid boolean "
                "string[true, false].",
            )


def as_message(value: JSON, where: str) -> dict[str, JSON] | None:
    """The envelope's value must be a map: RestServer casts it with `(Map) parameter`."""
    if value is None or isinstance(value, dict):
        return value
    raise RestError(500, f"{_JAVA_CLASSES[type(value)]} cannot be cast to java.util.Map")


def as_tags(value: JSON) -> list[str] | None:
    """Top-level systemTags/userTags: `(List<String>) body.get(...)`."""
    if value is None or isinstance(value, list):
        return None if value is None else [java_to_string(v) for v in value]
    raise RestError(500, f"{_JAVA_CLASSES[type(value)]} cannot be cast to java.util.List")


def coerce(value: JSON, schema: dict[str, JSON], path: str) -> JSON:
    """Gson's reading of one value into the field type the schema declares."""
    if value is None:
        return None
    kind = schema.get("type")
    if kind == "string":
        if isinstance(value, dict | list):
            _expected("a string", value, path)
        return java_to_string(value)
    if kind == "boolean":
        if isinstance(value, dict | list):
            _expected("a boolean", value, path)
        return java_to_string(value).lower() == "true"
    if kind == "array":
        if not isinstance(value, list):
            _expected("BEGIN_ARRAY", value, path)
        items = schema.get("items", {})
        return [coerce(v, items, f"{path}[{i}]") for i, v in enumerate(value)]
    if kind == "object":
        if not isinstance(value, dict):
            _expected("BEGIN_OBJECT", value, path)
        props = schema.get("properties", {})
        return {
            k: coerce(v, props[k], f"{path}.{k}") if k in props else v for k, v in value.items()
        }
    return value


def _expected(what: str, value: JSON, path: str) -> None:
    raise RestError(
        500,
        f"com.google.gson.JsonSyntaxException: java.lang.IllegalStateException: Expected {what} "
        f"but was {_token(value)} at path {path}",
    )
