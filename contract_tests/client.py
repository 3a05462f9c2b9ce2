"""A small ZStack REST client that records every exchange, so a failure can show its request."""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from tenacity import Retrying, retry_if_result, stop_after_delay, wait_exponential

from contract_tests.redact import REDACT
from contract_tests.target import Target
from zstack_spec.json_types import JSON


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request and its response, as sent and received."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: str | None
    status: int
    response_headers: dict[str, str]
    response_text: str

    def json(self) -> JSON:
        return json.loads(self.response_text)

    def __repr__(self) -> str:
        # pytest shows a failing frame's arguments: never the password hash or a whole session
        return REDACT(
            f"Exchange(method={self.method!r}, url={self.url!r}, "
            f"request_headers={self.request_headers!r}, request_body={self.request_body!r}, "
            f"status={self.status}, response_text={self.response_text[:2000]!r})"
        )

    def json_or_none(self) -> JSON:
        try:
            return self.json()
        except ValueError:
            return None

    def json_object(self) -> dict[str, JSON]:
        """The body if it is a JSON object, else {} (for the suite's own bookkeeping)."""
        body = self.json_or_none()
        return body if isinstance(body, dict) else {}

    def describe(self) -> str:
        """The exchange for a failure report, secrets redacted before anything is cut."""
        lines = [f"  request:  {self.method} {REDACT(self.url)}"]
        if self.request_headers:
            lines.append(f"    headers: {REDACT(str(self.request_headers))}")
        if self.request_body:
            lines.append(f"    body:    {REDACT(self.request_body)[:800]}")
        lines.append(f"  response: {self.status}")
        lines.append(f"    body:    {REDACT(self.response_text)[:800]!r}")
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class JobRun:
    """An async API call: the 202, every poll in order, and the last poll."""

    accepted: Exchange
    polls: tuple[Exchange, ...]

    @property
    def result(self) -> Exchange:
        return self.polls[-1] if self.polls else self.accepted


