"""System tags: the patterns a tag must match, checked as TagManagerImpl checks them."""

from __future__ import annotations

from collections.abc import Iterable

from mock_server.zstack.errors import InvalidArgumentError
from mock_server.zstack.i18n import localized

# TagConstant.isEphemeralTag (header/.../tag/TagConstant.java L17-19)
EPHEMERAL_PREFIX = "ephemeral::"
# ImageSystemTags.BOOT_MODE and ImageBootMode (header/.../image/ImageBootMode.java)
BOOT_MODE_PATTERN = "bootMode::{bootMode}"
BOOT_MODES = ("Legacy", "UEFI", "UEFI_WITH_CSM")


def _java_split(text: str, sep: str) -> list[str]:
    """String.split: with a match, trailing empty strings are dropped ("::" gives [])."""
    if sep not in text:
        return [text]
    parts = text.split(sep)
    while parts and parts[-1] == "":
        parts.pop()
    return parts


def tag_matches(fmt: str, tag: str) -> bool:
    """TagUtils.isMatch (utils/.../TagUtils.java L34-66): `{token}` parts match anything."""
    if tag and fmt[0] != tag[0] and fmt[0] != "{":
        return False
    if "::" not in fmt:
        return fmt == tag
    origins, parts = _java_split(tag, "::"), _java_split(fmt, "::")
    if len(origins) != len(parts):
        return False
    return all(
        (p.startswith("{") and p.endswith("}")) or p == o
        for p, o in zip(parts, origins, strict=True)
    )


def _token(fmt: str, tag: str, token: str) -> str:
    index = _java_split(fmt, "::").index("{" + token + "}")
    return _java_split(tag, "::")[index]


def check_system_tags(tags: list[str] | None, patterns: Iterable[str]) -> list[str] | None:
    """TagManagerImpl.intercept (END position) L929-970; returns the de-duplicated tags.

    Only when a tag is not ephemeral is the list checked, and then every tag (ephemeral ones
    too) must match a registered pattern. Not modelled: the patterns of other resource types
    (ZStack matches against every registered tag) and resourceConfig:: tags.
    """
    if not tags or all(t.startswith(EPHEMERAL_PREFIX) for t in tags):
        return tags
    unique = list(dict.fromkeys(tags))  # CollectionUtils.removeDuplicateFromList
    known = list(patterns)
    for tag in unique:
        if not any(tag_matches(p, tag) for p in known):
            raise InvalidArgumentError(localized("no system tag matches %s", tag))
    _check_boot_mode(unique)
    return unique


def _check_boot_mode(tags: list[str]) -> None:
    """ImageManagerImpl's BootModeValidator.validateSystemTagInCreateMessage L842-889."""
    count = 0
    for tag in tags:
        if not tag_matches(BOOT_MODE_PATTERN, tag):
            continue
        count += 1
        if count > 1:
            raise InvalidArgumentError(
                localized("only one bootMode system tag is allowed, but %d got", count)
            )
        mode = _token(BOOT_MODE_PATTERN, tag, "bootMode")
        if not any(m.lower() == mode.lower() for m in BOOT_MODES):
            raise InvalidArgumentError(
                localized("[%s] specified in system tag [%s] is not a valid boot mode", mode, tag)
            )


def stored_tags(tags: list[str] | None) -> list[str]:
    """TagManagerImpl.createTags L813-820: ephemeral tags are never stored."""
    return [t for t in tags or [] if not t.startswith(EPHEMERAL_PREFIX)]
