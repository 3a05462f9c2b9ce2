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

import re

from mock_server.zstack.gson_scanner import JsonScanner
from mock_server.zstack.gson_tokens import (
    LENIENT_LITERAL_END,
    NON_LITERAL,
    IllegalState,
    NumberFormat,
    P,
    Scope,
)
from zstack_spec.json_types import JSON

_SURROGATE = re.compile("[\ud800-\udfff]")


class JsonReader(JsonScanner):
    """A port of Gson 2.8.9's JsonReader over a whole string: the values (gson_scanner.py peeks)."""

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
        # nextQuotedValue: the run up to the next quote or backslash is taken in one slice
        out: list[str] = []
        buf, limit = self.buf, self.limit
        while True:
            start = self.pos
            end = buf.find(quote, start, limit)
            stop = limit if end < 0 else end
            escape = buf.find("\\", start, stop)
            if escape >= 0:
                stop = escape
            chunk = buf[start:stop]
            newlines = chunk.count("\n")
            if newlines:
                self.line_number += newlines
                self.line_start = start + chunk.rfind("\n") + 1
            out.append(chunk)
            self.pos = stop
            if stop == limit:
                raise self._syntax_error("Unterminated string")
            self.pos += 1
            if escape < 0:
                return _utf16_text("".join(out))
            out.append(self._read_escape())

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
            if c in LENIENT_LITERAL_END:
                self._check_lenient()
                break
            if c in NON_LITERAL:
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
    if _SURROGATE.search(text) is None:
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
        return long_or_double(r.next_string())
    if token == "BOOLEAN":
        return r.next_boolean()
    r.next_null()
    return None


def long_or_double(text: str) -> int | float:
    try:
        if text.lstrip("+-").isdigit() and -(2**63) <= int(text) < 2**63:
            return int(text)  # Long.parseLong
    except ValueError:
        pass
    return float(text)  # Double.valueOf: Gson's number grammar is a subset of Java's