class ZStackClient:
    def __init__(
        self, target: Target, http: requests.Session | None = None, timeout: float = 60
    ) -> None:
        self.target = target
        self.timeout = timeout
        self.http = http or requests.Session()
        self.session_uuid: str | None = target.session_uuid
        REDACT.know_session(target.session_uuid)
        self.history: deque[Exchange] = deque(maxlen=50)

    # -- raw requests --------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        body: JSON = None,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
        params: list[tuple[str, str]] | None = None,
        auth: bool = True,
        absolute: bool = False,
    ) -> Exchange:
        url = path if absolute else self.target.api_url(path)
        sent = {"Content-Type": "application/json;charset=UTF-8"}
        if auth and self.session_uuid:
            sent["Authorization"] = f"OAuth {self.session_uuid}"
        sent.update(headers or {})
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        rsp = self.http.request(
            method, url, data=data, headers=sent, params=params, timeout=self.timeout
        )
        ex = Exchange(
            method=method,
            url=rsp.request.url or url,
            request_headers=sent,
            request_body=None if data is None else data.decode("utf-8", "replace"),
            status=rsp.status_code,
            response_headers=dict(rsp.headers),
            response_text=rsp.text,
        )
        self.history.append(ex)
        if rsp.status_code == 200 and path.endswith("/v1/accounts/login"):
            inventory = ex.json_object().get("inventory")
            REDACT.know_session(inventory.get("uuid") if isinstance(inventory, dict) else None)
        return ex

    # -- sessions ------------------------------------------------------------------------------

    def log_in(self, account: str | None = None, password_sha512: str | None = None) -> Exchange:
        body = {
            "logInByAccount": {
                "accountName": account or self.target.account,
                "password": password_sha512 or self.target.password_sha512,
            }
        }
        return self.request("PUT", "/v1/accounts/login", body=body, auth=False)

    def ensure_session(self) -> str:
        if self.session_uuid is None:
            ex = self.log_in()
            inventory = ex.json_object().get("inventory")
            uuid = inventory.get("uuid") if isinstance(inventory, dict) else None
            if ex.status != 200 or not isinstance(uuid, str):
                raise RuntimeError(f"cannot log in to the target:\n{ex.describe()}")
            self.session_uuid = uuid
        return self.session_uuid

    def log_out(self) -> Exchange | None:
        if self.session_uuid is None or self.target.session_uuid is not None:
            return None
        ex = self.request("DELETE", f"/v1/accounts/sessions/{self.session_uuid}", auth=False)
        self.session_uuid = None
        return ex

    # -- async jobs ----------------------------------------------------------------------------

    def poll_url(self, location: str) -> str:
        """Poll where the server says; rebuilt on the target's host if it names another."""
        if urlsplit(location).netloc == urlsplit(self.target.url).netloc:
            return location
        _, _, job = location.partition("/v1/api-jobs/")
        return self.target.api_url(f"/v1/api-jobs/{job}")

    def follow(self, accepted: Exchange) -> JobRun:
        """Poll a 202's location until the job is done (200/503) or something else answers."""
        if accepted.status != 202:
            return JobRun(accepted, ())
        location = accepted.json_object().get("location")
        if not isinstance(location, str):
            return JobRun(accepted, ())
        url = self.poll_url(location)
        polls: list[Exchange] = []

        def poll() -> Exchange:
            ex = self.request("GET", url, auth=False, absolute=True)
            polls.append(ex)
            return ex

        # 0.05 s after the first poll, doubling up to 1 s, until the job timeout has passed
        Retrying(
            stop=stop_after_delay(self.target.job_timeout),
            wait=wait_exponential(multiplier=0.05, max=1.0),
            retry=retry_if_result(lambda ex: ex.status == 202),
            retry_error_callback=lambda _: None,  # still 202 at the timeout: the polls show it
        )(poll)
        return JobRun(accepted, tuple(polls))

    def call(self, method: str, path: str, **kwargs: Any) -> JobRun:
        return self.follow(self.request(method, path, **kwargs))

    # -- the APIs under test -------------------------------------------------------------------

    def add_image(self, params: dict[str, JSON], **top: JSON) -> JobRun:
        return self.call("POST", "/v1/images", body={"params": params, **top})

    def delete_image(self, uuid: str, params: list[tuple[str, str]] | None = None) -> JobRun:
        return self.call("DELETE", f"/v1/images/{uuid}", params=params)

    def expunge_image(self, uuid: str, backup_storage_uuids: list[str] | None = None) -> JobRun:
        inner = {} if backup_storage_uuids is None else {"backupStorageUuids": backup_storage_uuids}
        return self.call("PUT", f"/v1/images/{uuid}/actions", body={"expungeImage": inner})

    def recover_image(self, uuid: str, backup_storage_uuids: list[str] | None = None) -> JobRun:
        inner = {} if backup_storage_uuids is None else {"backupStorageUuids": backup_storage_uuids}
        return self.call("PUT", f"/v1/images/{uuid}/actions", body={"recoverImage": inner})

    def image_action(self, uuid: str, key: str, inner: JSON) -> JobRun:
        """One of the actions on PUT /v1/images/{uuid}/actions: `{key: inner}`."""
        return self.call("PUT", f"/v1/images/{uuid}/actions", body={key: inner})

    def system_tags_of(self, resource_uuid: str) -> Exchange:
        return self.query("/v1/system-tags", [("q", f"resourceUuid={resource_uuid}")])

    def backup_storage_action(self, bs_uuid: str, key: str, inner: JSON) -> JobRun:
        """One of the actions on PUT /v1/backup-storage/{uuid}/actions, by its body key."""
        return self.call("PUT", f"/v1/backup-storage/{bs_uuid}/actions", body={key: inner})

    def export_image(self, bs_uuid: str, image_uuid: str, **params: JSON) -> JobRun:
        inner = {"imageUuid": image_uuid, **params}
        return self.backup_storage_action(bs_uuid, "exportImageFromBackupStorage", inner)

    def delete_exported_image(self, bs_uuid: str, image_uuid: str) -> JobRun:
        path = f"/v1/backup-storage/{bs_uuid}/exported-images/{image_uuid}"
        return self.call("DELETE", path)

    def query(self, path: str, params: list[tuple[str, str]] | None = None) -> Exchange:
        return self.request("GET", path, params=params)

    def find_image(self, uuid: str) -> JSON:
        """The image's inventory, or None when the query finds nothing."""
        ex = self.query(f"/v1/images/{uuid}")
        inventories = ex.json_object().get("inventories")
        if ex.status != 200 or not isinstance(inventories, list) or not inventories:
            return None
        return inventories[0] if isinstance(inventories[0], dict) else None
