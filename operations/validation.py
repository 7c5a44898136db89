"""Checks on values entering the domain; each failure is an `Invalid` carrying data."""

from __future__ import annotations

import re
import unicodedata
import zoneinfo
from functools import cache

from babel import Locale

from operations.enums import Language
from operations.errors import Invalid

AGENCY_CODE = re.compile(r"[A-Z0-9-]{2,16}")
OPERATION_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{1,23}")
NAME_MAX = 120
# CLDR territories that ISO 3166-1 does not assign as countries (groupings, reservations)
_NOT_COUNTRIES = {
    "EU",
    "EZ",
    "UN",
    "QO",
    "XA",
    "XB",
    "ZZ",
    "AC",
    "CP",
    "CQ",
    "DG",
    "EA",
    "IC",
    "TA",
}
_NOT_TIMEZONES = {"localtime", "Factory", "posixrules"}
_BIDI_OVERRIDES = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
_LINE_SEPARATORS = {"\u2028", "\u2029"}  # line breaks to a chat client: never in one-line text
# Unicode's Default_Ignorable_Code_Point (drawn as nothing) and the blank-looking fillers
_IGNORABLE = frozenset(
    chr(c)
    for lo, hi in (
        (0x00AD, 0x00AD),
        (0x034F, 0x034F),
        (0x061C, 0x061C),
        (0x115F, 0x1160),
        (0x17B4, 0x17B5),
        (0x180B, 0x180F),
        (0x200B, 0x200F),
        (0x202A, 0x202E),
        (0x2060, 0x206F),
        (0x2800, 0x2800),
        (0x3164, 0x3164),
        (0xFE00, 0xFE0F),
        (0xFEFF, 0xFEFF),
        (0xFFA0, 0xFFA0),
        (0xFFF0, 0xFFF8),
        (0x1BCA0, 0x1BCA3),
        (0x1D173, 0x1D17A),
        (0xE0000, 0xE0FFF),
    )
    for c in range(lo, hi + 1)
)


def agency_code(value: str) -> str:
    """An agency code, upper-cased: 2-16 of A-Z, 0-9 and '-'."""
    code = value.strip().upper()
    if not AGENCY_CODE.fullmatch(code):
        raise Invalid("agency_code", "format", value=value)
    return code


def operation_code(value: str) -> str:
    """An operation code, upper-cased: 2-24 of A-Z, 0-9 and '-', not starting with '-'."""
    code = value.strip().upper()
    if not OPERATION_CODE.fullmatch(code):
        raise Invalid("operation_code", "format", value=value)
    return code


@cache
def countries() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes known to CLDR."""
    names = [str(code) for code in Locale("en").territories]
    return frozenset(c for c in names if len(c) == 2 and c.isalpha() and c not in _NOT_COUNTRIES)


def country(value: str) -> str:
    code = value.strip().upper()
    if code not in countries():
        raise Invalid("country", "unknown", value=value)
    return code


@cache
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones() - _NOT_TIMEZONES)


def timezone(value: str) -> str:
    """An IANA timezone name, with its canonical capitalisation."""
    name = value.strip()
    if name in _timezones():
        return name
    by_lower = {tz.lower(): tz for tz in _timezones()}
    if name.lower() in by_lower:
        return by_lower[name.lower()]
    raise Invalid("timezone", "unknown", value=value)


def language(value: str) -> Language:
    try:
        return Language(value.strip().lower())
    except ValueError:
        raise Invalid("language", "unknown", value=value) from None


def utf16_len(value: str) -> int:
    """Length as the chat platforms count it (Telegram's limits): UTF-16 code units."""
    return len(value.encode("utf-16-le")) // 2


def invisible(ch: str) -> bool:
    """Whether a character shows nothing: whitespace, controls, format and zero-width ones."""
    return ch.isspace() or ch in _IGNORABLE or unicodedata.category(ch) in ("Cc", "Cf", "Zs")


def display_name(value: str, *, fallback: str) -> str:
    """A person's name from their chat account, made fit to store: never refused, since people
    do not choose how their platform names them (controls dropped, spaces folded, cut)."""
    cleaned = "".join(
        ch for ch in value if unicodedata.category(ch) != "Cc" and ch not in _BIDI_OVERRIDES
    )
    cleaned = " ".join(cleaned.split())
    if len(cleaned) > NAME_MAX:
        cleaned = cleaned[: NAME_MAX - 1].rstrip() + "…"
    return fallback if all(invisible(ch) for ch in cleaned) else cleaned


def text(field: str, value: str, *, max_length: int, multiline: bool = False) -> str:
    """Free text: trimmed, not empty, within length, without control or bidi-override characters
    (nor, on one line, U+2028/U+2029), with something visible.

    The length is counted in UTF-16 code units, as Telegram counts the messages it accepts (an
    emoji counts two), so that text accepted here can always be delivered."""
    cleaned = value.strip()
    if not cleaned:
        raise Invalid(field, "empty")
    length = utf16_len(cleaned)
    if length > max_length:
        reason = "too_long" if length == len(cleaned) else "too_long_wide"
        raise Invalid(field, reason, max=str(max_length), length=str(length))
    for ch in cleaned:
        if (
            ch in _BIDI_OVERRIDES
            or (not multiline and ch in _LINE_SEPARATORS)
            or (unicodedata.category(ch) == "Cc" and not (multiline and ch in "\n\t"))
        ):
            raise Invalid(field, "control_character", codepoint=f"U+{ord(ch):04X}")
    if all(invisible(ch) for ch in cleaned):
        raise Invalid(field, "invisible")
    return cleaned
