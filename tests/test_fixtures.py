"""Seed files: every shipped one loads; a broken one names the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from mock_server.resources import default_fixtures_path
from mock_server.state.fixtures import FixtureError, load_fixtures
from tests.conftest import CONNECTED_BS, DISCONNECTED_BS, ZStack, make_app

SEED_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "seed"


@pytest.mark.parametrize("path", sorted(SEED_DIR.glob("*.yaml")), ids=lambda p: p.name)
def test_fixtures__every_seed_file_loads(path: Path) -> None:
    fx = load_fixtures(path)
    assert fx.accounts and fx.backup_storages


def test_fixtures__default_has_connected_and_disconnected_storage() -> None:
    fx = load_fixtures(default_fixtures_path())
    status = {b["uuid"]: b["status"] for b in fx.backup_storages}
    assert status[CONNECTED_BS] == "Connected"
    assert status[DISCONNECTED_BS] == "Disconnected"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("accounts: [{uuid: x, name: a, password: p}]", "field 'accounts/0/uuid'"),
        ("backupStorages: [{uuid: c340364aad7b4130a12e641afe3a968f}]", "field 'backupStorages/0'"),
        ("zones: 3", "field 'zones'"),
        ("colour: red", "field '(top level)'"),
        ("accounts: [", "not valid YAML"),
        (
            "backupStorages: [{uuid: c340364aad7b4130a12e641afe3a968f, name: b, type: T, url: /,"
            " status: Connected, totalCapacity: 1, availableCapacity: 2}]",
            "field 'backupStorages/0/availableCapacity': exceeds totalCapacity",
        ),
        (
            "images: [{uuid: c340364aad7b4130a12e641afe3a968f, name: i, url: http://x, format: raw,"
            " backupStorageUuids: [06ccc8e0322a4cd3ae5555d9d88451de]}]",
            "field 'images/0/backupStorageUuids/0': unknown backup storage",
        ),
    ],
)
def test_fixtures__malformed_file_names_file_and_field(tmp_path: Path, text, message) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(FixtureError) as info:
        load_fixtures(path)
    assert str(info.value).startswith(str(path))
    assert message in str(info.value)


def test_fixtures__missing_file(tmp_path: Path) -> None:
    with pytest.raises(FixtureError, match="cannot read"):
        load_fixtures(tmp_path / "none.yaml")


def test_fixtures__json_and_seeded_images(tmp_path: Path, spec) -> None:
    path = tmp_path / "seed.json"
    path.write_text(
        '{"accounts": [{"uuid": "36c27e8ff05c4780bf6d2fa65700f22e", "name": "admin",'
        ' "password": "password"}],'
        ' "backupStorages": [{"uuid": "c340364aad7b4130a12e641afe3a968f", "name": "b",'
        ' "type": "SftpBackupStorage", "url": "/bs", "status": "Connected",'
        ' "totalCapacity": 100, "availableCapacity": 100}],'
        ' "images": [{"uuid": "8c63603a810a4838a4cd62228e6e13b2", "name": "seeded",'
        ' "url": "http://x/y.qcow2", "format": "qcow2",'
        ' "backupStorageUuids": ["c340364aad7b4130a12e641afe3a968f"]}]}'
    )
    zs = ZStack(make_app(spec, fixtures=path).test_client())
    [image] = zs.query_image("8c63603a810a4838a4cd62228e6e13b2")
    assert (image["name"], image["status"]) == ("seeded", "Ready")
