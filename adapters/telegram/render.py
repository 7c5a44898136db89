"""A neutral reply as Telegram HTML messages with an inline keyboard.

Every string of the reply is escaped: nothing a user typed can become markup. Long replies are
split on line boundaries so that each message stays within Telegram's 4,096 characters.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.reply import Button, Item, Reply, Tone

MESSAGE_LIMIT = 4096
CALLBACK_LIMIT = 64
MAX_ITEM_BUTTONS = 24  # keep keyboards usable on a phone
_RLM = "\u200f"


def esc(text: str) -> str:
    """Escape text for Telegram HTML (&, < and >)."""
    return html.escape(text, quote=False)


def visible_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units of the text without markup."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Rendered:
    """Messages to send in order; the keyboard goes with the last one."""

    messages: list[str]
    keyboard: InlineKeyboardMarkup | None = None
    plain: list[str] = field(default_factory=list)


def _lines(reply: Reply) -> list[tuple[str, str]]:
    """(html, plain) line pairs."""
    out: list[tuple[str, str]] = []

    def add(markup: str, plain: str) -> None:
        out.append((markup, plain))

    if reply.tlp:
        add(f"<b>TLP:{esc(reply.tlp)}</b>", f"TLP:{reply.tlp}")
    if reply.title:
        mark = "⚠️ " if reply.tone == Tone.ERROR else ""
        add(f"{mark}<b>{esc(reply.title)}</b>", mark + reply.title)
    for f in reply.fields:
        add(f"<b>{esc(f.label)}:</b> {esc(f.value)}", f"{f.label}: {f.value}")
    for line in reply.lines:
        add(esc(line), line)
    for item in reply.items:
        add(f"• {esc(item.text)}", f"• {item.text}")
    for section in reply.sections:
        add("", "")
        add(f"<b>{esc(section.heading)}</b>", section.heading)
        for line in section.lines:
            add(esc(line), line)
        for item in section.items:
            add(f"• {esc(item.text)}", f"• {item.text}")
    if reply.usage:
        add(f"<code>{esc(reply.usage)}</code>", reply.usage)
    return out


def _split(lines: list[tuple[str, str]], rtl: bool) -> tuple[list[str], list[str]]:
    messages: list[str] = []
    plains: list[str] = []
    current: list[str] = []
    current_plain: list[str] = []
    size = 0
    for markup, plain in lines:
        if rtl and plain:
            markup, plain = _RLM + markup, _RLM + plain
        length = visible_length(plain) + 1
        if current and size + length > MESSAGE_LIMIT:
            messages.append("\n".join(current))
            plains.append("\n".join(current_plain))
            current, current_plain, size = [], [], 0
        current.append(markup)
        current_plain.append(plain)
        size += length
    if current:
        messages.append("\n".join(current))
        plains.append("\n".join(current_plain))
    return messages, plains


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
    """HTML messages (each within Telegram's limit) and the inline keyboard."""
    messages, plains = _split(_lines(reply), reply.rtl)
    return Rendered(messages or ["…"], keyboard(reply), plains)
