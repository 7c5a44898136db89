"""The one translation function: catalogs, English fallback, plurals, right-to-left."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import write_po

from bot import i18n
from bot.i18n import DOMAIN, N_, Translator
from tests.bot.conftest import World
from tests.bot.helpers import ok


@pytest.fixture
def french_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A compiled French catalog of two messages, in place of the shipped ones."""
    catalog = Catalog(locale="fr", domain=DOMAIN)
    catalog.add("Task {ref} added.", "Tâche {ref} ajoutée.")
    catalog.add("No {kind} {key}.", "Aucune {kind} {key}.")
    catalog.add(
        "Unknown command {name}. Did you mean {suggestion}?",
        "Commande inconnue : {name}. Vouliez-vous dire {suggestion} ?",
    )
    # CLDR French: one (0 and 1), many (millions), other
    catalog.add(
        ("{count} agency", "{count} agencies"),
        ("{count} agence", "{count} d'agences", "{count} agences"),
    )
    directory = tmp_path / "fr" / "LC_MESSAGES"
    directory.mkdir(parents=True)
    with open(directory / f"{DOMAIN}.mo", "wb") as mo:
        write_mo(mo, catalog)
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n._catalog.cache_clear()
    yield
    i18n._catalog.cache_clear()


def test_english_is_the_source_language() -> None:
    assert Translator("en").gettext("Task {ref} added.", ref="X#1") == "Task X#1 added."


def test_unknown_language_falls_back_to_english() -> None:
    assert Translator("xx").gettext("Task {ref} added.", ref="X#1") == "Task X#1 added."


def test_message_without_values_is_returned_unformatted() -> None:
    assert Translator("en").gettext("Use {braces} literally") == "Use {braces} literally"


def test_values_are_never_reinterpreted_as_format() -> None:
    tr = Translator("en")
    assert tr.gettext("Welcome, {name}.", name="{0} {__class__}") == "Welcome, {0} {__class__}."


@pytest.mark.parametrize(
    ("count", "expected"), [(0, "0 agencies"), (1, "1 agency"), (2, "2 agencies")]
)
def test_ngettext_picks_the_english_plural(count: int, expected: str) -> None:
    assert Translator("en").ngettext("{count} agency", "{count} agencies", count) == expected


def test_ngettext_passes_extra_values() -> None:
    text = Translator("en").ngettext("{code}: {count} task", "{code}: {count} tasks", 3, code="P-1")
    assert text == "P-1: 3 tasks"


def test_a_catalog_translates_and_fills_values(french_catalog: None) -> None:
    fr = Translator("fr")
    assert fr.gettext("Task {ref} added.", ref="PANGEA-18#3") == "Tâche PANGEA-18#3 ajoutée."
    assert fr.ngettext("{count} agency", "{count} agencies", 0) == "0 agence"
    assert fr.ngettext("{count} agency", "{count} agencies", 1) == "1 agence"
    assert fr.ngettext("{count} agency", "{count} agencies", 4) == "4 agences"


def test_a_message_missing_from_the_catalog_falls_back_to_english(french_catalog: None) -> None:
    assert Translator("fr").gettext("No task matches.") == "No task matches."


def test_arabic_is_right_to_left_and_the_others_are_not() -> None:
    assert Translator("ar").rtl is True
    for language in ("en", "fr", "es"):
        assert Translator(language).rtl is False


BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def test_an_arabic_reader_gets_every_value_isolated_in_the_line() -> None:
    ar = Translator("ar")
    assert ar.gettext("Task {ref} added.", ref="PANGEA-18#3") == (
        "أُضيفت المهمة \u2068PANGEA-18#3\u2069."
    )
    assert ar.isolate("2026-11-27 09:00 +04") == "\u20682026-11-27 09:00 +04\u2069"
    # the count too, and the extra values of a plural message
    assert ar.ngettext("{count} agency", "{count} agencies", 3) == "\u20683\u2069 جهات"


def test_text_already_translated_for_the_reader_is_set_in_as_it_is() -> None:
    ar = Translator("ar")
    state = ar.gettext("done")
    refused = ar.gettext(
        "{kind} {key} is {current}, so {action} is not possible.",
        kind=ar.gettext("task"),
        key="OP-1#1",
        current=state,
        action="remind",
    )
    assert (
        refused == "مهمة \u2068OP-1#1\u2069 في حالة «منجزة»، لذا لا يمكن تنفيذ \u2068remind\u2069."
    )


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_left_to_right_readers_get_no_bidirectional_control(language: str) -> None:
    tr = Translator(language)
    texts = [
        tr.gettext("Task {ref} added.", ref="PANGEA-18#3"),
        tr.ngettext("{count} agency", "{count} agencies", 3),
        tr.isolate("2026-11-27 09:00 CET"),
    ]
    assert not any(BIDI_CONTROLS.search(text) for text in texts), texts
    assert tr.isolate("PANGEA-18#3") == "PANGEA-18#3"


