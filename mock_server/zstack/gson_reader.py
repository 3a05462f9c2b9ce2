"""Gson 2.8.9's JsonReader, as far as RestServer's body parsing needs it: tokens, leniency, texts.

ZStack reads every body with `JSONObjectUtil.toObject(body, LinkedHashMap.class)` and rebuilds the
API message with `rehashObject` (utils/.../gson/JSONObjectUtil.java L56-71; Gson 2.8.9, pom.xml
L79-80). Both go through Gson.fromJson, which reads leniently. The messages and the `at line L
column C path P` locations follow com.google.gson.stream.JsonReader (gson-parent-2.8.9): doPeek,
peekKeyword, peekNumber, nextNonWhitespace, readEscapeCharacter, locationString and getPath.
The input is held whole, so Gson's buffer refills never matter (a number over 1024 characters,
which Gson would read as an unquoted string, is not modelled).
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

JSON = Any


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


_NON_LITERAL = set("{}[]:, \t\f\r\n")
_LENIENT_LITERAL_END = set("/\\;#=")
MIN_INCOMPLETE_INTEGER = -(2**63) // 10


class JsonReader:
    """A port of Gson 2.8.9's JsonReader over a whole string."""

    def __init__(self, text: str, lenient: bool = True) -> None:
        self.buf = text
        self.limit = len(text)
        self.pos = 0
        self.line_number = 0
        self.line_start = 0
        self.lenient = lenient
        self.peeked = P.NONE
        self.peeked_long = 0
        self.peeked_number_length = 0
        self.stack: list[int] = [Scope.EMPTY_DOCUMENT]
        self.path_names: list[str | None] = [None]
        self.path_indices: list[int] = [0]

    # -- locations ----------------------------------------------------------------------------

    def location(self) -> str:
        column = self.pos - self.line_start + 1
        return f" at line {self.line_number + 1} column {column} path {self.path()}"

    def path(self) -> str:
        out = "$"
        for i, scope in enumerate(self.stack):
            if scope in (Scope.EMPTY_ARRAY, Scope.NONEMPTY_ARRAY):
                out += f"[{self.path_indices[i]}]"
            elif scope in (Scope.EMPTY_OBJECT, Scope.DANGLING_NAME, Scope.NONEMPTY_OBJECT):
                out += "." + (self.path_names[i] or "")
        return out

    def _syntax_error(self, message: str) -> MalformedJson:
        return MalformedJson(message + self.location())

    def _check_lenient(self) -> None:
        if not self.lenient:
            raise self._syntax_error("Use JsonReader.setLenient(true) to accept malformed JSON")

    def _push(self, scope: Scope) -> None:
        self.stack.append(scope)
        self.path_names.append(None)
        self.path_indices.append(0)

    def _pop(self) -> None:
        self.stack.pop()
        self.path_names.pop()
        self.path_indices.pop()

    # -- tokens ---------------------------------------------------------------------------------

    def peek(self) -> str:
        p = self.peeked if self.peeked != P.NONE else self._do_peek()
        return TOKENS[P(p)]

    def _p(self) -> int:
        return self.peeked if self.peeked != P.NONE else self._do_peek()

    def _do_peek(self) -> int:  # one branch per JsonScope, as in Gson
        top = self.stack[-1]
        if top == Scope.EMPTY_ARRAY:
            self.stack[-1] = Scope.NONEMPTY_ARRAY
        elif top == Scope.NONEMPTY_ARRAY:
            c = self._next_non_whitespace(True)
            if c == "]":
                self.peeked = P.END_ARRAY
                return self.peeked
            if c == ";":
                self._check_lenient()
            elif c != ",":
                raise self._syntax_error("Unterminated array")
        elif top in (Scope.EMPTY_OBJECT, Scope.NONEMPTY_OBJECT):
            self.stack[-1] = Scope.DANGLING_NAME
            if top == Scope.NONEMPTY_OBJECT:
                c = self._next_non_whitespace(True)
                if c == "}":
                    self.peeked = P.END_OBJECT
                    return self.peeked
                if c == ";":
                    self._check_lenient()
                elif c != ",":
                    raise self._syntax_error("Unterminated object")
            c = self._next_non_whitespace(True)
            if c == '"':
                self.peeked = P.DOUBLE_QUOTED_NAME
            elif c == "'":
                self._check_lenient()
                self.peeked = P.SINGLE_QUOTED_NAME
            elif c == "}":
                if top == Scope.NONEMPTY_OBJECT:
                    raise self._syntax_error("Expected name")
                self.peeked = P.END_OBJECT
            else:
                self._check_lenient()
                self.pos -= 1
                if c is None or not self._is_literal(c):
                    raise self._syntax_error("Expected name")
                self.peeked = P.UNQUOTED_NAME
            return self.peeked
        elif top == Scope.DANGLING_NAME:
            self.stack[-1] = Scope.NONEMPTY_OBJECT
            c = self._next_non_whitespace(True)
            if c == "=":
                self._check_lenient()
                if self.pos < self.limit and self.buf[self.pos] == ">":
                    self.pos += 1
            elif c != ":":
                raise self._syntax_error("Expected ':'")
        elif top == Scope.EMPTY_DOCUMENT:
            if self.lenient:
                self._consume_non_execute_prefix()
            self.stack[-1] = Scope.NONEMPTY_DOCUMENT
        elif top == Scope.NONEMPTY_DOCUMENT:
            c = self._next_non_whitespace(False)
            if c is None:
                self.peeked = P.EOF
                return self.peeked
            self._check_lenient()
            self.pos -= 1
        return self._peek_value(top)

    def _peek_value(self, top: int) -> int:
        c = self._next_non_whitespace(True)
        in_array = top in (Scope.EMPTY_ARRAY, Scope.NONEMPTY_ARRAY)
        if c == "]" and top == Scope.EMPTY_ARRAY:
            self.peeked = P.END_ARRAY
            return self.peeked
        if c in ("]", ";", ","):
            # in lenient mode, a 0-length literal in an array means null
            if not in_array:
                raise self._syntax_error("Unexpected value")
            self._check_lenient()
            self.pos -= 1
            self.peeked = P.NULL
            return self.peeked
        simple = {
            "'": P.SINGLE_QUOTED,
            '"': P.DOUBLE_QUOTED,
            "[": P.BEGIN_ARRAY,
            "{": P.BEGIN_OBJECT,
        }
        if c in simple:
            if c == "'":
                self._check_lenient()
            self.peeked = simple[c]
            return self.peeked
        self.pos -= 1
        result = self._peek_keyword()
        if result == P.NONE:
            result = self._peek_number()
        if result != P.NONE:
            return result
        if not self._is_literal(self.buf[self.pos]):
            raise self._syntax_error("Expected value")
        self._check_lenient()
        self.peeked = P.UNQUOTED
        return self.peeked

    def _peek_keyword(self) -> int:
        c = self.buf[self.pos]
        keyword = {"t": "true", "f": "false", "n": "null"}.get(c.lower())
        if keyword is None:
            return P.NONE
        for i in range(1, len(keyword)):
            if self.pos + i >= self.limit:
                return P.NONE
            ch = self.buf[self.pos + i]
            if ch not in (keyword[i], keyword[i].upper()):
                return P.NONE
        end = self.pos + len(keyword)
        if end < self.limit and self._is_literal(self.buf[end]):
            return P.NONE  # "trues", "nullsoft"
        self.pos = end
        self.peeked = {"true": P.TRUE, "false": P.FALSE, "null": P.NULL}[keyword]
        return self.peeked

    def _peek_number(self) -> int:  # Gson's number state machine
        value, negative, fits, last, i = 0, False, True, "none", 0
        while self.pos + i < self.limit:
            c = self.buf[self.pos + i]
            if c == "-":
                if last == "none":
                    negative, last = True, "sign"
                elif last == "exp_e":
                    last = "exp_sign"
                else:
                    return P.NONE
            elif c == "+":
                if last != "exp_e":
                    return P.NONE
                last = "exp_sign"
            elif c in "eE":
                if last not in ("digit", "fraction_digit"):
                    return P.NONE
                last = "exp_e"
            elif c == ".":
                if last != "digit":
                    return P.NONE
                last = "decimal"
            elif not "0" <= c <= "9":
                if not self._is_literal(c):
                    break
                return P.NONE
            elif last in ("sign", "none"):
                value, last = -(ord(c) - 48), "digit"
            elif last == "digit":
                if value == 0:
                    return P.NONE  # a leading 0 could be octal
                new = value * 10 - (ord(c) - 48)
                fits &= value > MIN_INCOMPLETE_INTEGER or (
                    value == MIN_INCOMPLETE_INTEGER and new < value
                )
                value = new
            elif last == "decimal":
                last = "fraction_digit"
            elif last in ("exp_e", "exp_sign"):
                last = "exp_digit"
            i += 1
        long_ok = fits and (value != -(2**63) or negative) and (value != 0 or not negative)
        if last == "digit" and long_ok:
            self.peeked_long = value if negative else -value
            self.pos += i
            self.peeked = P.LONG
            return self.peeked
        if last in ("digit", "fraction_digit", "exp_digit"):
            self.peeked_number_length = i
            self.peeked = P.NUMBER
            return self.peeked
        return P.NONE

    def _is_literal(self, c: str) -> bool:
        if c in _LENIENT_LITERAL_END:
            self._check_lenient()
            return False
        return c not in _NON_LITERAL

    def _next_non_whitespace(self, throw_on_eof: bool) -> str | None:
        while self.pos < self.limit:
            c = self.buf[self.pos]
            self.pos += 1
            if c == "\n":
                self.line_number += 1
                self.line_start = self.pos
                continue
            if c in " \r\t":
                continue
            if c == "/":
                if self.pos == self.limit:
                    return c
                self._check_lenient()
                nxt = self.buf[self.pos]
                if nxt == "*":
                    self.pos += 1
                    if not self._skip_to("*/"):
                        raise self._syntax_error("Unterminated comment")
                    self.pos += 2
                    continue
                if nxt == "/":
                    self.pos += 1
                    self._skip_to_end_of_line()
                    continue
                return c
            if c == "#":
                self._check_lenient()
                self._skip_to_end_of_line()
                continue
            return c
        if throw_on_eof:
            raise EndOfInput("End of input" + self.location())
        return None

    def _skip_to_end_of_line(self) -> None:
        while self.pos < self.limit:
            c = self.buf[self.pos]
            self.pos += 1
            if c == "\n":
                self.line_number += 1
                self.line_start = self.pos
                return
            if c == "\r":
                return

    def _skip_to(self, target: str) -> bool:
        while self.pos + len(target) <= self.limit:
            if self.buf[self.pos] == "\n":
                self.line_number += 1
                self.line_start = self.pos + 1
            elif self.buf.startswith(target, self.pos):
                return True
            self.pos += 1
        return False

    def _consume_non_execute_prefix(self) -> None:
        self._next_non_whitespace(True)
        self.pos -= 1
        if self.buf.startswith(")]}'\n", self.pos):
            self.pos += 5

    # -- values ---------------------------------------------------------------------------------

    def _expect(self, wanted: P, what: str) -> None:
        """Consume the peeked token, or throw Gson's `Expected X but was Y` at its location."""
        if self._p() != wanted:
            raise IllegalState(f"Expected {what} but was {self.peek()}{self.location()}")
        self.peeked = P.NONE

    def begin_array(self) -> None:
        self._expect(P.BEGIN_ARRAY, "BEGIN_ARRAY")
        self._push(Scope.EMPTY_ARRAY)

    def begin_object(self) -> None:
        self._expect(P.BEGIN_OBJECT, "BEGIN_OBJECT")
        self._push(Scope.EMPTY_OBJECT)

    def end_array(self) -> None:
        self._expect(P.END_ARRAY, "END_ARRAY")
        self._close()

    def end_object(self) -> None:
        self._expect(P.END_OBJECT, "END_OBJECT")
        self._close()

    def _close(self) -> None:
        self._pop()
        self.path_indices[-1] += 1

    def has_next(self) -> bool:
        return self._p() not in (P.END_OBJECT, P.END_ARRAY)

    def next_name(self) -> str:
        p = self._p()
        if p == P.UNQUOTED_NAME:
            result = self._next_unquoted()
        elif p in (P.SINGLE_QUOTED_NAME, P.DOUBLE_QUOTED_NAME):
            result = self._next_quoted("'" if p == P.SINGLE_QUOTED_NAME else '"')
        else:
            raise IllegalState(f"Expected a name but was {self.peek()}{self.location()}")
        self.peeked = P.NONE
        self.path_names[-1] = result
        return result

    def promote_name_to_value(self) -> None:
        p = self._p()
        promoted = {
            P.DOUBLE_QUOTED_NAME: P.DOUBLE_QUOTED,
            P.SINGLE_QUOTED_NAME: P.SINGLE_QUOTED,
            P.UNQUOTED_NAME: P.UNQUOTED,
        }
        if p not in promoted:
            raise IllegalState(f"Expected a name but was {self.peek()}{self.location()}")
        self.peeked = promoted[P(p)]

    def next_string(self) -> str:
        p = self._p()
        if p == P.UNQUOTED:
            result = self._next_unquoted()
        elif p in (P.SINGLE_QUOTED, P.DOUBLE_QUOTED):
            result = self._next_quoted("'" if p == P.SINGLE_QUOTED else '"')
        elif p == P.LONG:
            result = str(self.peeked_long)
        elif p == P.NUMBER:
            result = self.buf[self.pos : self.pos + self.peeked_number_length]
            self.pos += self.peeked_number_length
        else:
            raise IllegalState(f"Expected a string but was {self.peek()}{self.location()}")
        self.peeked = P.NONE
        self.path_indices[-1] += 1
        return result

    def next_boolean(self) -> bool:
        p = self._p()
        self._expect(P(p) if p in (P.TRUE, P.FALSE) else P.TRUE, "a boolean")
        self.path_indices[-1] += 1
        return p == P.TRUE

    def next_null(self) -> None:
        self._expect(P.NULL, "null")
        self.path_indices[-1] += 1

    def skip_value(self) -> None:
        count = 0
        while True:
            p = self._p()
            if p in (P.BEGIN_ARRAY, P.BEGIN_OBJECT):
                self._push(Scope.EMPTY_ARRAY if p == P.BEGIN_ARRAY else Scope.EMPTY_OBJECT)
                count += 1
            elif p in (P.END_ARRAY, P.END_OBJECT):
                self._pop()
                count -= 1
            elif p in (P.UNQUOTED_NAME, P.UNQUOTED):
                self._next_unquoted()
            elif p in (P.SINGLE_QUOTED, P.SINGLE_QUOTED_NAME):
                self._next_quoted("'")
            elif p in (P.DOUBLE_QUOTED, P.DOUBLE_QUOTED_NAME):
                self._next_quoted('"')
            elif p == P.NUMBER:
                self.pos += self.peeked_number_length
            self.peeked = P.NONE
            if count == 0:
                break
        self.path_indices[-1] += 1
        self.path_names[-1] = "null"

    def _next_quoted(self, quote: str) -> str:
        out: list[str] = []
        while self.pos < self.limit:
            c = self.buf[self.pos]
            self.pos += 1
            if c == quote:
                return _utf16_text("".join(out))
            if c == "\\":
                out.append(self._read_escape())
            else:
                if c == "\n":
                    self.line_number += 1
                    self.line_start = self.pos
                out.append(c)
        raise self._syntax_error("Unterminated string")

    def _read_escape(self) -> str:
        if self.pos == self.limit:
            raise self._syntax_error("Unterminated escape sequence")
        c = self.buf[self.pos]
        self.pos += 1
        if c == "u":
            if self.pos + 4 > self.limit:
                raise self._syntax_error("Unterminated escape sequence")
            digits = self.buf[self.pos : self.pos + 4]
            if not all(ch in "0123456789abcdefABCDEF" for ch in digits):
                raise NumberFormat("\\u" + digits)
            self.pos += 4
            return chr(int(digits, 16))
        simple = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f"}
        if c in simple:
            return simple[c]
        if c == "\n":
            self.line_number += 1
            self.line_start = self.pos
            return c
        if c in "'\"\\/":
            return c
        raise self._syntax_error("Invalid escape sequence")

    def _next_unquoted(self) -> str:
        i = 0
        while self.pos + i < self.limit:
            c = self.buf[self.pos + i]
            if c in _LENIENT_LITERAL_END:
                self._check_lenient()
                break
            if c in _NON_LITERAL:
                break
            i += 1
        result = self.buf[self.pos : self.pos + i]
        self.pos += i
        return result


