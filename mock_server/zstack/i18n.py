"""The language the mock answers in (`--locale raw|en_US|zh_CN`): every i18n'd detail.

A real ZStack renders each argerr/operr/err detail through Platform.toI18nString in its `locale`
global property (zh_CN by default, CoreGlobalProperty.java L37); the catalogue entries and the
rendering rules (Java's MessageFormat subset) are the spec's (zstack_spec/i18n.py, the spec's
x-zstack-messages), so mock and suite read one table. `raw` is the source text (the mock's
default). SYS.1000 (inerr) details and the REST layer's plain texts are never translated, so they
do not come through here.

The locale is the app's (`MockRuntime.locale`, from MockConfig.locale): the app speaks it while
it serves a request, and the runtime while its ticker ends jobs (`speaking`), so two mocks in one
process answer each in its own language. Outside both (state used on its own, as unit tests do),
details are the source text.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass

from zstack_spec.document import packaged
from zstack_spec.i18n import LANGUAGES, Arg, Catalogue, Language

__all__ = ["LANGUAGES", "Language", "Locale", "localized", "speak", "speaking", "stop_speaking"]


@dataclass(frozen=True, slots=True)
class Locale:
    """A language and the catalogue its details come from."""

    language: Language
    catalogue: Catalogue

    def render(self, fmt: str, *args: Arg) -> str:
        return self.catalogue.render(self.language, fmt, *args)


_SPEAKING: ContextVar[Locale | None] = ContextVar("zstack_mock_locale", default=None)


def speak(locale: Locale) -> Token[Locale | None]:
    """Render every detail in `locale` from now on, until `stop_speaking` (a request)."""
    return _SPEAKING.set(locale)


def stop_speaking(token: Token[Locale | None]) -> None:
    _SPEAKING.reset(token)


@contextmanager
def speaking(locale: Locale) -> Iterator[None]:
    """Render every detail in `locale` inside the block (the ticker's)."""
    token = speak(locale)
    try:
        yield
    finally:
        stop_speaking(token)


def localized(fmt: str, *args: Arg) -> str:
    """The detail ZStack sends for `fmt` (its source format) and `args`, in the current language.

    `fmt` must be listed in the spec's x-zstack-messages (KeyError otherwise: a new message needs
    its catalogue entries first).
    """
    locale = _SPEAKING.get()
    if locale is None:
        return packaged().catalogue.render("raw", fmt, *args)
    return locale.render(fmt, *args)
