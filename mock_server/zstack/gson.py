"""How RestServer turns a JSON body into an API message: TypeVerifier, then Gson's coercions.

Real server: RestServer.handleApi and JSONObjectUtil.rehashObject (docs/zstack-protocol.md). Gson
parses the body into a map (integral numbers become Longs, others Doubles), then rebuilds the
message class from it:
a number or boolean given for a String field becomes its text, and a value of the wrong shape
(a list for a string, a string for a list) throws, which RestServer answers with 500 plain text.
"""

from __future__ import annotations

from mock_server.zstack import gson_reader as gr
from mock_server.zstack import gson_tokens as gt
from mock_server.zstack.errors import RestError
from mock_server.zstack.gson_plain import plain_json_object, plain_message
from zstack_spec.json_types import JSON

_JAVA_CLASSES = {
    dict: "com.google.gson.internal.LinkedTreeMap",
    list: "java.util.ArrayList",
    str: "java.lang.String",
    bool: "java.lang.Boolean",
    float: "java.lang.Double",
    int: "java.lang.Long",
}


def java_double(value: float) -> str:
    """Double.toString, for the JSON numbers Gson reads as doubles."""
    f = float(value)
    if f != f:
        return "NaN"
    if f in (float("inf"), float("-inf")):
        return "Infinity" if f > 0 else "-Infinity"
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
    """JSONObjectUtil.toObject(body, LinkedHashMap.class): Gson's lenient map adapter.

    An empty (or comment-only) body and a JSON null are a null map. `[]` is an empty map and
    `[["k", v], ...]` a map of entries (MapTypeAdapterFactory.read L160-196); a key given twice at
    the top level is `duplicate key: k`. What Gson throws is answered 500 with its getMessage()
    (RestServer.handle L684-687): a wrapped cause's toString, without JsonSyntaxException's name.
    """
    if not raw:
        return None  # no body (every GET and DELETE): Gson.fromJson of an empty document
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        # Not determinable from the source (Spring decodes the entity); a documented 400 instead.
        raise RestError(400, "the request body is not valid UTF-8") from None
    try:
        return _read_body(text)
    except gt.JsonSyntax as e:
        raise RestError(500, e.message) from None
    except gt.NumberFormat as e:
        raise RestError(500, e.message) from None  # a bad \u escape escapes Gson uncaught
    except gt.JavaError as e:
        raise RestError(500, e.to_string()) from None


def _read_body(text: str) -> dict[str, JSON] | None:
    plain = plain_json_object(text)
    return plain if plain is not None else _gson_read_body(text)


def _gson_read_body(text: str) -> dict[str, JSON] | None:
    r = gr.JsonReader(text, lenient=True)
    try:
        token = r.peek()
    except gt.EndOfInput:
        return None  # Gson.fromJson: an empty document is null
    if token == "NULL":
        r.next_null()
        return None
    body = _read_map(r, token)
    # Gson.assertFullConsumption reads on with leniency off: trailing text is malformed
    r.lenient = False
    try:
        r.peek()
    except gt.MalformedJson as e:
        raise gt.JsonSyntax(e.to_string()) from None
    return body


def _read_map(r: gr.JsonReader, token: str) -> dict[str, JSON]:
    body: dict[str, JSON] = {}
    seen: set[tuple[str, str]] = set()

    def put(key: JSON, value: JSON) -> None:
        name = key if isinstance(key, str) else java_to_string(key)
        ident = (type(key).__name__, name)
        if ident in seen and body.get(name) is not None:
            raise gt.JsonSyntax(f"duplicate key: {name}")
        seen.add(ident)
        body[name] = value

    if token == "BEGIN_ARRAY":
        r.begin_array()
        while r.has_next():
            r.begin_array()  # an entry: [key, value]
            key = gr.read_object(r)
            put(key, gr.read_object(r))
            r.end_array()
        r.end_array()
        return body
    r.begin_object()
    while r.has_next():
        r.promote_name_to_value()
        key = gr.read_object(r)
        put(key, gr.read_object(r))
    r.end_object()
    return body


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


def to_json(value: JSON) -> str:
    """Gson.toJson as JSONObjectUtil's instance writes a parsed map: compact, nulls dropped.

    Real server: JSONObjectUtil L30 (disableHtmlEscaping), JsonWriter.string's replacements,
    Gson.checkValidFloatingPoint for NaN and infinities.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and (value != value or value in (_INF, -_INF)):
        raise RestError(
            500,
            f"{java_double(value)} is not a valid double value as per JSON specification. To "
            "override this behavior, use GsonBuilder.serializeSpecialFloatingPointValues() "
            "method.",
        )
    if isinstance(value, int | float):
        return java_number(value)
    if isinstance(value, str):
        return _json_string(value)
    if isinstance(value, list):
        return "[" + ",".join(to_json(v) for v in value) + "]"
    items = (f"{_json_string(str(k))}:{to_json(v)}" for k, v in value.items() if v is not None)
    return "{" + ",".join(items) + "}"


_INF = float("inf")
_JSON_ESCAPES = {
    **{chr(i): f"\\u{i:04x}" for i in range(0x20)},
    '"': '\\"',
    "\\": "\\\\",
    "\t": "\\t",
    "\b": "\\b",
    "\n": "\\n",
    "\r": "\\r",
    "\f": "\\f",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_JSON_STRING = str.maketrans(_JSON_ESCAPES)


def _json_string(text: str) -> str:
    return '"' + text.translate(_JSON_STRING) + '"'


def rehash(value: dict[str, JSON], properties: dict[str, dict[str, JSON]]) -> dict[str, JSON]:
    """JSONObjectUtil.rehashObject: write the map with Gson, read it back as the message class.

    The message's fields are read by Gson's adapters for their types (TypeAdapters.STRING and
    BOOLEAN, CollectionTypeAdapterFactory, ReflectiveTypeAdapterFactory skipping unknown names),
    so a wrong shape fails with its location in the re-serialised text, not the client's body.
    A message of plain strings and bools needs no round trip (`plain_message`).
    """
    plain = plain_message(value, properties)
    if plain is not None:
        return plain
    r = gr.JsonReader(to_json(value), lenient=True)
    try:
        return _read_message(r, properties)
    except gt.IllegalState as e:
        # ReflectiveTypeAdapterFactory.Adapter.read wraps it in JsonSyntaxException(e)
        raise RestError(500, e.to_string()) from None
    except gt.JavaError as e:
        raise RestError(500, e.to_string()) from None


def _read_message(r: gr.JsonReader, properties: dict[str, dict[str, JSON]]) -> dict[str, JSON]:
    r.begin_object()
    message: dict[str, JSON] = {}
    while r.has_next():
        name = r.next_name()
        field = properties.get(name)
        if field is None:
            r.skip_value()
        else:
            message[name] = _read_typed(r, field)
    r.end_object()
    return message


def _read_typed(r: gr.JsonReader, field: dict[str, JSON]) -> JSON:
    if r.peek() == "NULL":
        r.next_null()
        return None
    kind = field.get("type")
    if kind == "string":
        if r.peek() == "BOOLEAN":  # "coerce booleans to strings for backwards compatibility"
            return "true" if r.next_boolean() else "false"
        return r.next_string()
    if kind == "boolean":
        if r.peek() == "STRING":
            return r.next_string().lower() == "true"  # Boolean.parseBoolean
        return r.next_boolean()
    if kind == "array":
        r.begin_array()
        items = []
        while r.has_next():
            items.append(_read_typed(r, field.get("items", {})))
        r.end_array()
        return items
    if kind == "object":
        return _read_message(r, field.get("properties", {}))
    return gr.read_object(r)
