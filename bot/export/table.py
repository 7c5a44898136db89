"""A headed table of an export, already in the reader's words."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Table:
    """A headed table; `note` says what was withheld from it (or that it is empty)."""

    key: str  # what it lists, untranslated (tasks, updates, acks, results, timeline, agencies)
    heading: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    note: str = ""
