"""task show, note and edit: a task's record (details, notes, history) and changes to it."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.commands.base import DETAILS_FLAG, PRIORITY_FLAG, REGISTRY, TASK, TLP_FLAG
from bot.commands.task import shown
from bot.context import Context
from bot.i18n import N_
from bot.registry import Kind, Param
from bot.reply import Field, Reply, Section, UserText
from bot.views import (
    EDITED_NAMES,
    PRIORITY_NAMES,
    STATUS_NAMES,
    edited_title,
    mark_suspended,
    next_actions,
    task_fields,
    task_line,
    withheld_line,
)
from operations.acting import Action
from operations.enums import TLP, Priority, TaskStatus
from operations.task import notes as note_service
from operations.task import service as task_service
from operations.task.models import TEXT_MAX, TITLE_MAX, Task
from operations.task.notes import Step

TRANSITION_ACTIONS = {f"task.{a}" for a in ("start", "done", "block", "reopen", "cancel")}


async def _with_task_line(ctx: Context, reply: Reply, task: Task) -> Reply:
    """The reply with the task's line, marked, or the line saying it is withheld."""
    if await shown(ctx, task):
        reply.tlp = task.tlp
        reply.lines.append(task_line(ctx, task))
    else:
        reply.lines.append(withheld_line(ctx, 1))
    return mark_suspended(ctx, reply, task.operation)


def _moment(value: Any) -> datetime | None:
    """A time as the audit trail keeps it (ISO text), or None."""
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _state(ctx: Context, value: Any) -> str:
    try:
        return ctx._(STATUS_NAMES[TaskStatus(str(value))])
    except ValueError:
        return str(value)


def _priority(ctx: Context, value: Any) -> str:
    try:
        return ctx._(PRIORITY_NAMES[Priority(str(value))])
    except ValueError:
        return str(value)


def _edited(ctx: Context, details: dict[str, Any]) -> str:
    parts = []
    for name in details.get("changed", []):
        change = details.get(name)
        if name == "priority" and isinstance(change, dict):
            parts.append(
                ctx._(
                    "priority {before} → {after}",
                    before=_priority(ctx, change.get("from")),
                    after=_priority(ctx, change.get("to")),
                )
            )
        elif name == "tlp" and isinstance(change, dict):
            parts.append(f"TLP:{change.get('from')} → TLP:{change.get('to')}")
        else:
            parts.append(ctx._(EDITED_NAMES.get(name, name)))
    return ctx._("edited it: {changes}", changes=", ".join(parts))


def _what(ctx: Context, step: Step) -> str:
    """What an event of the task's history did, in the reader's words."""
    _, d = ctx._, step.details
    if step.action == "task.add":
        return _("added it for {agency}", agency=str(d.get("to", "—")))
    if step.action in TRANSITION_ACTIONS:
        text = _(
            "{before} → {after}", before=_state(ctx, d.get("from")), after=_state(ctx, d.get("to"))
        )
        if step.action == "task.block" and d.get("reason"):
            text = _("{change}: {reason}", change=text, reason=str(d["reason"]))
        return text
    if step.action == "task.assign":
        return _(
            "reassigned it: {before} → {after}",
            before=str(d.get("from", "—")),
            after=str(d.get("to", "—")),
        )
    if step.action == "task.due":
        due = _moment(d.get("to"))
        return (
            _("set the due time to {when}", when=ctx.when(due))
            if due
            else _("cleared the due time")
        )
    if step.action == "task.edit":
        return _edited(ctx, d)
    if step.action == "task.note":
        return _("added a note")
    if step.action == "task.remind":
        return _("set a reminder for {when}", when=ctx.when(_moment(d.get("at"))))
    if step.action == "task.snooze":
        return _("snoozed its reminders until {when}", when=ctx.when(_moment(d.get("until"))))
    if step.action == "task.remind.cancel":
        return _("cancelled a reminder")
    return step.action


@REGISTRY.command(
    "task show",
    TASK,
    summary=N_("A task's record: its details, notes and history."),
)
async def task_show(ctx: Context, args: dict[str, Any]) -> Reply:
    ref = args["ref"]
    record = await note_service.task_record(
        ctx.session, actor=ctx.member, code=ref.code, number=ref.number
    )
    task, _, iso = record.task, ctx._, ctx.tr.isolate
    reply = Reply(title=_("Task {ref}", ref=task.ref))
    if not await shown(ctx, task):
        reply.lines.append(withheld_line(ctx, 1))
        return mark_suspended(ctx, reply, task.operation)
    reply.tlp, reply.buttons = task.tlp, next_actions(ctx, task, await ctx.hand(task.operation))
    reply.fields = [
        field if field.label != _("Due") or task.due_at else Field(field.label, _("none"))
        for field in task_fields(ctx, task)
    ]
    reply.fields.append(Field(_("Marking"), f"TLP:{task.tlp}"))
    if task.details:
        reply.sections.append(Section(_("Details"), lines=[UserText(task.details)]))
    reply.sections.append(
        Section(
            ctx.tr.ngettext("{count} note", "{count} notes", len(record.notes)),
            lines=[
                line
                for note, author in record.notes
                for line in (
                    f"{iso(ctx.when(note.created_at))} {iso(author)}:",
                    UserText(note.text),
                )
            ],
        )
    )
    reply.sections.append(
        Section(
            _("History"),
            lines=[
                _("{when} — {who}: {what}", when=ctx.when(s.at), who=s.actor, what=_what(ctx, s))
                for s in record.history
            ],
        )
    )
    return mark_suspended(ctx, reply, task.operation)


@REGISTRY.command(
    "task note",
    TASK,
    Param("text", Kind.TEXT, max_length=TEXT_MAX, help=N_("the note")),
    summary=N_("Add a note to a task; its agency and the lead agency hear of it."),
    action=Action.UPDATE_TASK,
)
async def task_note(ctx: Context, args: dict[str, Any]) -> Reply:
    ref = args["ref"]
    task, _note = await note_service.add_note(
        ctx.session,
        actor=ctx.member,
        code=ref.code,
        number=ref.number,
        text=args["text"],
        now=ctx.now,
    )
    reply = Reply(title=ctx._("Note added to task {ref}.", ref=task.ref))
    return await _with_task_line(ctx, reply, task)


@REGISTRY.command(
    "task edit",
    TASK,
    Param(
        '"..."',
        Kind.TEXT,
        flag="title",
        required=False,
        max_length=TITLE_MAX,
        help=N_("the new title"),
    ),
    replace(PRIORITY_FLAG, help=N_("how urgent")),
    TLP_FLAG,
    DETAILS_FLAG,
    summary=N_("Change a task's title, priority, TLP marking or details."),
    action=Action.MANAGE_TASK,
)
async def task_edit(ctx: Context, args: dict[str, Any]) -> Reply:
    ref = args["ref"]
    task, changed = await task_service.edit_task(
        ctx.session,
        actor=ctx.member,
        code=ref.code,
        number=ref.number,
        title=args["title"],
        priority=Priority(args["priority"]) if args["priority"] else None,
        tlp=TLP(args["tlp"]) if args["tlp"] else None,
        details=args["details"],
        now=ctx.now,
    )
    reply = Reply(title=edited_title(ctx, task, changed))
    return await _with_task_line(ctx, reply, task)
