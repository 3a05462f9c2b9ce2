"""Deviations in what the server returns: inventory fields, and the image lifecycle."""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import Flask

from tests.broken_servers.base import (
    Broken,
    body,
    each_inventory,
    is_poll,
    rewrite_json,
    runtime,
    set_body,
)

JSON = Any

# -- inventory fields --------------------------------------------------------------------------


def size_as_string(app: Flask) -> None:
    """Sends sizes as strings."""

    def change(inv: JSON) -> None:
        inv["size"] = str(inv.get("size"))

    rewrite_json(app, lambda r: r.status_code == 200, each_inventory(change))


def iso_timestamps(app: Flask) -> None:
    """Sends ISO 8601 timestamps instead of Gson's `Nov 28, 2026 11:00:00 AM`."""

    def change(inv: JSON) -> None:
        inv["createDate"] = "2026-11-28T11:00:00Z"

    rewrite_json(app, lambda r: r.status_code == 200, each_inventory(change))


def name_not_trimmed(app: Flask) -> None:
    """Returns the name with the blanks it was sent with."""

    @app.before_request
    def keep() -> None:
        data = body()
        params = data.get("params") if isinstance(data, dict) else None
        if (
            isinstance(params, dict)
            and isinstance(params.get("name"), str)
            and params["name"] != params["name"].strip()
        ):
            # the server stores a marker the response then turns back into the raw name
            params["name"] = params["name"].replace(" ", "\u2063")
            set_body(data)

    def change(inv: JSON) -> None:
        if isinstance(inv.get("name"), str):
            inv["name"] = inv["name"].replace("\u2063", " ")

    rewrite_json(app, lambda r: r.status_code == 200, each_inventory(change))


def refs_on_unusable_storage(app: Flask) -> None:
    """Makes refs on every backup storage sent, usable or not."""

    def change(inv: JSON) -> None:
        refs = inv.get("backupStorageRefs") or []
        if refs:
            extra = {
                **refs[0],
                "backupStorageUuid": "2499cd48fc33450a8737efff67ccb920",
                "id": 99999,
            }
            inv["backupStorageRefs"] = [*refs, extra]

    rewrite_json(app, lambda r: r.status_code == 200 and is_poll(r), each_inventory(change))


def defaults_not_filled(app: Flask) -> None:
    """Leaves platform and guestOsType unset when the client did not send them."""

    def change(inv: JSON) -> None:
        inv.pop("guestOsType", None)

    rewrite_json(app, lambda r: r.status_code == 200, each_inventory(change))


def install_path_in_the_old_layout(app: Flask) -> None:
    """Writes installPath as `<bs url>/<folder>/acct-admin/<uuid>/<uuid>.qcow2` (not ZStack's)."""

    def change(inv: JSON) -> None:
        for ref in inv.get("backupStorageRefs") or []:
            path = ref.get("installPath") or ""
            if "/acct-" in path:
                folder = path.split("/acct-", 1)[0]
                ref["installPath"] = f"{folder}/acct-admin/{inv['uuid']}/{inv['uuid']}.qcow2"
            elif path.startswith("ceph://"):
                ref["installPath"] = f"ceph://images/{inv['uuid']}.qcow2"

    rewrite_json(app, lambda r: r.status_code == 200, each_inventory(change))


# -- lifecycle ---------------------------------------------------------------------------------


def expunge_of_ready_image_succeeds(app: Flask) -> None:
    """Expunges an image that was never deleted."""
    images = runtime(app).store.images

    def expunge_image(uuid: str, backup_storage_uuids: list[str] | None) -> dict[str, JSON]:
        images.images.pop(uuid, None)
        return {}

    images.expunge_image = expunge_image  # type: ignore[method-assign]


def delete_of_unknown_uuid_fails(app: Flask) -> None:
    """Fails DeleteImage of a well-formed unknown uuid with SYS.1003 (ZStack succeeds)."""
    apis = runtime(app).apis
    schema = apis.schemas["DeleteImage"]
    uuid = {
        k: v for k, v in schema.properties["uuid"].items() if k != "x-zstack-success-if-missing"
    }
    apis.schemas["DeleteImage"] = dataclasses.replace(
        schema, properties={**schema.properties, "uuid": uuid}
    )


def recover_does_nothing(app: Flask) -> None:
    """RecoverImage answers success but leaves the image Deleted."""
    images = runtime(app).store.images

    def recover_image(uuid: str, backup_storage_uuids: list[str] | None) -> dict[str, JSON]:
        return {"inventory": images.get_image(uuid).to_inventory()}

    images.recover_image = recover_image  # type: ignore[method-assign]


def deleted_image_disappears_and_returns(app: Flask) -> None:
    """Under Delay, marks refs Deleted but leaves the image status Ready."""
    images = runtime(app).store.images
    original = images.delete_image

    def delete_image(
        uuid: str, backup_storage_uuids: list[str] | None, delete_mode: str | None
    ) -> dict[str, JSON]:
        result = original(uuid, backup_storage_uuids, delete_mode)
        image = images.images.get(uuid)
        if image is not None:
            from mock_server.state.model import ImageStatus

            image.status = ImageStatus.READY
        return result

    images.delete_image = delete_image  # type: ignore[method-assign]


BROKEN = [
    Broken(
        "size as string",
        "inventory fields",
        size_as_string,
        ("image_inventory_conformance", "query_reply_conformance"),
    ),
    Broken(
        "ISO timestamps",
        "inventory fields",
        iso_timestamps,
        ("image_inventory_conformance", "query_reply_conformance"),
    ),
    Broken("name not trimmed", "inventory fields", name_not_trimmed, ("image_echo_conformance",)),
    Broken(
        "refs on unusable storage",
        "inventory fields",
        refs_on_unusable_storage,
        ("image_echo_conformance",),
    ),
    Broken(
        "defaults not filled",
        "inventory fields",
        defaults_not_filled,
        ("image_defaults_conformance",),
    ),
    Broken(
        "installPath in the old layout",
        "inventory fields",
        install_path_in_the_old_layout,
        ("install_path_conformance",),
    ),
    Broken(
        "expunge of a Ready image succeeds",
        "lifecycle",
        expunge_of_ready_image_succeeds,
        ("error_code_conformance", "error_envelope_conformance"),
    ),
    Broken(
        "delete of an unknown uuid fails",
        "lifecycle",
        delete_of_unknown_uuid_fails,
        ("empty_result_conformance",),
    ),
    # under Direct a deleted image is gone: nothing to recover, no status to keep
    Broken(
        "recover does nothing",
        "lifecycle",
        recover_does_nothing,
        ("image_status_conformance",),
        ("delay-two",),
    ),
    Broken(
        "deleted image stays Ready",
        "lifecycle",
        deleted_image_disappears_and_returns,
        ("image_status_conformance",),
        ("delay-two",),
    ),
]