def _utf16_text(text: str) -> str:
    """Java's UTF-16 string as Python text: escaped surrogate pairs join into one character.

    A lone surrogate cannot be written as UTF-8; Java's encoder writes `?` for it (simulation
    choice: the mock replaces it when reading, so its lengths count one unit for it).
    """
    if not any("\ud800" <= ch <= "\udfff" for ch in text):
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if "\ud800" <= ch <= "\udbff" and "\udc00" <= nxt <= "\udfff":
            out.append(chr(0x10000 + ((ord(ch) - 0xD800) << 10) + (ord(nxt) - 0xDC00)))
            i += 2
            continue
        out.append("?" if "\ud800" <= ch <= "\udfff" else ch)
        i += 1
    return "".join(out)


def read_object(r: JsonReader) -> JSON:
    """ObjectTypeAdapter.read with ToNumberPolicy.LONG_OR_DOUBLE (JSONObjectUtil L29)."""
    token = r.peek()
    if token == "BEGIN_ARRAY":
        r.begin_array()
        items = []
        while r.has_next():
            items.append(read_object(r))
        r.end_array()
        return items
    if token == "BEGIN_OBJECT":
        r.begin_object()
        obj: dict[str, JSON] = {}
        while r.has_next():
            name = r.next_name()
            obj[name] = read_object(r)  # LinkedTreeMap.put: a repeated name keeps its place
        r.end_object()
        return obj
    if token == "STRING":
        return r.next_string()
    if token == "NUMBER":
        return _long_or_double(r.next_string())
    if token == "BOOLEAN":
        return r.next_boolean()
    r.next_null()
    return None


def _long_or_double(text: str) -> int | float:
    try:
        if text.lstrip("+-").isdigit() and -(2**63) <= int(text) < 2**63:
            return int(text)  # Long.parseLong
    except ValueError:
        pass
    return float(text)  # Double.valueOf: Gson's number grammar is a subset of Java's
