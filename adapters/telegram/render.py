"""A neutral reply as Telegram HTML messages with an inline keyboard.

Every string of the reply is escaped: nothing a user typed can become markup. The one rule of
bot.reply: a person's own words (`UserText`) go in a blockquote, so they cannot start a line
that reads as the bot's; every other string is shown on one line. Lengths are counted as
Telegram counts them (UTF-16 code units of the text without markup): replies are split on line
boundaries into messages of at most 4,096 units, a quote too long for the room left continues
in the next message, any other line too long for a message is cut with an ellipsis.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field, replace

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import bidi
from bot.fit import cut, split_at, utf16_len
from bot.reply import Button, Item, Reply, Tone, UserText, one_line, quoted_lines

MESSAGE_LIMIT = 4096
CALLBACK_LIMIT = 64
MAX_ITEM_BUTTONS = 24  # keep keyboards usable on a phone
MIN_PIECE = 200  # the least room worth starting a long quote in (else: the next message)


def esc(text: str) -> str:
    """Escape text for Telegram HTML (&, < and >)."""
    return html.escape(text, quote=False)


visible_length = utf16_len  # what Telegram counts: UTF-16 code units of the text without markup


@dataclass
class Rendered:
    """Messages to send in order; the keyboard goes with the last one."""

    messages: list[str]
    keyboard: InlineKeyboardMarkup | None = None
    plain: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Line:
    """`text`, escaped, between the markup `start` and `end`; `lead` is what `start` shows."""

    text: str
    start: str = ""
    end: str = ""
    lead: str = ""
    quote: bool = False

    @property
    def markup(self) -> str:
        return f"{self.start}{esc(self.text)}{self.end}"

    @property
    def plain(self) -> str:
        return self.lead + self.text


def _quote(text: UserText) -> _Line:
    return _Line("\n".join(quoted_lines(text)), "<blockquote>", "</blockquote>", quote=True)


def _line(text: str) -> _Line:
    return _quote(text) if isinstance(text, UserText) else _Line(one_line(text))


def _item(item: Item) -> _Line:
    return _Line(one_line(item.text), "• ", lead="• ")


def _lines(reply: Reply) -> list[_Line]:
    out: list[_Line] = []
    if reply.tlp:
        out.append(_Line(f"TLP:{reply.tlp}", "<b>", "</b>"))
    if reply.title:
        mark = "⚠️ " if reply.tone == Tone.ERROR else ""
        out.append(_Line(one_line(reply.title), f"{mark}<b>", "</b>", mark))
    for f in reply.fields:
        label = f"{one_line(f.label)}: "
        out.append(_Line(one_line(f.value), f"<b>{esc(label.rstrip())}</b> ", lead=label))
    out.extend(_line(line) for line in reply.lines)
    out.extend(_item(item) for item in reply.items)
    for section in reply.sections:
        out.append(_Line(""))
        out.append(_Line(one_line(section.heading), "<b>", "</b>"))
        out.extend(_line(line) for line in section.lines)
        out.extend(_item(item) for item in section.items)
    if reply.usage:
        out.append(_Line(one_line(reply.usage), "<code>", "</code>"))
    return out


def _marked(line: _Line, rtl: bool) -> _Line:
    """The line with its right-to-left marks (bot.bidi: before its markup, or at the start of
    each line inside a quote), and cut when too long for a message unless it is a quote
    (quotes are split instead)."""
    if rtl and line.plain:
        if line.quote:
            line = replace(line, text=bidi.mark(line.text))
        else:
            line = replace(line, start=bidi.RLM + line.start, lead=bidi.RLM + line.lead)
    if line.quote:
        return line
    return replace(line, text=cut(line.text, MESSAGE_LIMIT - utf16_len(line.lead)))


def _split(lines: list[_Line], rtl: bool) -> tuple[list[str], list[str]]:
    """Lines packed into messages of at most MESSAGE_LIMIT units; a quote that does not fit
    goes on in the next message (from the current one when MIN_PIECE units are left)."""
    messages: list[list[_Line]] = [[]]
    size = 0  # units of the current message, line breaks included
    for whole in lines:
        line = _marked(whole, rtl)
        while True:
            room = MESSAGE_LIMIT - size - (1 if messages[-1] else 0)
            if utf16_len(line.plain) <= room:
                size += utf16_len(line.plain) + (1 if messages[-1] else 0)
                messages[-1].append(line)
                break
            if line.quote and room >= MIN_PIECE:
                head, rest = split_at(line.text, room)
                messages[-1].append(replace(line, text=head))
                line = replace(line, text=bidi.mark(rest) if rtl else rest)
            messages.append([])
            size = 0
    messages = [message for message in messages if message]
    return (
        ["\n".join(line.markup for line in message) for message in messages],
        ["\n".join(line.plain for line in message) for message in messages],
    )


def _button(label: str, button: Button) -> InlineKeyboardButton | None:
    if len(button.command.encode()) > CALLBACK_LIMIT:
        return None
    return InlineKeyboardButton(label[:64], callback_data=button.command)


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """Item buttons first (labelled with the item's key), then the reply's own buttons."""
    rows: list[list[InlineKeyboardButton]] = []
    items: list[Item] = [*reply.items, *(i for s in reply.sections for i in s.items)]
    used = 0
    for item in items:
        row = []
        for b in item.buttons:
            if used >= MAX_ITEM_BUTTONS:
                break
            made = _button(f"{b.label} {item.key}".strip(), b)
            if made:
                row.append(made)
                used += 1
        if row:
            rows.append(row)
    main = [made for b in reply.buttons if (made := _button(b.label, b))]
    if main:
        rows.append(main)
    return InlineKeyboardMarkup(rows) if rows else None


def render(reply: Reply) -> Rendered:
    """HTML messages (each within Telegram's limit) and the inline keyboard; a right-to-left
    reply with its values isolated and each line marked (bot.bidi)."""
    messages, plains = _split(_lines(bidi.directed(reply)), reply.rtl)
    return Rendered(messages or ["…"], keyboard(reply), plains)
