"""A neutral reply as Slack Block Kit messages with a plain-text fallback.

The text of a reply goes in `rich_text` blocks, whose `text` elements Slack shows as they are:
no mrkdwn, no emoji code, no mention or link can come out of them. The bot's own emphasis
(titles, labels, headings) is a style on its own elements, and the one rule of bot.reply
holds: a person's own words (`UserText`) are a `rich_text_quote`, every other string one line.
The mrkdwn left (TLP marking, usage, fallback) is escaped (&, <, >). Limits kept: at most 50
blocks a message (longer replies become several messages), at most 3,000 characters of text
a block (Slack's limit for a section, counted in UTF-16 units, never fewer than Slack counts),
buttons within Block Kit's sizes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot import bidi
from bot.fit import cut, pieces, utf16_len
from bot.reply import Button, Item, Reply, Tone, UserText, one_line, quoted_lines

MAX_BLOCKS = 50
SECTION_LIMIT = 3000
BUTTON_TEXT_LIMIT = 75
MAX_BUTTONS = 25
FALLBACK_LIMIT = 3000
ACTION_PREFIX = "jointops:"

Block = dict[str, Any]


def esc(text: str) -> str:
    """Escape text for Slack mrkdwn and fallbacks."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _text(text: str, *, bold: bool = False) -> Block:
    element: Block = {"type": "text", "text": text}
    if bold:
        element["style"] = {"bold": True}
    return element


def _size(element: Block) -> int:
    return utf16_len(element["text"]) if element["type"] == "text" else len(element["name"]) + 2


@dataclass(frozen=True, slots=True)
class _Line:
    """The rich-text elements of one line; the last holds its variable text."""

    elements: list[Block]
    quote: bool = False

    @property
    def size(self) -> int:
        return sum(_size(e) for e in self.elements)


def _plain(text: str, *, bold: bool = False, lead: list[Block] | None = None) -> _Line:
    return _Line([*(lead or []), _text(one_line(text) or "…", bold=bold)])


def _line(text: str) -> _Line:
    if isinstance(text, UserText):
        return _Line([_text("\n".join(quoted_lines(text)).strip("\n") or "…")], quote=True)
    return _plain(text)


def _item(item: Item) -> _Line:
    return _plain(item.text, lead=[_text("• ")])


def _marked(line: _Line, rtl: bool) -> _Line:
    """For a right-to-left reply, the line with a right-to-left mark at its start (bot.bidi),
    or at the start of each line inside a quote."""
    if not rtl:
        return line
    first, *rest = line.elements
    if line.quote:
        return _Line([{**first, "text": bidi.mark(first["text"])}, *rest], True)
    if first["type"] == "text":
        return _Line([{**first, "text": bidi.RLM + first["text"]}, *rest])
    return _Line([_text(bidi.RLM), first, *rest])


def _fitted(line: _Line, rtl: bool) -> list[_Line]:
    """The line within SECTION_LIMIT: a quote in several parts (each marked again, from a
    unit kept for it), any other line cut."""
    *lead, last = line.elements
    room = SECTION_LIMIT - sum(_size(e) for e in lead)
    if line.quote:
        parts = pieces(last["text"], room - 1 if rtl else room)
        return [_marked(_Line([{**last, "text": part}], True), rtl) for part in parts]
    return [_Line([*lead, {**last, "text": cut(last["text"], room)}])]


def _rich(lines: list[_Line]) -> Block:
    """One rich_text block: runs of plain lines as sections, quotes as quotes."""
    elements: list[Block] = []
    for line in lines:
        if line.quote:
            elements.append({"type": "rich_text_quote", "elements": line.elements})
            continue
        if elements and elements[-1]["type"] == "rich_text_section":
            elements[-1]["elements"].extend([_text("\n"), *line.elements])
        else:
            elements.append({"type": "rich_text_section", "elements": list(line.elements)})
    return {"type": "rich_text", "elements": elements}


