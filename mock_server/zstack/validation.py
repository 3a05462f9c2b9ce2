"""ZStack's `@APIParam` checks, read from the spec: each schema keyword maps to ZStack's rule.

The generic validators (ApiMessageParamValidator, then PortApiValidator) visit the message's fields
in `x-zstack-param-order`; for each field they check the constraints below, and the first failure
wins (docs/zstack-protocol.md). Constraints marked `x-zstack-checked-by` belong to a later
interceptor with its own message and are skipped here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from mock_server.state.ids import is_zstack_uuid
from mock_server.zstack import gson
from mock_server.zstack.errors import InvalidArgumentError, ResourceNotFound
from mock_server.zstack.i18n import localized
from mock_server.zstack.spec import Operation, Spec
from zstack_spec.json_types import JSON

# ApiMessageParamValidator formats its messages with its own class name (a real quirk).
VALIDATOR = "org.zstack.header.message.ApiMessageParamValidator"


class StopRouting(Exception):  # ZStack's name for it
    """The API succeeded before reaching its service (DeleteImage of a missing image)."""


ResourceExists = Callable[[str, str], bool]

# java.lang.String.trim strips every char up to U+0020 (controls included), and nothing else:
# not U+00A0, U+3000 or the other Unicode spaces Python's str.strip() also strips
_JAVA_TRIMMED = "".join(chr(c) for c in range(0x21))


def java_trim(value: str) -> str:
    """APIMessage.validate's trim of a String field (header/.../message/APIMessage.java L218-221).

    Every instance field but the static, @APINoSee, transient and @GsonTransient ones is a
    parameter there, with `@APIParam(required = false)` where it has none (L114-141), so every
    String field is trimmed unless it says `noTrim`; none of this spec's messages does.
    """
    return value.strip(_JAVA_TRIMMED)


@dataclass(frozen=True, slots=True)
class MessageSchema:
    """One API message as the validators see it: its fields, their order and constraints."""

    api: str
    envelope: str | None
    properties: dict[str, dict[str, JSON]]
    required: frozenset[str]
    order: tuple[str, ...]
    url_vars: tuple[str, ...] = ()
    query_lists: frozenset[str] = field(default_factory=frozenset)
    message_class: str = ""
    # the fields in the validators' order, worked out once (`dataclasses.replace` works it again)
    _in_order: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        rest = [f for f in self.properties if f not in self.order]
        object.__setattr__(self, "_in_order", (*self.order, *rest))

    def fields_in_order(self) -> tuple[str, ...]:
        return self._in_order


# The JSON-Schema keywords the walker below (with gson.rehash and gson.verify_types) implements,
# each with the ZStack rule it stands for. A request schema using any other keyword, or a value of
# one the walker does not handle, must mark the node `x-zstack-checked-by` (a later interceptor
# checks it); tests/test_spec_in_charge.py fails otherwise (`unimplemented_keywords`).
KEYWORDS: dict[str, str] = {
    "type": "the Java type Gson reads the field as (gson._read_typed); boolean: TypeVerifier",
    "properties": "the message class's fields; Gson skips any other name",
    "items": "the element type of a List field",
    "required": "@APIParam(required = true): `field[%s] of message[%s] is mandatory`",
    "maxLength": "@APIParam(maxLength): `exceeds max length of string`",
    "enum": "@APIParam(validValues): `valid value for field[%s] of message[%s] are %s`",
    "minItems": "@APIParam(nonempty = true): `field[%s] must be a nonempty list` (1 only)",
}
# what Gson's reading uses below a message's own fields: the shape only
SHAPE = frozenset({"type", "properties", "items"})
# the `type`s Gson's reading is modelled for (gson._read_typed)
TYPES = frozenset({"string", "boolean", "array", "object"})
# keywords that constrain nothing: `default` is the message class's field initialiser, applied by
# the handlers (pinned to the spec by tests/test_spec_in_charge.py)
ANNOTATIONS = frozenset({"description", "example", "default"})


def unimplemented_keywords(schema: MessageSchema) -> list[str]:
    """Every constraint of the message's fields the walker would ignore, as `api.field: keyword`."""
    found: list[str] = []
    for name, fs in schema.properties.items():
        found += _unimplemented(f"{schema.api}.{name}", fs)
    return found


