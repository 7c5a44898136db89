"""op new, list, show, join, remove, start, suspend, resume and close."""

from __future__ import annotations

from typing import Any

from bot.commands.base import AGENCY, OPERATION, REGISTRY, TLP_FLAG, four_eyes
from bot.context import Context
from bot.i18n import N_
from bot.registry import Kind, Param
from bot.reply import Button, Field, Item, Reply, Tone
from bot.views import (
    OPERATION_STATUS_NAMES,
    PARTICIPATION_NAMES,
    mark_suspended,
    next_actions,
    strictest,
    task_line,
    withheld_line,
)
from operations import acting
from operations.acting import Action
from operations.enums import TLP, OperationStatus, ParticipationRole
from operations.operation import closing
from operations.operation import service as operation_service
from operations.validation import NAME_MAX


@REGISTRY.command(
    "op new",
    OPERATION,
    Param("Name", Kind.TEXT, max_length=NAME_MAX, help=N_("the operation's name")),
    Param(
        "AGENCY", Kind.AGENCY, flag="lead", required=False, help=N_("lead agency (default: yours)")
    ),
    Param("WHEN", Kind.WHEN, flag="ends", required=False, help=N_("planned end")),
    TLP_FLAG,
    Param(
        "four-eyes",
        Kind.SWITCH,
        flag="four-eyes",
        required=False,
        help=N_("broadcasts, closing, membership and exports wait for a second person"),
    ),
    summary=N_("Create an operation (planned until started)."),
    action=Action.CREATE_OPERATION,
)
async def op_new(ctx: Context, args: dict[str, Any]) -> Reply:
    operation = await operation_service.create_operation(
        ctx.session,
        actor=ctx.member,
        code=args["code"],
        name=args["name"],
        lead_code=args["lead"],
        ends_at=args["ends"],
        tlp=TLP(args["tlp"]) if args["tlp"] else TLP.AMBER,
        four_eyes=args["four_eyes"],
        now=ctx.now,
    )
    _ = ctx._
    code = operation.code
    reply = Reply(
        title=_("Operation {code} created.", code=code),
        tlp=operation.tlp,
        fields=[
            Field(_("Name"), operation.name),
            Field(_("Lead"), operation.lead_agency.code),
            Field(_("Status"), _(OPERATION_STATUS_NAMES[operation.status])),
            Field(_("Ends"), ctx.when(operation.ends_at)),
            Field(_("Four eyes"), _("on") if operation.four_eyes else _("off")),
        ],
        lines=[
            _(
                "Bring agencies in with op join {code} AGENCY, then give them tasks with "
                'task add {code} "title" --to AGENCY.',
                code=code,
            )
        ],
        buttons=[Button(_("Start"), f"op start {code}"), Button(_("Show"), f"op show {code}")],
    )
    if not acting.could(await ctx.hand(operation), Action.RUN_OPERATION):
        reply.buttons.pop(0)  # led by another agency: its coordinators start it
    return reply


@REGISTRY.command(
    "op list",
    Param("all", Kind.SWITCH, flag="all", required=False, help=N_("include closed operations")),
    summary=N_("List the operations you can see."),
)
async def op_list(ctx: Context, args: dict[str, Any]) -> Reply:
    rows = await operation_service.list_operations(
        ctx.session, actor=ctx.member, include_closed=args["all"]
    )
    _ = ctx._
    reply = Reply(title=ctx.tr.ngettext("{count} operation", "{count} operations", len(rows)))
    for op, agencies, open_tasks in rows:
        reply.items.append(
            Item(
                _(
                    "{code} — {name} [{status}], lead {lead}, {agencies}, {open}",
                    code=op.code,
                    name=op.name,
                    status=_(OPERATION_STATUS_NAMES[op.status]),
                    lead=op.lead_agency.code,
                    agencies=ctx.tr.ngettext("{count} agency", "{count} agencies", agencies),
                    open=ctx.tr.ngettext("{count} open task", "{count} open tasks", open_tasks),
                ),
                buttons=[Button(_("Summary"), f"summary {op.code}")],
                key=op.code,
            )
        )
    if not rows:
        reply.lines.append(_("No operation to show."))
    return reply


