"""The @APIParam checks of one field, as the model of ZStack predicts them (inside the job).

Real server: header/src/main/java/org/zstack/header/apimediator/ApiMessageParamValidator.java
L18-89 and portal/src/main/java/org/zstack/portal/apimediator/PortApiValidator.java L40-65.
"""

from __future__ import annotations

from collections.abc import Callable

from contract_tests.rejection import VALIDATOR, Rejection, java_text, job
from zstack_spec.i18n import Text
from zstack_spec.json_types import JSON


def required_rule(name: str) -> Rejection:
    """ApiMessageParamValidator L18-22: a mandatory field is null."""
    return job(
        "SYS.1007",
        Text.of("field[%s] of message[%s] is mandatory, can not be null", name, VALIDATOR),
        "ApiMessageParamValidator L18-22: required",
    )


def api_param(
    name: str, fs: dict[str, JSON], value: JSON, exists: Callable[[str], bool]
) -> Rejection | None:
    """ApiMessageParamValidator L28-89 then PortApiValidator L40-65, for one field."""
    rejected = max_length_rule(name, fs, value) or valid_values_rule(name, fs, value)
    if rejected is None and isinstance(value, list):
        rejected = list_rule(name, fs, value) or resource_rule(name, fs, value, exists)
    return rejected


def max_length_rule(name: str, fs: dict[str, JSON], value: JSON) -> Rejection | None:
    """ApiMessageParamValidator L28-34: maxLength, counted in UTF-16 units as Java does."""
    units = len(value.encode("utf-16-le")) // 2 if isinstance(value, str) else 0
    if "maxLength" not in fs or units <= fs["maxLength"]:
        return None
    return job(
        "SYS.1007",
        Text.of(
            "field[%s] of message[%s] exceeds max length of string. expected was <= %s, "
            "actual was %s",
            name,
            VALIDATOR,
            fs["maxLength"],
            units,
        ),
        "ApiMessageParamValidator L28-34: maxLength",
    )


def valid_values_rule(name: str, fs: dict[str, JSON], value: JSON) -> Rejection | None:
    """ApiMessageParamValidator L44-52: validValues (unless another check owns the enum)."""
    if "enum" not in fs or "x-zstack-checked-by" in fs:
        return None
    for v in value if isinstance(value, list) else [value]:
        if java_text(v) not in fs["enum"]:
            return job(
                "SYS.1007",
                Text.of(
                    "valid value for field[%s] of message[%s] are %s, but %s found",
                    name,
                    VALIDATOR,
                    f"[{', '.join(fs['enum'])}]",
                    java_text(v),
                ),
                "ApiMessageParamValidator L44-52: validValues",
            )
    return None


def list_rule(name: str, fs: dict[str, JSON], value: list[JSON]) -> Rejection | None:
    """ApiMessageParamValidator L63-77: nonempty, then nullElements."""
    if fs.get("minItems", 0) >= 1 and not value:
        return job(
            "SYS.1007",
            Text.of("field[%s] must be a nonempty list", name),
            "ApiMessageParamValidator L63-68: nonempty",
        )
    if any(v is None for v in value):
        return job(
            "SYS.1007",
            Text.of("field[%s] cannot contain a NULL element", name),
            "ApiMessageParamValidator L70-77: nullElements",
        )
    return None


def resource_rule(
    name: str, fs: dict[str, JSON], value: list[JSON], exists: Callable[[str], bool]
) -> Rejection | None:
    """PortApiValidator L62-65: every uuid of a resource list names an existing resource."""
    vo = fs.get("x-zstack-resource")
    missing = [str(v) for v in value if vo and not exists(str(v))]
    if not missing:
        return None
    return job(
        "SYS.1003",
        Text.of(
            "invalid field[%s], resource[uuids:%s, type:%s] not found",
            name,
            f"[{', '.join(missing)}]",
            vo,
        ),
        "PortApiValidator L62-65",
    )
