"""Seed files: every shipped one loads; a broken one names the file, the field and its line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from flask import Flask

from mock_server.package_data import default_fixtures_path
from mock_server.state.fixtures import FixtureError, load_fixtures
from mock_server.state.model import ImageStatus
from tests.conftest import CEPH_BS, CONNECTED_BS, DISCONNECTED_BS, ZStack, make_app

SEED_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "seed"
DOC = Path(__file__).resolve().parent.parent / "docs" / "fixtures.md"
IMAGE = "8c63603a810a4838a4cd62228e6e13b2"
ACCOUNT = "accounts: [{uuid: 36c27e8ff05c4780bf6d2fa65700f22e, name: admin, password: password}]\n"
TWO_BS = "backupStorages:\n" + "".join(
    f"  - {{uuid: {u}, name: bs{i}, type: SftpBackupStorage, url: /bs, status: Connected,"
    " totalCapacity: 100, availableCapacity: 100}\n"
    for i, u in enumerate((CONNECTED_BS, CEPH_BS))
)


def seeded(tmp_path: Path, spec, images: str, **overrides) -> tuple[ZStack, Flask]:
    path = tmp_path / "seed.yaml"
    path.write_text(ACCOUNT + TWO_BS + "images:\n" + images)
    app = make_app(spec, fixtures=path, **overrides)
    return ZStack(app.test_client()), app


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
        # the schema, with the offending field's position
        (
            "accounts: [{uuid: x, name: a, password: p}]",
            "field 'accounts/0/uuid' (line 1, column 19)",
        ),
        (
            ACCOUNT + "backupStorages:\n  - {uuid: c340364aad7b4130a12e641afe3a968f}",
            "field 'backupStorages/0' (line 3, column 5)",
        ),
        (ACCOUNT + "zones: 3", "field 'zones' (line 2, column 8): 3 is not of type 'array'"),
        (ACCOUNT + "colour: red", "field '(top level)' (line 1, column 1)"),
        # syntax errors, with the line and column
        ("accounts: [", "not valid YAML at line 1, column 12"),
        (
            ACCOUNT + "zones:\n  - {uuid: 5c8d29e9b6a34e6d8a2f1c3b4d5e6f70, name: z\n",
            "not valid YAML at line 4, column 1",
        ),
        (ACCOUNT + "zones:\n\t- {}\n", "not valid YAML at line 3, column 1"),
        # cross references
        (
            ACCOUNT
            + "backupStorages: [{uuid: c340364aad7b4130a12e641afe3a968f, name: b, type: T, url: /,"
            " status: Connected, totalCapacity: 1, availableCapacity: 2}]",
            "field 'backupStorages/0/availableCapacity' (line 2, column 141): exceeds totalCapacity",
        ),
        (
            ACCOUNT
            + "images: [{uuid: c340364aad7b4130a12e641afe3a968f, name: i, url: http://x, format: raw,"
            " backupStorageUuids: [06ccc8e0322a4cd3ae5555d9d88451de]}]",
            "field 'images/0/backupStorageUuids/0' (line 2, column 109): unknown backup storage",
        ),
        (
            ACCOUNT + ACCOUNT.replace("accounts", "zones").replace(", password: password", ""),
            "field 'zones/0/uuid' (line 2, column 16): duplicate uuid",
        ),
    ],
)
def test_fixtures__malformed_file_names_file_field_and_position(
    tmp_path: Path, text, message
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(FixtureError) as info:
        load_fixtures(path)
    assert str(info.value).startswith(f"{path}: ")
    assert message in str(info.value)


def test_fixtures__json_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{\n  "accounts": [\n    {"uuid": "x",}\n  ]\n}\n')
    with pytest.raises(FixtureError, match=r"bad.json: not valid JSON at line 3, column 18: "):
        load_fixtures(path)


@pytest.mark.parametrize(
    "text",
    ["", "\n", "# only a comment\n", "{}", "null", "---\n"],
    ids=["empty", "blank", "comment", "empty-mapping", "null", "document-marker"],
)
def test_fixtures__empty_file_is_refused(tmp_path: Path, text) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text(text)
    with pytest.raises(
        FixtureError, match=r"empty.yaml: the fixtures are empty; they need at least one account"
    ):
        load_fixtures(path)


@pytest.mark.parametrize("accounts", ["", "accounts: []\n"], ids=["no-key", "empty-list"])
def test_fixtures__account_less_file_is_refused(tmp_path: Path, accounts) -> None:
    path = tmp_path / "seed.yaml"
    path.write_text(accounts + TWO_BS)
    with pytest.raises(
        FixtureError, match=r"seed.yaml: field 'accounts'.*: no account: a client could not log in"
    ):
        load_fixtures(path)


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


@pytest.mark.parametrize("status", [s.value for s in ImageStatus])
def test_fixtures__seeded_image_in_any_status(tmp_path: Path, spec, status) -> None:
    zs, _ = seeded(
        tmp_path,
        spec,
        f"  - {{uuid: {IMAGE}, name: s, url: http://x/y.qcow2, format: qcow2,"
        f" status: {status}, state: Disabled, backupStorageUuids: [{CONNECTED_BS}, {CEPH_BS}]}}\n",
    )
    [image] = zs.query_image(IMAGE)
    assert (image["status"], image["state"]) == (status, "Disabled")
    assert [r["status"] for r in image["backupStorageRefs"]] == [status, status]
    # size and md5 exist once a download has ended
    assert (image["size"] > 0) is (status not in ("Creating", "Downloading"))


def test_fixtures__seeded_deleted_image_can_be_expunged_or_recovered(tmp_path: Path, spec) -> None:
    zs, _ = seeded(
        tmp_path,
        spec,
        f"  - {{uuid: {IMAGE}, name: d, url: http://x/y.qcow2, format: qcow2,"
        f" status: Deleted, backupStorageUuids: [{CONNECTED_BS}]}}\n",
    )
    assert zs.poll(zs.recover_image(IMAGE)).status_code == 200
    assert zs.query_image(IMAGE)[0]["status"] == "Ready"
    zs.poll(zs.delete_image(IMAGE))
    assert zs.poll(zs.expunge_image(IMAGE)).json == {}
    assert zs.query_image(IMAGE) == []


def test_fixtures__seeded_deleted_image_is_expunged_after_the_period(tmp_path: Path, spec) -> None:
    zs, app = seeded(
        tmp_path,
        spec,
        f"  - {{uuid: {IMAGE}, name: d, url: http://x/y.qcow2, format: qcow2,"
        f" status: Deleted, backupStorageUuids: [{CONNECTED_BS}]}}\n",
        expunge_period=100,
    )
    assert zs.query_image(IMAGE)[0]["status"] == "Deleted"
    app.extensions["zstack"].config.clock.advance(101)
    assert zs.query_image(IMAGE) == []


def test_fixtures__refs_with_their_own_status(tmp_path: Path, spec) -> None:
    zs, _ = seeded(
        tmp_path,
        spec,
        f"  - uuid: {IMAGE}\n    name: half\n    url: http://x/y.qcow2\n    format: qcow2\n"
        f"    backupStorageRefs:\n      - {{backupStorageUuid: {CONNECTED_BS}}}\n"
        f"      - {{backupStorageUuid: {CEPH_BS}, status: Deleted}}\n",
    )
    [image] = zs.query_image(IMAGE)
    assert image["status"] == "Ready"
    assert {r["backupStorageUuid"]: r["status"] for r in image["backupStorageRefs"]} == {
        CONNECTED_BS: "Ready",
        CEPH_BS: "Deleted",
    }
    # the Deleted ref is expungeable on its own, as after a DeleteImage of that backup storage
    assert zs.poll(zs.expunge_image(IMAGE, [CEPH_BS])).json == {}
    assert [r["backupStorageUuid"] for r in zs.query_image(IMAGE)[0]["backupStorageRefs"]] == [
        CONNECTED_BS
    ]


@pytest.mark.parametrize(
    ("image", "message"),
    [
        # ImageBase L529-530: Deleted exactly when every ref is Deleted
        (
            "status: Deleted, backupStorageRefs: [{backupStorageUuid: %s, status: Ready}]",
            "status Deleted with refs ['Ready']",
        ),
        (
            "backupStorageRefs: [{backupStorageUuid: %s, status: Deleted}]",
            "status Ready with refs ['Deleted']",
        ),
        (
            "backupStorageUuids: [%s], backupStorageRefs: [{backupStorageUuid: %s}]",
            "give either backupStorageUuids",
        ),
        ("status: Ready", "give either backupStorageUuids"),
        (
            "backupStorageRefs: [{backupStorageUuid: %s}, {backupStorageUuid: %s}]",
            "'images/0/backupStorageRefs/1' (line 6, column 158): a second ref on",
        ),
        (
            "status: Gone, backupStorageUuids: [%s]",
            "'Gone' is not one of ['Creating', 'Downloading', 'Ready', 'Error', 'Deleted', 'Migrating']",
        ),
    ],
)
def test_fixtures__impossible_image_is_refused(tmp_path: Path, image, message) -> None:
    path = tmp_path / "seed.yaml"
    body = image.replace("%s", CONNECTED_BS)
    path.write_text(
        ACCOUNT
        + TWO_BS
        + f"images:\n  - {{uuid: {IMAGE}, name: i, url: http://x, format: raw, {body}}}\n"
    )
    with pytest.raises(FixtureError) as info:
        load_fixtures(path)
    assert message in str(info.value)


def test_fixtures__doc_examples_load(tmp_path: Path) -> None:
    """docs/fixtures.md: the complete file loads, and so do the section examples put together."""
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(), flags=re.S)
    complete = [b for b in blocks if b.startswith("# complete")]
    sections = [b for b in blocks if not b.startswith("# complete")]
    assert len(complete) == 1
    for name, text in (("complete", complete[0]), ("sections", "".join(sections))):
        path = tmp_path / f"{name}.yaml"
        path.write_text(text)
        fx = load_fixtures(path)
        assert fx.accounts and fx.zones and fx.backup_storages and fx.images, name
    # every section has its own example
    assert [next(iter(yaml.safe_load(b))) for b in sections] == [
        "accounts",
        "zones",
        "backupStorages",
        "images",
    ]
