from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from mock_server.app import create_app
from mock_server.config import MockConfig
from mock_server.state.ids import ManualClock
from mock_server.state.model import DeletionPolicy
from mock_server.zstack.spec import Spec

ADMIN_PASSWORD = hashlib.sha512(b"password").hexdigest()
CONNECTED_BS = "c340364aad7b4130a12e641afe3a968f"
CEPH_BS = "06ccc8e0322a4cd3ae5555d9d88451de"
DISCONNECTED_BS = "2499cd48fc33450a8737efff67ccb920"
FULL_BS = "3be136c8d8b8423bb94b8464aae4b0a7"
IMAGE_URL = "http://192.168.1.20/share/images/tinylinux.qcow2"


@pytest.fixture(scope="session")
def spec() -> Spec:
    return Spec.load()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def config(clock: ManualClock) -> MockConfig:
    return MockConfig(seed=0, clock=clock, validate_responses=True)


@pytest.fixture
def app(config: MockConfig, spec: Spec) -> Iterator[Flask]:
    app = create_app(config, spec)
    yield app
    # the mock checked every response it sent against the spec
    assert app.extensions["violations"] == []


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class ZStack:
    """Action helper: drives the mock as a ZStack client would."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.session: str | None = None

    def login(self, name: str = "admin", password: str = ADMIN_PASSWORD) -> Any:
        rsp = self.client.put(
            "/zstack/v1/accounts/login",
            json={"logInByAccount": {"accountName": name, "password": password}},
        )
        if rsp.status_code == 200:
            self.session = rsp.json["inventory"]["uuid"]
        return rsp

    @property
    def auth(self) -> dict[str, str]:
        if self.session is None:
            self.login()
        return {"Authorization": f"OAuth {self.session}"}

    def poll(self, accepted: Any) -> Any:
        assert accepted.status_code == 202, accepted.data
        location = accepted.json["location"]
        assert location.startswith("http://localhost/zstack/v1/api-jobs/")
        return self.client.get(location.removeprefix("http://localhost"))

    def add_image(self, **params: Any) -> Any:
        body = {
            "name": "TinyLinux",
            "url": IMAGE_URL,
            "format": "qcow2",
            "backupStorageUuids": [CONNECTED_BS],
            **params,
        }
        return self.client.post("/zstack/v1/images", json={"params": body}, headers=self.auth)

    def ready_image(self, **params: Any) -> dict[str, Any]:
        rsp = self.poll(self.add_image(**params))
        assert rsp.status_code == 200, rsp.data
        inventory: dict[str, Any] = rsp.json["inventory"]
        return inventory

    def delete_image(self, uuid: str, query: str = "") -> Any:
        return self.client.delete(f"/zstack/v1/images/{uuid}{query}", headers=self.auth)

    def action(self, uuid: str, body: Any) -> Any:
        return self.client.put(f"/zstack/v1/images/{uuid}/actions", json=body, headers=self.auth)

    def expunge_image(self, uuid: str, bs: list[str] | None = None) -> Any:
        inner = {} if bs is None else {"backupStorageUuids": bs}
        return self.action(uuid, {"expungeImage": inner})

    def recover_image(self, uuid: str, bs: list[str] | None = None) -> Any:
        inner = {} if bs is None else {"backupStorageUuids": bs}
        return self.action(uuid, {"recoverImage": inner})

    def query_image(self, uuid: str) -> list[dict[str, Any]]:
        rsp = self.client.get(f"/zstack/v1/images/{uuid}", headers=self.auth)
        assert rsp.status_code == 200, rsp.data
        inventories: list[dict[str, Any]] = rsp.json["inventories"]
        return inventories

    def job_error(self, accepted: Any) -> dict[str, Any]:
        rsp = self.poll(accepted)
        assert rsp.status_code == 503, rsp.data
        error: dict[str, Any] = rsp.json["error"]
        return error


@pytest.fixture
def zs(client: FlaskClient) -> ZStack:
    return ZStack(client)


def make_app(spec: Spec, **overrides: Any) -> Flask:
    """An app with a different config, for policy and delay variants."""
    settings: dict[str, Any] = {"seed": 0, "clock": ManualClock(), "validate_responses": True}
    settings.update(overrides)
    if isinstance(settings.get("deletion_policy"), str):
        settings["deletion_policy"] = DeletionPolicy(settings["deletion_policy"])
    return create_app(MockConfig(**settings), spec)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Report how many deliberately broken servers the contract suite caught."""
    from tests.test_contract_catches_deviations import CAUGHT, TIMING

    caught = terminalreporter.config.stash.get(CAUGHT, None)
    if not caught:
        return
    tr = terminalreporter
    tr.section("contract suite catch rate")
    families: dict[str, list[bool]] = {}
    for label, ok in caught.items():
        families.setdefault(label.split(":")[0], []).append(ok)
    for family, results in sorted(families.items()):
        tr.write_line(f"{family:<18} {sum(results)}/{len(results)}")
    tr.write_line(f"caught {sum(caught.values())} of {len(caught)} deliberately broken servers")
    tr.write_line(f"proof: {terminalreporter.config.stash.get(TIMING, 'not timed')}")
