"""remind, snooze, reminders, remind cancel, digest and op cadence."""

from __future__ import annotations

from typing import Any

from bot.binding import parse_task_ref, read_duration
from bot.commands.base import OPERATION, REGISTRY, TASK
from bot.context import Context
from bot.i18n import N_
from bot.parser import UsageError
from bot.registry import Kind, Param
from bot.reminders import stage_offsets
from bot.reply import Button, Item, Reply, Section
from bot.views import compact, due_in, mark_suspended, span, strictest
from operations import validation
from operations.acting import Action
from operations.member import service as member_service
from operations.reminder import pending as pending_service
from operations.reminder import service as reminder_service
from operations.reminder.models import Reminder
from operations.reminder.pending import Stage
from operations.reminder.service import NOTE_MAX
from operations.task.models import Task


@REGISTRY.command(
    "remind",
    TASK,
    Param("WHEN", Kind.WHEN, help=N_('e.g. "in 2h", "tomorrow 08:00"')),
    Param("note", Kind.TEXT, required=False, max_length=NOTE_MAX, help=N_("what to say then")),
    summary=N_("Remind the task's agency at a given time."),
    action=Action.UPDATE_TASK,
)
async def remind(ctx: Context, args: dict[str, Any]) -> Reply:
    ref = args["ref"]
    task, reminder = await reminder_service.create_reminder(
        ctx.session,
        actor=ctx.member,
        code=ref.code,
        number=ref.number,
        fire_at=args["when"],
        note=args["note"],
        now=ctx.now,
    )
    reply = Reply(
        title=ctx._(
            "Reminder set on {ref} for {when}.", ref=task.ref, when=ctx.when(reminder.fire_at)
        ),
        lines=[
            ctx._("It will go to the chats of {agency}.", agency=task.assignee_agency.code),
            ctx._("To cancel it: remind cancel {id}", id=str(reminder.id)),
        ],
        tlp=task.tlp,
    )
    return mark_suspended(ctx, reply, task.operation)


@REGISTRY.command(
    "snooze",
    TASK,
    Param("FOR", Kind.DURATION, help=N_("e.g. 1h, 1d")),
    summary=N_("Hold a task's reminders to this chat's agency for a while, then remind once."),
    action=Action.UPDATE_TASK,
)
async def snooze(ctx: Context, args: dict[str, Any]) -> Reply:
    ref = args["ref"]
    task, reminder = await reminder_service.snooze(
        ctx.session,
        actor=ctx.member,
        code=ref.code,
        number=ref.number,
        agency_id=ctx.viewer.agency_id,
        until=ctx.now + args["for"],
        now=ctx.now,
    )
    reply = Reply(
        title=ctx._(
            "Reminders of {ref} snoozed until {when}.",
            ref=task.ref,
            when=ctx.when(reminder.fire_at),
        ),
        lines=[
            ctx._(
                "{agency} hears of it once then, whatever came due meanwhile.",
                agency=task.assignee_agency.code,
            )
        ],
        buttons=[Button(ctx._("Cancel the snooze"), f"remind cancel {reminder.id}")],
    )
    return mark_suspended(ctx, reply, task.operation)


@REGISTRY.command(
    "remind cancel",
    Param("N", Kind.WORD, help=N_("the reminder's number, as reminders shows it")),
    summary=N_("Cancel a reminder or a snooze you set."),
    action=Action.UPDATE_TASK,
)
async def remind_cancel(ctx: Context, args: dict[str, Any]) -> Reply:
    number = args["n"].lstrip("#")
    if not number.isdigit() or len(number) > 9:
        raise UsageError(N_("{value} is not a reminder number (like 12)."), value=args["n"])
    task, reminder = await reminder_service.cancel_reminder(
        ctx.session, actor=ctx.member, reminder_id=int(number), now=ctx.now
    )
    title = (
        ctx._("Snooze {id} on {ref} cancelled.", id=str(reminder.id), ref=task.ref)
        if reminder.snooze_agency_id is not None
        else ctx._("Reminder {id} on {ref} cancelled.", id=str(reminder.id), ref=task.ref)
    )
    return mark_suspended(ctx, Reply(title=title), task.operation)


