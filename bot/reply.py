"""The platform-neutral reply every command returns; adapters render it in their own idiom.

Every string in a reply is plain text: adapters escape all of it, nothing here is markup.
What people typed must never pass for what the bot says, so every renderer follows one rule:

- a line that is a person's own words (a status update) is a `UserText`: it is shown quoted
  (a blockquote, a rich-text quote, a bar in the console), line breaks kept inside the quote;
- every other string (titles, fields, lines, items; they may embed a title or a name) is one
  line of inert text: no markup, mention or emoji code of it is honoured, and a line break in
  it is shown as `↵` (`one_line`), so nothing inside a line can start a line of its own.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

_BREAK = re.compile(r"\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")  # Unicode's line breaks
_BREAKS = re.compile(f"(?:{_BREAK.pattern})+")
LINE_BREAK_SIGN = " ↵ "


class UserText(str):
    """A line of a reply that is someone's own words, shown quoted; it may span lines."""

    __slots__ = ()


def one_line(text: str) -> str:
    """`text` as one line: each run of line breaks (of any kind) shown as ` ↵ `."""
    return _BREAKS.sub(LINE_BREAK_SIGN, text)


def quoted_lines(text: str) -> list[str]:
    """The lines of a person's text, whatever line breaks separate them (for quotes)."""
    return _BREAK.split(text)


class Tone(StrEnum):
    """How a reply reads: a result, an error, or help text."""

    OK = "ok"
    ERROR = "error"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Button:
    """A next action; `command` is the exact command line the button runs when pressed."""

    label: str
    command: str


@dataclass(frozen=True, slots=True)
class Field:
    """A labelled value, such as `Due: 2026-11-27 06:00 CET`."""

    label: str
    value: str


@dataclass(slots=True)
class Item:
    """One entry of a list (a task, an operation...), with its own buttons."""

    text: str
    buttons: list[Button] = field(default_factory=list)
    key: str = ""  # short name of the item for button labels, e.g. "#12"


@dataclass(slots=True)
class Section:
    """A headed part of a longer reply, such as a summary's "Needs attention"."""

    heading: str
    lines: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a reply (an export): adapters send it as a document, privately."""

    filename: str
    media_type: str
    data: bytes = field(repr=False)


@dataclass(slots=True)
class Reply:
    """A titled message: fields, lines, list items, sections and buttons, in that order,
    with an optional TLP marking."""

    title: str = ""
    lines: list[str] = field(default_factory=list)
    fields: list[Field] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)
    tone: Tone = Tone.OK
    tlp: str | None = None
    usage: str | None = None
    private: bool = False
    rtl: bool = False
    language: str = "en"  # what the reply is written in (renderers' own words follow it)
    attachment: Attachment | None = None  # a file for the asker alone (with `private`)

    def text_lines(self) -> list[str]:
        """The reply as plain text lines, buttons left out."""
        out: list[str] = []
        if self.tlp:
            out.append(f"TLP:{self.tlp}")
        if self.title:
            out.append(self.title)
        out.extend(f"{f.label}: {f.value}" for f in self.fields)
        out.extend(self.lines)
        out.extend(f"- {item.text}" for item in self.items)
        for section in self.sections:
            out.append(section.heading)
            out.extend(section.lines)
            out.extend(f"- {item.text}" for item in section.items)
        if self.usage:
            out.append(self.usage)
        return out


def _encode(lines: list[str]) -> list[str | dict[str, str]]:
    return [{"quote": str(line)} if isinstance(line, UserText) else line for line in lines]


def _decode(lines: list[str | dict[str, str]]) -> list[str]:
    return [UserText(line["quote"]) if isinstance(line, dict) else line for line in lines]


def to_json(reply: Reply) -> str:
    """A reply as JSON, to be stored in the outbox and sent later (quotes stay quotes)."""
    data = asdict(reply)
    data["lines"] = _encode(reply.lines)
    for section, raw in zip(reply.sections, data["sections"], strict=True):
        raw["lines"] = _encode(section.lines)
    if reply.attachment is not None:
        data["attachment"] = {
            "filename": reply.attachment.filename,
            "media_type": reply.attachment.media_type,
            "data": base64.b64encode(reply.attachment.data).decode("ascii"),
        }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def from_json(text: str) -> Reply:
    """The reply stored by `to_json`."""
    data = json.loads(text)

    def items(raw: list[dict[str, Any]]) -> list[Item]:
        return [Item(i["text"], [Button(**b) for b in i["buttons"]], i.get("key", "")) for i in raw]

    return Reply(
        title=data["title"],
        lines=_decode(data["lines"]),
        fields=[Field(**f) for f in data["fields"]],
        items=items(data["items"]),
        sections=[
            Section(s["heading"], _decode(s["lines"]), items(s["items"])) for s in data["sections"]
        ],
        buttons=[Button(**b) for b in data["buttons"]],
        tone=Tone(data["tone"]),
        tlp=data["tlp"],
        usage=data["usage"],
        private=data["private"],
        rtl=data["rtl"],
        language=data.get("language", "en"),
        attachment=_attachment(data.get("attachment")),
    )


def _attachment(raw: dict[str, str] | None) -> Attachment | None:
    if raw is None:
        return None
    return Attachment(raw["filename"], raw["media_type"], base64.b64decode(raw["data"]))
