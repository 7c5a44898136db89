"""The PDF format: text shaping only when a script needs it (it costs most of the time)."""

from __future__ import annotations

from bot.export.document import Document
from bot.export.pdf import _complex, render
from bot.export.table import Table
from operations.audit.chain import Anchor
from tests.export_helpers import read_pdf


def document(*, name: str, rtl: bool = False) -> Document:
    agencies = Table("agencies", "Agencies", ["Agency", "Name"], [["AE-DXB", name]])
    return Document(
        code="PANGEA-18",
        title="PANGEA-18 — Illicit online pharmacies",
        tlp="AMBER",
        made="Exported by Ann on 26 Nov 2026, 11:00 CET",
        fields=[("Status", "active → closed")],
        tables=[agencies],
        anchor=Anchor("a" * 64, 7),
        anchor_line=f"Audit anchor: {'a' * 64}:7",
        rtl=rtl,
        language="ar" if rtl else "en",
    )


def test_latin_text_and_punctuation_are_set_without_shaping() -> None:
    assert not _complex(document(name="Dubai Police — Cybercrime"))


def test_arabic_anywhere_or_an_arabic_reader_turns_shaping_on() -> None:
    assert _complex(document(name="شرطة دبي"))
    assert _complex(document(name="Dubai Police", rtl=True))


def test_a_document_without_charts_has_one_page_of_tables_and_the_anchor_last() -> None:
    pdf = read_pdf(render(document(name="شرطة دبي")))
    assert pdf.pages == 2  # the summary page, then the tables
    assert pdf.first_page_images == 0  # no task, no result: nothing to chart
    assert pdf.last_line.endswith("a" * 64 + ":7")