def _chunks(lines: list[_Line], rtl: bool) -> list[Block]:
    """rich_text blocks of at most SECTION_LIMIT units of text each."""
    out: list[Block] = []
    current: list[_Line] = []
    size = 0
    for line in (part for whole in lines for part in _fitted(_marked(whole, rtl), rtl)):
        if current and size + line.size + 1 > SECTION_LIMIT:
            out.append(_rich(current))
            current, size = [], 0
        current.append(line)
        size += line.size + 1
    if current:
        out.append(_rich(current))
    return out


def _button(label: str, button: Button, index: int) -> Block:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": label[:BUTTON_TEXT_LIMIT] or "?", "emoji": True},
        "action_id": f"{ACTION_PREFIX}{index}",
        "value": button.command[:2000],
    }


def _actions(pairs: list[tuple[str, Button]], start: int) -> list[Block]:
    blocks = []
    for offset in range(0, len(pairs), MAX_BUTTONS):
        batch = pairs[offset : offset + MAX_BUTTONS]
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    _button(label, b, start + offset + i) for i, (label, b) in enumerate(batch)
                ],
            }
        )
    return blocks


def blocks(reply: Reply) -> list[Block]:
    """Every block of the reply, in order, before splitting into messages; a right-to-left
    reply with its values isolated and each line marked (bot.bidi; in the mrkdwn of the TLP
    marking and the usage, the mark goes inside the formatting, so that it cannot keep the
    formatting from applying)."""
    rtl, reply = reply.rtl, bidi.directed(reply)
    rlm = bidi.RLM if rtl else ""
    out: list[Block] = []
    if reply.tlp:
        out.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"*{rlm}TLP:{esc(reply.tlp)}*"}],
            }
        )
    head: list[_Line] = []
    if reply.title:
        mark = [{"type": "emoji", "name": "warning"}, _text(" ")]
        head.append(_plain(reply.title, bold=True, lead=mark if reply.tone == Tone.ERROR else []))
    head.extend(
        _plain(f.value, lead=[_text(f"{one_line(f.label)}:", bold=True), _text(" ")])
        for f in reply.fields
    )
    head.extend(_line(line) for line in reply.lines)
    head.extend(_item(item) for item in reply.items)
    out.extend(_chunks(head, rtl))
    for section in reply.sections:
        lines = [_plain(section.heading, bold=True), *(_line(line) for line in section.lines)]
        lines.extend(_item(item) for item in section.items)
        out.extend(_chunks(lines, rtl))
    if reply.usage:
        out.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"`{rlm}{esc(one_line(reply.usage))}`"}],
            }
        )
    pairs: list[tuple[str, Button]] = []
    for item in [*reply.items, *(i for s in reply.sections for i in s.items)]:
        pairs.extend((f"{b.label} {item.key}".strip(), b) for b in item.buttons)
    pairs.extend((b.label, b) for b in reply.buttons)
    out.extend(_actions(pairs[: MAX_BUTTONS * 2], 0))
    return out


def _shown(text: str, rtl: bool) -> str:
    """Plain text as a fallback shows it: each line marked for a right-to-left reader, cut to
    FALLBACK_LIMIT, escaped."""
    return esc(cut(bidi.mark(text) if rtl else text, FALLBACK_LIMIT))


def fallback(reply: Reply) -> str:
    """The notification and screen-reader text: the reply as escaped plain lines."""
    lines = [
        "> " + one_line(line) if isinstance(line, UserText) else one_line(line)
        for line in bidi.directed(reply).text_lines()
    ]
    return _shown("\n".join(lines), reply.rtl)


def messages(reply: Reply) -> list[tuple[str, list[Block]]]:
    """(fallback text, blocks) per message, each with at most MAX_BLOCKS blocks."""
    all_blocks = blocks(reply)
    text = fallback(reply)
    if not all_blocks:
        return [(text or "…", [])]
    return [
        (
            text if index == 0 else _shown(one_line(reply.title), reply.rtl) or "…",
            all_blocks[index : index + MAX_BLOCKS],
        )
        for index in range(0, len(all_blocks), MAX_BLOCKS)
    ]
