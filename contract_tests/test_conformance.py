"""Generated requests for every operation (schemathesis), with ZStack's own checks added."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any, Protocol, TypeVar, cast

import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis import Case, CheckContext, Response

from contract_tests import backup_storage_checks as bs_checks
from contract_tests import checks, model
from contract_tests.client import Exchange, JobRun
from contract_tests.session import ZStackSession
from contract_tests.target import Target
from zstack_spec.json_types import JSON

# the backup storage operations (issue 11): their timeout and result depend on the action
BACKUP_STORAGE_OPERATIONS = ("ExportImageFromBackupStorage", "DeleteExportedImageFromBackupStorage")


def _exchange(response: Response, case: Case[Any]) -> Exchange:
    request = response.request
    body = request.body
    return Exchange(
        method=str(request.method),
        url=str(request.url),
        request_headers=dict(request.headers),
        request_body=body.decode("utf-8", "replace") if isinstance(body, bytes) else body,
        status=response.status_code,
        response_headers={k: ", ".join(v) for k, v in response.headers.items()},
        response_text=response.content.decode("utf-8", "replace"),
    )


def zstack_checks(zstack: ZStackSession) -> list[Any]:
    """Our checks in schemathesis's signature, bound to this run's session."""

    def zstack_error_conformance(
        ctx: CheckContext, response: Response, case: Case[Any]
    ) -> bool | None:
        ex = _exchange(response, case)
        if response.status_code == 503:
            zstack.check(checks.error_envelope_conformance, ex, zstack.contract)
        elif response.status_code in (400, 404, 405, 500):
            zstack.check(checks.plain_text_conformance, ex, response.status_code)
        return None

    def zstack_job_conformance(
        ctx: CheckContext, response: Response, case: Case[Any]
    ) -> bool | None:
        op = case.operation.definition.raw.get("operationId")
        if op in BACKUP_STORAGE_OPERATIONS and response.status_code == 202:
            _backup_storage_job(zstack, case, _exchange(response, case))
            return None
        spec_op = zstack.contract.operations.get(op)
        if spec_op is None or "x-zstack-api-timeout" not in spec_op.raw:
            return None  # a sync API: its answer is checked by zstack_error_conformance
        if response.status_code != 202:
            return None
        ex = _exchange(response, case)
        zstack.check(checks.job_accepted_conformance, ex, zstack.contract.api_timeout(op))
        run = zstack.client.follow(ex)
        zstack.check(checks.job_poll_conformance, run)
        zstack.track(run)
        if run.result.status == 503:
            zstack.check(checks.error_envelope_conformance, run.result, zstack.contract)
        elif op == "AddImage" or _action_event(zstack, case) == "ImageEvent":
            inventory = run.result.json().get("inventory")
            zstack.check(checks.image_inventory_conformance, inventory, run.result, zstack.contract)
        else:
            zstack.check(checks.empty_result_conformance, run.result)
        return None

    def zstack_negative_data_rejection(
        ctx: CheckContext, response: Response, case: Case[Any]
    ) -> bool | None:
        """Schemathesis's negative_data_rejection, with ZStack's own checks as the oracle."""
        if case.operation.definition.raw.get("operationId") != "AddImage":
            return None
        sent = response.request
        # the model judges the body; a header of the REST layer (a missing Authorization, a
        # reused X-Job-UUID) is checked before it, and test_errors.py checks those answers
        if sent.headers.get("Authorization") != f"OAuth {zstack.client.session_uuid}" or (
            "X-Job-UUID" in sent.headers
        ):
            return None
        try:
            body = json.loads(sent.body or b"")
        except ValueError:
            return None
        existing = {b["uuid"] for b in zstack.backup_storages}
        try:
            rejection = model.predict_add_image(
                body, zstack.contract, existing.__contains__, model.suite_tag_rule
            )
        except model.Undecided:
            return None
        if rejection is None:
            return None
        ex = _exchange(response, case)
        run = zstack.client.follow(ex) if ex.status == 202 else JobRun(ex, ())
        zstack.track(run)
        zstack.check(checks.negative_data_rejection, rejection, run, zstack.contract)
        return None

    return [zstack_error_conformance, zstack_job_conformance, zstack_negative_data_rejection]


def _action_api(case: Case[Any]) -> str:
    """The ZStack API a request on an operation is: by its body's action key on a shared path."""
    raw = case.operation.definition.raw
    actions: dict[str, str] = raw.get("x-zstack-actions", {})
    body = case.body if isinstance(case.body, dict) else {}
    return next((api for key, api in actions.items() if key in body), raw["operationId"])


