"""The contract's model of what ZStack rejects in an AddImage, before and at the start of its job.

The generated layer (test_conformance.py) counts a case as negative only if this model rejects
it, and then requires the answer the model predicts (issue 13 §4). The model walks the same
steps as the real server, reading the field rules from the contract (the spec):

1. RestServer.handleApi (rest/.../RestServer.java L911-960): the body is a JSON object; `params`
   is cast to a Map; TypeVerifier (TypeVerifier.java L28-35) checks the message class's own
   boolean fields on each value's toString (400 plain text); Gson then fills the message
   (JSONObjectUtil.rehashObject), failing on an object or list where a String is due and on a
   non-list where a List is due (500 plain text, Gson's words: the model predicts the status).
2. Inside the job (503): the SYSTEM @APIParam checks in the fields' order (APIMessage.validate
   L205-227 trims each String first; ApiMessageParamValidator L28-89; PortApiValidator L40-65),
   the FRONT resourceUuid check (ApiMediatorImpl L276-278), ImageApiInterceptor.validate
   (L136-186) and, at END, the system tags (TagManagerImpl L906-946).

`TOLERATED` lists what a JSON schema calls invalid but ZStack accepts. Cases the model cannot
decide (a float where a String is due, a tag outside the patterns the suite sends) get no
prediction, so they never count as negative.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from contract_tests import messages
from contract_tests.i18n import Text
from contract_tests.spec import Contract

JSON = Any
VALIDATOR = "org.zstack.header.message.ApiMessageParamValidator"
# APIAddImageMsg's own boolean fields, the ones TypeVerifier sees (getDeclaredFields)
BOOLEAN_FIELDS = ("system", "virtio")
LIST_FIELDS = ("backupStorageUuids", "systemTags", "userTags", "tagUuids")
ISO = "ISO"
# fields without @APIParam: APIMessage.validate neither trims nor checks them (APIAddImageMsg.java
# L40 system, L47 type; APICreateMessage.java L16 resourceUuid; APIMessage's tags)
NO_API_PARAM = frozenset({"system", "type", "resourceUuid", "systemTags", "userTags"})

# the system tags the suite sends (test_conformance's prepare draws from them): one that matches
# a registered ImageVO pattern (bootMode::{bootMode}, ImageSystemTags.java L36, whose value
# ImageManagerImpl L845-870 checks), and one that matches no pattern of any resource type
NO_SUCH_TAG = "zstackContractNoSuchPattern::x"
SAFE_TAGS = ("bootMode::Legacy", "bootMode::UEFI")
EPHEMERAL = "ephemeral::"  # TagConstant.isEphemeralTag

# (field, value, why ZStack accepts it): the coercions the model does not count as invalid
TOLERATED: list[tuple[str, JSON, str]] = [
    ("description", 5, 'Gson\'s String adapter reads a number as its text ("5")'),
    ("guestOsType", True, 'Gson\'s String adapter reads a boolean as its text ("true")'),
    ("system", "FALSE", "TypeVerifier.java L30 compares ignoring case; Gson parses the string"),
    ("virtio", "True", "TypeVerifier.java L30 compares ignoring case; Gson parses the string"),
    ("description", "  padded  ", "APIMessage.validate L218-221 trims a String before its checks"),
    ("notAField", {"x": 1}, "Gson ignores a key the message class has no field for"),
    ("name", "", "@APIParam's emptyString defaults to true (APIParam.java L27)"),
]


@dataclass(frozen=True, slots=True)
class Rejection:
    """How ZStack rejects a request: the REST layer's plain text, or the job's 503."""

    rule: str
    status: int
    code: str | None = None
    # the detail as ZStack's source formats it; checked in the target's language (i18n.py)
    details: Text | None = None
    # a job message whose wording releases differ in (messages.py)
    variant_of: messages.Message | None = None
    variant_args: tuple[str, ...] = ()
    # a part of the REST layer's text the model knows
    contains: str | None = None


def java_trim(text: str) -> str:
    """String.trim: strips every character up to U+0020, and nothing else."""
    start, end = 0, len(text)
    while start < end and text[start] <= " ":
        start += 1
    while end > start and text[end - 1] <= " ":
        end -= 1
    return text[start:end]


def java_text(value: JSON) -> str | None:
    """The value's toString once Gson has read it (integral numbers as Long); None: unknown."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, list):
        parts = [java_text(v) for v in value]
        return None if None in parts else "[" + ", ".join(p for p in parts if p is not None) + "]"
    if isinstance(value, dict):
        pairs = [(k, java_text(v)) for k, v in value.items()]
        return (
            None
            if any(v is None for _, v in pairs)
            else "{" + ", ".join(f"{k}={v}" for k, v in pairs) + "}"
        )
    return None  # a float: Java's Double.toString is not modelled


