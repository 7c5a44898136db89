"""Export: `export CODE --format pdf|csv|md` through the dispatcher, as the admin, on an
operation of 30 agencies with 200 (and 2,000) tasks, 20 status updates and a result per
agency, against the least a CSV export can cost: one SELECT of the tasks written by `csv`.

Figures: the median time of each format after one warm-up (the first export of a process also
loads matplotlib and fpdf2: reported apart), the file's size and, for the PDF, its pages.
Nothing is asserted about times; a missing file or a PDF without pages stops the benchmark.
"""

from __future__ import annotations

import csv
import io
import time

from pypdf import PdfReader
from sqlalchemy import text

from benchmarks.common import (
    Result,
    Row,
    Sizes,
    Stack,
    bulk_tasks,
    median,
    open_stack,
    say,
    seed_operation,
    spread_due,
    sqlite_url,
    temp_dir,
)

AGENCIES = 30
UPDATES = 20
REPEATS = 3
RAW = text(
    "SELECT number, title, assignee_agency_id, status, priority, due_at, tlp FROM task "
    "WHERE operation_id = :op ORDER BY number"
)


async def _export(stack: Stack, code: str, kind: str) -> tuple[float, bytes]:
    started = time.perf_counter()
    reply = await say(stack, f"export {code} --format {kind}")
    took = time.perf_counter() - started
    if reply.attachment is None or not reply.attachment.data:
        raise RuntimeError(f"export {code} --format {kind} sent no file: {reply.title}")
    return took, reply.attachment.data


async def _raw_csv(stack: Stack, operation_id: int) -> float:
    started = time.perf_counter()
    async with stack.sessions() as session:
        rows = (await session.execute(RAW, {"op": operation_id})).all()
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return time.perf_counter() - started


async def run(sizes: Sizes) -> Result:
    result = Result("export")
    with temp_dir("jointops-bench-export-") as folder:
        async with open_stack(sqlite_url(folder / "export.db")) as stack:
            now = stack.dispatcher.clock.now()
            for index, count in enumerate(sizes.export_tasks):
                prefix = f"X{index}"
                seeded = await seed_operation(stack, f"EXP-{index}", AGENCIES, prefix=prefix)
                code = seeded.code
                await bulk_tasks(stack, seeded, count, due=spread_due(now))
                for n in range(UPDATES):
                    await say(stack, f'status {code} "Update {n}: phase {n % 4} under way"')
                for n in range(1, AGENCIES + 1):
                    await say(stack, f"result {code} arrests {n} --agency {prefix}{n:03d}")
                first, _ = await _export(stack, code, "pdf")  # loads the PDF's libraries
                if index == 0:
                    result.figures["export_first_pdf_s"] = round(first, 3)
                for kind in ("pdf", "csv", "md"):
                    runs = [await _export(stack, code, kind) for _ in range(REPEATS)]
                    took = median([t for t, _ in runs])
                    data = runs[-1][1]
                    base = median([await _raw_csv(stack, seeded.operation_id) for _ in range(3)])
                    detail = f"{took * 1000:.0f} ms, {len(data) / 1024:.0f} KB"
                    if kind == "pdf":
                        pages = len(PdfReader(io.BytesIO(data)).pages)
                        if not pages:
                            raise RuntimeError("the PDF export has no page")
                        detail += f", {pages} pages"
                        result.figures[f"export_pdf_pages_{count}"] = pages
                    result.figures[f"export_{kind}_s_{count}"] = round(took, 4)
                    result.figures[f"export_{kind}_kb_{count}"] = round(len(data) / 1024, 1)
                    result.rows.append(
                        Row(
                            "export",
                            f"{kind}, {count:,} tasks, {AGENCIES} agencies",
                            detail,
                            f"{base * 1000:.1f} ms (SELECT + csv)",
                            took / base if base else None,
                            "",
                            None,
                        )
                    )
    result.notes.append(
        f"export: the first PDF of a process took {result.figures['export_first_pdf_s']:.2f} s "
        "(matplotlib and fpdf2 loaded on first use, so that they never slow the bot's start)"
    )
    return result