def _backup_storage_job(zstack: ZStackSession, case: Case[Any], ex: Exchange) -> None:
    """A backup storage API's job: its timeout, its polls, and its result's shape."""
    api = _action_api(case)
    zstack.check(checks.job_accepted_conformance, ex, zstack.contract.api_timeout(api))
    run = zstack.client.follow(ex)
    zstack.check(checks.job_poll_conformance, run)
    if run.result.status == 503:
        zstack.check(checks.error_envelope_conformance, run.result, zstack.contract)
    elif api == "ExportImageFromBackupStorage":
        zstack.check(bs_checks.export_shape_conformance, run.result, zstack.contract)
    elif api == "DeleteExportedImageFromBackupStorage":
        zstack.check(checks.empty_result_conformance, run.result)
    else:
        zstack.check(bs_checks.backup_storage_result_conformance, run, zstack.contract)


def _safe_backup_storage(case: Case[Any], zstack: ZStackSession, draw: Draw) -> None:
    """The backup storage APIs name the suite's backup storage only to export (and delete the
    export of) this run's images; every other action names a backup storage that does not exist,
    so no generated case changes a real one."""
    op = case.operation.definition.raw.get("operationId")
    body = case.body if isinstance(case.body, dict) else {}
    exports = op == "DeleteExportedImageFromBackupStorage" or "exportImageFromBackupStorage" in body
    own = zstack.created
    bs = zstack.backup_storage_uuid
    if not (exports and own and draw(st.booleans(), "the suite's backup storage")):
        case.path_parameters["backupStorageUuid"] = draw(HEX_UUID, "backupStorageUuid")
        return
    case.path_parameters["backupStorageUuid"] = bs
    image = draw(st.sampled_from(own), "imageUuid")
    if op == "DeleteExportedImageFromBackupStorage":
        case.path_parameters["imageUuid"] = image
        return
    inner = body["exportImageFromBackupStorage"]
    if isinstance(inner, dict):
        inner["imageUuid"] = image
    zstack.exports.append((bs, image))  # deleted again in cleanup


def _schema(zstack: ZStackSession, target: Target, generated: bool) -> Any:
    """The contract as schemathesis reads it; `generated`: the fuzzing phase alone, else the
    explicit phases (schema examples and coverage), which cannot take a hypothesis strategy."""
    config = schemathesis.Config.from_path(Path(__file__).with_name("schemathesis.toml"))
    phases = config.projects.default.phases
    phases.examples.enabled = phases.coverage.enabled = not generated
    phases.fuzzing.enabled = generated
    schema = schemathesis.openapi.from_dict(
        zstack.contract.for_context_path(target.context_path), config=config
    )
    schema.config.update(base_url=target.url)
    return schema


@pytest.fixture(scope="session")
def zstack_schema(zstack: ZStackSession, zstack_target: Target) -> Any:
    return _schema(zstack, zstack_target, generated=False)


@pytest.fixture(scope="session")
def zstack_generated_schema(zstack: ZStackSession, zstack_target: Target) -> Any:
    return _schema(zstack, zstack_target, generated=True)


schema = schemathesis.pytest.from_fixture("zstack_schema")
generated_schema = schemathesis.pytest.from_fixture("zstack_generated_schema")
T = TypeVar("T")


class Draw(Protocol):
    def __call__(self, strategy: st.SearchStrategy[T], label: str) -> T: ...


@pytest.fixture(scope="session")
def first_choice(zstack_target: Target) -> Draw:
    """prepare()'s choices in the explicit phases: none random; each id is new, also on a target
    an earlier run used (ZStack keeps job ids: `Duplicate job uuid`), as it starts with the run id."""
    ids = itertools.count(1)
    fixed: dict[str, Any] = {
        "an image of this run": False,
        "name suffix": "",
        "new name suffix": "",
        "systemTags": [],
        "tags sent in": "none",
        "keep X-Job-UUID": True,
        "a format ZStack knows": False,
    }

    def draw(strategy: st.SearchStrategy[T], label: str) -> T:
        value = fixed.get(label, f"{zstack_target.run_id}{next(ids):024x}")
        return cast(T, value)

    return draw


