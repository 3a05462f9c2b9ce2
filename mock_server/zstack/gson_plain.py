"""A fast path for the commonest body: plain JSON that Python's C reader gives Gson's value for.

Kept apart from `gson.py`'s emulation: it changes no answer, only how fast a plain body is read
(pinned to the Gson reader by tests/test_gson_plain_json.py).
"""

from __future__ import annotations

import json

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
