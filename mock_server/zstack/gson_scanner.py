"""Gson 2.8.9's JsonReader below the values: the cursor, whitespace and comments, and peeking.

Real source: com.google.gson.stream.JsonReader (gson-parent-2.8.9) doPeek, peekKeyword,
peekNumber, nextNonWhitespace, locationString and getPath; the values are read by gson_reader.py.
"""

from __future__ import annotations

from mock_server.zstack.gson_numbers import scan_number
from mock_server.zstack.gson_tokens import (
    LENIENT_LITERAL_END,
    NON_LITERAL,
    TOKENS,
    EndOfInput,
    MalformedJson,
    P,
    Scope,
)


class JsonScanner:
    """The token level of a port of Gson 2.8.9's JsonReader over a whole string."""

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
        if top in (Scope.EMPTY_OBJECT, Scope.NONEMPTY_OBJECT):
            return self._peek_name(top)
        if top == Scope.EMPTY_ARRAY:
            self.stack[-1] = Scope.NONEMPTY_ARRAY
        elif top == Scope.NONEMPTY_ARRAY:
            if self._closed_after_member("]", P.END_ARRAY, "array"):
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
            if self._next_non_whitespace(False) is None:
                self.peeked = P.EOF
                return self.peeked
            self._check_lenient()
            self.pos -= 1
        return self._peek_value(top)

    def _peek_name(self, top: int) -> int:
        """DoPeek in an object: the separator after a member, then a name or the end."""
        self.stack[-1] = Scope.DANGLING_NAME
        if top == Scope.NONEMPTY_OBJECT and self._closed_after_member("}", P.END_OBJECT, "object"):
            return self.peeked
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

    def _closed_after_member(self, close: str, end: P, what: str) -> bool:
        """After a member: `close` ends the container (peeked), `,` (leniently `;`) goes on."""
        c = self._next_non_whitespace(True)
        if c == close:
            self.peeked = end
            return True
        if c == ";":
            self._check_lenient()
        elif c != ",":
            raise self._syntax_error(f"Unterminated {what}")
        return False

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

    def _peek_number(self) -> int:
        kind, value, length = scan_number(self.buf, self.pos, self.limit, self._is_literal)
        if kind == P.LONG:
            self.peeked_long = value
            self.pos += length
        elif kind == P.NUMBER:
            self.peeked_number_length = length
        else:
            return P.NONE
        self.peeked = kind
        return self.peeked

    # -- characters -----------------------------------------------------------------------------

    def _is_literal(self, c: str) -> bool:
        if c in LENIENT_LITERAL_END:
            self._check_lenient()
            return False
        return c not in NON_LITERAL

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
