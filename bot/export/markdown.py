"""An export as Markdown, for pasting: headings, tables, the anchor on the last line."""

from __future__ import annotations

from bot.export.document import Document
from bot.export.table import Table
from bot.reply import one_line


def _cell(text: str) -> str:
    """A table cell: one line, its pipes and markup characters escaped."""
    escaped = one_line(text).replace("\\", "\\\\")
    for char in "|*_`[]<>#":
        escaped = escaped.replace(char, "\\" + char)
    return escaped


def _table(table: Table) -> list[str]:
    lines = [f"## {_cell(table.heading)}", ""]
    if table.rows:
        lines.append("| " + " | ".join(_cell(c) for c in table.columns) + " |")
        lines.append("|" + "---|" * len(table.columns))
        lines.extend("| " + " | ".join(_cell(c) for c in row) + " |" for row in table.rows)
        lines.append("")
    if table.note:
        lines += [f"*{_cell(table.note)}*", ""]
    return lines


def render(doc: Document) -> bytes:
    """The document as UTF-8 Markdown."""
    lines = [f"# {_cell(doc.title)}", "", f"**TLP:{doc.tlp}**", "", _cell(doc.made), ""]
    lines += [f"- **{_cell(label)}**: {_cell(value)}" for label, value in doc.fields]
    lines.append("")
    for table in doc.tables:
        lines += _table(table)
    lines.append(_cell(doc.anchor_line))
    return ("\n".join(lines) + "\n").encode("utf-8")
