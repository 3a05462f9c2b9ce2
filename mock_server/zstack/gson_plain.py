"""A fast path for the commonest body: plain JSON that Python's C reader gives Gson's value for.

Kept apart from `gson.py`'s emulation: it changes no answer, only how fast a plain body (and a
plain message, `plain_message`) is read (pinned to the Gson reader by
tests/test_gson_plain_json.py).
"""

from __future__ import annotations

import json
import re

from mock_server.zstack import gson_reader as gr
from zstack_spec.json_types import JSON


class _NotPlain(ValueError):
    """The body is not plain JSON that Python's reader gives Gson's value for."""


def _unique_keys(pairs: list[tuple[str, JSON]]) -> dict[str, JSON]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _NotPlain("a repeated key")  # Gson's rules for those: the reader decides
    return out


def _refuse(literal: str) -> JSON:
    raise _NotPlain(literal)  # NaN, Infinity: not JSON


def plain_json_object(text: str) -> dict[str, JSON] | None:
    """The body read by Python's C JSON reader, when it is certain to give Gson's value.

    That is a strict JSON object without a backslash (no escapes, so no surrogates to join or
    replace: `_utf16_text`), without a repeated key and without NaN or Infinity; its integers go
    through the same Long-or-Double rule as Gson's (`long_or_double`), its other numbers through
    float() as there. Anything else, valid or not, is None: the Gson reader reads it, with its
    leniency, locations and messages.
    """
    if "\\" in text:
        return None
    try:
        value = json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_int=gr.long_or_double,
            parse_constant=_refuse,
        )
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def plain_message(
    value: dict[str, JSON], properties: dict[str, dict[str, JSON]]
) -> dict[str, JSON] | None:
    """`gson.rehash`'s message without the round trip through Gson's text, when it is certain.

    That is when every field of the message holds what its type adapter reads back unchanged (a
    string for `string`, a bool for `boolean`, a list of strings for an array of strings), every
    other key holds a string, a bool or null (Gson writes and skips them, and none can fail to be
    written as NaN can), and no string holds a lone surrogate. A null is dropped, as Gson writes
    no null. Anything else is None: the round trip decides, with its coercions and messages.
    Pinned to the round trip by tests/test_gson_plain_json.py.
    """
    message: dict[str, JSON] = {}
    for name, item in value.items():
        if isinstance(item, str) and not _plain_text(item):
            return None
        field = properties.get(name)
        if item is None:
            continue
        if field is None:
            if not isinstance(item, str | bool):
                return None
            continue
        kind = field.get("type")
        if (kind == "string" and isinstance(item, str)) or (
            kind == "boolean" and isinstance(item, bool)
        ):
            message[name] = item
        elif kind == "array" and _string_list(field, item):
            message[name] = list(item)
        else:
            return None
    return message


# a lone surrogate does not survive Gson's text (it comes back as '?'): the round trip decides
_SURROGATE = re.compile("[\ud800-\udfff]")


def _plain_text(text: str) -> bool:
    return text.isascii() or _SURROGATE.search(text) is None


def _string_list(field: dict[str, JSON], item: JSON) -> bool:
    items = field.get("items")
    return (
        isinstance(items, dict)
        and items.get("type") == "string"
        and isinstance(item, list)
        and all(isinstance(i, str) and _plain_text(i) for i in item)
    )
