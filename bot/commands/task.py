"""task add, list, start, done, block, reopen, cancel, assign and due."""

from __future__ import annotations

from typing import Any

from bot.commands.base import (
    AGENCY,
    OPERATION,
    PRIORITY_FLAG,
    REGISTRY,
    RUNNERS,
    TASK,
    TASK_UPDATERS,
    TLP_FLAG,
)
from bot.context import Context
from bot.i18n import N_
from bot.registry import Kind, Param
from bot.reply import Button, Field, Item, Reply
from operations.enums import TLP, Priority, TaskStatus
from operations.task import service as task_service
from operations.task.models import TEXT_MAX, TITLE_MAX, Task
from operations.task.service import TaskAction

STATUS_NAMES = {
    TaskStatus.OPEN: N_("open"),
    TaskStatus.IN_PROGRESS: N_("in progress"),
    TaskStatus.BLOCKED: N_("blocked"),
    TaskStatus.DONE: N_("done"),
    TaskStatus.CANCELLED: N_("cancelled"),
}


def next_actions(ctx: Context, task: Task) -> list[Button]:
    """Buttons for what can happen to a task from its current state."""
    _ = ctx._
    ref = task.ref
    if task.status in (TaskStatus.OPEN, TaskStatus.BLOCKED):
        return [Button(_("Start"), f"task start {ref}"), Button(_("Done"), f"task done {ref}")]
    if task.status == TaskStatus.IN_PROGRESS:
        return [Button(_("Done"), f"task done {ref}")]
    return [Button(_("Reopen"), f"task reopen {ref}")]


def task_line(ctx: Context, task: Task) -> str:
    """One line: reference, title, assignee, status, due time, flags."""
    _ = ctx._
    parts = [
        f"{task.ref} {task.title}",
        f"→ {task.assignee_agency.code}",
        f"[{_(STATUS_NAMES[task.status])}]",
    ]
    if task.due_at:
        overdue = (
            task.status in (TaskStatus.OPEN, TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED)
            and task.due_at < ctx.now
        )
        parts.append(
            (_("OVERDUE since {when}") if overdue else _("due {when}")).format(
                when=ctx.when(task.due_at)
            )
        )
    if task.priority in (Priority.HIGH, Priority.URGENT):
        parts.append(_(task.priority).upper())
    if task.status == TaskStatus.BLOCKED and task.blocked_reason:
        parts.append(_("blocked: {reason}", reason=task.blocked_reason))
    return " ".join(parts)


def task_fields(ctx: Context, task: Task) -> list[Field]:
    _ = ctx._
    fields = [
        Field(_("Title"), task.title),
        Field(_("Assigned to"), f"{task.assignee_agency.code} ({task.assignee_agency.name})"),
        Field(_("Status"), _(STATUS_NAMES[task.status])),
        Field(_("Due"), ctx.when(task.due_at)),
        Field(_("Priority"), _(task.priority)),
    ]
    if task.blocked_reason:
        fields.append(Field(_("Blocked because"), task.blocked_reason))
    return fields


@REGISTRY.command(
    "task add",
    OPERATION,
    Param("title", Kind.TEXT, max_length=TITLE_MAX, help="what is to be done"),
    Param("AGENCY", Kind.AGENCY, flag="to", help="the agency that will do it"),
    Param(
        "WHEN",
        Kind.WHEN,
        flag="due",
        required=False,
        help='e.g. "tomorrow 06:00", "in 2h", 2026-12-01T18:00Z',
    ),
    PRIORITY_FLAG,
    TLP_FLAG,
    summary=N_("Add a task to an operation."),
    roles=RUNNERS,
)
async def task_add(ctx: Context, args: dict[str, Any]) -> Reply:
    task = await task_service.add_task(
        ctx.session,
        actor=ctx.member,
        code=args["code"],
        title=args["title"],
        assignee_code=args["to"],
        due_at=args["due"],
        priority=Priority(args["priority"] or Priority.NORMAL),
        tlp=TLP(args["tlp"]) if args["tlp"] else None,
        now=ctx.now,
    )
    return Reply(
        title=ctx._("Task {ref} added.", ref=task.ref),
        tlp=task.tlp,
        fields=task_fields(ctx, task),
        buttons=next_actions(ctx, task),
    )


