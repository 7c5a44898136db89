"""Split a command line into tokens: words, "quoted groups" and --flags."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot import bidi
from bot.i18n import N_

# typographic quotes phones insert, mapped to their closing partner
_QUOTES = {
    '"': '"',
    "'": "'",
    "\u201c": "\u201d",  # “English”
    "\u201e": "\u201c\u201d",  # „German“ (or „Polish”)
    "\u2018": "\u2019",  # ‘single’
    "\u00ab": "\u00bb",  # «French»
    "\u201d": "\u201d",  # ”Swedish”
}
_DASHES = ("\u2014", "\u2013")  # phones turn "--to" into "—to" (em) or "–to" (en)
_BIDI_OVERRIDES = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
MAX_LINE = 8000
# The direction controls the bot adds to what it shows (bot.bidi) at the edge of a word (next to
# a space, a quote or the end of the line): a line or a value copied from a right-to-left reply
# carries them, and it reads as if they were not there (inside a word, FSI and PDI are refused).
_EDGE = re.escape("".join(sorted({*_QUOTES, *"".join(_QUOTES.values())})))
_ADDED_AT_EDGES = re.compile(
    f"(?:^|(?<=[\\s{_EDGE}]))[{bidi.ADDED}]+|[{bidi.ADDED}]+(?=[\\s{_EDGE}]|$)"
)


class UsageError(Exception):
    """The command line cannot be read; `message` is a msgid, `values` fill it (an int is a count)."""

    def __init__(
        self,
        message: str,
        *,
        usage: str | None = None,
        group: str | None = None,
        **values: str | int,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.values = values
        self.usage = usage
        self.group = group  # a command whose subcommands the reply lists, one per line


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    quoted: bool = False

    @property
    def is_flag(self) -> bool:
        return not self.quoted and self.text.startswith("--") and len(self.text) > 2


def check_characters(line: str) -> None:
    """Refuse control characters (other than newline and tab) and bidi overrides."""
    if len(line) > MAX_LINE:
        raise UsageError(
            N_("The message is too long ({length} characters, at most {max})."),
            length=len(line),
            max=MAX_LINE,
        )
    for ch in line:
        if ch in _BIDI_OVERRIDES or (unicodedata.category(ch) == "Cc" and ch not in "\n\t"):
            raise UsageError(
                N_("The message contains a control character (U+{codepoint})."),
                codepoint=f"{ord(ch):04X}",
            )


def unmarked(line: str) -> str:
    """The line without the direction controls the bot adds (bot.bidi) at the edges of words."""
    return _ADDED_AT_EDGES.sub("", line)


def tokenize(line: str) -> list[Token]:
    """Split on whitespace; a quote at the start of a word groups words until its partner.
    The bot's own direction controls at the edges of words are dropped (`unmarked`)."""
    line = unmarked(line)
    check_characters(line)
    tokens: list[Token] = []
    i, n = 0, len(line)
    while i < n:
        if line[i].isspace():
            i += 1
            continue
        closers = _QUOTES.get(line[i])
        if closers is not None:
            found = [at for c in closers if (at := line.find(c, i + 1)) >= 0]
            end = min(found) if found else -1
            if end < 0:
                raise UsageError(N_("A quote is not closed: {text}"), text=line[i : i + 30])
            tokens.append(Token(line[i + 1 : end], quoted=True))
            i = end + 1
            continue
        start = i
        while i < n and not line[i].isspace():
            i += 1
        word = line[start:i]
        if word.startswith(_DASHES) and len(word) > 1 and word[1].isalpha():
            word = "--" + word[1:]
        tokens.append(Token(word))
    return tokens
