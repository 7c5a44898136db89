"""The interactive prompt (prompt_toolkit): line editing, a history kept between sessions,
completion, and replies in colour where the terminal shows colours."""

from __future__ import annotations

from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.history import FileHistory
from prompt_toolkit.input import Input
from prompt_toolkit.output import Output
from prompt_toolkit.shortcuts import print_formatted_text
from prompt_toolkit.styles import Style

from adapters.console.completion import CommandCompleter
from bot import bidi
from bot.i18n import LANGUAGES, Translator

HISTORY = Path("~/.jointops_history")

STYLE = Style.from_dict(
    {
        "prompt": "bold",
        "error": "ansired bold",
        "usage": "ansibrightblack",
        "tlp-red": "bg:ansired ansiwhite bold",
        "tlp-amber": "bg:ansiyellow ansiblack bold",
        "tlp-green": "bg:ansigreen ansiblack bold",
        "tlp-clear": "bg:ansiwhite ansiblack bold",
    }
)
TLP_STYLES = {  # the label as rendered (TLP:AMBER+STRICT reads amber)
    "TLP:RED": "class:tlp-red",
    "TLP:AMBER+STRICT": "class:tlp-amber",
    "TLP:AMBER": "class:tlp-amber",
    "TLP:GREEN": "class:tlp-green",
    "TLP:CLEAR": "class:tlp-clear",
}
# how an error line and a usage line start, in each language a reply may be written in
ERROR_STARTS = tuple(Translator(language).gettext("Error:") for language in LANGUAGES)
USAGE_STARTS = tuple(
    Translator(language).gettext("Usage: {usage}", usage="") for language in LANGUAGES
)


def session(
    completer: CommandCompleter,
    *,
    history: Path = HISTORY,
    input: Input | None = None,
    output: Output | None = None,
) -> PromptSession[str]:
    """A prompt reading one command line at a time; `input`/`output` default to the terminal."""
    return PromptSession(
        history=FileHistory(str(history.expanduser())),
        completer=completer,
        complete_while_typing=False,
        style=STYLE,
        input=input,
        output=output,
    )


def styled(text: str) -> FormattedText:
    """A rendered reply with its TLP label and error lines picked out (the words unchanged)."""
    parts: list[tuple[str, str]] = []
    for line in text.split("\n"):
        bare = line.lstrip(bidi.ADDED)
        marks = line[: len(line) - len(bare)]
        if bare in TLP_STYLES:
            parts += [("", marks), (TLP_STYLES[bare], bare)]
        elif bare.startswith(ERROR_STARTS):
            parts += [("", marks), ("class:error", bare)]
        elif bare.startswith(USAGE_STARTS):
            parts += [("", marks), ("class:usage", bare)]
        else:
            parts.append(("", line))
        parts.append(("", "\n"))
    return FormattedText(parts)


def show(prompt: PromptSession[str], text: str) -> None:
    """Print a reply at the prompt's terminal, in colour when it shows colours."""
    print_formatted_text(styled(text), style=STYLE, output=prompt.output)
