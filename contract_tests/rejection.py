"""What the contract's model predicts: a Rejection, and the Java readings the model relies on."""

from __future__ import annotations

from dataclasses import dataclass

from contract_tests import messages
from zstack_spec.i18n import Text
from zstack_spec.json_types import JSON

# the class whose messages the @APIParam checks name
VALIDATOR = "org.zstack.header.message.ApiMessageParamValidator"


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
        # beyond a Long, ToNumberPolicy.LONG_OR_DOUBLE reads a Double: not modelled, like a float
        return str(value) if -(2**63) <= value < 2**63 else None
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


def job(code: str, details: Text, rule: str) -> Rejection:
    """A rejection inside the job: 503 with this code and details."""
    return Rejection(rule, 503, code, details)
