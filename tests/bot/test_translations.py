"""The fr, es and ar catalogs: complete, faithful to their msgids, in step, compiled, consistent.

`make messages` refreshes the template from the code and each catalog from the template; these
tests fail until every new or changed message is translated (see bot/locale/GLOSSARY.md).
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from string import Formatter

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from bot.i18n import DOMAIN, LOCALE_DIR, Translator
from operations.enums import Language

LANGUAGES = [str(language) for language in Language if language != Language.EN]
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")

# left exactly as written: command words, flags, codes, zones, times, durations, TLP, names
COMMAND_WORDS = "op|task|agency|invite|member|status|summary|link|connect|join|start|remind|digest"
VERBATIM = re.compile(
    r"--[a-z]+(?: liaison)?"  # flags (and the one flag value shown)
    rf"|\b(?:{COMMAND_WORDS}) (?:[A-Z]{{3,}}|\{{(?:code|operation|agency)\}}"
    r"|add|list|join|new|edit|revoke|role|remove|start|close|cancel|show)\b"  # a command as typed
    rf"|\((?:{COMMAND_WORDS})(?:[ ,;/]+[a-z]+)*\)"  # a list of command words
    r"|\bjointops audit verify\b|\bhelp (?:COMMAND|task)\b|\bhelp\b(?= to see)|\bwhoami\b"
    r"|\b[A-Z][A-Z0-9]*(?:[-#][A-Z0-9]+)+\b"  # codes and references
    r"|TLP:[A-Z+]+|\b(?:[A-Z]{2,4}|AGENCY|COMMAND)\b"  # TLP labels, argument names, acronyms
    r"|\b[A-Z][a-z]+/[A-Z][A-Za-z_]+\b"  # IANA zones
    r"|\b\d{4}-\d{2}-\d{2}\b|\b\d{2}:\d{2}\b|\b\d+[mhd]\b|\b[im]12\b|U\+"
    r"|\bjointops\b|\bTelegram\b|\bSlack\b"
)

# the glossary's core terms: an English term in a msgid (outside placeholders and verbatim
# text) calls for the glossary's word in each translation
GLOSSARY = {
    r"\bstatus updates?\b": {
        "fr": r"points? de situation",
        "es": r"informes? de situación",
        "ar": r"تحديث\S*(?: واحد)? (?:لل|ال)وضع",
    },
    r"\blead agency\b": {"fr": "service pilote", "es": "agencia líder", "ar": "الجهة الرائدة"},
    r"\bagenc(?:y|ies|y's)\b": {"fr": "service", "es": "agencia", "ar": "جه[ةتا]"},
    r"\boperations?\b": {"fr": "opération", "es": "operaci", "ar": "عملي"},
    r"\btasks?\b": {"fr": "tâche", "es": "tarea", "ar": "مهم|مهام"},
    r"\binvite codes?\b": {
        "fr": "code d'invitation",
        "es": "código de invitación",
        "ar": r"رمز \S*دعوة",
    },
    r"\bliaisons?\b": {
        "fr": "officiers? de liaison",
        "es": r"oficial\S* de enlace",
        "ar": "ضابط اتصال|ضباط الاتصال",
    },
    r"\bcoordinators?\b": {"fr": "coordinateur", "es": "coordinador", "ar": "منسق"},
    r"\bsupervisors?\b": {"fr": "superviseur", "es": "supervisor", "ar": "مشرف"},
    r"\bobservers?\b": {"fr": "observateur", "es": "observador", "ar": "مراقب"},
    r"\badmins?\b": {"fr": "administrateur", "es": "administrador", "ar": "مدير"},
    r"\bmembers?\b": {"fr": "membre", "es": "miembro", "ar": "عضو|أعضاء"},
    r"\bchats?\b(?! account)": {"fr": "discussion", "es": "chat", "ar": "محادث"},
    r"\breminders?\b": {"fr": "rappel", "es": "recordatorio", "ar": "تذكير"},
    r"\bdigest\b": {"fr": "bulletin", "es": "boletín", "ar": "موجز"},
    r"\bdue\b": {"fr": "échéance", "es": "venc", "ar": "موعد|مواعيد"},
    r"\boverdue\b": {"fr": "retard", "es": "vencid", "ar": "متأخر"},
    r"\btimezone\b": {"fr": "fuseau horaire", "es": "zona horaria", "ar": r"منطق\S* (?:ال)?زمنية"},
}


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def _source(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


TEMPLATE = _read(LOCALE_DIR / f"{DOMAIN}.pot")
CATALOGS = {language: _read(_source(language), language) for language in LANGUAGES}


def _messages(catalog: Catalog) -> Iterator[Message]:
    return (message for message in catalog if message.id)


def _forms(message: Message) -> tuple[str, ...]:
    string = message.string
    return (string,) if isinstance(string, str) else tuple(string)


def _ids(message: Message) -> tuple[str, ...]:
    return (message.id,) if isinstance(message.id, str) else tuple(message.id)


def placeholders(text: str) -> set[str]:
    """The `{name}` fields of a format string (with conversion and spec); bad braces raise."""
    return {
        "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
        for _, name, spec, conversion in Formatter().parse(text)
        if name is not None
    }


def _numbers_per_form(catalog: Catalog) -> dict[int, set[int]]:
    """Which counts each plural form is used for (0..1000 and millions)."""
    plural = gettext.c2py(catalog.plural_expr)
    numbers: dict[int, set[int]] = {}
    for n in [*range(1001), 10**6, 2 * 10**6]:
        numbers.setdefault(plural(n), set()).add(n)
    return numbers


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_of_the_template_is_translated(language: str) -> None:
    catalog = CATALOGS[language]
    problems = []
    for template_message in _messages(TEMPLATE):
        message = catalog.get(template_message.id)
        if message is None:
            problems.append(f"missing: {template_message.id!r}")
        elif message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        elif not all(form.strip() for form in _forms(message)):
            problems.append(f"untranslated: {message.id!r}")
    assert problems == [], f"{language}: translate these, then `make messages`"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalog_is_in_step_with_the_template(language: str) -> None:
    catalog = CATALOGS[language]
    assert not catalog.fuzzy, f"{language}: the catalog header is marked fuzzy"
    in_template = {_ids(message) for message in _messages(TEMPLATE)}
    in_catalog = {_ids(message) for message in _messages(catalog)}
    assert sorted(in_catalog - in_template) == [], f"{language}: obsolete; run `make messages`"
    assert sorted(in_template - in_catalog) == [], f"{language}: missing; run `make messages`"


def test_a_catalog_out_of_step_is_caught() -> None:
    """The comparison above sees a message the template gained and one it lost."""
    drifted = Catalog(locale="fr")
    for message in _messages(CATALOGS["fr"]):
        drifted.add(message.id, message.string)
    first = next(_messages(TEMPLATE))
    del drifted[first.id]
    drifted.add("A message the template never had.", "Un message absent du modèle.")
    in_template = {_ids(message) for message in _messages(TEMPLATE)}
    in_catalog = {_ids(message) for message in _messages(drifted)}
    assert in_catalog - in_template == {("A message the template never had.",)}
    assert in_template - in_catalog == {_ids(first)}


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_exactly_the_placeholders(language: str) -> None:
    catalog = CATALOGS[language]
    single_number_forms = {
        form for form, numbers in _numbers_per_form(catalog).items() if len(numbers) == 1
    }
    problems = []
    for message in _messages(catalog):
        expected = set().union(*(placeholders(text) for text in _ids(message)))
        for index, form in enumerate(_forms(message)):
            found = placeholders(form)
            # a form used for one number only (Arabic "one", "two") may spell the number out
            allowed = {frozenset(expected)}
            if isinstance(message.id, tuple) and index in single_number_forms:
                allowed.add(frozenset(expected - {"{count}"}))
            if frozenset(found) not in allowed:
                problems.append(f"form {index} of {message.id!r}: {sorted(found)}")
    assert problems == [], language


@pytest.mark.parametrize(("language", "forms"), [("fr", 3), ("es", 3), ("ar", 6)])
def test_plurals_follow_the_languages_rules(language: str, forms: int) -> None:
    catalog = CATALOGS[language]
    assert catalog.num_plurals == forms == get_plural(language).num_plurals
    assert catalog.plural_expr == get_plural(language).plural_expr
    wrong = [
        message.id
        for message in _messages(catalog)
        if isinstance(message.id, tuple) and len(_forms(message)) != forms
    ]
    assert wrong == []


def test_arabic_plural_forms_follow_the_count() -> None:
    ar = Translator("ar")
    said = {n: ar.ngettext("{count} agency", "{count} agencies", n) for n in (0, 1, 2, 3, 11, 100)}
    assert said == {
        0: "لا جهات",
        1: "جهة واحدة",
        2: "جهتان",
        3: "\u20683\u2069 جهات",  # the count isolated (FSI ... PDI) in a right-to-left line
        11: "\u206811\u2069 جهة",
        100: "\u2068100\u2069 جهة",
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_command_words_flags_and_codes_are_left_as_they_are(language: str) -> None:
    problems = []
    for message in _messages(CATALOGS[language]):
        for text, form in zip(_ids(message) * 6, _forms(message), strict=False):
            problems += [
                f"{token!r} lost in {form!r}"
                for token in VERBATIM.findall(text)
                if token not in form
            ]
    assert problems == [], language


def test_the_verbatim_rule_finds_what_it_protects() -> None:
    found = VERBATIM.findall(
        'Next: op join {code} AGENCY, then task add {code} "title" --to AGENCY; '
        "see (task start, done) and TLP:AMBER+STRICT on FR-OCLCTIC at 06:00, OVERDUE; "
        "remind cancel N or help task; Type help to see them"
    )
    assert found == [
        "op join",
        "AGENCY",
        "task add",
        "--to",
        "AGENCY",
        "(task start, done)",
        "TLP:AMBER+STRICT",
        "FR-OCLCTIC",
        "06:00",
        "remind cancel",
        "help task",
        "help",
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_use_the_glossary(language: str) -> None:
    problems = []
    for message in _messages(CATALOGS[language]):
        for text, form in zip(_ids(message) * 6, _forms(message), strict=False):
            english = VERBATIM.sub("", re.sub(r"\{[^}]*\}", "", text))
            for term, words in GLOSSARY.items():
                if re.search(term, english, re.IGNORECASE) and not re.search(
                    words[language], form, re.IGNORECASE
                ):
                    problems.append(f"{term} -> {words[language]} in {form!r}")
    assert problems == [], language


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_bidirectional_control_characters_in_the_catalogs(language: str) -> None:
    """Isolation marks are added when a message is rendered, never stored in the catalog."""
    marked = [
        form
        for message in _messages(CATALOGS[language])
        for form in _forms(message)
        if BIDI_CONTROLS.search(form)
    ]
    assert marked == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalog_is_its_source(language: str) -> None:
    compiled = BytesIO()
    write_mo(compiled, CATALOGS[language])
    path = _source(language).with_suffix(".mo")
    assert path.is_file(), f"{path} is missing: run `make install`"
    assert path.read_bytes() == compiled.getvalue(), f"{path} is stale: run `make install`"


def test_the_compiled_catalogs_are_what_the_translator_reads() -> None:
    assert Translator("fr").gettext("Task {ref} added.", ref="PANGEA-18#3") == (
        "Tâche PANGEA-18#3 ajoutée."
    )
    assert Translator("es").gettext("Task {ref} added.", ref="PANGEA-18#3") == (
        "Tarea PANGEA-18#3 añadida."
    )
    assert Translator("ar").gettext("Task {ref} added.", ref="PANGEA-18#3") == (
        "أُضيفت المهمة \u2068PANGEA-18#3\u2069."  # the reference isolated in the Arabic line
    )
    assert Translator("fr").ngettext("{count} open task", "{count} open tasks", 0) == (
        "0 tâche ouverte"
    )
    assert Translator("fr").locale == "fr"