class Undecided(Exception):  # a signal, not an error
    """The model cannot tell what ZStack does with this request."""


def _rest_layer(body: JSON, props: dict[str, JSON]) -> Rejection | None:
    if not isinstance(body, dict):
        return Rejection("RestServer: the body is a JSON object (Gson)", 500)
    params = body.get("params")
    if params is not None and not isinstance(params, dict):
        return Rejection("RestServer: `params` is cast to a Map", 500)
    for key in ("systemTags", "userTags"):
        if body.get(key) is not None and not isinstance(body[key], list):
            return Rejection(f"RestServer: top-level {key} is cast to a List", 500)
    params = params or {}
    for name in BOOLEAN_FIELDS:
        value = params.get(name)
        text = None if value is None else java_text(value)
        if value is not None and text is None:
            raise Undecided
        if text is not None and text.lower() not in ("true", "false"):
            return Rejection(
                f"TypeVerifier: {name} is a boolean string",
                400,
                contains=f"boolean field [{name}], [{text}]",
            )
    for name, value in params.items():
        kind = (props.get(name) or {}).get("type")
        if name in LIST_FIELDS and value is not None:
            if not isinstance(value, list) or any(isinstance(v, dict | list) for v in value):
                return Rejection(f"Gson: {name} is a list of strings", 500)
        elif kind == "string" and isinstance(value, dict | list):
            return Rejection(f"Gson: {name} is a String", 500)
    return None


def _message(params: dict[str, JSON], props: dict[str, JSON]) -> dict[str, JSON]:
    """The message's fields as Gson leaves them: Strings as their text, booleans parsed."""
    message: dict[str, JSON] = {}
    for name, value in params.items():
        kind = (props.get(name) or {}).get("type")
        if value is None or name not in props:
            continue
        if kind == "string":
            text = java_text(value)
            if text is None or not _decidable(text, name):
                raise Undecided
            message[name] = text
        elif kind == "boolean":
            message[name] = str(java_text(value)).lower() == "true"
        else:
            message[name] = value
    return message


def _decidable(text: str, name: str) -> bool:
    """Whether the model knows what ZStack does with this String.

    Outside the Basic Multilingual Plane MySQL's 3-byte utf8 decides; where Java's trim and a
    Unicode strip differ, or a field ZStack does not trim is padded, the model does not judge.
    """
    if any(ord(c) > 0xFFFF for c in text) or text.strip() != java_trim(text):
        return False
    return name not in NO_API_PARAM or text == java_trim(text)


def suite_tag_rule(tags: list[str]) -> Rejection | None:
    """TagManagerImpl.intercept L929-946 for the tags the suite sends; Undecided for others."""
    if not tags or all(t.startswith(EPHEMERAL) for t in tags):
        return None  # L906-921: only a list with a non-ephemeral tag is checked
    for tag in dict.fromkeys(tags):
        if tag == NO_SUCH_TAG:
            return _job(
                "SYS.1007", Text.of("no system tag matches %s", tag), "TagManagerImpl L943-945"
            )
        if tag not in SAFE_TAGS:
            raise Undecided
    if sum(t.startswith("bootMode::") for t in dict.fromkeys(tags)) > 1:
        raise Undecided  # ImageManagerImpl's one-bootMode rule: not modelled
    return None


def _job(code: str, details: Text, rule: str) -> Rejection:
    return Rejection(rule, 503, code, details)