@REGISTRY.command("op show", OPERATION, summary=N_("Show an operation and its agencies."))
async def op_show(ctx: Context, args: dict[str, Any]) -> Reply:
    op = await operation_service.get_operation(ctx.session, actor=ctx.member, code=args["code"])
    participants = await operation_service.participants(ctx.session, operation=op)
    _ = ctx._
    reply = Reply(
        title=f"{ctx.tr.isolate(op.code)} — {ctx.tr.isolate(op.name)}",
        tlp=op.tlp,
        fields=[
            Field(_("Status"), _(OPERATION_STATUS_NAMES[op.status])),
            Field(_("Lead"), f"{op.lead_agency.code} ({op.lead_agency.name})"),
            Field(_("Started"), ctx.when(op.starts_at)),
            Field(_("Ends"), ctx.when(op.ends_at)),
            Field(_("Four eyes"), _("on") if op.four_eyes else _("off")),
        ],
    )
    for p in participants:
        code, name = ctx.tr.isolate(p.agency.code), ctx.tr.isolate(p.agency.name)
        reply.items.append(Item(f"{code} — {name} ({_(PARTICIPATION_NAMES[p.role])})"))
    reply.buttons.append(Button(_("Summary"), f"summary {op.code}"))
    reply.buttons.append(Button(_("Tasks"), f"task list {op.code}"))
    return mark_suspended(ctx, reply, op)


@REGISTRY.command(
    "op join",
    OPERATION,
    AGENCY,
    Param(
        "ROLE",
        Kind.CHOICE,
        flag="role",
        required=False,
        choices=(ParticipationRole.PARTICIPANT, ParticipationRole.OBSERVER),
        help=N_("observers read and receive updates but get no tasks (default participant)"),
    ),
    summary=N_("Add an agency to an operation."),
    action=Action.RUN_OPERATION,
    held=four_eyes,
)
async def op_join(ctx: Context, args: dict[str, Any]) -> Reply:
    op, participation = await operation_service.add_participant(
        ctx.session,
        actor=ctx.member,
        code=args["code"],
        agency_code=args["agency"],
        role=ParticipationRole(args["role"] or ParticipationRole.PARTICIPANT),
        now=ctx.now,
    )
    reply = Reply(
        title=ctx._(
            "{agency} joined {code} as {role}.",
            agency=participation.agency.code,
            code=op.code,
            role=ctx._(PARTICIPATION_NAMES[participation.role]),
        )
    )
    return mark_suspended(ctx, reply, op)


async def _change(ctx: Context, code: str, action: str) -> Reply:
    op, before = await operation_service.change_status(
        ctx.session, actor=ctx.member, code=code, action=action, now=ctx.now
    )
    _ = ctx._
    reply = Reply(
        title=_(
            "Operation {code}: {before} → {after}.",
            code=op.code,
            before=_(OPERATION_STATUS_NAMES[before]),
            after=_(OPERATION_STATUS_NAMES[op.status]),
        )
    )
    if op.status == OperationStatus.ACTIVE:
        reply.buttons.append(Button(_("Summary"), f"summary {op.code}"))
    if before == OperationStatus.SUSPENDED:
        reply.lines.append(_("Reminders that came due meanwhile go out once, the latest only."))
    return mark_suspended(ctx, reply, op)


@REGISTRY.command(
    "op start", OPERATION, summary=N_("Start a planned operation."), action=Action.RUN_OPERATION
)
async def op_start(ctx: Context, args: dict[str, Any]) -> Reply:
    return await _change(ctx, args["code"], "start")


@REGISTRY.command(
    "op suspend", OPERATION, summary=N_("Suspend an active operation."), action=Action.RUN_OPERATION
)
async def op_suspend(ctx: Context, args: dict[str, Any]) -> Reply:
    return await _change(ctx, args["code"], "suspend")


@REGISTRY.command(
    "op resume", OPERATION, summary=N_("Resume a suspended operation."), action=Action.RUN_OPERATION
)
async def op_resume(ctx: Context, args: dict[str, Any]) -> Reply:
    return await _change(ctx, args["code"], "resume")


