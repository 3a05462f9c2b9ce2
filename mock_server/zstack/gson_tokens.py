"""Gson 2.8.9's JsonReader vocabulary: scopes, peeked states, token names and Java's exceptions.

Real source: com.google.gson.stream.JsonScope and JsonReader's PEEKED_* constants
(gson-parent-2.8.9); see gson_reader.py for how ZStack reads bodies with it.
"""

from __future__ import annotations

from enum import IntEnum


class Scope(IntEnum):
    """com.google.gson.stream.JsonScope."""

    EMPTY_ARRAY = 1
    NONEMPTY_ARRAY = 2
    EMPTY_OBJECT = 3
    DANGLING_NAME = 4
    NONEMPTY_OBJECT = 5
    EMPTY_DOCUMENT = 6
    NONEMPTY_DOCUMENT = 7


class P(IntEnum):
    """JsonReader's PEEKED_* states."""

    NONE = 0
    BEGIN_OBJECT = 1
    END_OBJECT = 2
    BEGIN_ARRAY = 3
    END_ARRAY = 4
    TRUE = 5
    FALSE = 6
    NULL = 7
    SINGLE_QUOTED = 8
    DOUBLE_QUOTED = 9
    UNQUOTED = 10
    SINGLE_QUOTED_NAME = 12
    DOUBLE_QUOTED_NAME = 13
    UNQUOTED_NAME = 14
    LONG = 15
    NUMBER = 16
    EOF = 17


TOKENS = {
    P.BEGIN_OBJECT: "BEGIN_OBJECT",
    P.END_OBJECT: "END_OBJECT",
    P.BEGIN_ARRAY: "BEGIN_ARRAY",
    P.END_ARRAY: "END_ARRAY",
    P.TRUE: "BOOLEAN",
    P.FALSE: "BOOLEAN",
    P.NULL: "NULL",
    P.SINGLE_QUOTED: "STRING",
    P.DOUBLE_QUOTED: "STRING",
    P.UNQUOTED: "STRING",
    P.SINGLE_QUOTED_NAME: "NAME",
    P.DOUBLE_QUOTED_NAME: "NAME",
    P.UNQUOTED_NAME: "NAME",
    P.LONG: "NUMBER",
    P.NUMBER: "NUMBER",
    P.EOF: "END_DOCUMENT",
}


class JavaError(Exception):
    """A Java exception: its class name and its getMessage()."""

    java_class = "java.lang.RuntimeException"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_string(self) -> str:
        """Throwable.toString: what a wrapping exception's message becomes."""
        return f"{self.java_class}: {self.message}"


class MalformedJson(JavaError):
    java_class = "com.google.gson.stream.MalformedJsonException"


class IllegalState(JavaError):
    java_class = "java.lang.IllegalStateException"


class EndOfInput(JavaError):
    java_class = "java.io.EOFException"


class NumberFormat(JavaError):
    java_class = "java.lang.NumberFormatException"


class JsonSyntax(JavaError):
    """JsonSyntaxException; built from a cause, its message is the cause's toString()."""

    java_class = "com.google.gson.JsonSyntaxException"


NON_LITERAL = set("{}[]:, \t\f\r\n")
LENIENT_LITERAL_END = set("/\\;#=")
MIN_INCOMPLETE_INTEGER = -(2**63) // 10
