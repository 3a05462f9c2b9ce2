"""Seed data: accounts, zones, backup storages and images, checked before the store is built."""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
import yaml

from mock_server.state.fixture_text import where, yaml_position
from mock_server.state.model import ImageStatus
from zstack_spec.document import SpecDocument, packaged
from zstack_spec.json_types import JSON

_NAME = {"type": "string", "minLength": 1, "maxLength": 255}


@functools.cache
def fixtures_schema() -> dict[str, JSON]:
    """The fixtures file's own format (not a ZStack shape): what a seed may say, and nothing else.

    Its uuids and enums are the spec's (tests/test_spec_in_charge.py pins them).
    """
    spec = packaged()
    uuid = spec.schema("Uuid")
    kinds = {
        "accounts": _objects(
            ["uuid", "name"],
            {
                "uuid": uuid,
                "name": _NAME,
                "password": {"type": "string", "description": "plain text; hashed at load"},
                "passwordSha512": {"type": "string", "pattern": "^[0-9a-f]{128}$"},
            },
            oneOf=[{"required": ["password"]}, {"required": ["passwordSha512"]}],
        ),
        "zones": _objects(["uuid", "name"], {"uuid": uuid, "name": _NAME}),
        "backupStorages": _backup_storages(spec, uuid),
        "images": _images(spec, uuid),
    }
    return {"type": "object", "additionalProperties": False, "properties": kinds}


def _objects(required: list[str], properties: dict[str, JSON], **more: JSON) -> dict[str, JSON]:
    """A list of closed objects."""
    item = {"type": "object", "additionalProperties": False, "required": required, **more}
    return {"type": "array", "items": {**item, "properties": properties}}


def _enum(spec: SpecDocument, schema: str, prop: str | None = None) -> dict[str, JSON]:
    return {"enum": list(spec.enum(schema, prop))}


def _backup_storages(spec: SpecDocument, uuid: JSON) -> dict[str, JSON]:
    required = ["uuid", "name", "type", "url", "status", "totalCapacity", "availableCapacity"]
    return _objects(
        required,
        {
            "uuid": uuid,
            "name": _NAME,
            "type": {"type": "string", "minLength": 1},
            "url": {"type": "string"},
            "description": {"type": "string"},
            "status": _enum(spec, "BackupStorageInventory", "status"),
            "state": _enum(spec, "BackupStorageInventory", "state"),
            "totalCapacity": {"type": "integer", "minimum": 0},
            "availableCapacity": {"type": "integer", "minimum": 0},
            "attachedZoneUuids": {"type": "array", "items": uuid},
            "extra": {"type": "object", "description": "type-specific inventory fields"},
        },
    )


def _images(spec: SpecDocument, uuid: JSON) -> dict[str, JSON]:
    # header/src/main/java/org/zstack/header/image/ImageStatus.java; a backup-storage ref has the
    # same enum (ImageBackupStorageRefVO.java L44: `private ImageStatus status`)
    status = _enum(spec, "ImageStatus")
    refs = _objects(["backupStorageUuid"], {"backupStorageUuid": uuid, "status": status})
    # and one of backupStorageUuids or backupStorageRefs (_check_image_refs)
    return _objects(
        ["uuid", "name", "url", "format"],
        {
            "uuid": uuid,
            "name": _NAME,
            "url": {"type": "string", "minLength": 1},
            "format": _enum(spec, "AddImageParams", "format"),
            "mediaType": _enum(spec, "AddImageParams", "mediaType"),
            "platform": {"enum": ["Linux", "Windows", "Other"]},
            "guestOsType": {"type": "string"},
            "description": {"type": "string"},
            "status": status,
            "state": _enum(spec, "ImageInventory", "state"),
            "backupStorageUuids": {
                "type": "array",
                "minItems": 1,
                "uniqueItems": True,
                "items": uuid,
            },
            "backupStorageRefs": {**refs, "minItems": 1},
        },
    )


class FixtureError(Exception):
    """A fixtures file that cannot be used; the message names the file and the field."""


@dataclass(frozen=True, slots=True)
class Fixtures:
    accounts: list[dict[str, JSON]] = field(default_factory=list)
    zones: list[dict[str, JSON]] = field(default_factory=list)
    backup_storages: list[dict[str, JSON]] = field(default_factory=list)
    images: list[dict[str, JSON]] = field(default_factory=list)


