"""The target's language: ZStack's message catalogues and how Java renders a detail in each.

ZStack's `locale` global property defaults to zh_CN (core/.../CoreGlobalProperty.java L37), and
Platform.err() sends every detail but SysErrors.INTERNAL's through Platform.toI18nString
(core/.../Platform.java L935-940, L856-872): the source format is the key into
conf/i18n/messages_<locale>.properties, an entry is rendered by java.text.MessageFormat (Spring's
alwaysUseMessageFormat, conf/zstack.xml L31-35: even without arguments), and a format without an
entry comes back as String.format of the source text. The entries a message needs are data: the
spec's `x-zstack-messages`, each with its catalogue line.

A language is `raw` (the source text: a server whose catalogue lookup never matches), `en_US` or
`zh_CN`. The mock answers in one (`--locale`); the suite recognises the target's from the
messages it checks (LanguageSeen).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

from zstack_spec.json_types import JSON

Language = Literal["raw", "en_US", "zh_CN"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
# an argument as ZStack's code passes it: a String (already as Java's toString() writes it), an
# int (a %d argument: an Integer), or null
Arg = str | int | None


def java_string_format(fmt: str, args: tuple[Arg, ...]) -> str:
    """Java's String.format for the conversions ZStack's messages use: %s and %d, no flags.

    Platform.stringFormat (Platform.java L848-854) returns the format untouched without arguments.
    """
    if not args:
        return fmt
    return fmt % tuple("null" if a is None else a for a in args)


def message_format(pattern: str, args: tuple[Arg, ...]) -> str:
    """java.text.MessageFormat.format, exact for the subset ZStack's catalogue entries here use.

    The subset: literal text; `'...'` quotes literal text (the quotes go); `''` is one `'`; an
    unmatched `'` quotes up to the end of the pattern (MessageFormat.applyPattern); `{n}` is
    argument n: a String as is, null as "null", an int as NumberFormat.getInstance(locale) writes
    it (grouped by 3 with ',' in both en_US and zh_CN: `2,048`). `{n,type}` and other elements are
    not needed by any entry used, so they raise ValueError rather than render wrongly.
    """
    out: list[str] = []
    i, quoted = 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "'":
            if pattern.startswith("''", i):
                out.append("'")
                i += 2
                continue
            quoted = not quoted
            i += 1
            continue
        if c == "{" and not quoted:
            end = pattern.index("}", i)
            index = pattern[i + 1 : end]
            if not index.isdigit():
                raise ValueError(f"MessageFormat element {{{index}}} is outside the subset")
            # MessageFormat.subformat: an index past the arguments is written back as `{n}`
            out.append(_format_arg(args[int(index)]) if int(index) < len(args) else f"{{{index}}}")
            i = end + 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _format_arg(arg: Arg) -> str:
    if arg is None:
        return "null"
    if isinstance(arg, int):
        return f"{arg:,}"
    return arg


@dataclass(frozen=True, slots=True)
class Entry:
    """One source format, where ZStack sends it, and its entry in each catalogue (None: none)."""

    fmt: str
    source: str
    entries: dict[Language, tuple[int, str] | None]

    def render(self, language: Language, args: tuple[Arg, ...]) -> str:
        entry = None if language == "raw" else self.entries.get(language)
        # Platform.toI18nString L866-868: an empty entry also falls back to the source text
        if entry is None or not entry[1]:
            return java_string_format(self.fmt, args)
        return message_format(entry[1], args)

    def where(self, language: Language) -> str:
        entry = None if language == "raw" else self.entries.get(language)
        if language == "raw":
            return self.source
        if entry is None:
            return f"no entry in messages_{language}.properties: the source text"
        return f"messages_{language}.properties L{entry[0]}"


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The spec's `x-zstack-messages`: every i18n'd message the mock sends and the suite checks."""

    entries: dict[str, Entry]

    @classmethod
    def from_spec(cls, doc: dict[str, JSON]) -> Catalogue:
        entries: dict[str, Entry] = {}
        for e in doc["x-zstack-messages"]:
            per = {
                lang: None if e.get(lang) is None else (int(e[lang]["line"]), str(e[lang]["text"]))
                for lang in LANGUAGES[1:]
            }
            entries[e["format"]] = Entry(e["format"], e["source"], per)
        return cls(entries)

    def entry(self, fmt: str) -> Entry:
        try:
            return self.entries[fmt]
        except KeyError:
            raise KeyError(f"format {fmt!r} is not in the spec's x-zstack-messages") from None

    def render(self, language: Language, fmt: str, *args: Arg) -> str:
        return self.entry(fmt).render(language, args)


@dataclass(frozen=True, slots=True)
class Text:
    """A detail the suite expects: ZStack's source format and its arguments, in no language yet."""

    fmt: str
    args: tuple[Arg, ...] = ()

    @classmethod
    def of(cls, fmt: str, *args: Arg) -> Text:
        return cls(fmt, args)

    def raw(self) -> str:
        return java_string_format(self.fmt, self.args)


@dataclass(slots=True)
class LanguageSeen:
    """The languages the target's details so far are consistent with; narrowed by every check.

    Messages whose renderings agree (no catalogue entry, or an entry equal to the source text) do
    not tell raw from en_US; the summary says which languages are still possible.
    """

    possible: list[Language] = field(default_factory=lambda: list(LANGUAGES))
    # the first message that settled the language, for the summary
    settled_by: str | None = None

    def renderings(self, catalogue: Catalogue, text: Text) -> dict[Language, str]:
        entry = catalogue.entry(text.fmt)
        return {lang: entry.render(lang, text.args) for lang in self.possible}

    def accept(self, catalogue: Catalogue, text: Text, details: str) -> bool:
        """Whether `details` is `text` in a language still possible; narrows to those that match."""
        matching = [
            lang
            for lang, rendered in self.renderings(catalogue, text).items()
            if rendered == details
        ]
        if not matching:
            return False
        if len(matching) == 1 < len(self.possible):
            self.settled_by = text.fmt
        self.possible = matching
        return True

    def expected(self, catalogue: Catalogue, text: Text) -> str:
        """What the target should have sent, in each language still possible, with sources."""
        entry = catalogue.entry(text.fmt)
        return "; ".join(
            f"{lang} ({entry.where(lang)}): {entry.render(lang, text.args)!r}"
            for lang in self.possible
        )

    def describe(self) -> str:
        if len(self.possible) == 1:
            how = f" (recognised from {self.settled_by!r})" if self.settled_by else ""
            return f"{self.possible[0]}{how}"
        return f"one of {', '.join(self.possible)} (no detail checked so far tells them apart)"