# what prepare() draws from, each kept safe on a real system: BMP text only (MySQL's utf8)
BMP_TEXT = st.characters(max_codepoint=0xFFFF, exclude_categories=["Cs", "Cc"])
HEX_UUID = st.binary(min_size=16, max_size=16).map(bytes.hex)


def prepare(case: Case[Any], zstack: ZStackSession, draw: Draw) -> None:
    """Keep generated requests safe on a real system, whatever else they vary.

    Every random choice is drawn from hypothesis (`draw`), so a failure shrinks and replays from
    --hypothesis-seed. Name suffix, description, guestOsType, platform and the other fields vary
    as generated; tags vary among the registered patterns (and one that matches none).
    """
    op = case.operation.definition.raw.get("operationId")
    body = case.body
    # the draws keep this order, so a seed replays the same cases
    if op == "AddImage" and isinstance(body, dict) and isinstance(body.get("params"), dict):
        case.body = _safe_add_image(body, zstack, draw)
    if op == "ExpungeImage" and isinstance(body, dict):
        case.body = _safe_image_action(body, zstack, draw)
    if op in ("DeleteImage", "ExpungeImage"):
        _own_images_only(case, zstack, draw)
    if op == "AddImage":
        _job_uuid_or_none(case, draw)
    _hex_job_uuid(case, draw)
    if op in BACKUP_STORAGE_OPERATIONS:
        _safe_backup_storage(case, zstack, draw)
    if op in ("LogOut", "ValidateSession"):
        case.path_parameters["sessionUuid"] = draw(HEX_UUID, "sessionUuid")


def _own_images_only(case: Case[Any], zstack: ZStackSession, draw: Draw) -> None:
    """Delete, Expunge and Recover name only this run's images, or uuids that do not exist."""
    for key in ("uuid", "imageUuid"):
        if key in case.path_parameters:
            own = zstack.created
            mine = bool(own) and draw(st.booleans(), "an image of this run")
            case.path_parameters[key] = draw(st.sampled_from(own) if mine else HEX_UUID, key)


def _job_uuid_or_none(case: Case[Any], draw: Draw) -> None:
    """Half the AddImages drop X-Job-UUID: without a job id of its own, an AddImage is one the
    model of ZStack's checks judges."""
    if case.headers and "X-Job-UUID" in case.headers and not draw(st.booleans(), "keep X-Job-UUID"):
        del case.headers["X-Job-UUID"]


def _hex_job_uuid(case: Case[Any], draw: Draw) -> None:
    """A 32-character X-Job-UUID is sent as hex.

    Real server: RestServer.handleApi L963-968 (rest/src/main/java/org/zstack/rest/RestServer.java)
    checks only the length (32, else 400) and copies the id into `location` unescaped: 32 other
    characters are a client bug the suite does not need to send (the wrong-length 400 stays
    tested).
    """
    job = case.headers.get("X-Job-UUID") if case.headers else None
    if isinstance(job, str) and len(job) == 32 and not all(c in "0123456789abcdef" for c in job):
        case.headers["X-Job-UUID"] = draw(HEX_UUID, "X-Job-UUID")


def _action_keys(zstack: ZStackSession) -> list[str]:
    op = zstack.contract.doc["paths"]["/zstack/v1/images/{imageUuid}/actions"]["put"]
    return list(op["x-zstack-actions"])


def _action_event(zstack: ZStackSession, case: Case[Any]) -> str | None:
    """The event schema (x-zstack-event) of the image action the body names, if any."""
    body = case.body if isinstance(case.body, dict) else {}
    key = next((k for k in _action_keys(zstack) if k in body), None)
    if case.operation.definition.raw.get("operationId") != "ExpungeImage" or key is None:
        return None
    variants = zstack.contract.doc["components"]["schemas"]
    event: str | None = next(
        (v.get("x-zstack-event") for v in variants.values() if key in v.get("required", [])), None
    )
    return event


