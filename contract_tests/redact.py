"""Secrets stay out of every output (issue 13 §7).

ZStack accepts the password's SHA-512 as the password itself (LogInByAccount), and a session uuid
is a bearer token: the suite shows neither whole, in bodies, query strings or headers.
"""

from __future__ import annotations

import re

SHOWN = 4
# a body's "password": "<anything>" (also with JSON's \\u escapes left as sent)
_PASSWORD_JSON = re.compile(r'("password"\s*:\s*)"(?:[^"\\]|\\.)*"', re.IGNORECASE)
# password=... and sessionId=... in a query string or form body
_QUERY = re.compile(r"(?<![A-Za-z0-9_])(password|sessionId)=([^&\s\"']*)", re.IGNORECASE)
# "uuid"/"sessionUuid"/"sessionId": "<32 hex>" of a session inventory, and OAuth headers
_SESSION_JSON = re.compile(
    r'("(?:sessionUuid|sessionId|session)"\s*:\s*)"([0-9a-fA-F-]{8,})"', re.IGNORECASE
)
# a session inventory (LogInByAccount's reply) is the object that has expiredDate
_SESSION_INVENTORY = re.compile(r'\{[^{}]*"expiredDate"[^{}]*\}')
_UUID_FIELD = re.compile(r'("uuid"\s*:\s*)"([^"]+)"')
_OAUTH = re.compile(r"(OAuth\s+)([^\s'\",]+)")
_HEX128 = re.compile(r"(?<![0-9a-fA-F])[0-9a-fA-F]{128}(?![0-9a-fA-F])")


def short_session(uuid: str) -> str:
    """A session uuid by its first 4 characters only."""
    return f"{uuid[:SHOWN]}..." if uuid else uuid


class Redactor:
    """Blanks the password and shortens the session uuids this run knows of, wherever they show."""

    def __init__(self) -> None:
        self.sessions: set[str] = set()

    def know_session(self, uuid: str | None) -> None:
        if uuid and len(uuid) > SHOWN:
            self.sessions.add(uuid)

    def __call__(self, text: str) -> str:
        text = _PASSWORD_JSON.sub(r'\1"*****"', text)
        text = _QUERY.sub(
            lambda m: f"{m[1]}=" + ("*****" if m[1].lower() == "password" else short_session(m[2])),
            text,
        )
        text = _HEX128.sub("*****", text)  # a SHA-512 hex anywhere else
        text = _SESSION_JSON.sub(lambda m: f'{m[1]}"{short_session(m[2])}"', text)
        text = _SESSION_INVENTORY.sub(
            lambda inv: _UUID_FIELD.sub(lambda m: f'{m[1]}"{short_session(m[2])}"', inv[0]), text
        )
        text = _OAUTH.sub(lambda m: m[1] + short_session(m[2]), text)
        for uuid in self.sessions:
            text = text.replace(uuid, short_session(uuid))
        return text


# one for the process: the client registers every session it opens or is given
REDACT = Redactor()
