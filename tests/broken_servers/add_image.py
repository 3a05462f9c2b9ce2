"""Deviations in AddImage's checks: @APIParam, the interceptors, the tags, Gson's coercions."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from flask import Flask, Response

from contract_tests.i18n import Catalogue
from mock_server.state.jobs import Job
from mock_server.state.store import Store
from mock_server.zstack import i18n
from mock_server.zstack.api_chain import ApiCall
from mock_server.zstack.errors import InvalidArgumentError, InvalidSession, ZStackError
from mock_server.zstack.validation import VALIDATOR
from tests.broken_servers.base import (
    JOB_OUTCOME_CHECKS,
    Broken,
    add_image_params,
    fail_job_details,
    rewrite_json,
    runtime,
    set_body,
)

JSON = Any
Rule = Callable[[Store, ApiCall], "ZStackError | None"]


def _fail_add_image_when(app: Flask, rule: Rule) -> None:
    """Fail AddImage's job with the rule's error wherever the rule gives one."""
    apis = runtime(app).apis
    original = apis.submit

    def submit(
        store: Store, call: ApiCall, job_uuid: str, failure: ZStackError | None = None
    ) -> Job:
        return original(store, call, job_uuid, failure or rule(store, call))

    apis.submit = submit  # type: ignore[method-assign]


def _name(call: ApiCall) -> str | None:
    name = call.message.get("name") if call.api == "AddImage" else None
    return name.strip() if isinstance(name, str) else None


def _too_long(field: str, limit: int, actual: int) -> InvalidArgumentError:
    return InvalidArgumentError(
        f"field[{field}] of message[{VALIDATOR}] exceeds max length of string. expected was "
        f"<= {limit}, actual was {actual}"
    )


def _set_max_length(app: Flask, field: str, limit: int) -> None:
    apis = runtime(app).apis
    schema = apis.schemas["AddImage"]
    changed = {**schema.properties[field], "maxLength": limit}
    apis.schemas["AddImage"] = dataclasses.replace(
        schema, properties={**schema.properties, field: changed}
    )


# -- @APIParam ---------------------------------------------------------------------------------


def empty_name_rejected(app: Flask) -> None:
    """Rejects an empty name, which @APIParam's emptyString=true default lets through."""
    _fail_add_image_when(
        app,
        lambda store, call: (
            InvalidArgumentError("field[name] cannot be an empty string")
            if _name(call) == ""
            else None
        ),
    )


def name_max_length_off_by_one(app: Flask) -> None:
    """Rejects a name of exactly 255 characters (the limit is <= 255)."""
    _set_max_length(app, "name", 254)


def length_counted_in_utf8_bytes(app: Flask) -> None:
    """Counts a name's length in UTF-8 bytes, where Java's String.length() counts UTF-16 units."""

    def rule(store: Store, call: ApiCall) -> ZStackError | None:
        name = _name(call)
        size = len(name.encode()) if name is not None else 0
        return _too_long("name", 255, size) if size > 255 else None

    _fail_add_image_when(app, rule)


def description_one_over_accepted(app: Flask) -> None:
    """Accepts a description of 2049 characters (the limit is <= 2048)."""
    _set_max_length(app, "description", 2049)


def all_parameter_checks_off(app: Flask) -> None:
    """Accepts every invalid value the @APIParam checks reject (lengths, enums, lists)."""
    apis = runtime(app).apis
    schema = apis.schemas["AddImage"]
    loose = {
        k: {key: v for key, v in fs.items() if key not in ("maxLength", "enum", "minItems")}
        for k, fs in schema.properties.items()
    }
    apis.schemas["AddImage"] = dataclasses.replace(schema, properties=loose)


def resource_uuid_message_cut(app: Flask) -> None:
    """Cuts the resourceUuid message (ApiMediatorImpl's text) short."""
    fail_job_details(
        app, lambda d: d.startswith("resourceUuid["), lambda d: d.split(" A valid uuid", 1)[0]
    )


