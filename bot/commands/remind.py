"""remind, digest and op cadence."""

from __future__ import annotations

from typing import Any

from bot import when
from bot.binding import read_duration
from bot.commands.base import OPERATION, REGISTRY, TASK
from bot.context import Context
from bot.i18n import N_
from bot.parser import UsageError
from bot.registry import Kind, Param
from bot.reply import Button, Reply
from operations.acting import Action
from operations.member import service as member_service
from operations.reminder import service as reminder_service
from operations.reminder.service import NOTE_MAX


@REGISTRY.command(
    "remind",
    TASK,
    Param("WHEN", Kind.WHEN, help='e.g. "in 2h", "tomorrow 08:00"'),
    Param("note", Kind.TEXT, required=False, max_length=NOTE_MAX, help="what to say then"),
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
    return Reply(
        title=ctx._(
            "Reminder set on {ref} for {when}.", ref=task.ref, when=ctx.when(reminder.fire_at)
        ),
        lines=[ctx._("It will go to the chats of {agency}.", agency=task.assignee_agency.code)],
        tlp=task.tlp,
    )


@REGISTRY.command(
    "digest",
    Param("SWITCH", Kind.CHOICE, choices=("on", "off"), help="start or stop the digest"),
    Param("HH:MM", Kind.CLOCK, flag="at", required=False, help="local time (default 08:00)"),
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
    Param("EVERY", Kind.WORD, help='e.g. 4h, 1d, or "off"'),
    summary=N_("Remind coordinators when an operation has no status update for that long."),
    action=Action.RUN_OPERATION,
)
async def op_cadence(ctx: Context, args: dict[str, Any]) -> Reply:
    every = None if args["every"].lower() == "off" else read_duration(args["every"])
    operation = await reminder_service.set_cadence(
        ctx.session, actor=ctx.member, code=args["code"], every=every, now=ctx.now
    )
    if every is None:
        return Reply(title=ctx._("No status cadence on {code} any more.", code=operation.code))
    return Reply(
        title=ctx._(
            "Status cadence on {code}: every {every}.",
            code=operation.code,
            every=when.format_duration(every),
        ),
        lines=[ctx._("The lead agency's chats are reminded when no update came for that long.")],
    )