def _unimplemented(where: str, node: dict[str, JSON], top: bool = True) -> list[str]:
    if "x-zstack-checked-by" in node:
        return []  # a later interceptor owns this field's constraints
    # check_params checks a message's own fields; inside a list or a map only the shape is read
    known = KEYWORDS if top else SHAPE
    found = [
        f"{where}: {key}"
        for key in node
        if key not in known and key not in ANNOTATIONS and not key.startswith("x-zstack-")
    ]
    if "type" in node and node["type"] not in TYPES:
        found.append(f"{where}: type {node['type']}")
    if node.get("minItems", 0) > 1:
        found.append(f"{where}: minItems {node['minItems']}")
    for name, sub in node.get("properties", {}).items():
        found += _unimplemented(f"{where}.{name}", sub, top=False)
    if "items" in node:
        found += _unimplemented(f"{where}[]", node["items"], top=False)
    return found


def message_schema(spec: Spec, op: Operation, envelope: str | None = None) -> MessageSchema:
    """Build the message view of an operation: the body envelope's object, or its query params."""
    params = spec.parameters(op)
    url_vars = tuple(p["name"] for p in params if p["in"] == "path")
    props: dict[str, dict[str, JSON]] = {}
    required: set[str] = set()
    order: list[str] = list(op.raw.get("x-zstack-param-order", []))
    # the message field the URL variable fills, where it is not the template's name
    url_field: str | None = None
    if envelope is not None:
        body = spec.inline(spec.body_schema(op))
        variants = body.get("oneOf", [body])
        inner = next(v for v in variants if envelope in v.get("properties", {}))
        obj = inner["properties"][envelope]
        props.update(obj.get("properties", {}))
        required.update(obj.get("required", []))
        order = list(obj.get("x-zstack-param-order", order))
        url_field = obj.get("x-zstack-url-field")
    if url_field is not None:
        # the path's one variable fills this message field (`/images/{uuid}/actions`); the
        # envelope describes it, or else the path parameter's schema does
        url_vars = (url_field,)
        required.add(url_field)
    _add_parameter_fields(spec, params, props, required, url_field)
    lists = frozenset(
        p["name"] for p in params if p["in"] == "query" and p["schema"].get("type") == "array"
    )
    return MessageSchema(
        api=op.operation_id,
        envelope=envelope,
        properties=props,
        required=frozenset(required),
        order=tuple(order),
        url_vars=url_vars,
        query_lists=lists,
        message_class=op.raw.get("x-zstack-message", ""),
    )


def _add_parameter_fields(
    spec: Spec,
    params: list[dict[str, JSON]],
    props: dict[str, dict[str, JSON]],
    required: set[str],
    url_field: str | None,
) -> None:
    """Path and query parameters are message fields too (RestServer copies them in)."""
    for p in params:
        if p["in"] not in ("path", "query"):
            continue
        name = url_field if url_field is not None and p["in"] == "path" else p["name"]
        if name in props and p["in"] == "path":
            continue  # the envelope describes the field the URL fills
        schema = spec.inline(p["schema"])
        extras = {k: v for k, v in p.items() if k.startswith("x-zstack-")}
        props[name] = {**schema, **extras}
        if p.get("required"):
            required.add(name)


def check_params(schema: MessageSchema, message: dict[str, JSON], exists: ResourceExists) -> None:
    """Run the SYSTEM-position checks; raise the first failure as ZStack would."""
    for name in schema.fields_in_order():
        fs = schema.properties.get(name)
        if fs is None:
            continue
        value = message.get(name)
        if isinstance(value, str):
            value = message[name] = java_trim(value)
        if value is None:
            if name in schema.required:
                raise InvalidArgumentError(
                    localized(
                        "field[%s] of message[%s] is mandatory, can not be null", name, VALIDATOR
                    )
                )
            continue
        _check_value(name, fs, value)
        _check_resource(name, fs, value, exists)


