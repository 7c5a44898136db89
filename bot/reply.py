"""The platform-neutral reply every command returns; adapters render it in their own idiom.

Every string in a reply is plain text: adapters escape all of it, nothing here is markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


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


@dataclass(slots=True)
class Reply:
    """A titled message: lines, fields, list items and buttons, with optional TLP marking."""

    title: str = ""
    lines: list[str] = field(default_factory=list)
    fields: list[Field] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)
    tone: Tone = Tone.OK
    tlp: str | None = None
    usage: str | None = None
    private: bool = False
    rtl: bool = False

    def text_lines(self) -> list[str]:
        """The reply as plain text lines: TLP, title, lines, fields, items, usage."""
        out: list[str] = []
        if self.tlp:
            out.append(f"TLP:{self.tlp}")
        if self.title:
            out.append(self.title)
        out.extend(self.lines)
        out.extend(f"{f.label}: {f.value}" for f in self.fields)
        out.extend(f"- {item.text}" for item in self.items)
        if self.usage:
            out.append(self.usage)
        return out
