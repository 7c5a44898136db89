"""An export as CSV: one row per task, then the results, each section headed by its name;
the last row carries the audit anchor."""

from __future__ import annotations

import csv
import io

from bot.export.document import Document
from bot.export.table import Table
from bot.reply import one_line

FORMULA = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet would run as a formula


def _cell(text: str) -> str:
    """One line, never read as a formula by a spreadsheet (a leading ' keeps it text)."""
    flat = one_line(text)
    return "'" + flat if flat.startswith(FORMULA) else flat


def _section(table: Table) -> list[list[str]]:
    """A table's rows: its heading alone, its columns, its rows, what was withheld, a gap."""
    rows = [[_cell(table.heading)], [_cell(c) for c in table.columns]]
    rows += [[_cell(c) for c in row] for row in table.rows]
    if table.note:
        rows.append([_cell(table.note)])
    return [*rows, []]


def render(doc: Document) -> bytes:
    """The document's tasks and results as CSV (UTF-8 with a byte order mark, which
    spreadsheets need to read it as UTF-8)."""
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\r\n")
    out.writerow([_cell(doc.title), f"TLP:{doc.tlp}", _cell(doc.made)])
    out.writerow([])
    for key in ("tasks", "results"):
        out.writerows(_section(doc.table(key)))
    out.writerow([_cell(doc.anchor_line), str(doc.anchor)])
    return buffer.getvalue().encode("utf-8-sig")