def parse_fixtures(data: JSON, source: str, text: str | None = None) -> Fixtures:
    """Check a parsed fixtures document and resolve cross references.

    Args:
        data: the parsed document.
        source: the file name (or "fixtures") every message starts with.
        text: the YAML or JSON it was parsed from, to name the line and column of a bad field.
    """
    if not data:
        raise FixtureError(
            f"{source}: the fixtures are empty; they need at least one account to log in with "
            "(see docs/fixtures.md)"
        )
    errors = sorted(
        jsonschema.Draft202012Validator(fixtures_schema()).iter_errors(data),
        key=lambda e: list(e.absolute_path),
    )
    if errors:
        first = errors[0]
        raise FixtureError(f"{where(source, list(first.absolute_path), text)}: {first.message}")
    if not data.get("accounts"):
        raise FixtureError(
            f"{where(source, ['accounts'], text)}: no account: a client could not log in "
            "(give at least one, e.g. {uuid: 36c27e8ff05c4780bf6d2fa65700f22e, name: admin, "
            "password: password})"
        )
    fx = Fixtures(
        accounts=[_account(a) for a in data["accounts"]],
        zones=list(data.get("zones", [])),
        backup_storages=list(data.get("backupStorages", [])),
        images=[],
    )
    bss = {b["uuid"] for b in fx.backup_storages}
    fx.images.extend(
        _image(img, i, bss, source, text) for i, img in enumerate(data.get("images", []))
    )
    _check_references(fx, source, text)
    return fx


def _account(a: dict[str, JSON]) -> dict[str, JSON]:
    out = dict(a)
    if "password" in out:
        out["passwordSha512"] = hashlib.sha512(out.pop("password").encode()).hexdigest()
    return out


def _image(
    img: dict[str, JSON], i: int, bss: set[str], source: str, text: str | None
) -> dict[str, JSON]:
    """The image with its refs spelled out: `backupStorageRefs` [{backupStorageUuid, status}]."""
    out = dict(img)
    status = out.setdefault("status", ImageStatus.READY.value)
    if ("backupStorageUuids" in out) == ("backupStorageRefs" in out):
        raise FixtureError(
            f"{where(source, ['images', i], text)}: give either backupStorageUuids (refs in the "
            "image's status) or backupStorageRefs (each ref with its own status)"
        )
    key = "backupStorageUuids" if "backupStorageUuids" in out else "backupStorageRefs"
    refs = [
        {"backupStorageUuid": r, "status": status}
        if key == "backupStorageUuids"
        else {"backupStorageUuid": r["backupStorageUuid"], "status": r.get("status", status)}
        for r in out.pop(key)
    ]
    on: set[str] = set()
    for j, ref in enumerate(refs):
        b = ref["backupStorageUuid"]
        if b not in bss or b in on:
            problem = "unknown" if b not in bss else "a second ref on"
            raise FixtureError(
                f"{where(source, ['images', i, key, j], text)}: {problem} backup storage {b}"
            )
        on.add(b)
    out["backupStorageRefs"] = refs
    _check_deleted_status(out, i, source, text)
    return out


def _check_deleted_status(img: dict[str, JSON], i: int, source: str, text: str | None) -> None:
    """An image is Deleted exactly when every ref is, as ZStack keeps it.

    Real server: ImageBase.handle(ImageDeletionMsg) sets a ref Deleted (L493) and the image
    Deleted once no ref is anything else (L529-530); RecoverImage sets both back (L786, L791).
    """
    all_deleted = all(r["status"] == ImageStatus.DELETED for r in img["backupStorageRefs"])
    if all_deleted != (img["status"] == ImageStatus.DELETED):
        raise FixtureError(
            f"{where(source, ['images', i, 'status'], text)}: status {img['status']} with refs "
            f"{[r['status'] for r in img['backupStorageRefs']]}: on ZStack an image is Deleted "
            "exactly when all its backup storage refs are Deleted"
        )


def _check_references(fx: Fixtures, source: str, text: str | None) -> None:
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
                    f"{where(source, [kind, i, 'uuid'], text)}: duplicate uuid {item['uuid']}"
                )
            seen.add(item["uuid"])
    zones = {z["uuid"] for z in fx.zones}
    for i, bs in enumerate(fx.backup_storages):
        for j, z in enumerate(bs.get("attachedZoneUuids", [])):
            if z not in zones:
                at = where(source, ["backupStorages", i, "attachedZoneUuids", j], text)
                raise FixtureError(f"{at}: unknown zone {z}")
        if bs["availableCapacity"] > bs["totalCapacity"]:
            at = where(source, ["backupStorages", i, "availableCapacity"], text)
            raise FixtureError(f"{at}: exceeds totalCapacity")


def read_fixtures(text: str, source: str, *, json_only: bool = False) -> Fixtures:
    """Parse and check fixtures given as text; a syntax error names its line and column."""
    try:
        data = json.loads(text) if json_only else yaml.safe_load(text)
    except json.JSONDecodeError as e:
        raise FixtureError(
            f"{source}: not valid JSON at line {e.lineno}, column {e.colno}: {e.msg}"
        ) from None
    except yaml.YAMLError as e:
        raise FixtureError(f"{source}: not valid YAML{yaml_position(e)}") from None
    return parse_fixtures(data, source, text)


def load_fixtures(path: Path) -> Fixtures:
    """Read a YAML or JSON fixtures file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise FixtureError(f"{path}: cannot read: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise FixtureError(f"{path}: not UTF-8 text") from None
    return read_fixtures(text, str(path), json_only=path.suffix == ".json")
