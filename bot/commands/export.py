"""export: an operation's record as a file (Markdown, CSV or PDF with charts), sent to the
asker alone, redacted to what they may read, in their language and timezone."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.commands.base import OPERATION, REGISTRY, four_eyes
from bot.context import Context
from bot.export import document
from bot.export.document import Document
from bot.i18n import N_
from bot.registry import Kind, Param
from bot.reply import Attachment, Reply
from bot.views import mark_suspended, strictest, withheld_line
from operations.export import service as export_service

FORMATS = ("md", "csv", "pdf")
MEDIA_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
}


def render(kind: str, doc: Document) -> bytes:
    """The document in a format (each format's libraries are loaded when first used)."""
    if kind == "md":
        from bot.export import markdown

        return markdown.render(doc)
    if kind == "csv":
        from bot.export import csv_file

        return csv_file.render(doc)
    from bot.export import pdf

    return pdf.render(doc)


@REGISTRY.command(
    "export",
    OPERATION,
    Param(
        "md|csv|pdf",
        Kind.CHOICE,
        flag="format",
        required=False,
        choices=FORMATS,
        help=N_("the file's format (default pdf)"),
    ),
    summary=N_("An operation's record as a file (PDF with charts, CSV or Markdown), sent to you."),
    private=True,  # a read (Action.READ): decided by the acting table in operations.export
    held=four_eyes,
)
async def export(ctx: Context, args: dict[str, Any]) -> Reply:
    kind = args["format"] or "pdf"
    record = await export_service.operation_record(
        ctx.session, actor=ctx.member, code=args["code"], viewer=ctx.viewer
    )
    anchor = await export_service.anchor(ctx.session)
    doc = document.build(ctx, record, anchor, now=ctx.now)
    data = await asyncio.to_thread(render, kind, doc)  # seconds of CPU: off the event loop
    await export_service.record_export(
        ctx.session, actor=ctx.member, record=record, kind=kind, now=ctx.now
    )
    op, _ = record.operation, ctx._
    stamp = ctx.now.strftime("%Y%m%d-%H%M")
    reply = Reply(
        title=_("Export of {code} ({format}).", code=op.code, format=kind.upper()),
        tlp=strictest(
            op.tlp, *(t.tlp for t in record.tasks), *(u.tlp for u, _a, _r in record.updates)
        ),
        private=True,
        attachment=Attachment(f"{op.code}-{stamp}.{kind}", MEDIA_TYPES[kind], data),
    )
    reply.lines.append(
        ctx.tr.ngettext("{count} task", "{count} tasks", len(record.tasks))
        + (" — " + withheld_line(ctx, record.withheld_tasks) if record.withheld_tasks else "")
    )
    if record.withheld_updates:
        reply.lines.append(
            ctx.tr.ngettext(
                "{count} update withheld by its TLP marking.",
                "{count} updates withheld by their TLP marking.",
                record.withheld_updates,
            )
        )
    reply.lines.append(
        _(
            "It ends with the audit anchor {anchor}: jointops audit verify --anchor {anchor} "
            "checks the audit trail still extends it.",
            anchor=str(anchor),
        )
    )
    return mark_suspended(ctx, reply, op)
