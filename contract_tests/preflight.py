"""Preflight: before any test, is the target a reachable ZStack we can log in to and add images on?

Each setup mistake ends the run with one message that names the problem and the option to change
(issue 13 §6); what the target answers after that is the tests' business, not the preflight's.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from contract_tests.client import Exchange, ZStackClient
from contract_tests.redact import short_session
from contract_tests.target import Target
from zstack_spec.json_types import JSON

# a preflight request that takes longer than this means the target is not answering
TIMEOUT = 10.0


class PreflightError(Exception):
    """A setup mistake: the one message the user sees."""


@dataclass(frozen=True, slots=True)
class Preflight:
    """What the preflight found: the session it opened (None if --session-uuid was given)."""

    session_uuid: str | None


def run(target: Target) -> Preflight:
    """Check the target in order; raise PreflightError at the first setup mistake."""
    check_url(target.url)
    client = ZStackClient(target, timeout=TIMEOUT)
    if target.session_uuid is not None:
        client.session_uuid = target.session_uuid
        ex = reach(client, "GET", "/v1/backup-storage")
        check_context_path(client, ex)
        check_session(target, ex)
        opened = None
    else:
        ex = reach(client, "PUT", "/v1/accounts/login", body=login_body(target))
        check_context_path(client, ex)
        opened = check_login(target, ex)
        client.session_uuid = opened
        ex = reach(client, "GET", "/v1/backup-storage")
    try:
        check_backup_storage(target, ex)
    except PreflightError:
        client.log_out()  # the run ends here: leave no session behind
        raise
    return Preflight(opened)


def login_body(target: Target) -> dict[str, JSON]:
    return {"logInByAccount": {"accountName": target.account, "password": target.password_sha512}}


def check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PreflightError(
            f"--target-url {url!r} is not a server root URL: it needs http:// or https:// and a "
            "host, e.g. http://zstack:8080 (change --target-url or ZSTACK_TARGET_URL)"
        )
    if parts.path.strip("/"):
        raise PreflightError(
            f"--target-url {url!r} has a path: give the server root, e.g. "
            f"{parts.scheme}://{parts.netloc}, and the path before /v1 as --context-path "
            "(change --target-url)"
        )


def reach(client: ZStackClient, method: str, path: str, body: JSON = None) -> Exchange:
    """One request; a target that cannot be reached at all is a setup mistake."""
    url = client.target.url
    host = urlsplit(url).hostname
    try:
        return client.request(method, path, body=body, auth=path != "/v1/accounts/login")
    except requests.ConnectionError as e:
        text = str(e)
        if "Name or service not known" in text or "NameResolution" in text or "getaddrinfo" in text:
            problem = f"cannot resolve the host {host!r}"
        elif "Connection refused" in text or "ConnectionRefused" in text:
            problem = f"nothing listens at {urlsplit(url).netloc} (connection refused)"
        elif isinstance(e, requests.exceptions.ConnectTimeout | requests.exceptions.ReadTimeout):
            problem = f"no answer within {TIMEOUT:g} s"
        else:
            problem = f"cannot connect ({type(e).__name__})"
        raise PreflightError(
            f"the target {url} does not answer: {problem}; is the server up and the URL right? "
            "(change --target-url or ZSTACK_TARGET_URL)"
        ) from None
    except requests.Timeout:
        raise PreflightError(
            f"the target {url} gives no answer within {TIMEOUT:g} s (change --target-url)"
        ) from None
    except requests.RequestException as e:
        raise PreflightError(
            f"cannot send a request to {url}: {type(e).__name__} (change --target-url)"
        ) from None


def check_context_path(client: ZStackClient, ex: Exchange) -> None:
    """A 404 for ZStack's own API path: the APIs are not under this context path."""
    if ex.status != 404:
        return
    target = client.target
    hint = ""
    for other in ("/zstack", ""):
        if other == target.context_path:
            continue
        try:
            # a login with a password no account has: answered there, and opens no session
            wrong = {"logInByAccount": {"accountName": target.account, "password": "0" * 128}}
            probe = client.http.put(
                f"{target.url.rstrip('/')}{other}/v1/accounts/login", json=wrong, timeout=TIMEOUT
            )
        except requests.RequestException:
            continue
        if probe.status_code != 404:
            hint = f"; it answers under {other or '/'}: use --context-path {other or '/'}"
    raise PreflightError(
        f"the target answers, but not under the context path {target.context_path or '/'}: "
        f"{ex.method} {urlsplit(ex.url).path} got 404 (change --context-path or "
        "ZSTACK_CONTEXT_PATH: ZStack's management node serves under /zstack, its test "
        f"deployments under /){hint}"
    )


