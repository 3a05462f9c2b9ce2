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

from contract_tests import messages
from contract_tests.param_rules import api_param, required_rule
from contract_tests.rejection import VALIDATOR, Rejection, Undecided, java_text, java_trim, job
from contract_tests.spec import Contract
from zstack_spec.i18n import Text
from zstack_spec.json_types import JSON

# the model's vocabulary, imported from here by the suite and its tests
__all__ = [
    "NO_SUCH_TAG",
    "SAFE_TAGS",
    "TOLERATED",
    "VALIDATOR",
    "ZSTACK_UUID",
    "Rejection",
    "Undecided",
    "java_text",
    "java_trim",
    "predict_add_image",
    "suite_tag_rule",
]

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


def _as_map(body: JSON) -> JSON:
    """RestServer reads the body into a LinkedHashMap with Gson, whose map adapter also takes the
    array-of-entries form: `[]` is an empty map (docs/zstack-protocol.md#rest-errors)."""
    if body == []:
        return {}
    if isinstance(body, list):
        raise Undecided  # `[[key, value], ...]` entries, or Gson's error on anything else
    return body


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
            return job(
                "SYS.1007", Text.of("no system tag matches %s", tag), "TagManagerImpl L943-945"
            )
        if tag not in SAFE_TAGS:
            raise Undecided
    if sum(t.startswith("bootMode::") for t in dict.fromkeys(tags)) > 1:
        raise Undecided  # ImageManagerImpl's one-bootMode rule: not modelled
    return None


def _image_api_interceptor(m: dict[str, JSON], props: dict[str, JSON]) -> Rejection | None:
    """ImageApiInterceptor.validate(APIAddImageMsg) L136-153, the rules the suite's cases reach."""
    media_type, fmt = m.get("mediaType"), m.get("format")
    if media_type == ISO:
        fmt = "iso"
    if m.get("system") and (media_type == ISO or fmt == "iso"):
        return job(
            "SYS.1007",
            Text.of("ISO cannot be used as system image"),
            "ImageApiInterceptor L141-145",
        )
    if fmt not in props["format"]["enum"]:
        return job(
            "SYS.1007",
            Text.of("unknown format[%s]", fmt),
            "ImageApiInterceptor L147-149",
        )
    if m.get("type") is not None and m["type"] not in props["type"]["enum"]:
        return job(
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
    body = _as_map(body)
    rejected = _rest_layer(body, props)
    if rejected is not None:
        return rejected
    message = _message(body.get("params") or {}, props)
    rejected = _api_params(message, schema, exists)
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


def _api_params(
    message: dict[str, JSON], schema: dict[str, JSON], exists: Callable[[str], bool]
) -> Rejection | None:
    """APIMessage.validate L205-227: each field in order, trimmed, then its @APIParam checks."""
    props: dict[str, JSON] = schema["properties"]
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
                return required_rule(name)
            continue
        if name in NO_API_PARAM:
            continue
        rejected = api_param(name, props.get(name) or {}, value, exists)
        if rejected is not None:
            return rejected
    return None


ZSTACK_UUID = re.compile(r"[0-9a-f]{8}[0-9a-f]{4}[1-5][0-9a-f]{3}[89ab][0-9a-f]{3}[0-9a-f]{12}")


def _is_zstack_uuid(text: str) -> bool:
    """StringDSL.isZStackUuid (utils/.../StringDSL.java L143-145)."""
    return ZSTACK_UUID.fullmatch(text) is not None
