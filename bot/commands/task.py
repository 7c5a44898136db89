"""task add, list, start, done, block, reopen, cancel, assign and due."""

from __future__ import annotations

from typing import Any

from bot.commands.base import (
    AGENCY,
    DETAILS_FLAG,
    OPERATION,
    PRIORITY_FLAG,
    REGISTRY,
    TASK,
    TLP_FLAG,
)
from bot.context import Context
from bot.i18n import N_
from bot.registry import Kind, Param
from bot.reply import Item, Reply
from bot.views import (
    STATUS_NAMES,
    mark_suspended,
    next_actions,
    strictest,
    task_fields,
    task_line,
    withheld_line,
)
from operations.acting import Action
from operations.enums import TLP, Priority
from operations.task import service as task_service
from operations.task.models import TEXT_MAX, TITLE_MAX, Task
from operations.task.service import TaskAction


@REGISTRY.command(
    "task add",
    OPERATION,
    Param("title", Kind.TEXT, max_length=TITLE_MAX, help=N_("what is to be done")),
    Param("AGENCY", Kind.AGENCY, flag="to", help=N_("the agency that will do it")),
    Param(
        "WHEN",
        Kind.WHEN,
        flag="due",
        required=False,
        help=N_('e.g. "tomorrow 06:00", "in 2h", 2026-12-01T18:00Z'),
    ),
    PRIORITY_FLAG,
    TLP_FLAG,
    DETAILS_FLAG,
    summary=N_("Add a task to an operation."),
    action=Action.MANAGE_TASK,
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
        details=args["details"],
        now=ctx.now,
    )
    hand = await ctx.hand(task.operation)
    reply = Reply(
        title=ctx._("Task {ref} added.", ref=task.ref), buttons=next_actions(ctx, task, hand)
    )
    if await shown(ctx, task):
        reply.tlp, reply.fields = task.tlp, task_fields(ctx, task)
    else:
        reply.lines.append(withheld_line(ctx, 1))
    return mark_suspended(ctx, reply, task.operation)


@REGISTRY.command(
    "task list",
    OPERATION,
    Param("AGENCY", Kind.AGENCY, flag="agency", required=False),
    Param("overdue", Kind.SWITCH, flag="overdue", required=False, help=N_("only tasks past due")),
    Param(
        "mine",
        Kind.SWITCH,
        flag="mine",
        required=False,
        help=N_("only your agency's tasks (and yours)"),
    ),
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
    lens = await ctx.lens(operation)
    shown = [t for t in tasks if lens.reads_task(t.tlp, t.assignee_agency_id)]
    reply = Reply(
        title=ctx.tr.ngettext(
            "{code}: {count} task", "{code}: {count} tasks", len(shown), code=operation.code
        ),
        tlp=strictest(operation.tlp, *(t.tlp for t in shown)),
        private=bool(args["mine"]),
    )
    hand = await ctx.hand(operation)
    for task in shown:
        reply.items.append(
            Item(task_line(ctx, task), buttons=next_actions(ctx, task, hand), key=f"#{task.number}")
        )
    if not tasks:
        reply.lines.append(_("No task matches."))
    if len(shown) < len(tasks):
        reply.lines.append(withheld_line(ctx, len(tasks) - len(shown)))
    return mark_suspended(ctx, reply, operation)


async def shown(ctx: Context, task: Task) -> bool:
    """Whether the reader of the reply may read the task (else only its reference is shown)."""
    return (await ctx.lens(task.operation)).reads_task(task.tlp, task.assignee_agency_id)


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
    title = _(
        "Task {ref}: {before} → {after}.",
        ref=task.ref,
        before=_(STATUS_NAMES[before]),
        after=_(STATUS_NAMES[task.status]),
    )
    hand = await ctx.hand(task.operation)
    return await _about(ctx, task, title, buttons=next_actions(ctx, task, hand))


async def _about(ctx: Context, task: Task, title: str, **more: Any) -> Reply:
    """A reply about a changed task: its line when the reader may read it, else a count."""
    reply = Reply(title=title, **more)
    if await shown(ctx, task):
        reply.tlp = task.tlp
        reply.lines.insert(0, task_line(ctx, task))
    else:
        reply.lines.insert(0, withheld_line(ctx, 1))
    return mark_suspended(ctx, reply, task.operation)


@REGISTRY.command(
    "task start", TASK, summary=N_("Mark a task in progress."), action=Action.UPDATE_TASK
)
async def task_start(ctx: Context, args: dict[str, Any]) -> Reply:
    return await _transition(ctx, args, TaskAction.START)


@REGISTRY.command("task done", TASK, summary=N_("Mark a task done."), action=Action.UPDATE_TASK)
async def task_done(ctx: Context, args: dict[str, Any]) -> Reply:
    return await _transition(ctx, args, TaskAction.DONE)


@REGISTRY.command(
    "task block",
    TASK,
    Param("reason", Kind.TEXT, max_length=TEXT_MAX, help=N_("why it cannot go on")),
    summary=N_("Mark a task blocked, saying why."),
    action=Action.UPDATE_TASK,
)
async def task_block(ctx: Context, args: dict[str, Any]) -> Reply:
    return await _transition(ctx, args, TaskAction.BLOCK)


@REGISTRY.command(
    "task reopen", TASK, summary=N_("Reopen a done or cancelled task."), action=Action.UPDATE_TASK
)
async def task_reopen(ctx: Context, args: dict[str, Any]) -> Reply:
    return await _transition(ctx, args, TaskAction.REOPEN)


@REGISTRY.command("task cancel", TASK, summary=N_("Cancel a task."), action=Action.MANAGE_TASK)
async def task_cancel(ctx: Context, args: dict[str, Any]) -> Reply:
    return await _transition(ctx, args, TaskAction.CANCEL)


@REGISTRY.command(
    "task assign",
    TASK,
    AGENCY,
    summary=N_("Give a task to another agency."),
    action=Action.MANAGE_TASK,
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
    title = ctx._(
        "Task {ref} reassigned: {before} → {after}.",
        ref=task.ref,
        before=previous.code,
        after=task.assignee_agency.code,
    )
    return await _about(ctx, task, title)


@REGISTRY.command(
    "task due",
    TASK,
    Param(
        "WHEN",
        Kind.WHEN,
        choices=("off",),
        help=N_('e.g. "tomorrow 06:00", "in 2h", 2026-12-01T18:00Z; off to clear it'),
    ),
    summary=N_("Set, change or clear (off) a task's due time."),
    action=Action.MANAGE_TASK,
)
async def task_due(ctx: Context, args: dict[str, Any]) -> Reply:
    ref, due = args["ref"], args["when"]
    task, previous = await task_service.reschedule_task(
        ctx.session,
        actor=ctx.member,
        code=ref.code,
        number=ref.number,
        due_at=None if due == "off" else due,
        now=ctx.now,
    )
    if task.due_at is None:
        title = ctx._("Task {ref} no longer has a due time; its reminders stop.", ref=task.ref)
    else:
        title = ctx._("Task {ref} now due {when}.", ref=task.ref, when=ctx.when(task.due_at))
    reply = Reply(
        title=title,
        lines=[ctx._("Was: {when}.", when=ctx.when(previous))],
        tlp=task.tlp if await shown(ctx, task) else None,
    )
    return mark_suspended(ctx, reply, task.operation)
