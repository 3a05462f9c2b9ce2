"""An image's system tags as ZStack stores them (SystemTagVO rows), and QuerySystemTag's view.

AddImage's tags go through TagManagerImpl.createNonInherentSystemTag (random uuid, stored as sent);
SetImageBootMode and UpdateImage through SystemTagCreator with `recreate = true`
(tag/src/main/java/org/zstack/tag/SystemTag.java L235-395), which keeps one tag of the pattern.
"""

from __future__ import annotations

import hashlib
import uuid as uuidlib
from collections.abc import Callable, Iterable

from mock_server.state.model import Image, SystemTag
from zstack_spec.json_types import JSON

BOOT_MODE_PREFIX = "bootMode::"  # ImageSystemTags.BOOT_MODE, "bootMode::{bootMode}"


def name_uuid(resource_uuid: str, tag: str) -> str:
    """SystemTag.create L323-325: UUID.nameUUIDFromBytes("<uuid>-ImageVO-<tag>") without '-'."""
    digest = hashlib.md5(f"{resource_uuid}-ImageVO-{tag}".encode()).digest()
    return uuidlib.UUID(bytes=digest, version=3).hex


def created_by_add_image(
    tags: Iterable[str], new_uuid: Callable[[], str], now: float
) -> tuple[SystemTag, ...]:
    """TagManagerImpl.createNonInherentSystemTag L289-321: a random uuid per tag, as sent."""
    return tuple(SystemTag(uuid=new_uuid(), tag=t, create_date=now) for t in tags)


def recreate(image: Image, prefix: str, tag: str, now: float) -> SystemTag:
    """SystemTagCreator.create with recreate = true and its defaults (SystemTagCreator L13-27).

    Every non-inherent tag of the pattern (`tag like '<prefix>%'`, L280-316) is deleted except the
    first that equals the new tag exactly, which is kept as it is (quickRecreate, L305-308);
    without one a new tag gets the name-based uuid (L323-325).
    """
    kept: SystemTag | None = None
    survivors: list[SystemTag] = []
    for t in image.system_tags:
        if t.inherent or not t.tag.startswith(prefix):
            survivors.append(t)
        elif kept is None and t.tag == tag:
            kept = t
            survivors.append(t)
    if kept is None:
        kept = SystemTag(uuid=name_uuid(image.uuid, tag), tag=tag, create_date=now)
        survivors.append(kept)
    image.system_tags = tuple(survivors)
    return kept


def set_boot_mode(image: Image, mode: str, now: float) -> SystemTag:
    """ImageSystemTags.BOOT_MODE.newSystemTagCreator(uuid), token bootMode, recreate = true."""
    return recreate(image, BOOT_MODE_PREFIX, f"{BOOT_MODE_PREFIX}{mode}", now)


def inventories(images: Iterable[Image]) -> list[JSON]:
    """Every image's tags as SystemTagInventory, the rows QuerySystemTag's ZQL reads."""
    return [t.to_inventory(i.uuid) for i in images for t in i.system_tags]


def tag_strings(image: Image) -> list[str]:
    return [t.tag for t in image.system_tags]