def _safe_image_action(body: dict[str, Any], zstack: ZStackSession, draw: Draw) -> JSON:
    """One action key per body (ZStack picks among several in no fixed order, RestServer L775);
    a rename keeps the run's prefix; CalculateImageHash names no existing backup storage, so it
    never reaches an SftpBackupStorage (which never replies, SftpBackupStorage.java L692-696)."""
    keys = [k for k in _action_keys(zstack) if k in body]
    body = {k: v for k, v in body.items() if k not in keys[1:]}
    inner = body.get(keys[0]) if keys else None
    if not isinstance(inner, dict):
        return body
    inner = dict(inner)
    if keys[0] == "updateImage" and "name" in inner:
        suffix = draw(st.text(BMP_TEXT, max_size=40), "new name suffix")
        inner["name"] = f"{zstack.target.name_prefix}{suffix}"
    if keys[0] == "calculateImageHash" and "backupStorageUuid" in inner:
        inner["backupStorageUuid"] = draw(HEX_UUID, "backupStorageUuid")
    return {**body, keys[0]: inner}


def _safe_add_image(body: dict[str, Any], zstack: ZStackSession, draw: Draw) -> JSON:
    """Every AddImage downloads --image-url into the chosen backup storage under the run's name
    prefix (the target never fetches a generated URL), with tags the model can judge."""
    params: dict[str, Any] = dict(body["params"])
    params["url"] = zstack.target.image_url
    suffix = draw(st.text(BMP_TEXT, max_size=40), "name suffix")
    params["name"] = f"{zstack.target.name_prefix}{suffix}"
    if isinstance(params.get("backupStorageUuids"), list):
        params["backupStorageUuids"] = [zstack.backup_storage_uuid]
    if draw(st.booleans(), "a format ZStack knows"):
        # a missing or unknown format fails every case in ImageApiInterceptor, which would hide
        # the checks before it; half the cases get one of VolumeFormat's so those are reached
        params["format"] = draw(st.sampled_from(["qcow2", "raw", "vmdk"]), "format")
    if model.ZSTACK_UUID.fullmatch(str(params.get("resourceUuid"))):
        # a well-formed resourceUuid would name the image: only malformed ones are sent
        params.pop("resourceUuid")
    # tagUuids must name existing tag patterns, which the suite does not know
    params.pop("tagUuids", None)
    body = {k: v for k, v in body.items() if k not in ("systemTags", "userTags")}
    choices = st.sampled_from([*model.SAFE_TAGS, model.NO_SUCH_TAG])
    tags = draw(st.lists(choices, max_size=1), "systemTags")
    where = draw(st.sampled_from(["params", "top level", "none"]), "tags sent in")
    params = {k: v for k, v in params.items() if k not in ("systemTags", "userTags")}
    if where == "params":
        params["systemTags"] = tags
    elif where == "top level":
        body["systemTags"] = tags
    return {**body, "params": params}


@schema.parametrize()
def test_conformance(case: Case[Any], zstack: ZStackSession, first_choice: Draw) -> None:
    """Schema examples and schemathesis's coverage phase."""
    prepare(case, zstack, first_choice)
    _call_and_check(case, zstack)


@generated_schema.parametrize()
@generated_schema.given(data=st.data())
def test_conformance__generated(
    case: Case[Any], data: st.DataObject, zstack: ZStackSession
) -> None:
    """Generated cases; every choice prepare() makes is drawn from hypothesis too."""
    prepare(case, zstack, lambda strategy, label: data.draw(strategy, label=label))
    _call_and_check(case, zstack)


def _call_and_check(case: Case[Any], zstack: ZStackSession) -> None:
    headers = {"Authorization": f"OAuth {zstack.client.session_uuid}"}
    response = case.call(headers=headers)
    try:
        case.validate_response(response, additional_checks=zstack_checks(zstack), headers=headers)
    finally:
        # a generated LogInByAccount can log in for real (the spec's example is a valid login);
        # ZStack caps sessions per account at 500, so the suite leaves none behind
        if case.operation.definition.raw.get("operationId") == "LogInByAccount":
            uuid = (
                ((response.json() if response.status_code == 200 else {}) or {})
                .get("inventory", {})
                .get("uuid")
            )
            if uuid and uuid != zstack.client.session_uuid:
                zstack.client.request("DELETE", f"/v1/accounts/sessions/{uuid}", auth=False)