@REGISTRY.command(
    "reminders",
    Param("CODE|REF", Kind.WORD, required=False, help=N_("an operation or a task (default: all)")),
    summary=N_("The reminders still to come that you may see."),
)
async def reminders(ctx: Context, args: dict[str, Any]) -> Reply:
    code, number = None, None
    if args["code|ref"]:
        target = args["code|ref"]
        if "#" in target:
            ref = parse_task_ref(target)
            code, number = ref.code, ref.number
        else:
            code = validation.operation_code(target)
    found = await pending_service.pending(
        ctx.session,
        actor=ctx.member,
        code=code,
        number=number,
        offsets=stage_offsets(),
        now=ctx.now,
    )
    lenses = {op.id: await ctx.lens(op) for op in found.operations}
    stages = [
        s
        for s in found.stages
        if lenses[s.task.operation_id].reads_task(s.task.tlp, s.task.assignee_agency_id)
    ]
    asked = [
        (r, t)
        for r, t in found.reminders
        if lenses[t.operation_id].reads_task(t.tlp, t.assignee_agency_id)
    ]
    hidden = len(found.stages) - len(stages) + len(found.reminders) - len(asked)
    reply = Reply(
        title=ctx.tr.ngettext(
            "{count} reminder to come", "{count} reminders to come", len(stages) + len(asked)
        ),
        tlp=strictest(*(s.task.tlp for s in stages), *(t.tlp for _r, t in asked)),
    )
    held = [op.code for op in found.operations if found.held(op)]
    if held:
        reply.lines.append(ctx._("Held while suspended: {codes}.", codes=", ".join(sorted(held))))
    if stages:
        reply.sections.append(
            Section(ctx._("Next stage of each task"), items=[_stage_item(ctx, s) for s in stages])
        )
    if asked:
        reply.sections.append(
            Section(
                ctx._("Set by people (cancel with: remind cancel N)"),
                items=[_asked_item(ctx, r, t) for r, t in asked],
            )
        )
    if not stages and not asked and not hidden:
        reply.lines.append(ctx._("No reminder to come."))
    if hidden:
        reply.lines.append(
            ctx.tr.ngettext(
                "{count} reminder withheld by its task's TLP marking.",
                "{count} reminders withheld by their tasks' TLP marking.",
                hidden,
            )
        )
    if found.full:
        reply.lines.append(ctx._("Only the soonest are shown: ask about one operation or task."))
    if len(found.operations) == 1:
        mark_suspended(ctx, reply, found.operations[0])
    return reply


def _stage_item(ctx: Context, stage: Stage) -> Item:
    task = stage.task
    assert task.due_at is not None
    if stage.snoozed_until is not None:
        which = ctx._("snoozed by {agency}", agency=task.assignee_agency.code)
    elif stage.before is not None:
        which = ctx._("{span} before the due time", span=span(ctx, stage.before))
    elif stage.overdue_days:
        which = ctx.tr.ngettext("overdue, day {count}", "overdue, day {count}", stage.overdue_days)
    else:
        which = ctx._("at the due time")
    text = ctx._(
        "{ref} {title} → {agency}, {due}: next {when} ({which})",
        ref=task.ref,
        title=task.title,
        agency=task.assignee_agency.code,
        due=due_in(ctx, task.due_at),
        when=ctx.when(stage.at),
        which=which,
    )
    return Item(text, key=f"{task.ref}")


def _asked_item(ctx: Context, reminder: Reminder, task: Task) -> Item:
    if reminder.snooze_agency_id is not None:
        what = ctx._("snooze of {agency}", agency=task.assignee_agency.code)
    else:
        what = ctx._("reminder")
    text = ctx._(
        "#{id} {when} — {ref} {title}: {what}",
        id=str(reminder.id),
        when=ctx.when(reminder.fire_at),
        ref=task.ref,
        title=task.title,
        what=what,
    )
    if reminder.note:
        text += " — " + ctx.tr.isolate(reminder.note)
    buttons = []
    if reminder.created_by_id == ctx.member.member_id:
        buttons.append(Button(ctx._("Cancel"), f"remind cancel {reminder.id}"))
    return Item(text, buttons=buttons, key=f"#{reminder.id}")


@REGISTRY.command(
    "digest",
    Param("SWITCH", Kind.CHOICE, choices=("on", "off"), help=N_("start or stop the digest")),
    Param("HH:MM", Kind.CLOCK, flag="at", required=False, help=N_("local time (default 08:00)")),
    summary=N_("Get (or stop) a daily digest of your operations at a local time."),
    private=True,
)
async def digest(ctx: Context, args: dict[str, Any]) -> Reply:
    at = (args["at"] or "08:00") if args["switch"] == "on" else None
    if at is not None:
        accounts = await member_service.identities(ctx.session, member_id=ctx.member.member_id)
        if not any(a.platform != "console" for a in accounts):
            raise UsageError(
                N_("The digest comes by Telegram or Slack: link an account first (connect).")
            )
    await reminder_service.set_digest(ctx.session, actor=ctx.member, at=at, now=ctx.now)
    if at is None:
        return Reply(title=ctx._("Daily digest turned off."), private=True)
    return Reply(
        title=ctx._("Daily digest on, every day at {at} ({zone}).", at=at, zone=ctx.tz.key),
        lines=[ctx._("It comes to you directly, on each of your accounts.")],
        buttons=[Button(ctx._("Turn off"), "digest off")],
        private=True,
    )


@REGISTRY.command(
    "op cadence",
    OPERATION,
    Param("EVERY", Kind.WORD, help=N_('e.g. 4h, 1d, or "off"')),
    summary=N_("Remind coordinators when an operation has no status update for that long."),
    action=Action.RUN_OPERATION,
)
async def op_cadence(ctx: Context, args: dict[str, Any]) -> Reply:
    every = None if args["every"].lower() == "off" else read_duration(args["every"])
    operation = await reminder_service.set_cadence(
        ctx.session, actor=ctx.member, code=args["code"], every=every, now=ctx.now
    )
    if every is None:
        reply = Reply(title=ctx._("No status cadence on {code} any more.", code=operation.code))
    else:
        reply = Reply(
            title=ctx._(
                "Status cadence on {code}: every {every}.",
                code=operation.code,
                every=compact(ctx, every),
            ),
            lines=[
                ctx._("The lead agency's chats are reminded when no update came for that long.")
            ],
        )
    return mark_suspended(ctx, reply, operation)