def _error(ex: Exchange) -> tuple[str | None, str]:
    body = ex.json_object()
    error = body.get("error") if isinstance(body.get("error"), dict) else {}
    assert isinstance(error, dict)
    return error.get("code"), str(error.get("details") or error.get("description") or "")


def check_login(target: Target, ex: Exchange) -> str:
    if ex.status == 200:
        inventory = ex.json_object().get("inventory")
        uuid = inventory.get("uuid") if isinstance(inventory, dict) else None
        if isinstance(uuid, str) and uuid:
            return uuid
    code, details = _error(ex)
    if code == "ID.1000":
        raise PreflightError(
            f"the login as account {target.account!r} fails: {code} {details} (change --account "
            "or --password, or pass a live session with --session-uuid)"
        )
    raise PreflightError(
        f"the login as account {target.account!r} does not work: PUT {urlsplit(ex.url).path} "
        f"answered {ex.status} {ex.response_text[:200]!r}, not ZStack's 200 with the session "
        "(check --target-url and --context-path, or pass a live session with --session-uuid)"
    )


def check_session(target: Target, ex: Exchange) -> None:
    code, details = _error(ex)
    if ex.status == 503 and code in ("ID.1001", "ID.1002"):
        session = short_session(target.session_uuid or "")
        raise PreflightError(
            f"--session-uuid {session} is not a live session: {code} {details} (log in again and "
            "change --session-uuid, or leave it out to log in with --account and --password)"
        )


def check_backup_storage(target: Target, ex: Exchange) -> None:
    """ImageApiInterceptor's rule for AddImage: status Connected and availableCapacity > 0."""
    inventories = ex.json_object().get("inventories")
    if ex.status != 200 or not isinstance(inventories, list):
        return  # a malformed reply is a contract violation: the tests report it
    found = [b for b in inventories if isinstance(b, dict)]
    usable = [b for b in found if fit_for_add_image(b)]
    if target.backup_storage_uuid is not None:
        named = [b for b in found if b.get("uuid") == target.backup_storage_uuid]
        if not named:
            raise PreflightError(
                f"--backup-storage-uuid {target.backup_storage_uuid} names no backup storage of "
                f"the target (it has {describe(found)}; change --backup-storage-uuid)"
            )
        if not fit_for_add_image(named[0]):
            raise PreflightError(
                f"--backup-storage-uuid {target.backup_storage_uuid} is not fit for AddImage: "
                f"{describe(named)}; it needs status Connected and availableCapacity > 0 "
                "(change --backup-storage-uuid)"
            )
        return
    if not usable:
        raise PreflightError(
            "the target has no backup storage fit for AddImage (status Connected and "
            f"availableCapacity > 0): {describe(found) or 'none at all'} (connect or add one, or "
            "name one with --backup-storage-uuid)"
        )


def fit_for_add_image(bs: dict[str, object]) -> bool:
    capacity = bs.get("availableCapacity")
    return bs.get("status") == "Connected" and isinstance(capacity, int) and capacity > 0


def describe(found: list[dict[str, object]]) -> str:
    return ", ".join(
        f"{b.get('name')} ({b.get('uuid')}, {b.get('status')}, "
        f"availableCapacity {b.get('availableCapacity')})"
        for b in found
    )