def java_length(value: str) -> int:
    """String.length(): UTF-16 code units, so a character outside the BMP counts two."""
    return len(value) if value.isascii() else len(value.encode("utf-16-le")) // 2


def _check_value(name: str, fs: dict[str, JSON], value: JSON) -> None:
    checked_elsewhere = "x-zstack-checked-by" in fs
    # ApiMessageParamValidator.java L29-34: `str.length() > at.maxLength()`
    if isinstance(value, str) and "maxLength" in fs and java_length(value) > fs["maxLength"]:
        raise InvalidArgumentError(
            localized(
                "field[%s] of message[%s] exceeds max length of string. expected was <= %s, "
                "actual was %s",
                name,
                VALIDATOR,
                fs["maxLength"],
                java_length(value),
            )
        )
    if "enum" in fs and not checked_elsewhere:
        for v in value if isinstance(value, list) else [value]:
            if gson.java_to_string(v) not in fs["enum"]:
                raise InvalidArgumentError(
                    localized(
                        "valid value for field[%s] of message[%s] are %s, but %s found",
                        name,
                        VALIDATOR,
                        f"[{', '.join(fs['enum'])}]",
                        gson.java_to_string(v),
                    )
                )
    if isinstance(value, list):
        if fs.get("minItems", 0) >= 1 and not value:
            raise InvalidArgumentError(localized("field[%s] must be a nonempty list", name))
        if any(v is None for v in value):
            raise InvalidArgumentError(localized("field[%s] cannot contain a NULL element", name))


def _check_resource(name: str, fs: dict[str, JSON], value: JSON, exists: ResourceExists) -> None:
    """PortApiValidator: the uuids a field names must exist (SYS.1003)."""
    vo = fs.get("x-zstack-resource")
    if vo is None:
        return
    if isinstance(value, list):
        missing = [v for v in value if not exists(vo, v)]
        if missing:
            raise ResourceNotFound(
                localized(
                    "invalid field[%s], resource[uuids:%s, type:%s] not found",
                    name,
                    gson.java_to_string(missing),
                    vo,
                )
            )
        return
    if exists(vo, value):
        return
    if fs.get("x-zstack-success-if-missing"):
        if is_zstack_uuid(value):
            raise StopRouting()
        raise ResourceNotFound(localized("invalid value[%s] of field [%s]", value, name))
    raise ResourceNotFound(
        localized("invalid field[%s], resource[uuid:%s, type:%s] not found", name, value, vo)
    )


def check_resource_uuid(message: dict[str, JSON]) -> None:
    """ApiMediatorImpl (FRONT): resourceUuid must be a ZStack uuid.

    Real server: portal/.../apimediator/ApiMediatorImpl.java L276-278 (master); releases before
    late 2023 said "the regular expression ZStack uses" (docs/zstack-protocol.md).
    """
    value = message.get("resourceUuid")
    if value is not None and not is_zstack_uuid(value):
        # the catalogues' entry (L9831) spells "uuid(v4" in lower case: no key matches, every
        # locale sends the source text
        raise InvalidArgumentError(
            localized(
                "resourceUuid[%s] is not a valid uuid. A valid uuid is a UUID(v4 recommended) with "
                "'-' stripped. see http://en.wikipedia.org/wiki/Universally_unique_identifier for "
                "format of UUID, the regular expression uses to validate a UUID is "
                "'[0-9a-f]{8}[0-9a-f]{4}[1-5][0-9a-f]{3}[89ab][0-9a-f]{3}[0-9a-f]{12}'",
                value,
            )
        )


def read_message(schema: MessageSchema, raw: dict[str, JSON] | None) -> dict[str, JSON]:
    """TypeVerifier then Gson over a body envelope's object: the fields the message gets."""
    if raw is None:
        return {}
    obj = {"type": "object", "properties": schema.properties}
    gson.verify_types(raw, obj)
    return gson.rehash(raw, schema.properties)
