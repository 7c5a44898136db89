"""The one translation function. Every user-facing string goes through `Translator.gettext`.

Catalogs live in `bot/locale/<lang>/LC_MESSAGES/jointops.po` (Babel tooling: `make messages`
updates them from the code); they are read compiled, as the `.mo` beside each `.po` that
`make install` and `make messages` build (a warning says when one is missing or older than its
source). English is the source language; a language without a catalog falls back to it.
"""

from __future__ import annotations

import gettext as _gettext
import logging
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from bot import bidi
from operations.enums import Language

if TYPE_CHECKING:
    from bot.reply import Reply

R = TypeVar("R", bound="Reply")

LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "jointops"
LANGUAGES: tuple[str, ...] = tuple(Language)  # the four working languages
RTL_LANGUAGES = frozenset({"ar"})
# the locale each language formats dates and numbers in: English as written in international
# work (27 Nov 2026, day first), not the United States' month-first dates
FORMAT_LOCALES = {"en": "en_GB"}

log = logging.getLogger(__name__)


@cache
def _catalog(language: str) -> _gettext.NullTranslations:
    loaded = Translations.load(str(LOCALE_DIR), [language], DOMAIN)
    source = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if source.is_file() and not _compiled_since(source):
        log.warning("The %s catalog is not compiled since its last change (make install)", language)
    return loaded if isinstance(loaded, Translations) else NullTranslations()


def _compiled_since(source: Path) -> bool:
    compiled = source.with_suffix(".mo")
    return compiled.is_file() and compiled.stat().st_mtime >= source.stat().st_mtime


class Translated(str):
    """Text in the reader's language, as `Translator` returns it: set inside another message,
    it reads in the line's own direction, so it is never isolated (its values already are)."""

    __slots__ = ()


class Translator:
    """Translates and formats messages for one reader's language."""

    def __init__(self, language: str = "en") -> None:
        self.language = language
        self._catalog = _catalog(language)

    @property
    def locale(self) -> str:
        """The locale texts are formatted in (Babel): the language's (FORMAT_LOCALES), or
        English's while the language has no catalog."""
        language = self.language if isinstance(self._catalog, Translations) else "en"
        return FORMAT_LOCALES.get(language, language)

    def number(self, value: int) -> str:
        """A count as the reader writes numbers: 12,345 / 12 345 / 12.345."""
        return format_decimal(value, locale=self.locale)

    @property
    def rtl(self) -> bool:
        """Whether the language is written right to left."""
        return self.language in RTL_LANGUAGES

    def addressed(self, reply: R) -> R:
        """The reply, marked as written in the reader's language: its direction, and the
        language the renderers write their own words in ("Next:", "Error:")."""
        reply.rtl, reply.language = self.rtl, self.language
        return reply

    def isolate(self, value: object) -> str:
        """`value` as text set inside a line of the reader's: isolated (FSI ... PDI, see
        bot.bidi) when the language is right to left, as it is otherwise."""
        return bidi.isolate(str(value)) if self.rtl else str(value)

    def gettext(self, message: str, /, **values: Any) -> str:
        """The message in the reader's language, with `{name}` placeholders filled (each
        value isolated for a right-to-left reader, see `_filled`), as `Translated` text."""
        text = self._catalog.gettext(message)
        return Translated(text.format(**self._filled(values)) if values else text)

    def ngettext(self, singular: str, plural: str, count: int, /, **values: Any) -> str:
        """Singular or plural form for `count` (available as `{count}`)."""
        text = self._catalog.ngettext(singular, plural, count)
        return Translated(text.format(**self._filled(dict(count=count, **values))))

    def _filled(self, values: dict[str, Any]) -> dict[str, Any]:
        """What placeholders are filled with: an `int` is a count, written as the reader writes
        numbers (identifiers are passed as text); for a right-to-left reader each value is
        isolated (codes, references, times, numbers, names, people's words), so that it reads
        as written inside the line; text already translated for the reader is left as it is."""
        filled = {
            name: self.number(value) if type(value) is int else value
            for name, value in values.items()
        }
        if not self.rtl:
            return filled
        return {
            name: value if isinstance(value, Translated) else self.isolate(value)
            for name, value in filled.items()
        }


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now."""
    return message
