"""Right-to-left readers (Arabic): the invisible controls that make their lines read correctly.

Two rules, each kept here once:

- isolation: a value set inside a right-to-left line (a code, a reference, a time, a name, a
  person's words) is wrapped in FSI ... PDI, so that it keeps its own direction and leaves the
  line's order alone (`PANGEA-18#3`, `2026-11-27 09:00 +04`, `task add OPERATION "TITLE"` read
  as written). `bot.i18n.Translator` isolates the values it fills placeholders with; `directed`
  isolates field values and people's words when a reply is rendered;
- direction: every line a renderer shows for a right-to-left reply starts with a right-to-left
  mark (`mark`), so that each line is laid out right to left on every platform, whatever its
  first letter.

Nothing here is ever stored or put in a catalog: the controls are added for the reader only,
and the parser drops them again at the edges of words (a copied line of the bot's still runs).
"""

from __future__ import annotations

from dataclasses import replace

from bot.reply import Field, Reply, Section, UserText, quoted_lines

RLM = "\u200f"  # RIGHT-TO-LEFT MARK: starts each line of a right-to-left reply
FSI = "\u2068"  # FIRST STRONG ISOLATE: opens an isolated value (its direction its own)
PDI = "\u2069"  # POP DIRECTIONAL ISOLATE: closes it
ADDED = RLM + FSI + PDI  # every control the bot adds to what it shows


def isolate(text: str) -> str:
    """`text` as one unit of its own direction inside a line: FSI text PDI (empty: as is)."""
    return f"{FSI}{text}{PDI}" if text else text


def mark(text: str) -> str:
    """`text` with a right-to-left mark at the start of each of its lines (blank lines and
    lines already marked left as they are)."""
    return "\n".join(
        RLM + line if line and not line.startswith(RLM) else line for line in text.split("\n")
    )


def _words(text: str) -> str:
    """A person's words, each of their lines isolated (an isolate ends with its line)."""
    if not isinstance(text, UserText):
        return text
    return UserText("\n".join(isolate(line) if line else line for line in quoted_lines(text)))


def directed(reply: Reply) -> Reply:
    """The reply as renderers show it: for a right-to-left reader, each field's value and
    each person's words isolated; a left-to-right reply as it is (the same object)."""
    if not reply.rtl:
        return reply
    return replace(
        reply,
        fields=[Field(f.label, isolate(f.value)) for f in reply.fields],
        lines=[_words(line) for line in reply.lines],
        sections=[
            Section(s.heading, [_words(line) for line in s.lines], s.items) for s in reply.sections
        ],
    )
