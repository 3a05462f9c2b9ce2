"""Secrets out of the journal and the request log: password hashes, session ids, bounded bodies.

A session uuid (and any OAuth token) shows as its first 4 characters; a password's SHA-512 too.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterable

# each journal body (request and response) is kept up to this many bytes, then marked
BODY_LIMIT = 64 * 1024
# how many session ids the journal remembers to hide wherever they reappear
REMEMBERED_SECRETS = 100_000

SHA512 = re.compile(r"(?<![0-9A-Fa-f])[0-9A-Fa-f]{128}(?![0-9A-Fa-f])")
UUID32 = re.compile(r"(?<![0-9A-Fa-f])[0-9A-Fa-f]{32}(?![0-9A-Fa-f])")
# query parameters whose value is a secret (ZStack reads none of them; clients still send them)
# a password in a JSON body, hashed or (a client's mistake) not
PASSWORD_FIELD = re.compile(r'("password"\s*:\s*")((?:[^"\\]|\\.)*)"')
SECRET_PARAMS = re.compile(r"(?i)(^|&)(password|sessionId|sessionUuid|session)=([^&]*)")


def short(secret: str) -> str:
    """A secret shown by its first 4 characters."""
    return f"{secret[:4]}…"


# what the journal keeps of a body: the bound, and enough more that a secret cut by it is still
# recognised (and hidden) whole
KEPT_BYTES = BODY_LIMIT + 256


def shown(kept: bytes, size: int, secrets: Secrets, extra: frozenset[str] = frozenset()) -> str:
    """A body as the journal shows it: secrets hidden, cut to BODY_LIMIT bytes with a marker.

    The marker says how many bytes of the original body were left out.
    """
    text = secrets.text(kept.decode(errors="replace"), extra)
    data = text.encode()
    if size <= BODY_LIMIT and len(data) <= BODY_LIMIT:
        return text
    return data[:BODY_LIMIT].decode(errors="ignore") + f"…[truncated {size - BODY_LIMIT} bytes]"


class Secrets:
    """The session ids seen so far (bounded, oldest forgotten first), and how to hide them."""

    def __init__(self, size: int = REMEMBERED_SECRETS) -> None:
        self._known: OrderedDict[str, None] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()  # request threads remember while others redact

    def remember(self, secret: str) -> None:
        if len(secret) < 8:
            return  # too short to be a session id; hiding it would hide ordinary text
        with self._lock:
            self._known[secret] = None
            self._known.move_to_end(secret)
            while len(self._known) > self._size:
                self._known.popitem(last=False)

    def text(self, text: str, extra: frozenset[str] = frozenset()) -> str:
        """Hide SHA-512 hex strings, and session ids known or named in `extra`."""
        # each guard is a precondition of its pattern's match, tested faster than the pattern
        if '"password"' in text:
            text = PASSWORD_FIELD.sub(lambda m: f'{m[1]}{short(m[2])}"', text)
        if len(text) >= 128:
            text = SHA512.sub(lambda m: short(m[0]), text)
        if len(text) >= 32:
            text = UUID32.sub(lambda m: short(m[0]) if m[0] in self._known else m[0], text)
        for secret in extra:
            if not UUID32.fullmatch(secret):  # odd tokens: hidden wherever they appear
                text = text.replace(secret, short(secret))
        return text

    def query(self, query: str, extra: frozenset[str] = frozenset()) -> str:
        if not query and "" not in extra:
            return query  # nothing to hide
        hidden = SECRET_PARAMS.sub(lambda m: f"{m[1]}{m[2]}={short(m[3])}", query)
        return self.text(hidden, extra)

    def headers(self, headers: Iterable[tuple[str, str]], extra: frozenset[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, value in headers:
            if name.lower() == "authorization":
                scheme, _, token = value.strip().partition(" ")
                out[name] = f"{scheme} {short(token.strip())}" if token else short(scheme)
            else:
                out[name] = self.text(value, extra)
        return out
