"""The contract's model of ZStack's AddImage checks (contract_tests/model.py), rule by rule."""

from __future__ import annotations

from typing import Any

import pytest

from contract_tests import messages, model
from contract_tests.model import Rejection
from contract_tests.spec import Contract

V = model.VALIDATOR
BS = "c340364aad7b4130a12e641afe3a968f"
VALID = {
    "name": "zstack-contract-x",
    "url": "http://host/tinylinux.qcow2",
    "format": "qcow2",
    "backupStorageUuids": [BS],
}


@pytest.fixture(scope="module")
def contract() -> Contract:
    return Contract.load()


def predict(contract: Contract, body: Any) -> Rejection | None:
    return model.predict_add_image(body, contract, {BS}.__contains__, model.suite_tag_rule)


def params(**changes: Any) -> dict[str, Any]:
    return {"params": {k: v for k, v in {**VALID, **changes}.items() if v is not None}}


# (body, status, code, details or a part of the REST text)
REJECTED = [
    # the REST layer, before any job
    ([], 500, None, None),
    ({"params": "x"}, 500, None, None),
    ({**params(), "systemTags": "x"}, 500, None, None),
    (params(system="yes"), 400, None, "boolean field [system], [yes]"),
    (params(virtio=1), 400, None, "boolean field [virtio], [1]"),
    (params(name={"a": 1}), 500, None, None),
    (params(backupStorageUuids=BS), 500, None, None),
    # @APIParam, in the fields' order: url comes before name
    (
        params(name=None, url=None),
        503,
        "SYS.1007",
        f"field[url] of message[{V}] is mandatory, can not be null",
    ),
    (
        params(name="n" * 256),
        503,
        "SYS.1007",
        f"field[name] of message[{V}] exceeds max length of string. expected was <= 255, actual was 256",
    ),
    (
        params(description=" " + "\u4e2d" * 2049),
        503,
        "SYS.1007",
        f"field[description] of message[{V}] exceeds max length of string. expected was <= 2048, actual was 2049",
    ),
    (
        params(mediaType=5),
        503,
        "SYS.1007",
        f"valid value for field[mediaType] of message[{V}] are [RootVolumeTemplate, ISO, DataVolumeTemplate], but 5 found",
    ),
    (
        params(backupStorageUuids=[]),
        503,
        "SYS.1007",
        "field[backupStorageUuids] must be a nonempty list",
    ),
    (
        params(backupStorageUuids=["0" * 32]),
        503,
        "SYS.1003",
        f"invalid field[backupStorageUuids], resource[uuids:[{'0' * 32}], type:BackupStorageVO] not found",
    ),
    # ImageApiInterceptor
    (params(format=None), 503, "SYS.1007", "unknown format[null]"),
    (params(system=True, mediaType="ISO"), 503, "SYS.1007", "ISO cannot be used as system image"),
    (params(type="docker"), 503, "SYS.1007", "unsupported image type[docker]"),
    # TagManagerImpl, at END
    (
        {**params(), "systemTags": [model.NO_SUCH_TAG]},
        503,
        "SYS.1007",
        f"no system tag matches {model.NO_SUCH_TAG}",
    ),
    (
        params(systemTags=[model.NO_SUCH_TAG]),
        503,
        "SYS.1007",
        f"no system tag matches {model.NO_SUCH_TAG}",
    ),
]


@pytest.mark.parametrize(("body", "status", "code", "text"), REJECTED)
def test_model__predicts_the_rejection(
    contract: Contract, body: Any, status: int, code: str | None, text: str | None
) -> None:
    rejection = predict(contract, body)
    assert rejection is not None
    assert (rejection.status, rejection.code) == (status, code)
    if status == 503:
        # the source text; tests/test_i18n.py checks the rendering in each language
        assert rejection.details is not None and rejection.details.raw() == text
    elif text is not None:
        assert rejection.contains == text


def test_model__resource_uuid_is_a_known_message_variant(contract: Contract) -> None:
    rejection = predict(contract, params(resourceUuid="NOT-A-UUID"))
    assert rejection is not None and rejection.variant_of is messages.RESOURCE_UUID
    assert rejection.variant_args == ("NOT-A-UUID",)


@pytest.mark.parametrize(("field", "value", "why"), model.TOLERATED)
def test_model__tolerated_input_passes(
    contract: Contract, field: str, value: Any, why: str
) -> None:
    assert predict(contract, params(**{field: value})) is None


@pytest.mark.parametrize(
    "body",
    [
        params(description=1.5),  # Java's Double.toString
        params(description="\u00a0x"),  # String.trim keeps U+00A0, a Unicode strip does not
        params(guestOsType="\U0001f600"),  # outside the BMP: MySQL's utf8 decides
        params(type=" zstack"),  # no @APIParam: not trimmed, and the mock trims it
        params(systemTags=["someOther::tag"]),  # a pattern of another resource type may match
    ],
)
def test_model__does_not_judge_what_it_cannot_tell(contract: Contract, body: Any) -> None:
    with pytest.raises(model.Undecided):
        predict(contract, body)


def test_model__ephemeral_tags_alone_are_not_checked(contract: Contract) -> None:
    assert predict(contract, params(systemTags=["ephemeral::anything"])) is None


def test_model__a_top_level_tag_list_replaces_the_one_in_params(contract: Contract) -> None:
    body = {**params(systemTags=[model.NO_SUCH_TAG]), "systemTags": ["bootMode::Legacy"]}
    assert predict(contract, body) is None
