"""Seed data: accounts, zones, backup storages and images, checked before the store is built."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml

JSON = Any

_UUID = {"type": "string", "pattern": "^[0-9a-f]{32}$"}
_NAME = {"type": "string", "minLength": 1, "maxLength": 255}

# The fixtures file's own format (not a ZStack shape): what a seed may say, and nothing else.
FIXTURES_SCHEMA: dict[str, JSON] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "accounts": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["uuid", "name"],
                "oneOf": [{"required": ["password"]}, {"required": ["passwordSha512"]}],
                "properties": {
                    "uuid": _UUID,
                    "name": _NAME,
                    "password": {"type": "string", "description": "plain text; hashed at load"},
                    "passwordSha512": {"type": "string", "pattern": "^[0-9a-f]{128}$"},
                },
            },
        },
        "zones": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["uuid", "name"],
                "properties": {"uuid": _UUID, "name": _NAME},
            },
        },
        "backupStorages": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": [
                    "uuid",
                    "name",
                    "type",
                    "url",
                    "status",
                    "totalCapacity",
                    "availableCapacity",
                ],
                "properties": {
                    "uuid": _UUID,
                    "name": _NAME,
                    "type": {"type": "string", "minLength": 1},
                    "url": {"type": "string"},
                    "description": {"type": "string"},
                    "status": {"enum": ["Connecting", "Connected", "Disconnected"]},
                    "state": {"enum": ["Enabled", "Disabled"]},
                    "totalCapacity": {"type": "integer", "minimum": 0},
                    "availableCapacity": {"type": "integer", "minimum": 0},
                    "attachedZoneUuids": {"type": "array", "items": _UUID},
                    "extra": {"type": "object", "description": "type-specific inventory fields"},
                },
            },
        },
        "images": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["uuid", "name", "url", "format", "backupStorageUuids"],
                "properties": {
                    "uuid": _UUID,
                    "name": _NAME,
                    "url": {"type": "string", "minLength": 1},
                    "format": {"enum": ["qcow2", "raw", "vmdk", "iso"]},
                    "mediaType": {"enum": ["RootVolumeTemplate", "ISO", "DataVolumeTemplate"]},
                    "platform": {"enum": ["Linux", "Windows", "Other"]},
                    "guestOsType": {"type": "string"},
                    "description": {"type": "string"},
                    "backupStorageUuids": {"type": "array", "minItems": 1, "items": _UUID},
                },
            },
        },
    },
}


class FixtureError(Exception):
    """A fixtures file that cannot be used; the message names the file and the field."""


@dataclass(frozen=True, slots=True)
class Fixtures:
    accounts: list[dict[str, JSON]] = field(default_factory=list)
    zones: list[dict[str, JSON]] = field(default_factory=list)
    backup_storages: list[dict[str, JSON]] = field(default_factory=list)
    images: list[dict[str, JSON]] = field(default_factory=list)


def parse_fixtures(data: JSON, source: str) -> Fixtures:
    """Check a parsed fixtures document and resolve cross references."""
    if data is None:
        data = {}
    errors = sorted(
        jsonschema.Draft202012Validator(FIXTURES_SCHEMA).iter_errors(data),
        key=lambda e: list(e.absolute_path),
    )
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(top level)"
        raise FixtureError(f"{source}: field '{where}': {first.message}")
    fx = Fixtures(
        accounts=[_account(a) for a in data.get("accounts", [])],
        zones=list(data.get("zones", [])),
        backup_storages=list(data.get("backupStorages", [])),
        images=list(data.get("images", [])),
    )
    _check_references(fx, source)
    return fx


def _account(a: dict[str, JSON]) -> dict[str, JSON]:
    out = dict(a)
    if "password" in out:
        out["passwordSha512"] = hashlib.sha512(out.pop("password").encode()).hexdigest()
    return out


def _check_references(fx: Fixtures, source: str) -> None:
    seen: set[str] = set()
    for kind, items in (
        ("accounts", fx.accounts),
        ("zones", fx.zones),
        ("backupStorages", fx.backup_storages),
        ("images", fx.images),
    ):
        for i, item in enumerate(items):
            if item["uuid"] in seen:
                raise FixtureError(
                    f"{source}: field '{kind}/{i}/uuid': duplicate uuid {item['uuid']}"
                )
            seen.add(item["uuid"])
    zones = {z["uuid"] for z in fx.zones}
    for i, bs in enumerate(fx.backup_storages):
        for j, z in enumerate(bs.get("attachedZoneUuids", [])):
            if z not in zones:
                raise FixtureError(
                    f"{source}: field 'backupStorages/{i}/attachedZoneUuids/{j}': unknown zone {z}"
                )
        if bs["availableCapacity"] > bs["totalCapacity"]:
            raise FixtureError(
                f"{source}: field 'backupStorages/{i}/availableCapacity': exceeds totalCapacity"
            )
    bss = {b["uuid"] for b in fx.backup_storages}
    for i, img in enumerate(fx.images):
        for j, b in enumerate(img["backupStorageUuids"]):
            if b not in bss:
                raise FixtureError(
                    f"{source}: field 'images/{i}/backupStorageUuids/{j}': "
                    f"unknown backup storage {b}"
                )


def load_fixtures(path: Path) -> Fixtures:
    """Read a YAML or JSON fixtures file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise FixtureError(f"{path}: cannot read: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise FixtureError(f"{path}: not UTF-8 text") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as e:
        raise FixtureError(
            f"{path}: not valid {'JSON' if path.suffix == '.json' else 'YAML'}: "
            f"{str(e).splitlines()[0]}"
        ) from None
    return parse_fixtures(data, str(path))