def unknown_format_wrong_code(app: Flask) -> None:
    """Fails an unknown format with SYS.1000 instead of SYS.1007."""

    def change(data: JSON) -> JSON:
        if "unknown format" in data["error"].get("details", ""):
            data["error"] = {
                **data["error"],
                "code": "SYS.1000",
                "description": "An internal error happened in system",
            }
        return data

    rewrite_json(app, lambda r: r.status_code == 503, change)


def session_checked_first(app: Flask) -> None:
    """Checks the session before the @APIParam checks (ZStack checks parameters first)."""

    def rule(store: Store, call: ApiCall) -> ZStackError | None:
        try:
            store.sessions.check(call.session_uuid)
        except InvalidSession as e:
            return e
        return None

    _fail_add_image_when(app, rule)


# -- tags and coercions ------------------------------------------------------------------------


def tags_in_params_dropped(app: Flask) -> None:
    """Drops systemTags/userTags sent inside `params` (the Java SDK always sends them there)."""

    @app.before_request
    def drop() -> None:
        params = add_image_params()
        if params is not None and ({"systemTags", "userTags"} & set(params)):
            data = {"params": {k: v for k, v in params.items() if not k.endswith("Tags")}}
            set_body(data)


def system_tags_unchecked(app: Flask) -> None:
    """Ignores every tag, top-level or in `params`: none is checked against the patterns."""

    @app.before_request
    def drop() -> None:
        params = add_image_params()
        if params is not None:
            set_body({"params": {k: v for k, v in params.items() if not k.endswith("Tags")}})


def numbers_rejected_as_strings(app: Flask) -> None:
    """Rejects a number where a string is due (Gson reads `5` into the String "5")."""

    @app.before_request
    def reject() -> Response | None:
        params = add_image_params() or {}
        if any(isinstance(v, int | float) and not isinstance(v, bool) for v in params.values()):
            return Response("a number is not a string", status=400, mimetype="text/plain")
        return None


def one_message_in_chinese(app: Flask) -> None:
    """Answers `unknown format[%s]` in zh_CN and every other detail in the source text.

    A real ZStack renders every detail in its one `locale` (Platform.toI18nString, Platform.java
    L856-872); a server with a partial catalogue mixes languages, which no faithful one does.
    """
    full = Catalogue.from_spec(runtime(app).spec.doc)
    partial = {
        fmt: entry if fmt == "unknown format[%s]" else dataclasses.replace(entry, entries={})
        for fmt, entry in full.entries.items()
    }
    i18n.use_locale("zh_CN", Catalogue(partial))


REJECTED = ("job_success_conformance",)
FAILS = JOB_OUTCOME_CHECKS
BROKEN = [
    Broken("empty name rejected", "validation", empty_name_rejected, REJECTED),
    Broken("name maxLength off by one", "validation", name_max_length_off_by_one, REJECTED),
    Broken("length counted in UTF-8 bytes", "validation", length_counted_in_utf8_bytes, REJECTED),
    Broken("description one over accepted", "validation", description_one_over_accepted, FAILS),
    Broken(
        "every parameter check off",
        "validation",
        all_parameter_checks_off,
        (*FAILS, "negative_data_rejection"),
    ),
    Broken(
        "resourceUuid message cut",
        "validation",
        resource_uuid_message_cut,
        ("message_variant_conformance",),
    ),
    Broken(
        "unknown format wrong code",
        "validation",
        unknown_format_wrong_code,
        ("error_code_conformance",),
    ),
    Broken(
        "one message in Chinese, the rest in the source text",
        "validation",
        one_message_in_chinese,
        ("error_code_conformance",),
    ),
    Broken(
        "session checked before parameters",
        "validation",
        session_checked_first,
        ("error_code_conformance",),
    ),
    Broken("tags in params dropped", "tags", tags_in_params_dropped, FAILS),
    Broken("system tags unchecked", "tags", system_tags_unchecked, FAILS),
    # the 400 has no job to poll: job_success_conformance fails in its poll rule
    Broken(
        "numbers rejected as strings",
        "coercions",
        numbers_rejected_as_strings,
        ("job_poll_conformance",),
    ),
]
