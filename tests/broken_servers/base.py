"""What a broken server is: one deviation, the checks that must catch it, and where it is served."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, request

from mock_server.app import create_app
from mock_server.config import MockConfig
from mock_server.package_data import default_fixtures_path
from mock_server.runtime import MockRuntime
from mock_server.state.model import DeletionPolicy
from tests.served import ThreadedServer

JSON = Any
Deviation = Callable[[Flask], None]


@dataclass(frozen=True, slots=True)
class ProofConfig:
    """A configuration a real ZStack can be in, in which the proof runs (no job delay)."""

    name: str
    policy: DeletionPolicy
    usable_backup_storages: int

    def mock_config(self) -> MockConfig:
        """The mock's config; with one usable backup storage, the seed that has one."""
        seed = (
            "default.yaml" if self.usable_backup_storages == 2 else "one-usable-backup-storage.yaml"
        )
        return MockConfig(
            deletion_policy=self.policy, fixtures=default_fixtures_path().with_name(seed)
        )


DELAY_TWO = ProofConfig("delay-two", DeletionPolicy.DELAY, 2)
DIRECT_ONE = ProofConfig("direct-one", DeletionPolicy.DIRECT, 1)
PROOF_CONFIGS = {c.name: c for c in (DELAY_TWO, DIRECT_ONE)}

# a job that fails where ZStack's succeeds, or succeeds where it must fail (the 503 envelope)
JOB_OUTCOME_CHECKS = ("error_code_conformance", "error_envelope_conformance")


@dataclass(frozen=True, slots=True)
class Broken:
    """One deviation, and the named checks of which at least one must report it."""

    name: str
    family: str
    deviate: Deviation
    caught_by: tuple[str, ...] = ()
    # the proof configurations in which the deviation is observable at all
    configs: tuple[str, ...] = tuple(PROOF_CONFIGS)


class BrokenServer(ThreadedServer):
    """A broken mock served in a thread on a free loopback port."""

    def __init__(self, broken: Broken, config: ProofConfig | None = None) -> None:
        app = create_app(config.mock_config() if config else None)
        broken.deviate(app)
        super().__init__(app)


# -- helpers the deviations share ------------------------------------------------------------


def runtime(app: Flask) -> MockRuntime:
    rt: MockRuntime = app.extensions["zstack"]
    return rt


def body() -> JSON:
    """The request body, read without using it up."""
    length = int(request.environ.get("CONTENT_LENGTH") or 0)
    raw = request.environ["wsgi.input"].read(length) if length else b""
    request.environ["wsgi.input"] = io.BytesIO(raw)
    try:
        return json.loads(raw or b"null")
    except ValueError:
        return None


def set_body(data: JSON) -> None:
    raw = json.dumps(data).encode()
    request.environ["wsgi.input"] = io.BytesIO(raw)
    request.environ["CONTENT_LENGTH"] = str(len(raw))
    request.__dict__.pop("stream", None)
    request.__dict__.pop("_cached_data", None)


def add_image_params() -> dict[str, JSON] | None:
    """AddImage's `params`, when this request is an AddImage with an object there."""
    data = body() if request.method == "POST" and request.path.endswith("/v1/images") else None
    params = data.get("params") if isinstance(data, dict) else None
    return params if isinstance(params, dict) else None


def set_query(pairs: list[tuple[str, str]]) -> None:
    query = urlencode(pairs)
    request.environ["QUERY_STRING"] = query
    request.query_string = query.encode("latin-1")
    request.__dict__.pop("args", None)


def rewrite_json(
    app: Flask, when: Callable[[Response], bool], change: Callable[[JSON], JSON]
) -> None:
    @app.after_request
    def rewrite(response: Response) -> Response:
        if response.mimetype == "application/json" and when(response):
            response.set_data(json.dumps(change(json.loads(response.get_data()))))
        return response


def is_poll(response: Response) -> bool:
    return "/api-jobs/" in request.path


def each_inventory(change: Callable[[JSON], None]) -> Callable[[JSON], JSON]:
    def apply(data: JSON) -> JSON:
        if isinstance(data, dict) and isinstance(data.get("inventory"), dict):
            change(data["inventory"])
        if isinstance(data, dict) and isinstance(data.get("inventories"), list):
            for inv in data["inventories"]:
                change(inv)
        return data

    return apply


def fail_job_details(app: Flask, when: Callable[[str], bool], change: Callable[[str], str]) -> None:
    """Rewrite a failed job's `details` where `when` holds."""

    def apply(data: JSON) -> JSON:
        error = data.get("error") if isinstance(data, dict) else None
        details = error.get("details") if isinstance(error, dict) else None
        if isinstance(error, dict) and isinstance(details, str) and when(details):
            error["details"] = change(details)
        return data

    rewrite_json(app, lambda r: r.status_code == 503, apply)
