"""An export's timeline: each audited event of the operation and its tasks, in the reader's
words (a task's events as `task show` says them)."""

from __future__ import annotations

from bot.commands.task_record import _what as task_step
from bot.context import Context
from bot.export.table import Table
from bot.views import PARTICIPATION_NAMES, STATE_NAMES
from operations.enums import ParticipationRole
from operations.export.service import OperationRecord, Step
from operations.task import notes


def _operation_step(ctx: Context, step: Step) -> str:
    """What an event of the operation's own did, in the reader's words."""
    _, d = ctx._, step.details
    action = step.action
    if action == "operation.create":
        return _("created the operation")
    if action == "operation.join":
        try:
            role = _(PARTICIPATION_NAMES[ParticipationRole(str(d.get("role")))])
        except ValueError:
            role = "—"
        return _("added {agency} ({role})", agency=str(d.get("agency")), role=role)
    if action == "operation.remove":
        return _("removed {agency}", agency=str(d.get("agency")))
    if action == "operation.cadence":
        return _("set the status cadence")
    if action == "operation.export":
        return _("exported it ({format})", format=str(d.get("format", "—")))
    if action in ("status.post", "status.ack"):
        number = str(d.get("number", "—"))
        if action == "status.post":
            return _("posted status update #{number}", number=number)
        return _(
            "acknowledged status update #{number} for {agency}",
            number=number,
            agency=str(d.get("agency") or "—"),
        )
    if action == "result.add":
        return _("recorded result #{number}", number=str(d.get("result", "—")))
    if action == "result.withdraw":
        return _("withdrew result #{number}", number=str(d.get("result", "—")))
    if "to" in d and str(d["to"]) in STATE_NAMES:
        return _(
            "{before} → {after}",
            before=_(STATE_NAMES.get(str(d.get("from")), "—")),
            after=_(STATE_NAMES[str(d["to"])]),
        )
    return action


def _step(ctx: Context, step: Step) -> str:
    if step.subject.startswith("task:"):
        what = task_step(ctx, notes.Step(step.at, step.actor, step.action, step.details))
        return f"{ctx.tr.isolate(step.subject.removeprefix('task:'))}: {what}"
    return _operation_step(ctx, step)


def timeline(ctx: Context, record: OperationRecord) -> Table:
    _ = ctx._
    table = Table("timeline", _("Timeline"), [_("When"), _("Who"), _("What")])
    table.rows = [[ctx.when(s.at), s.actor, _step(ctx, s)] for s in record.timeline]
    if record.withheld_steps:
        table.note = ctx.tr.ngettext(
            "{count} event withheld by the TLP marking of what it is about.",
            "{count} events withheld by the TLP marking of what they are about.",
            record.withheld_steps,
        )
    return table