@REGISTRY.command(
    "task list",
    OPERATION,
    Param("AGENCY", Kind.AGENCY, flag="agency", required=False),
    Param("overdue", Kind.SWITCH, flag="overdue", required=False),
    Param("mine", Kind.SWITCH, flag="mine", required=False),
    summary=N_("List an operation's tasks."),
)
async def task_list(ctx: Context, args: dict[str, Any]) -> Reply:
    operation, tasks = await task_service.list_tasks(
        ctx.session,
        actor=ctx.member,
        code=args["code"],
        agency_code=args["agency"],
        overdue=args["overdue"],
        mine=args["mine"],
        now=ctx.now,
    )
    _ = ctx._
    reply = Reply(
        title=ctx.tr.ngettext(
            "{code}: {count} task", "{code}: {count} tasks", len(tasks), code=operation.code
        ),
        tlp=operation.tlp,
        private=bool(args["mine"]),
    )
    for task in tasks:
        reply.items.append(
            Item(task_line(ctx, task), buttons=next_actions(ctx, task), key=f"#{task.number}")
        )
    if not tasks:
        reply.lines.append(_("No task matches."))
    return reply


async def _transition(ctx: Context, args: dict[str, Any], action: TaskAction) -> Reply:
    ref = args["ref"]
    task, before = await task_service.transition_task(
        ctx.session,
        actor=ctx.member,
        code=ref.code,
        number=ref.number,
        action=action,
        reason=args.get("reason"),
        now=ctx.now,
    )
    _ = ctx._
    return Reply(
        title=_(
            "Task {ref}: {before} → {after}.",
            ref=task.ref,
            before=_(STATUS_NAMES[before]),
            after=_(STATUS_NAMES[task.status]),
        ),
        lines=[task_line(ctx, task)],
        tlp=task.tlp,
        buttons=next_actions(ctx, task),
    )


@REGISTRY.command("task start", TASK, summary=N_("Mark a task in progress."), roles=TASK_UPDATERS)
async def task_start(ctx: Context, args: dict[str, Any]) -> Reply:
    return await _transition(ctx, args, TaskAction.START)


@REGISTRY.command("task done", TASK, summary=N_("Mark a task done."), roles=TASK_UPDATERS)
async def task_done(ctx: Context, args: dict[str, Any]) -> Reply:
    return await _transition(ctx, args, TaskAction.DONE)


@REGISTRY.command(
    "task block",
    TASK,
    Param("reason", Kind.TEXT, max_length=TEXT_MAX, help="why it cannot go on"),
    summary=N_("Mark a task blocked, saying why."),
    roles=TASK_UPDATERS,
)
async def task_block(ctx: Context, args: dict[str, Any]) -> Reply:
    return await _transition(ctx, args, TaskAction.BLOCK)


@REGISTRY.command(
    "task reopen", TASK, summary=N_("Reopen a done or cancelled task."), roles=TASK_UPDATERS
)
async def task_reopen(ctx: Context, args: dict[str, Any]) -> Reply:
    return await _transition(ctx, args, TaskAction.REOPEN)


@REGISTRY.command("task cancel", TASK, summary=N_("Cancel a task."), roles=RUNNERS)
async def task_cancel(ctx: Context, args: dict[str, Any]) -> Reply:
    return await _transition(ctx, args, TaskAction.CANCEL)


@REGISTRY.command(
    "task assign", TASK, AGENCY, summary=N_("Give a task to another agency."), roles=RUNNERS
)
async def task_assign(ctx: Context, args: dict[str, Any]) -> Reply:
    ref = args["ref"]
    task, previous = await task_service.assign_task(
        ctx.session,
        actor=ctx.member,
        code=ref.code,
        number=ref.number,
        agency_code=args["agency"],
        now=ctx.now,
    )
    return Reply(
        title=ctx._(
            "Task {ref} reassigned: {before} → {after}.",
            ref=task.ref,
            before=previous.code,
            after=task.assignee_agency.code,
        ),
        lines=[task_line(ctx, task)],
        tlp=task.tlp,
    )


@REGISTRY.command(
    "task due",
    TASK,
    Param("WHEN", Kind.WHEN, help='e.g. "tomorrow 06:00", "in 2h", 2026-12-01T18:00Z'),
    summary=N_("Set or change a task's due time."),
    roles=RUNNERS,
)
async def task_due(ctx: Context, args: dict[str, Any]) -> Reply:
    ref = args["ref"]
    task, previous = await task_service.reschedule_task(
        ctx.session,
        actor=ctx.member,
        code=ref.code,
        number=ref.number,
        due_at=args["when"],
        now=ctx.now,
    )
    return Reply(
        title=ctx._("Task {ref} now due {when}.", ref=task.ref, when=ctx.when(task.due_at)),
        lines=[ctx._("Was: {when}.", when=ctx.when(previous))],
        tlp=task.tlp,
    )
