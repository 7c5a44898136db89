"""Reading exported files back as a person's tools would: pypdf for the PDF, csv for the CSV;
and checking the audit anchor their last line carries against the chain."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from pypdf import PdfReader
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from operations.audit import service as audit_service
from operations.audit.chain import Anchor

ANCHOR = re.compile(r"([0-9a-f]{64}):([0-9]+)")


@dataclass(frozen=True)
class Pdf:
    pages: int
    first_page_images: int
    text: str
    last_line: str


def read_pdf(data: bytes) -> Pdf:
    """Pages, the images of the first page (the charts), the text, its last line."""
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    lines = [line for line in text.splitlines() if line.strip()]
    return Pdf(len(reader.pages), len(reader.pages[0].images), text, lines[-1])


def read_csv(data: bytes) -> tuple[dict[str, list[list[str]]], list[str]]:
    """The CSV's sections (a one-cell row heads each, until an empty row), and its last row."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    sections: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for row in rows[2:-1]:
        if not row:
            current = None
        elif current is None:
            current = sections.setdefault(row[0], [])
        else:
            current.append(row)
    return sections, rows[-1]


def anchor_in(line: str) -> Anchor:
    """The anchor a line carries (HASH:N)."""
    found = ANCHOR.search(line)
    assert found, line
    return Anchor(found[1], int(found[2]))


async def verifies(sessions: async_sessionmaker[AsyncSession], anchor: Anchor) -> bool:
    """Whether `jointops audit verify --anchor HASH:N` would pass."""
    async with sessions() as session:
        return (await audit_service.verify(session, anchor=anchor)).ok