SHOWN_OPEN = 20  # open tasks listed when op close is refused for them


@REGISTRY.command(
    "op close",
    OPERATION,
    Param(
        "force",
        Kind.SWITCH,
        flag="force",
        required=False,
        help=N_("cancel the tasks still open, then close"),
    ),
    summary=N_("Close an operation for good (with open tasks: --force cancels them)."),
    action=Action.RUN_OPERATION,
    held=four_eyes,
)
async def op_close(ctx: Context, args: dict[str, Any]) -> Reply:
    done = await closing.close_operation(
        ctx.session, actor=ctx.member, code=args["code"], force=args["force"], now=ctx.now
    )
    op, _ = done.operation, ctx._
    if done.before is None:
        return await _open_tasks_refusal(ctx, done)
    reply = Reply(
        title=_(
            "Operation {code}: {before} → {after}.",
            code=op.code,
            before=_(OPERATION_STATUS_NAMES[done.before]),
            after=_(OPERATION_STATUS_NAMES[op.status]),
        ),
        buttons=[Button(_("Summary"), f"summary {op.code}")],
    )
    if done.open_tasks:
        reply.lines.append(
            ctx.tr.ngettext(
                "{count} open task cancelled; each agency concerned is told once.",
                "{count} open tasks cancelled; each agency concerned is told once.",
                len(done.open_tasks),
            )
        )
    reply.lines.append(_("A final summary goes to every agency its marking lets read it."))
    return reply


async def _open_tasks_refusal(ctx: Context, done: closing.Closing) -> Reply:
    """op close with open tasks: nothing changes; the tasks, and how to close anyway."""
    op, _ = done.operation, ctx._
    lens = await ctx.lens(op)
    shown = [t for t in done.open_tasks if lens.reads_task(t.tlp, t.assignee_agency_id)]
    reply = Reply(
        title=ctx.tr.ngettext(
            "{code} still has {count} open task: nothing was closed.",
            "{code} still has {count} open tasks: nothing was closed.",
            len(done.open_tasks),
            code=op.code,
        ),
        tone=Tone.ERROR,
        tlp=strictest(*(t.tlp for t in shown[:SHOWN_OPEN])),
        lines=[
            _(
                "Finish, reassign or cancel them, or close anyway with: op close {code} --force "
                "(it cancels them).",
                code=op.code,
            )
        ],
        buttons=[Button(_("Close and cancel them"), f"op close {op.code} --force")],
    )
    hand = await ctx.hand(op)
    for task in shown[:SHOWN_OPEN]:
        reply.items.append(
            Item(task_line(ctx, task), buttons=next_actions(ctx, task, hand), key=f"#{task.number}")
        )
    if len(shown) > SHOWN_OPEN:
        reply.lines.append(
            _("… and {count} more: task list {code}", count=len(shown) - SHOWN_OPEN, code=op.code)
        )
    if len(shown) < len(done.open_tasks):
        reply.lines.append(withheld_line(ctx, len(done.open_tasks) - len(shown)))
    return mark_suspended(ctx, reply, op)


@REGISTRY.command(
    "op remove",
    OPERATION,
    AGENCY,
    summary=N_("Take an agency out of an operation (it must have no open task there)."),
    action=Action.RUN_OPERATION,
    held=four_eyes,
)
async def op_remove(ctx: Context, args: dict[str, Any]) -> Reply:
    op, participation, cancelled = await operation_service.remove_participant(
        ctx.session, actor=ctx.member, code=args["code"], agency_code=args["agency"], now=ctx.now
    )
    reply = Reply(
        title=ctx._(
            "{agency} no longer takes part in {code}.",
            agency=participation.agency.code,
            code=op.code,
        )
    )
    if cancelled:
        reply.lines.append(
            ctx.tr.ngettext(
                "{count} queued message to its chats will not be sent.",
                "{count} queued messages to its chats will not be sent.",
                cancelled,
            )
        )
    return mark_suspended(ctx, reply, op)
