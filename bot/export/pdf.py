"""An export as PDF: the summary and the charts on the first page, then the tables; every
line set with DejaVu Sans (matplotlib ships it) and shaped by HarfBuzz (fpdf2's text shaping),
so Arabic is joined and runs right to left. The last line carries the audit anchor."""

from __future__ import annotations

import io
import re
from pathlib import Path

import matplotlib
from fpdf import FPDF, FontFace
from fpdf.enums import Align, TableCellFillMode, XPos, YPos

from bot.export.document import Document
from bot.export.table import Table
from bot.reply import one_line

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT, BOLD = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
FAMILY = "DejaVu"
_ISOLATES = re.compile("[\u2066-\u2069\u200e\u200f]")  # the bidi marks of chat messages
# how wide each table's columns are, in parts of the page (the widest for the free text)
WIDTHS = {
    "agencies": (2, 5, 2, 2),
    "tasks": (2, 5, 2, 2, 1.5, 2.5, 1.6),
    "updates": (0.6, 2.2, 2, 1.5, 6),
    "acks": (0.6, 2, 3.2, 3.4),
    "results": (0.6, 1.8, 1.8, 3.2, 1.8, 2.2, 2.4),
    "timeline": (2.2, 2.4, 6),
}
ROW_FILL = (242, 242, 242)
# the scripts that need shaping: Hebrew and Arabic up to the South-East Asian scripts, and
# Arabic's presentation forms (Latin, Greek, Cyrillic and punctuation do not)
SHAPED = re.compile("[\u0590-\u1fff\ufb1d-\ufeff]")
TLP_COLOURS = {  # TLP 2.0's own colours
    "CLEAR": (255, 255, 255),
    "GREEN": (51, 255, 0),
    "AMBER": (255, 192, 0),
    "AMBER+STRICT": (255, 192, 0),
    "RED": (255, 43, 43),
}


def _text(value: str) -> str:
    """A line as the PDF sets it: one line, without the invisible marks of chat messages
    (the PDF runs its own bidirectional layout)."""
    return _ISOLATES.sub("", one_line(value))


def _complex(doc: Document) -> bool:
    """Whether some text of the document is in a script that needs shaping (SHAPED)."""
    texts = [doc.title, doc.made, *(v for f in doc.fields for v in f), *doc.state_labels.values()]
    for table in doc.tables:
        texts += [
            table.heading,
            table.note,
            *table.columns,
            *(c for row in table.rows for c in row),
        ]
    return doc.rtl or any(SHAPED.search(text) for text in texts)


class _Pdf(FPDF):
    def __init__(self, doc: Document) -> None:
        super().__init__(format="A4")
        self.doc = doc
        self.add_font(FAMILY, "", str(FONT))
        self.add_font(FAMILY, "B", str(BOLD))
        if _complex(doc):  # shaping costs most of the time: only for the scripts that need it
            self.set_text_shaping(use_shaping_engine=True)
        self.set_auto_page_break(auto=True, margin=15)
        self.set_title(_text(doc.title))
        self.set_creator("jointops")

    def header(self) -> None:
        self.set_font(FAMILY, "B", 9)
        red, green, blue = TLP_COLOURS.get(self.doc.tlp, (255, 255, 255))
        self.set_fill_color(0, 0, 0)
        self.set_text_color(red, green, blue)
        self.cell(text=f"TLP:{self.doc.tlp}", fill=True)
        self.set_text_color(0, 0, 0)
        self.set_font(FAMILY, "", 7)
        # the page number up here: the audit anchor stays the document's last line
        self.cell(
            text=f"{self.doc.code} · {self.page_no()}/{{nb}}",
            align=Align.R,
            w=self.epw - self.get_x() + self.l_margin,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.ln(2)


def _para(pdf: _Pdf, text: str, *, size: float = 9, bold: bool = False) -> None:
    pdf.set_font(FAMILY, "B" if bold else "", size)
    align = Align.R if pdf.doc.rtl else Align.L
    pdf.multi_cell(
        pdf.epw, size * 0.5, _text(text), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )


def _chart(pdf: _Pdf, title: str, image: bytes, legend: list[tuple[str, str]]) -> None:
    _para(pdf, title, size=11, bold=True)
    if legend:
        pdf.set_font(FAMILY, "", 8)
        for label, colour in legend:
            pdf.set_fill_color(*(int(colour[i : i + 2], 16) for i in (1, 3, 5)))
            pdf.cell(4, 4, fill=True)
            pdf.cell(text=" " + _text(label) + "   ")
        pdf.ln(6)
    width = pdf.epw * 0.8
    pdf.image(io.BytesIO(image), w=width, x=pdf.l_margin + (pdf.epw - width) / 2)
    pdf.ln(3)


def _table(pdf: _Pdf, table: Table) -> None:
    _para(pdf, table.heading, size=12, bold=True)
    pdf.ln(1)
    if table.rows:
        pdf.set_font(FAMILY, "", 7.5)
        pdf.set_fill_color(*ROW_FILL)  # the table's fill follows the pen's colour
        columns = table.columns if not pdf.doc.rtl else list(reversed(table.columns))
        with pdf.table(
            col_widths=WIDTHS.get(table.key, tuple(1 for _ in columns))[
                :: -1 if pdf.doc.rtl else 1
            ],
            headings_style=FontFace(emphasis="BOLD", fill_color=(230, 230, 230)),
            cell_fill_color=ROW_FILL,
            cell_fill_mode=TableCellFillMode.ROWS,
            line_height=4,
            text_align=Align.R if pdf.doc.rtl else Align.L,
        ) as grid:
            grid.row([_text(c) for c in columns])
            for row in table.rows:
                grid.row([_text(c) for c in (reversed(row) if pdf.doc.rtl else row)])
    if table.note:
        _para(pdf, table.note, size=8)
    pdf.ln(4)


def render(doc: Document) -> bytes:
    """The document as a PDF."""
    from bot.export import charts  # matplotlib's pyplot-free half, loaded when needed

    pdf = _Pdf(doc)
    pdf.alias_nb_pages()
    pdf.add_page()
    _para(pdf, doc.title, size=16, bold=True)
    _para(pdf, doc.made, size=8)
    pdf.ln(2)
    for label, value in doc.fields:
        _para(pdf, f"{label}: {value}", size=9)
    pdf.ln(3)
    states = list(doc.state_labels)
    if doc.tasks_by_agency:
        legend = [
            (doc.state_labels[s], c) for s, c in zip(states, charts.STATE_COLOURS, strict=False)
        ]
        image = charts.tasks_by_agency(doc.tasks_by_agency, states)
        _chart(pdf, doc.chart_titles[0], image, legend)
    if doc.results_by_country:
        _chart(pdf, doc.chart_titles[1], charts.results_by_country(doc.results_by_country), [])
    pdf.add_page()
    for table in doc.tables:
        _table(pdf, table)
    _para(pdf, doc.anchor_line, size=7)
    return bytes(pdf.output())
