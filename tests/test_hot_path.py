"""The request path's speed-ups change no answer: each cache and shortcut against the long way.

Issue 12: `javamap.iteration_order`'s cache, `MockFlask.ensure_sync`'s, the merged hooks' order
(CORS before the journal), and the redaction's shortcuts.
"""

from __future__ import annotations

import asyncio

from flask import Flask

from mock_server.app import SYNC_CACHE, MockFlask
from mock_server.tooling import redact
from mock_server.tooling.redact import Secrets
from mock_server.zstack import gson, javamap
from tests.conftest import ZStack


def _uncached_order(keys: list[str], capacity: int) -> list[str]:
    position = {k: i for i, k in enumerate(dict.fromkeys(keys))}
    bucket = {k: javamap._spread(javamap.string_hash(k)) & (capacity - 1) for k in position}
    return sorted(position, key=lambda k: (bucket[k], position[k]))


def test_iteration_order__cached_answers_are_the_computed_ones_per_capacity() -> None:
    # ApiResponse (capacity 16): `schema` before `inventories`, `apiTimeout` before `location`
    assert javamap.iteration_order(["inventories", "schema"], 16) == ["schema", "inventories"]
    assert javamap.iteration_order(["location", "apiTimeout"], 16) == ["apiTimeout", "location"]
    keys = [f"k{i}" for i in range(40)] + ["name", "uuid", "url", "format", "k3"]
    for capacity in (1, 2, 16, 64, 1024):
        for _ in range(2):  # the second answer comes from the cache
            assert javamap.iteration_order(keys, capacity) == _uncached_order(keys, capacity)
    first = javamap.iteration_order(["a", "b"], 16)
    first.append("mutated")  # a caller's list is its own: the cache keeps its tuple
    assert javamap.iteration_order(["a", "b"], 16) == _uncached_order(["a", "b"], 16)
    assert javamap.iteration_order(iter(["b", "a"]), 16) == _uncached_order(["b", "a"], 16)


def test_ensure_sync__cached_answers_are_flasks() -> None:
    app = MockFlask(__name__)

    def plain() -> str:
        return "x"

    async def coroutine() -> str:
        await asyncio.sleep(0)
        return "y"

    assert app.ensure_sync(plain) is Flask.ensure_sync(app, plain) is plain
    assert app.ensure_sync(plain) is plain  # from the cache
    try:
        flasks: object = Flask.ensure_sync(app, coroutine)
    except RuntimeError as e:  # Flask's async extra (asgiref) is not installed: so must we fail
        flasks = str(e)
    for _ in range(2):  # never a coroutine function handed back as if it were sync
        try:
            ours: object = app.ensure_sync(coroutine)
        except RuntimeError as e:
            ours = str(e)
        assert ours is not coroutine
        assert type(ours) is type(flasks) and (not isinstance(ours, str) or ours == flasks)


def test_ensure_sync__cache_is_bounded() -> None:
    app = MockFlask(__name__)
    funcs = [lambda i=i: i for i in range(SYNC_CACHE + 10)]
    for f in funcs:
        assert app.ensure_sync(f) is f
    assert len(app._sync) == SYNC_CACHE


def _slow_text(secrets: Secrets, text: str, extra: frozenset[str]) -> str:
    """Secrets.text without its shortcuts: every pattern on every text."""
    text = redact.PASSWORD_FIELD.sub(lambda m: f'{m[1]}{redact.short(m[2])}"', text)
    text = redact.SHA512.sub(lambda m: redact.short(m[0]), text)
    known = secrets._known
    text = redact.UUID32.sub(lambda m: redact.short(m[0]) if m[0] in known else m[0], text)
    for secret in extra:
        if not redact.UUID32.fullmatch(secret):
            text = text.replace(secret, redact.short(secret))
    return text


def test_secrets_text__shortcuts_hide_what_the_patterns_hide() -> None:
    secrets = Secrets()
    uuid = "0123456789abcdef0123456789abcdef"
    secrets.remember(uuid)
    sha = "a" * 128
    texts = [
        "",
        uuid,
        uuid[:-1],
        f"/v1/accounts/sessions/{uuid}",
        sha,
        sha[:-1],
        f'{{"password":"{sha}"}}',
        '{"password" : "pw"}',
        '{"password":"x"}',
        "token=odd-token-123",
    ]
    for extra in (frozenset(), frozenset({"odd-token-123"})):
        for text in texts:
            assert secrets.text(text, extra) == _slow_text(secrets, text, extra), text
    assert secrets.query("") == ""
    assert secrets.query("", frozenset({""})) == "…"  # what the patterns would make of it
    assert secrets.query("session=abcdefgh12") == "session=abcd…"


def test_hooks__cors_marks_the_answer_before_the_journal_keeps_it(zs: ZStack) -> None:
    """One after-request hook runs what were two, in Flask's order then: CORS, then the journal."""
    origin = "http://localhost:3000"
    rsp = zs.client.get(f"/zstack/v1/api-jobs/{'0' * 32}?session=abc", headers={"Origin": origin})
    assert rsp.headers["Access-Control-Allow-Origin"] == origin
    [entry] = zs.client.get("/_mock/journal").json["entries"]
    assert entry["responseHeaders"]["Access-Control-Allow-Origin"] == origin
    assert entry["responseHeaders"]["Vary"] == "Origin"
    # the before-request hook judged the query string (the `_start` step)
    assert [f["rule"] for f in entry["findings"]] == ["session-in-query"]
    assert entry["durationMs"] >= 0


def test_parse_body__no_body_is_gsons_null_map() -> None:
    assert gson.parse_body(b"") is None
    assert gson._gson_read_body("") is None  # what the shortcut stands for
