"""Checks of the image actions (issue 11): what an action changes, boot mode tags, tag queries.

Each is a named check like those in checks.py: it raises ContractViolation with the evidence.
"""

from __future__ import annotations

import hashlib
import uuid as uuidlib

from contract_tests.checks import ContractViolation, error_code_conformance
from contract_tests.client import Exchange
from contract_tests.messages import INVALID_FIELD
from contract_tests.spec import Contract
from zstack_spec.i18n import Text
from zstack_spec.json_types import JSON

# fields ZStack may move on any update: the row's `ON UPDATE CURRENT_TIMESTAMP` column
# (conf/db/V0.6__schema.sql L315) and the refs' own lastOpDate
ALWAYS_MAY_CHANGE = frozenset({"lastOpDate", "backupStorageRefs"})
BOOT_MODE_PREFIX = "bootMode::"


def image_change_conformance(
    before: JSON,
    after: JSON,
    changed: dict[str, JSON],
    ex: Exchange,
    may_change: frozenset[str] = frozenset(),
) -> None:
    """The action sets exactly the fields it names and leaves every other field as it was.

    ImageBase.updateImage L870-926 (a null field is left alone), the state change L943-955, the
    size sync L271-273 and the hash L181 each write only their own columns.
    """
    name = "image_change_conformance"
    if not isinstance(after, dict) or not isinstance(before, dict):
        raise ContractViolation(name, "the result carries the image's inventory", ex)
    wrong = {k: after.get(k) for k, v in changed.items() if after.get(k) != v}
    if wrong:
        raise ContractViolation(name, f"the image now has {changed}", ex, repr(wrong))
    keep = set(before) | set(after)
    keep -= set(changed) | may_change | ALWAYS_MAY_CHANGE
    moved = {
        k: (before.get(k), after.get(k)) for k in sorted(keep) if before.get(k) != after.get(k)
    }
    if moved:
        raise ContractViolation(name, "every other field is left as it was", ex, repr(moved))
    refs, now = _copies(before), _copies(after)
    if refs != now:
        raise ContractViolation(name, "the image's copies are left as they were", ex, repr(now))


def _copies(inv: dict[str, JSON]) -> list[tuple[JSON, JSON]]:
    return [(r.get("backupStorageUuid"), r.get("status")) for r in inv.get("backupStorageRefs", [])]


def boot_mode_tag_uuid(image_uuid: str, tag: str) -> str:
    """SystemTag.create L323-325: UUID.nameUUIDFromBytes("<uuid>-ImageVO-<tag>"), no dashes."""
    digest = hashlib.md5(f"{image_uuid}-ImageVO-{tag}".encode()).digest()
    return uuidlib.UUID(bytes=digest, version=3).hex


def boot_mode_tag_conformance(
    tags: list[JSON], image_uuid: str, mode: str, ex: Exchange, kept: JSON = None
) -> JSON:
    """Exactly one non-inherent `bootMode::<mode>` tag of the image, as SystemTag.create leaves it.

    tag/.../SystemTag.java L280-325: every other bootMode tag of the image is deleted; an identical
    one (`kept`) stays with its uuid and createDate, else a new one gets the name-based uuid.
    """
    name = "boot_mode_tag_conformance"
    mine = [t for t in tags if isinstance(t, dict) and t.get("resourceUuid") == image_uuid]
    boot = [t for t in mine if str(t.get("tag", "")).startswith(BOOT_MODE_PREFIX)]
    wanted = f"{BOOT_MODE_PREFIX}{mode}"
    if [t.get("tag") for t in boot] != [wanted]:
        raise ContractViolation(
            name,
            f"the image has exactly one bootMode tag, {wanted}",
            ex,
            repr([t.get("tag") for t in boot]),
        )
    [tag] = boot
    facts = {"resourceType": "ImageVO", "type": "System", "inherent": False}
    wrong = {k: tag.get(k) for k, v in facts.items() if tag.get(k) != v}
    if wrong:
        raise ContractViolation(name, f"the tag is {facts}", ex, repr(wrong))
    if kept is not None:
        same = {k: kept.get(k) for k in ("uuid", "createDate")}
        if {k: tag.get(k) for k in same} != same:
            raise ContractViolation(
                name, "an identical tag is kept: same uuid and createDate", ex, repr(tag)
            )
    elif tag.get("uuid") != boot_mode_tag_uuid(image_uuid, wanted):
        raise ContractViolation(
            name,
            "a new tag's uuid is UUID.nameUUIDFromBytes(<image>-ImageVO-<tag>)",
            ex,
            repr(tag.get("uuid")),
        )
    return tag


def no_boot_mode_tag_conformance(tags: list[JSON], image_uuid: str, ex: Exchange) -> None:
    """The image has no bootMode tag (nothing in the request asked for one)."""
    boot = [
        t.get("tag")
        for t in tags
        if isinstance(t, dict)
        and t.get("resourceUuid") == image_uuid
        and str(t.get("tag", "")).startswith(BOOT_MODE_PREFIX)
    ]
    if boot:
        raise ContractViolation(
            "no_boot_mode_tag_conformance", "the image has no bootMode tag", ex, repr(boot)
        )


def query_condition_conformance(
    found: list[JSON], expected: set[str], among: set[str], ex: Exchange
) -> None:
    """Of the images `among`, the query finds exactly `expected` (QueryFacadeImpl, ZQL)."""
    uuids = {i.get("uuid") for i in found if isinstance(i, dict)} & among
    if uuids != expected:
        raise ContractViolation(
            "query_condition_conformance",
            f"the condition matches exactly {sorted(expected)}",
            ex,
            repr(sorted(str(u) for u in uuids)),
        )


def image_fields_conformance(inv: JSON, wanted: dict[str, JSON], ex: Exchange | None) -> None:
    """The image shows the fields the actions so far set (the lifecycle model's view)."""
    seen = {k: inv.get(k) for k in wanted} if isinstance(inv, dict) else None
    if seen != wanted:
        raise ContractViolation(
            "image_fields_conformance", f"the image has {wanted}", ex, repr(seen)
        )


def unknown_image_conformance(ex: Exchange, contract: Contract, uuid: str) -> None:
    """An action on an image that does not exist fails with PortApiValidator's SYS.1003
    (portal/.../apimediator/PortApiValidator.java L98-99) naming the message's `uuid`."""
    text = Text.of(INVALID_FIELD, "uuid", uuid, "ImageVO")
    error_code_conformance(ex, contract, "SYS.1003", text)
