"""The language the mock answers in (`--locale raw|en_US|zh_CN`): every i18n'd detail.

A real ZStack renders each argerr/operr/err detail through Platform.toI18nString in its `locale`
global property (zh_CN by default, CoreGlobalProperty.java L37); the catalogue entries and the
rendering rules (Java's MessageFormat subset) are the contract's (contract_tests/i18n.py, the
spec's x-zstack-messages), so mock and suite read one table. `raw` is the source text (the mock's
default, as before). SYS.1000 (inerr) details and the REST layer's plain texts are never
translated, so they do not come through here.

One mock process answers in one language: create_app sets it from MockConfig.locale.
"""

from __future__ import annotations

from dataclasses import dataclass

from contract_tests.i18n import LANGUAGES, Arg, Catalogue, Language

__all__ = ["LANGUAGES", "Language", "localized", "use_locale"]


@dataclass(slots=True)
class _Current:
    language: Language = "raw"
    catalogue: Catalogue | None = None


_CURRENT = _Current()


def use_locale(language: Language, catalogue: Catalogue) -> None:
    """Answer every detail from now on in `language` (create_app)."""
    _CURRENT.language, _CURRENT.catalogue = language, catalogue


def localized(fmt: str, *args: Arg) -> str:
    """The detail ZStack sends for `fmt` (its source format) and `args`, in the mock's language.

    `fmt` must be listed in the spec's x-zstack-messages (KeyError otherwise: a new message needs
    its catalogue entries first).
    """
    catalogue = _CURRENT.catalogue
    if catalogue is None:
        raise RuntimeError("no catalogue: create_app sets the mock's language")
    return catalogue.render(_CURRENT.language, fmt, *args)
