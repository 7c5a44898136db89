"""summary: one operation at a glance, or every active one."""

from __future__ import annotations

from typing import Any

from bot.commands.ack import acknowledged_line
from bot.commands.base import REGISTRY
from bot.context import Context
from bot.i18n import N_
from bot.registry import Kind, Param
from bot.reply import Button, Field, Item, Reply, Section, UserText
from bot.views import (
    OPERATION_STATUS_NAMES,
    PARTICIPATION_NAMES,
    figures_line,
    mark_suspended,
    next_actions,
    strictest,
    task_line,
    withheld_line,
)
from operations.delivery import service as delivery_service
from operations.summary import service as summary_service

COUNT_LABELS = (
    ("open", N_("open")),
    ("in_progress", N_("in progress")),
    ("blocked", N_("blocked")),
    ("done", N_("done")),
    ("overdue", N_("overdue")),
)


class CountFormat:
    """ "3 open, 1 in progress, ..." with the labels translated once per reply (a summary
    writes one such line per agency, 158 in a large operation)."""

    def __init__(self, ctx: Context) -> None:
        self.labels = [(key, ctx._(label)) for key, label in COUNT_LABELS]
        self.number = ctx.tr.number

    def __call__(self, counts: dict[str, int]) -> str:
        return ", ".join(f"{self.number(counts[key])} {label}" for key, label in self.labels)


@REGISTRY.command(
    "summary",
    Param("CODE", Kind.OPERATION, required=False, help=N_("an operation (default: all active)")),
    summary=N_("An operation at a glance, or one line per active operation."),
)
async def summary(ctx: Context, args: dict[str, Any]) -> Reply:
    _ = ctx._
    counts_of = CountFormat(ctx)
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
                        "{code} — {name}: {agencies}; {counts}; last update {when}",
                        code=op.code,
                        name=op.name,
                        agencies=ctx.tr.ngettext(
                            "{count} agency", "{count} agencies", line.agencies
                        ),
                        counts=counts_of(line.counts),
                        when=ctx.when(line.last_update),
                    ),
                    buttons=[Button(_("Summary"), f"summary {op.code}")],
                    key=op.code,
                )
            )
        if not lines:
            reply.lines.append(_("No active operation."))
        return reply
    result = await summary_service.summarize_operation(
        ctx.session, actor=ctx.member, code=args["code"], now=ctx.now, viewer=ctx.viewer
    )
    op = result.operation
    reply = Reply(
        title=_("{code} — {name}", code=op.code, name=op.name),
        tlp=strictest(
            op.tlp, *(t.tlp for t in result.attention), *(u.tlp for u, _author in result.updates)
        ),
        fields=[
            Field(_("Status"), _(OPERATION_STATUS_NAMES[op.status])),
            Field(_("Lead"), f"{op.lead_agency.code} ({op.lead_agency.name})"),
            Field(_("Tasks"), counts_of(result.totals)),
        ],
    )
    if result.results:
        reply.fields.append(Field(_("Results"), figures_line(ctx, result.results)))
    elif result.withheld_results:
        reply.fields.append(
            Field(
                _("Results"),
                ctx.tr.ngettext(
                    "{count} result withheld by the operation's TLP marking.",
                    "{count} results withheld by the operation's TLP marking.",
                    result.withheld_results,
                ),
            )
        )
    if result.acks is not None:
        reply.fields.append(Field(_("Acknowledgements"), acknowledged_line(ctx, result.acks)))
    health = await delivery_service.health(ctx.session, operation_id=op.id)
    if health["pending"] or health["failed"]:
        reply.fields.append(
            Field(_("Deliveries"), _("{pending} pending, {failed} failed", **health))
        )
    roles = {role: _(PARTICIPATION_NAMES[role]) for role in {a.role for a in result.agencies}}
    reply.sections.append(
        Section(
            ctx.tr.ngettext("{count} agency", "{count} agencies", len(result.agencies)),
            lines=[
                f"{ctx.tr.isolate(a.code)} ({roles[a.role]}): {counts_of(a.counts)}"
                for a in result.agencies
            ],
        )
    )
    hand = await ctx.hand(op)
    if result.attention or result.withheld_tasks:
        reply.sections.append(
            Section(
                _("Needs attention"),
                items=[
                    Item(task_line(ctx, t), buttons=next_actions(ctx, t, hand), key=f"#{t.number}")
                    for t in result.attention
                ],
                lines=[withheld_line(ctx, result.withheld_tasks)] if result.withheld_tasks else [],
            )
        )
    reply.sections.append(
        Section(
            _("Latest updates"),
            lines=[
                line
                for u, author in result.updates
                for line in (
                    f"{ctx.tr.isolate(ctx.when(u.created_at))} {ctx.tr.isolate(author)}:",
                    UserText(u.text),
                )
            ]
            or ([] if result.withheld else [_("No status update yet.")]),
        )
    )
    if result.withheld:
        reply.sections[-1].lines.append(
            ctx.tr.ngettext(
                "{count} update withheld by its TLP marking.",
                "{count} updates withheld by their TLP marking.",
                result.withheld,
            )
        )
    reply.buttons.append(Button(_("Tasks"), f"task list {op.code}"))
    return mark_suspended(ctx, reply, op)
