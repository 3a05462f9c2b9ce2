"""Deviations in the image actions of issue 11 and the tag queries that show their effect."""

from __future__ import annotations

from typing import Any

from flask import Flask, request

from tests.broken_servers.base import (
    JOB_OUTCOME_CHECKS,
    Broken,
    body,
    each_inventory,
    rewrite_json,
    runtime,
    set_body,
    set_query,
)
from zstack_spec.json_types import JSON


def _on_action(app: Flask, key: str, change: Any) -> None:
    """Rewrite the inner object of an image action's envelope before the mock reads it."""

    @app.before_request
    def rewrite() -> None:
        if request.method != "PUT" or not request.path.endswith("/actions"):
            return
        data = body()
        if isinstance(data, dict) and key in data:
            data[key] = change(data[key], request.path.split("/")[-2])
            set_body(data)


def update_ignores_name(app: Flask) -> None:
    """UpdateImage answers success but leaves the name as it was."""
    _on_action(
        app, "updateImage", lambda inner, _: {k: v for k, v in (inner or {}).items() if k != "name"}
    )


def update_maps_platform(app: Flask) -> None:
    """UpdateImage maps Paravirtualization to Other, as AddImage's filler does (it must not)."""

    def change(inner: JSON, _: str) -> JSON:
        if isinstance(inner, dict) and inner.get("platform") == "Paravirtualization":
            inner["platform"] = "Other"
        return inner

    _on_action(app, "updateImage", change)


def update_checks_uuid_first(app: Flask) -> None:
    """UpdateImage checks the image's existence before its other fields."""

    def change(inner: JSON, uuid: str) -> JSON:
        known = uuid in runtime(app).store.images.images
        return inner if known else {}

    _on_action(app, "updateImage", change)


def state_event_any_case(app: Flask) -> None:
    """ChangeImageState accepts `Disable` (the valid values are case-sensitive)."""

    def change(inner: JSON, _: str) -> JSON:
        if isinstance(inner, dict) and isinstance(inner.get("stateEvent"), str):
            inner["stateEvent"] = inner["stateEvent"].lower()
        return inner

    _on_action(app, "changeImageState", change)


def boot_mode_keeps_old_tags(app: Flask) -> None:
    """SetImageBootMode adds its tag but leaves the image's other bootMode tags."""
    kept: list[Any] = []

    @app.before_request
    def remember() -> None:
        data = body() if request.method == "PUT" else None
        if isinstance(data, dict) and "setImageBootMode" in data:
            image = runtime(app).store.images.images.get(request.path.split("/")[-2])
            kept[:] = [image, list(image.system_tags)] if image is not None else []

    @app.after_request
    def restore(response: Any) -> Any:
        if kept:
            image, old = kept
            image.system_tags = (*old, *(t for t in image.system_tags if t not in old))
            kept.clear()
        return response


def boot_mode_tag_random_uuid(app: Flask) -> None:
    """A tag made by SetImageBootMode shows a random uuid instead of the name-based one."""

    def change(tag: JSON) -> None:
        tag["uuid"] = "0" * 31 + "1"

    rewrite_json(app, lambda r: "/system-tags" in request.path, each_inventory(change))


def system_tag_resource_type(app: Flask) -> None:
    """QuerySystemTag names the resource type `Image` instead of the VO's name `ImageVO`."""

    def change(tag: JSON) -> None:
        tag["resourceType"] = "Image"

    rewrite_json(app, lambda r: "/system-tags" in request.path, each_inventory(change))


def query_ignores_tag_conditions(app: Flask) -> None:
    """QueryImage drops `__systemTag__` conditions (it answers every image)."""

    @app.before_request
    def drop() -> None:
        if request.method == "GET" and request.path.endswith("/v1/images"):
            pairs = list(request.args.items(multi=True))
            set_query([(k, v) for k, v in pairs if not v.startswith("__systemTag__")])


def sync_refuses_a_null_envelope(app: Flask) -> None:
    """SyncImageSize answers `{"syncImageSize": null}` with a 500 (ZStack takes it as {})."""

    @app.before_request
    def refuse() -> Any:
        data = body() if request.method == "PUT" else None
        if isinstance(data, dict) and "syncImageSize" in data and data["syncImageSize"] is None:
            return Flask.response_class(
                "java.lang.NullPointerException", 500, mimetype="text/plain"
            )
        return None


def hash_checks_the_algorithm(app: Flask) -> None:
    """CalculateImageHash refuses an algorithm other than MD5 (ZStack never reads it)."""

    def change(inner: JSON, _: str) -> JSON:
        if isinstance(inner, dict) and inner.get("algorithm") not in (None, "MD5"):
            return {k: v for k, v in inner.items() if k != "backupStorageUuid"}
        return inner

    _on_action(app, "calculateImageHash", change)


CHANGED = ("image_change_conformance",)
FAILS = JOB_OUTCOME_CHECKS
BROKEN = [
    Broken("update ignores name", "image actions", update_ignores_name, CHANGED),
    Broken("update maps platform", "image actions", update_maps_platform, CHANGED),
    Broken("update checks uuid first", "image actions", update_checks_uuid_first, FAILS),
    Broken("state event in any case", "image actions", state_event_any_case, FAILS),
    Broken(
        "boot mode keeps old tags",
        "image actions",
        boot_mode_keeps_old_tags,
        ("boot_mode_tag_conformance",),
    ),
    Broken(
        "boot mode tag random uuid",
        "image actions",
        boot_mode_tag_random_uuid,
        ("boot_mode_tag_conformance",),
    ),
    Broken(
        "system tag resource type",
        "image actions",
        system_tag_resource_type,
        ("boot_mode_tag_conformance",),
    ),
    Broken(
        "query ignores tag conditions",
        "image actions",
        query_ignores_tag_conditions,
        ("query_condition_conformance",),
    ),
    Broken(
        "sync refuses a null envelope",
        "image actions",
        sync_refuses_a_null_envelope,
        ("job_accepted_conformance",),
    ),
    Broken(
        "hash checks the algorithm",
        "image actions",
        hash_checks_the_algorithm,
        ("job_success_conformance",),
    ),
]