def test_n_marks_without_translating() -> None:
    assert N_("Task {ref} added.") == "Task {ref} added."


async def test_replies_use_the_readers_catalog(world: World, french_catalog: None) -> None:
    french = await world.member("coordinator", "FR-OCLCTIC")  # agency language: fr
    await ok(french, 'task add PANGEA-18 "Seize parcels" --to FR-OCLCTIC', "Tâche PANGEA-18#3")
    await ok(world.admin, 'task add PANGEA-18 "Check" --to ES-UCO', "Task PANGEA-18#4 added.")


async def test_replies_to_arabic_readers_are_right_to_left(world: World) -> None:
    reader = await world.member("observer", "AE-DXB")
    await ok(reader, "agency list")
    assert reader.reply.rtl is True
    spanish = await world.member("observer", "ES-UCO")
    await ok(spanish, "agency list")
    assert spanish.reply.rtl is False


async def test_refusals_use_the_readers_catalog(world: World, french_catalog: None) -> None:
    french = await world.member("coordinator", "FR-OCLCTIC")
    await french.says("op show NOPE-1")
    assert french.reply.title == "Aucune operation NOPE-1."
    await french.says("tsak list PANGEA-18")
    assert french.reply.title == "Commande inconnue : tsak. Vouliez-vous dire task ?"


@pytest.fixture
def bare_locale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty locale directory in place of the shipped one."""
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n._catalog.cache_clear()
    yield tmp_path
    i18n._catalog.cache_clear()


def _french_source(locale: Path) -> Path:
    """A French .po of one message under `locale`, not compiled."""
    source = locale / "fr" / "LC_MESSAGES" / f"{DOMAIN}.po"
    source.parent.mkdir(parents=True)
    with source.open("wb") as po:
        write_po(po, _one_french_message())
    return source


def _compile(source: Path) -> Path:
    compiled = source.with_suffix(".mo")
    with compiled.open("wb") as mo:
        write_mo(mo, _one_french_message())
    return compiled


def _one_french_message() -> Catalog:
    catalog = Catalog(locale="fr", domain=DOMAIN)
    catalog.add("Task {ref} added.", "Tâche {ref} ajoutée.")
    return catalog


def test_a_catalog_never_compiled_is_english_with_a_warning(
    bare_locale: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _french_source(bare_locale)
    with caplog.at_level(logging.WARNING, logger="bot.i18n"):
        assert Translator("fr").gettext("Task {ref} added.", ref="X#1") == "Task X#1 added."
    assert "The fr catalog is not compiled since its last change" in caplog.text
    assert Translator("fr").locale == "en_GB"  # formatted as English is


def test_a_catalog_changed_since_compiled_is_read_with_a_warning(
    bare_locale: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = _french_source(bare_locale)
    earlier = source.stat().st_mtime - 60
    os.utime(_compile(source), (earlier, earlier))
    with caplog.at_level(logging.WARNING, logger="bot.i18n"):
        assert Translator("fr").gettext("Task {ref} added.", ref="X#1") == "Tâche X#1 ajoutée."
    assert "The fr catalog is not compiled since its last change" in caplog.text


def test_a_catalog_compiled_after_its_change_loads_quietly(
    bare_locale: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _compile(_french_source(bare_locale))
    with caplog.at_level(logging.WARNING, logger="bot.i18n"):
        assert Translator("fr").gettext("Task {ref} added.", ref="X#1") == "Tâche X#1 ajoutée."
    assert caplog.text == ""


@pytest.mark.parametrize(
    ("language", "written"),
    [("en", "12,345 agencies"), ("fr", "12\u202f345 services"), ("es", "12.345 agencias")],
)
def test_counts_are_written_as_the_reader_writes_numbers(language: str, written: str) -> None:
    assert Translator(language).ngettext("{count} agency", "{count} agencies", 12345) == written


def test_an_identifier_passed_as_text_is_never_grouped() -> None:
    assert Translator("en").gettext("To cancel it: remind cancel {id}", id="12345") == (
        "To cancel it: remind cancel 12345"
    )
