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
