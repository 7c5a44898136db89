"""summary: one operation at a glance, or every active one."""

from __future__ import annotations

from typing import Any

from bot.commands.base import REGISTRY
from bot.commands.task import next_actions, task_line
from bot.context import Context
from bot.i18n import N_
from bot.registry import Kind, Param
from bot.reply import Button, Field, Item, Reply
from operations.summary import service as summary_service

COUNT_LABELS = (
    ("open", N_("open")),
    ("in_progress", N_("in progress")),
    ("blocked", N_("blocked")),
    ("done", N_("done")),
    ("overdue", N_("overdue")),
)


def _counts(ctx: Context, counts: dict[str, int]) -> str:
    return ", ".join(f"{counts[key]} {ctx._(label)}" for key, label in COUNT_LABELS)


@REGISTRY.command(
    "summary",
    Param("CODE", Kind.OPERATION, required=False, help="an operation (default: all active)"),
    summary=N_("An operation at a glance, or one line per active operation."),
)
async def summary(ctx: Context, args: dict[str, Any]) -> Reply:
    _ = ctx._
    if args["code"] is None:
        lines = await summary_service.overview(ctx.session, actor=ctx.member, now=ctx.now)
        reply = Reply(
            title=ctx.tr.ngettext(
                "{count} active operation", "{count} active operations", len(lines)
            )
        )
        for line in lines:
            op = line.operation
            reply.items.append(
                Item(
                    _(
                        "{code} — {name}: {agencies} agencies; {counts}; last update {when}",
                        code=op.code,
                        name=op.name,
                        agencies=line.agencies,
                        counts=_counts(ctx, line.counts),
                        when=ctx.when(line.last_update),
                    ),
                    buttons=[Button(_("Summary"), f"summary {op.code}")],
                )
            )
        if not lines:
            reply.lines.append(_("No active operation."))
        return reply
    result = await summary_service.summarize_operation(
        ctx.session, actor=ctx.member, code=args["code"], now=ctx.now
    )
    op = result.operation
    reply = Reply(
        title=_("{code} — {name}", code=op.code, name=op.name),
        tlp=op.tlp,
        fields=[
            Field(_("Status"), _(op.status)),
            Field(_("Lead"), f"{op.lead_agency.code} ({op.lead_agency.name})"),
            Field(_("Tasks"), _counts(ctx, result.totals)),
        ],
    )
    reply.lines.append(_("Agencies:"))
    for agency in result.agencies:
        reply.lines.append(f"  {agency.code} ({_(agency.role)}): {_counts(ctx, agency.counts)}")
    if result.attention:
        reply.lines.append(_("Needs attention:"))
        for task in result.attention:
            reply.items.append(Item(task_line(ctx, task), buttons=next_actions(ctx, task)))
    reply.lines.append(_("Latest updates:") if result.updates else _("No status update yet."))
    for update, author in result.updates:
        reply.lines.append(f"  {ctx.when(update.created_at)} {author}: {update.text}")
    return reply
