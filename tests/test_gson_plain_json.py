"""The body's fast path (Python's JSON reader) gives exactly what the Gson reader gives.

`gson_plain.plain_json_object` reads a plain JSON object with Python's C reader and returns None for
anything it cannot vouch for; wherever it answers, its value must equal the Gson reader's
(`gson._gson_read_body`), types included (Long or Double), and key order too.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mock_server.zstack import gson, gson_plain

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)
BODIES = st.dictionaries(st.text(max_size=8), VALUES, max_size=5)


def _typed(value: Any) -> Any:
    """The value with each number's type beside it (1 and 1.0 are equal in Python, not in Java)."""
    if isinstance(value, dict):
        return [(k, _typed(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return (type(value).__name__, value)


@settings(max_examples=300, deadline=None)
@given(body=BODIES, spaced=st.booleans())
def test_plain_json_object__equals_the_gson_reader(body: dict[str, Any], spaced: bool) -> None:
    text = json.dumps(body, ensure_ascii=False, indent=1 if spaced else None)
    plain = gson_plain.plain_json_object(text)
    if plain is not None:
        assert _typed(plain) == _typed(gson._gson_read_body(text))


def test_plain_json_object__takes_ordinary_bodies_and_leaves_the_rest_to_the_reader() -> None:
    assert gson_plain.plain_json_object('{"params": {"name": "a", "size": 1, "f": 1.5}}') == {
        "params": {"name": "a", "size": 1, "f": 1.5}
    }
    assert gson_plain.plain_json_object('{"n": 9223372036854775808}') == {"n": 9.223372036854776e18}
    for text in (
        '{"a": "\\u00e9"}',  # an escape
        '{"a": 1, "a": 2}',  # a repeated key
        '{"a": NaN}',
        "{'a': 1}",  # lenient only
        '{"a": 1} x',
        "[]",
        "null",
        "",
        '{"a": "x\ny"}',  # a raw newline in a string: lenient only
    ):
        assert gson_plain.plain_json_object(text) is None, text


FIELDS: dict[str, dict[str, Any]] = {
    "name": {"type": "string"},
    "system": {"type": "boolean"},
    "tags": {"type": "array", "items": {"type": "string"}},
    "size": {"type": "integer"},
    "ref": {"$ref": "#/components/schemas/X"},
    "inner": {"type": "object", "properties": {"a": {"type": "string"}}},
}
MESSAGE_VALUES = (
    SCALARS
    | st.text(alphabet=st.characters(codec="utf-8"), max_size=6)  # no surrogates
    | st.sampled_from(["\u2028", "\x00\x1f", '"\\', "\ud800", "<&>"])
    | st.lists(st.text(max_size=4) | st.integers() | st.none(), max_size=3)
    | st.dictionaries(st.sampled_from(["a", "b"]), st.text(max_size=3), max_size=2)
)
MESSAGES = st.dictionaries(
    st.sampled_from([*FIELDS, "unknown", "other"]) | st.text(max_size=4), MESSAGE_VALUES, max_size=6
)


def _rehash_round_trip(value: dict[str, Any]) -> Any:
    """gson.rehash without its fast path: Gson's text, read back by the ported reader."""
    from mock_server.zstack import gson_reader as gr

    try:
        return _typed(gson._read_message(gr.JsonReader(gson.to_json(value), lenient=True), FIELDS))
    except Exception as e:  # the round trip's failure: the fast path must not have answered
        return e


@settings(max_examples=500, deadline=None)
@given(value=MESSAGES)
def test_plain_message__equals_gsons_round_trip(value: dict[str, Any]) -> None:
    plain = gson_plain.plain_message(value, FIELDS)
    if plain is not None:
        assert _typed(plain) == _rehash_round_trip(value)


def test_plain_message__takes_plain_messages_and_leaves_the_rest_to_the_round_trip() -> None:
    value = {"name": "a", "system": True, "tags": ["x"], "unknown": "u", "size": None}
    assert gson_plain.plain_message(value, FIELDS) == {"name": "a", "system": True, "tags": ["x"]}
    for other in (
        {"name": 1},  # a number for a string: Gson's coercion
        {"system": "true"},  # a string for a bool: Boolean.parseBoolean
        {"tags": ["x", 1]},
        {"size": 5},
        {"ref": "r"},
        {"inner": {"a": "b"}},
        {"unknown": 1.5},  # written by Gson (NaN would fail): the round trip decides
        {"unknown": {"a": 1}},
        {"name": "\ud800"},  # a lone surrogate: Gson writes it as "?"
        {"tags": ["\udfff"]},
    ):
        assert gson_plain.plain_message(other, FIELDS) is None, other
