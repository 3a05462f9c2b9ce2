"""Gson 2.8.9's number state machine (JsonReader.peekNumber), over a whole string."""

from __future__ import annotations

from collections.abc import Callable

from mock_server.zstack.gson_tokens import MIN_INCOMPLETE_INTEGER, P

# peekNumber's NUMBER_CHAR_* states after a sign, `e`/`E` or `.`, from the state before it; a
# symbol in any other state is no number (JsonReader.peekNumber, gson-parent-2.8.9)
_AFTER_SYMBOL = {
    ("-", "none"): "sign",
    ("-", "exp_e"): "exp_sign",
    ("+", "exp_e"): "exp_sign",
    ("e", "digit"): "exp_e",
    ("e", "fraction_digit"): "exp_e",
    (".", "digit"): "decimal",
}
# a digit after these states
_AFTER_DIGIT = {"decimal": "fraction_digit", "exp_e": "exp_digit", "exp_sign": "exp_digit"}
NOT_A_NUMBER = (P.NONE, 0, 0)


def scan_number(
    buf: str, pos: int, limit: int, is_literal: Callable[[str], bool]
) -> tuple[P, int, int]:
    """PeekNumber at `pos`: (LONG, value, length), (NUMBER, 0, length) or NOT_A_NUMBER.

    Like Gson, the value is accumulated negated, so Long.MIN_VALUE fits.
    """
    value, negative, fits, last, i = 0, False, True, "none", 0
    while pos + i < limit:
        c = buf[pos + i]
        if c in "-+eE.":
            after = _AFTER_SYMBOL.get((c.lower(), last))
            if after is None:
                return NOT_A_NUMBER
            negative |= after == "sign"
            last = after
        elif not "0" <= c <= "9":
            if not is_literal(c):
                break
            return NOT_A_NUMBER
        elif last in ("sign", "none"):
            value, last = -(ord(c) - 48), "digit"
        elif last == "digit":
            if value == 0:
                return NOT_A_NUMBER  # a leading 0 could be octal
            new = value * 10 - (ord(c) - 48)
            fits &= value > MIN_INCOMPLETE_INTEGER or (
                value == MIN_INCOMPLETE_INTEGER and new < value
            )
            value = new
        else:
            last = _AFTER_DIGIT.get(last, last)
        i += 1
    long_ok = fits and (value != -(2**63) or negative) and (value != 0 or not negative)
    if last == "digit" and long_ok:
        return P.LONG, value if negative else -value, i
    if last in ("digit", "fraction_digit", "exp_digit"):
        return P.NUMBER, 0, i
    return NOT_A_NUMBER
