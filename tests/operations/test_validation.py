"""Checks on values entering the domain."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from operations import validation
from operations.enums import Language
from operations.errors import Invalid

BIDI_OVERRIDES = [
    "\u202a",  # LRE
    "\u202b",  # RLE
    "\u202c",  # PDF
    "\u202d",  # LRO
    "\u202e",  # RLO
    "\u2066",  # LRI
    "\u2067",  # RLI
    "\u2068",  # FSI
    "\u2069",  # PDI
]


def invalid(call, *args, **kwargs) -> Invalid:  # type: ignore[no-untyped-def]
    with pytest.raises(Invalid) as caught:
        call(*args, **kwargs)
    return caught.value


# -- free text ------------------------------------------------------------------------------


def test_text_is_trimmed() -> None:
    assert validation.text("title", " \t Raid at dawn \n", max_length=50) == "Raid at dawn"


def test_inner_spacing_is_kept() -> None:
    assert validation.text("title", "two  spaces", max_length=50) == "two  spaces"


@pytest.mark.parametrize("value", ["", " ", "\t\n ", "\u3000"])
def test_empty_text_is_invalid(value: str) -> None:
    error = invalid(validation.text, "title", value, max_length=50)
    assert (error.field, error.reason) == ("title", "empty")


def test_text_up_to_the_maximum_is_accepted_and_longer_is_too_long() -> None:
    assert validation.text("title", "x" * 10, max_length=10) == "x" * 10
    error = invalid(validation.text, "title", "x" * 11, max_length=10)
    assert (error.field, error.reason, error.detail) == (
        "title",
        "too_long",
        {"max": "10", "length": "11"},
    )


def test_length_is_measured_after_trimming_and_in_characters() -> None:
    assert validation.text("title", "   " + "x" * 10 + "   ", max_length=10) == "x" * 10
    assert validation.text("title", "é" * 10, max_length=10) == "é" * 10
    assert validation.text("title", "عملية" * 2, max_length=10) == "عملية" * 2


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x08", "\x1b", "\x7f", "\x85", "\r", "\n", "\t"])
def test_control_characters_are_refused_in_single_line_text(char: str) -> None:
    error = invalid(validation.text, "title", f"a{char}b", max_length=50)
    assert (error.field, error.reason) == ("title", "control_character")
    assert error.detail == {"codepoint": f"U+{ord(char):04X}"}


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f"])
def test_control_characters_other_than_newline_and_tab_are_refused_in_multiline_text(
    char: str,
) -> None:
    error = invalid(validation.text, "text", f"a{char}b", max_length=50, multiline=True)
    assert error.reason == "control_character"


def test_newlines_and_tabs_are_allowed_in_multiline_text() -> None:
    value = "line one\nline two\n\tindented"
    assert validation.text("text", value, max_length=50, multiline=True) == value


@pytest.mark.parametrize("char", BIDI_OVERRIDES)
@pytest.mark.parametrize("multiline", [False, True])
def test_bidi_override_characters_are_refused(char: str, multiline: bool) -> None:
    error = invalid(
        validation.text, "text", f"invoice{char}fdp.exe", max_length=50, multiline=multiline
    )
    assert (error.reason, error.detail) == (
        "control_character",
        {"codepoint": f"U+{ord(char):04X}"},
    )


@pytest.mark.parametrize("char", ["\u2028", "\u2029"])
def test_unicode_line_and_paragraph_separators_are_control_characters_on_one_line(
    char: str,
) -> None:
    error = invalid(validation.text, "title", f"Raid{char}Approved by HQ", max_length=50)
    assert (error.reason, error.detail) == (
        "control_character",
        {"codepoint": f"U+{ord(char):04X}"},
    )
    kept = validation.text("text", f"a{char}b", max_length=50, multiline=True)
    assert kept == f"a{char}b"  # a line break in a status update; renderers quote it


INVISIBLE = [
    "\u200b",  # zero-width space
    "\u200b\u200c\u200d\u2060",  # zero-width (non-)joiners, word joiner
    "\ufeff \u00ad",  # byte-order mark, soft hyphen
    "\u3164\u115f",  # Hangul fillers
    "\u2800",  # braille blank
    "\u200e\u200f\u061c",  # direction marks
    "\U000e0041\U000e007f",  # tag characters
    "\ufe0f\u034f",  # variation selector, grapheme joiner
    "\u180e\u2062",  # Mongolian vowel separator, invisible times
]


@pytest.mark.parametrize("value", INVISIBLE)
@pytest.mark.parametrize("multiline", [False, True])
def test_text_made_only_of_invisible_characters_is_refused(value: str, multiline: bool) -> None:
    error = invalid(validation.text, "title", value, max_length=50, multiline=multiline)
    assert (error.field, error.reason) == ("title", "invisible")


def test_invisible_characters_within_visible_text_are_kept() -> None:
    assert validation.text("name", "Jean\u00adPierre", max_length=50) == "Jean\u00adPierre"
    assert validation.text("title", "👩\u200d💻 lab", max_length=50) == "👩\u200d💻 lab"


def test_length_counts_utf16_units_as_telegram_does() -> None:
    assert validation.text("text", "😀" * 5, max_length=10) == "😀" * 5
    error = invalid(validation.text, "text", "😀" * 2100, max_length=3000)
    assert (error.reason, error.detail) == ("too_long_wide", {"max": "3000", "length": "4200"})


def test_names_that_show_nothing_fall_back() -> None:
    assert validation.display_name("\u200b\u3164", fallback="telegram user 7") == "telegram user 7"
    assert validation.display_name("Ann\u2028Admin", fallback="x") == "Ann Admin"


def test_arabic_and_accented_text_is_accepted() -> None:
    for value in ["Opération conjointe", "عملية مشتركة", "Operación — fase 2", "行动"]:
        assert validation.text("name", value, max_length=50) == value


@given(st.text(max_size=60))
def test_text_either_returns_clean_text_or_raises_invalid(value: str) -> None:
    try:
        cleaned = validation.text("text", value, max_length=40, multiline=True)
    except Invalid as error:
        assert error.field == "text"
        assert error.reason in {
            "empty",
            "too_long",
            "too_long_wide",
            "control_character",
            "invisible",
        }
        return
    assert cleaned == cleaned.strip() and 0 < validation.utf16_len(cleaned) <= 40
    assert not all(validation.invisible(ch) for ch in cleaned)
    assert not any(ch in BIDI_OVERRIDES for ch in cleaned)
    assert all(unicodedata.category(ch) != "Cc" or ch in "\n\t" for ch in cleaned)


# -- codes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("FR-PN", "FR-PN"),
        ("fr-pn", "FR-PN"),
        (" us-fbi ", "US-FBI"),
        ("AB", "AB"),
        ("A" * 16, "A" * 16),
        ("INTERPOL-1", "INTERPOL-1"),
    ],
)
def test_agency_codes_are_upper_cased(value: str, code: str) -> None:
    assert validation.agency_code(value) == code


@pytest.mark.parametrize("value", ["", "A", "A" * 17, "FR_PN", "FR PN", "FR.PN", "ÉT", "FR/PN"])
def test_malformed_agency_codes_are_invalid(value: str) -> None:
    error = invalid(validation.agency_code, value)
    assert (error.field, error.reason, error.detail) == ("agency_code", "format", {"value": value})


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("PANGEA-18", "PANGEA-18"),
        ("pangea-18", "PANGEA-18"),
        ("AB", "AB"),
        ("1-2", "1-2"),
        ("X" * 24, "X" * 24),
    ],
)
def test_operation_codes_are_upper_cased(value: str, code: str) -> None:
    assert validation.operation_code(value) == code


@pytest.mark.parametrize(
    "value", ["", "A", "-PANGEA", "X" * 25, "PANGEA 18", "PANGEA_18", "PANGEA#18"]
)
def test_malformed_operation_codes_are_invalid(value: str) -> None:
    error = invalid(validation.operation_code, value)
    assert (error.field, error.reason) == ("operation_code", "format")


# -- countries, timezones, languages --------------------------------------------------------


def test_countries_are_iso_alpha_2_codes() -> None:
    countries = validation.countries()
    assert {"FR", "AR", "SG", "US", "DE", "MA", "BR", "JP"} <= countries
    assert {"EU", "ZZ", "UN", "EZ", "QO", "001", "150"}.isdisjoint(countries)
    assert all(len(c) == 2 and c.isascii() and c.isupper() for c in countries)
    assert len(countries) >= 240


def test_countries_exclude_codes_that_iso_3166_does_not_assign() -> None:
    """CLDR also names Ascension, Clipperton, Sark, Diego Garcia, Ceuta & Melilla, the Canary
    Islands and Tristan da Cunha, whose codes ISO 3166-1 only reserves: not countries."""
    assert {"AC", "CP", "CQ", "DG", "EA", "IC", "TA"}.isdisjoint(validation.countries())


@pytest.mark.parametrize(("value", "code"), [("fr", "FR"), (" sg ", "SG"), ("Ar", "AR")])
def test_country_codes_are_upper_cased(value: str, code: str) -> None:
    assert validation.country(value) == code


@pytest.mark.parametrize("value", ["EU", "ZZ", "XX", "FRA", "France", ""])
def test_unknown_countries_are_invalid(value: str) -> None:
    error = invalid(validation.country, value)
    assert (error.field, error.reason) == ("country", "unknown")


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("Europe/Paris", "Europe/Paris"),
        ("europe/paris", "Europe/Paris"),
        ("AMERICA/ARGENTINA/BUENOS_AIRES", "America/Argentina/Buenos_Aires"),
        (" asia/singapore ", "Asia/Singapore"),
        ("utc", "UTC"),
    ],
)
def test_timezones_get_their_canonical_capitalisation(value: str, name: str) -> None:
    assert validation.timezone(value) == name


@pytest.mark.parametrize("value", ["", "Europe/Atlantis", "CEST", "+02:00", "Paris"])
def test_unknown_timezones_are_invalid(value: str) -> None:
    error = invalid(validation.timezone, value)
    assert (error.field, error.reason) == ("timezone", "unknown")


@pytest.mark.parametrize("value", ["localtime", "Factory"])
def test_pseudo_zones_of_the_host_are_not_timezones(value: str) -> None:
    """`localtime` is whatever the server's clock says; `Factory` is no place at all."""
    with pytest.raises(Invalid):
        validation.timezone(value)


@pytest.mark.parametrize(
    ("value", "language"),
    [("en", Language.EN), ("FR", Language.FR), (" es ", Language.ES), ("ar", Language.AR)],
)
def test_the_four_working_languages_are_accepted(value: str, language: Language) -> None:
    assert validation.language(value) is language


@pytest.mark.parametrize("value", ["de", "english", "", "fr-FR"])
def test_other_languages_are_invalid(value: str) -> None:
    error = invalid(validation.language, value)
    assert (error.field, error.reason) == ("language", "unknown")
