"""Parameter help (`Param(..., help=N_(...))`) reaches the catalogs and `help COMMAND` in the
reader's language: `_explain` translates it at runtime, which only works once it is extracted."""

from __future__ import annotations

import pytest

from bot.commands import REGISTRY
from bot.commands.general import KIND_HELP
from bot.i18n import Translator
from bot.reply import Tone
from operations.enums import Language
from tests.bot.conftest import World

LANGUAGES = [str(language) for language in Language if language != Language.EN]

# What `help COMMAND` says of a parameter: its own help, or else that of its kind.
HELP_TEXTS = sorted(
    {param.help for command in REGISTRY.all() for param in command.params if param.help}
    | set(KIND_HELP.values())
)

# Help texts that legitimately read the same in a language (say, nothing but an example that
# the user types as written); empty: every one of them has words to translate.
SAME_IN_TRANSLATION: dict[str, set[str]] = {}


def test_there_is_parameter_help_to_check() -> None:
    assert "operation code, e.g. PANGEA-18" in HELP_TEXTS
    assert "what is to be done" in HELP_TEXTS


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_parameter_help_is_translated(language: str) -> None:
    tr = Translator(language)
    untranslated = [
        text
        for text in HELP_TEXTS
        if tr.gettext(text) == text and language not in SAME_IN_TRANSLATION.get(text, set())
    ]
    assert untranslated == [], f"{language}: mark these with N_(...), then `make messages`"


async def test_help_of_a_subcommand_explains_its_parameters_in_the_readers_language(
    world: World,
) -> None:
    # joined with an invite and nothing more, so they read their agency's language: French
    officer = world.on_telegram("liaison-fr-help", "Liaison of FR-OCLCTIC")
    out = await officer.joins_with_invite_from(world.admin, "FR-OCLCTIC", "liaison")
    assert officer.reply.tone == Tone.OK, out
    text = await officer.says("help task add")
    assert officer.reply.tone == Tone.INFO, text
    fr = Translator("fr")
    code = fr.gettext("operation code, e.g. PANGEA-18")
    assert code != "operation code, e.g. PANGEA-18"
    assert f"CODE: {code}" in text
    assert f'"title": {fr.gettext("what is to be done")}' in text
    assert f"--to AGENCY: {fr.gettext('the agency that will do it')}" in text
    assert "operation code" not in text and "what is to be done" not in text
    assert 'task add CODE "title" --to AGENCY' in text  # the syntax stays as typed