def _api_param(
    name: str, fs: dict[str, JSON], value: JSON, exists: Callable[[str], bool]
) -> Rejection | None:
    """ApiMessageParamValidator L28-89 then PortApiValidator L40-65, for one field."""
    units = len(value.encode("utf-16-le")) // 2 if isinstance(value, str) else 0
    if "maxLength" in fs and units > fs["maxLength"]:
        return _job(
            "SYS.1007",
            Text.of(
                "field[%s] of message[%s] exceeds max length of string. expected was <= %s, "
                "actual was %s",
                name,
                VALIDATOR,
                fs["maxLength"],
                units,
            ),
            "ApiMessageParamValidator L28-34: maxLength",
        )
    if "enum" in fs and "x-zstack-checked-by" not in fs:
        for v in value if isinstance(value, list) else [value]:
            if java_text(v) not in fs["enum"]:
                return _job(
                    "SYS.1007",
                    Text.of(
                        "valid value for field[%s] of message[%s] are %s, but %s found",
                        name,
                        VALIDATOR,
                        f"[{', '.join(fs['enum'])}]",
                        java_text(v),
                    ),
                    "ApiMessageParamValidator L44-52: validValues",
                )
    if isinstance(value, list):
        if fs.get("minItems", 0) >= 1 and not value:
            return _job(
                "SYS.1007",
                Text.of("field[%s] must be a nonempty list", name),
                "ApiMessageParamValidator L63-68: nonempty",
            )
        if any(v is None for v in value):
            return _job(
                "SYS.1007",
                Text.of("field[%s] cannot contain a NULL element", name),
                "ApiMessageParamValidator L70-77: nullElements",
            )
        vo = fs.get("x-zstack-resource")
        missing = [str(v) for v in value if vo and not exists(str(v))]
        if missing:
            return _job(
                "SYS.1003",
                Text.of(
                    "invalid field[%s], resource[uuids:%s, type:%s] not found",
                    name,
                    f"[{', '.join(missing)}]",
                    vo,
                ),
                "PortApiValidator L62-65",
            )
    return None


def _image_api_interceptor(m: dict[str, JSON], props: dict[str, JSON]) -> Rejection | None:
    """ImageApiInterceptor.validate(APIAddImageMsg) L136-153, the rules the suite's cases reach."""
    media_type, fmt = m.get("mediaType"), m.get("format")
    if media_type == ISO:
        fmt = "iso"
    if m.get("system") and (media_type == ISO or fmt == "iso"):
        return _job(
            "SYS.1007",
            Text.of("ISO cannot be used as system image"),
            "ImageApiInterceptor L141-145",
        )
    if fmt not in props["format"]["enum"]:
        return _job(
            "SYS.1007",
            Text.of("unknown format[%s]", fmt),
            "ImageApiInterceptor L147-149",
        )
    if m.get("type") is not None and m["type"] not in props["type"]["enum"]:
        return _job(
            "SYS.1007",
            Text.of("unsupported image type[%s]", m["type"]),
            "ImageApiInterceptor L151-153",
        )
    return None


def predict_add_image(
    body: JSON,
    contract: Contract,
    exists: Callable[[str], bool],
    tag_rule: Callable[[list[str]], Rejection | None],
) -> Rejection | None:
    """How ZStack rejects this AddImage body, or None when it passes every modelled check.

    Raises Undecided when the body holds something the model does not know how ZStack reads.
    `exists` says whether a backup storage uuid exists; `tag_rule` judges the system tags.
    """
    schema = contract.doc["components"]["schemas"]["AddImageParams"]
    props: dict[str, JSON] = schema["properties"]
    rejected = _rest_layer(body, props)
    if rejected is not None:
        return rejected
    message = _message(body.get("params") or {}, props)
    order = [
        *schema["x-zstack-param-order"],
        *(k for k in props if k not in schema["x-zstack-param-order"]),
    ]
    for name in order:
        value = message.get(name)
        if isinstance(value, str) and name not in NO_API_PARAM:
            value = message[name] = java_trim(value)
        if value is None:
            if name in schema["required"]:
                return _job(
                    "SYS.1007",
                    Text.of(
                        "field[%s] of message[%s] is mandatory, can not be null", name, VALIDATOR
                    ),
                    "ApiMessageParamValidator L18-22: required",
                )
            continue
        if name in NO_API_PARAM:
            continue
        rejected = _api_param(name, props.get(name) or {}, value, exists)
        if rejected is not None:
            return rejected
    resource_uuid = message.get("resourceUuid")
    if resource_uuid is not None and not _is_zstack_uuid(resource_uuid):
        return Rejection(
            "ApiMediatorImpl L276-278 (FRONT)",
            503,
            "SYS.1007",
            variant_of=messages.RESOURCE_UUID,
            variant_args=(resource_uuid,),
        )
    rejected = _image_api_interceptor(message, props)
    if rejected is not None:
        return rejected
    # RestServer L996-1003: a top-level systemTags replaces the one Gson read from params
    tags = (
        body.get("systemTags") if body.get("systemTags") is not None else message.get("systemTags")
    )
    return tag_rule(list(tags or []))


ZSTACK_UUID = re.compile(r"[0-9a-f]{8}[0-9a-f]{4}[1-5][0-9a-f]{3}[89ab][0-9a-f]{3}[0-9a-f]{12}")


def _is_zstack_uuid(text: str) -> bool:
    """StringDSL.isZStackUuid (utils/.../StringDSL.java L143-145)."""
    return ZSTACK_UUID.fullmatch(text) is not None
