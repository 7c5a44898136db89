"""A neutral reply as Slack Block Kit messages with a plain-text fallback.

All text is escaped (&, <, >) so that nothing a user typed can become a mention (@channel,
@here, <@U123>) or a disguised link. Limits kept: at most 50 blocks a message (longer replies
become several messages), section text at most 3,000 characters, buttons within Block Kit's
sizes.
"""

from __future__ import annotations

from typing import Any

from bot.reply import Button, Item, Reply, Tone

MAX_BLOCKS = 50
SECTION_LIMIT = 3000
BUTTON_TEXT_LIMIT = 75
MAX_BUTTONS = 25
ACTION_PREFIX = "jointops:"

Block = dict[str, Any]


def esc(text: str) -> str:
    """Escape text for Slack mrkdwn and fallbacks."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _section(markdown: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": markdown}}


def _chunks(lines: list[str]) -> list[str]:
    """Join lines into texts of at most SECTION_LIMIT characters (cutting overlong lines)."""
    chunks: list[str] = []
    current = ""
    for line in lines:
        while len(line) > SECTION_LIMIT:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:SECTION_LIMIT])
            line = line[SECTION_LIMIT:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > SECTION_LIMIT:
            chunks.append(current)
            candidate = line
        current = candidate
    if current:
        chunks.append(current)
    return chunks


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


def _items(items: list[Item]) -> list[str]:
    return [f"• {esc(item.text)}" for item in items]


def blocks(reply: Reply) -> list[Block]:
    """Every block of the reply, in order, before splitting into messages."""
    out: list[Block] = []
    if reply.tlp:
        out.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"*TLP:{esc(reply.tlp)}*"}]}
        )
    head: list[str] = []
    if reply.title:
        mark = ":warning: " if reply.tone == Tone.ERROR else ""
        head.append(f"{mark}*{esc(reply.title)}*")
    head.extend(f"*{esc(f.label)}:* {esc(f.value)}" for f in reply.fields)
    head.extend(esc(line) for line in reply.lines)
    head.extend(_items(reply.items))
    out.extend(_section(text) for text in _chunks(head))
    for section in reply.sections:
        lines = [f"*{esc(section.heading)}*", *(esc(line) for line in section.lines)]
        lines.extend(_items(section.items))
        out.extend(_section(text) for text in _chunks(lines))
    if reply.usage:
        out.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"`{esc(reply.usage)}`"}]}
        )
    pairs: list[tuple[str, Button]] = []
    for item in [*reply.items, *(i for s in reply.sections for i in s.items)]:
        pairs.extend((f"{b.label} {item.key}".strip(), b) for b in item.buttons)
    pairs.extend((b.label, b) for b in reply.buttons)
    out.extend(_actions(pairs[: MAX_BUTTONS * 2], 0))
    return out


def fallback(reply: Reply) -> str:
    """The notification and screen-reader text: the reply as escaped plain lines."""
    return esc("\n".join(reply.text_lines()))[:3000]


def messages(reply: Reply) -> list[tuple[str, list[Block]]]:
    """(fallback text, blocks) per message, each with at most MAX_BLOCKS blocks."""
    all_blocks = blocks(reply)
    text = fallback(reply)
    if not all_blocks:
        return [(text or "…", [])]
    return [
        (text if index == 0 else esc(reply.title or "…"), all_blocks[index : index + MAX_BLOCKS])
        for index in range(0, len(all_blocks), MAX_BLOCKS)
    ]
