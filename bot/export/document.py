"""An operation's record, as one reader may read it, laid out once in their language and
timezone; the formats (markdown, csv_file, pdf) only typeset it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from babel import Locale

from bot.commands.ack import _state as delivery_state
from bot.commands.ack import acknowledged_line
from bot.context import Context
from bot.export.table import Table
from bot.export.timeline import timeline
from bot.views import (
    OPERATION_STATUS_NAMES,
    PARTICIPATION_NAMES,
    PRIORITY_NAMES,
    STATUS_NAMES,
    figure,
    figures_line,
    withheld_line,
)
from operations.audit.chain import Anchor
from operations.enums import TaskStatus
from operations.export.service import OperationRecord


@dataclass(slots=True)
class Document:
    """What every format shows, already in the reader's words."""

    code: str
    title: str
    tlp: str
    made: str  # "Exported by X on WHEN" line
    fields: list[tuple[str, str]]
    tables: list[Table]
    anchor: Anchor
    anchor_line: str
    rtl: bool
    language: str
    tasks_by_agency: dict[str, dict[str, int]] = field(default_factory=dict)  # agency -> state
    state_labels: dict[str, str] = field(default_factory=dict)  # state -> label, in order
    results_by_country: dict[str, int] = field(default_factory=dict)
    chart_titles: tuple[str, str] = ("", "")

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


def _country(ctx: Context, code: str) -> str:
    return str(Locale.parse(ctx.tr.locale).territories.get(code, code))


def _updates_withheld(ctx: Context, count: int) -> str:
    return ctx.tr.ngettext(
        "{count} update withheld by its TLP marking.",
        "{count} updates withheld by their TLP marking.",
        count,
    )


def _results_withheld(ctx: Context, count: int) -> str:
    return ctx.tr.ngettext(
        "{count} result withheld by the operation's TLP marking.",
        "{count} results withheld by the operation's TLP marking.",
        count,
    )


def _tasks(ctx: Context, record: OperationRecord) -> Table:
    _ = ctx._
    table = Table(
        "tasks",
        _("Tasks"),
        [_("Task"), _("Title"), _("Assigned to"), _("Status"), _("Priority"), _("Due"), "TLP"],
    )
    for task in record.tasks:
        state = _(STATUS_NAMES[task.status])
        if task.status == TaskStatus.BLOCKED and task.blocked_reason:
            state = _("blocked: {reason}", reason=task.blocked_reason)
        table.rows.append(
            [
                task.ref,
                task.title,
                task.assignee_agency.code,
                state,
                _(PRIORITY_NAMES[task.priority]),
                ctx.when(task.due_at),
                str(task.tlp),
            ]
        )
    if record.withheld_tasks:
        table.note = withheld_line(ctx, record.withheld_tasks)
    elif not record.tasks:
        table.note = _("No task yet.")
    return table


def _updates(ctx: Context, record: OperationRecord) -> tuple[Table, Table]:
    _ = ctx._
    updates = Table(
        "updates", _("Status updates"), ["#", _("Posted"), _("Author"), "TLP", _("Text")]
    )
    acks = Table(
        "acks", _("Acknowledgements"), ["#", _("Agency"), _("Delivery"), _("Acknowledged")]
    )
    for update, author, report in record.updates:
        number = str(update.number)
        updates.rows.append(
            [number, ctx.when(update.created_at), author, str(update.tlp), update.text]
        )
        for row in report.agencies:
            acked = (
                _(
                    "by {who} {when}",
                    who=row.acknowledged_by or "—",
                    when=ctx.when(row.acknowledged_at),
                )
                if row.acknowledged_at
                else (_("not acknowledged") if row.asked else "—")
            )
            acks.rows.append([number, row.code, delivery_state(ctx, row), acked])
    if record.withheld_updates:
        updates.note = acks.note = _updates_withheld(ctx, record.withheld_updates)
    elif not record.updates:
        updates.note = _("No status update yet.")
    if record.updates and not acks.rows:
        acks.note = _("No delivery recorded yet.")
    return updates, acks


def _results(ctx: Context, record: OperationRecord) -> Table:
    _ = ctx._
    table = Table(
        "results",
        _("Results"),
        ["#", _("Agency"), _("Country"), _("Result"), _("Author"), _("Recorded"), _("Note")],
    )
    for result, author in record.result_list:
        shown = figure(ctx, result.kind, result.count, 0)
        if result.preliminary:
            shown = _("{figure} (preliminary)", figure=shown)
        if result.withdrawn_at is not None:
            shown = _("{figure} (withdrawn)", figure=shown)
        table.rows.append(
            [
                str(result.number),
                result.agency.code,
                _country(ctx, result.agency.country),
                shown,
                author,
                ctx.when(result.created_at),
                result.note or "",
            ]
        )
    if record.withheld_results:
        table.note = _results_withheld(ctx, record.withheld_results)
    elif not record.result_list:
        table.note = _("No result recorded yet.")
    return table


def build(ctx: Context, record: OperationRecord, anchor: Anchor, *, now: datetime) -> Document:
    """The document of `record` for the asker, ending with the audit anchor."""
    _ = ctx._
    op = record.operation
    counts: dict[str, int] = {}
    by_agency: dict[str, dict[str, int]] = {}
    for task in record.tasks:
        counts[task.status] = counts.get(task.status, 0) + 1
        row = by_agency.setdefault(task.assignee_agency.code, {})
        row[task.status] = row.get(task.status, 0) + 1
    states = {str(s): _(STATUS_NAMES[s]) for s in TaskStatus}
    fields = [
        (_("Status"), _(OPERATION_STATUS_NAMES[op.status])),
        (_("Lead"), f"{op.lead_agency.code} ({op.lead_agency.name})"),
        (_("Marking"), f"TLP:{op.tlp}"),
        (
            _("Tasks"),
            ", ".join(f"{ctx.tr.number(counts[s])} {states[s]}" for s in states if s in counts)
            or "0",
        ),
    ]
    if record.results is not None and record.results.totals:
        fields.append((_("Results"), figures_line(ctx, record.results.totals)))
    asked = [r for _u, _a, r in record.updates if r.update is not None and r.update.ack_requested]
    if asked:
        fields.append((_("Acknowledgements"), acknowledged_line(ctx, asked[-1])))
    agencies = Table("agencies", _("Agencies"), [_("Agency"), _("Name"), _("Country"), _("Role")])
    agencies.rows = [
        [
            p.agency.code,
            p.agency.name,
            _country(ctx, p.agency.country),
            _(PARTICIPATION_NAMES[p.role]),
        ]
        for p in record.agencies
    ]
    updates, acks = _updates(ctx, record)
    results = {}
    if record.results is not None:
        for place in record.results.countries:
            results[place.country] = sum(c + p for c, p in place.figures.values())
    return Document(
        code=op.code,
        title=_("{code} — {name}", code=op.code, name=op.name),
        tlp=str(op.tlp),
        made=_("Exported by {who} on {when}", who=ctx.member.label, when=ctx.when(now)),
        fields=fields,
        tables=[
            agencies,
            _tasks(ctx, record),
            updates,
            acks,
            _results(ctx, record),
            timeline(ctx, record),
        ],
        anchor=anchor,
        anchor_line=_("Audit anchor: {anchor}", anchor=str(anchor)),
        rtl=ctx.tr.rtl,
        language=ctx.tr.language,
        tasks_by_agency=by_agency,
        state_labels=states,
        results_by_country=results,
        chart_titles=(_("Tasks by agency and state"), _("Results by country")),
    )
