"""The platform-neutral reply every command returns; adapters render it in their own idiom.

Every string in a reply is plain text: adapters escape all of it, nothing here is markup.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


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


def to_json(reply: Reply) -> str:
    """A reply as JSON, to be stored in the outbox and sent later."""
    return json.dumps(asdict(reply), ensure_ascii=False, separators=(",", ":"))


def from_json(text: str) -> Reply:
    """The reply stored by `to_json`."""
    data = json.loads(text)

    def items(raw: list[dict[str, Any]]) -> list[Item]:
        return [Item(i["text"], [Button(**b) for b in i["buttons"]], i.get("key", "")) for i in raw]

    return Reply(
        title=data["title"],
        lines=list(data["lines"]),
        fields=[Field(**f) for f in data["fields"]],
        items=items(data["items"]),
        sections=[
            Section(s["heading"], list(s["lines"]), items(s["items"])) for s in data["sections"]
        ],
        buttons=[Button(**b) for b in data["buttons"]],
        tone=Tone(data["tone"]),
        tlp=data["tlp"],
        usage=data["usage"],
        private=data["private"],
        rtl=data["rtl"],
    )
