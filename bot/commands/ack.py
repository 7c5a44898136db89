"""ack and acks: acknowledging status updates, and where each one got to."""

from __future__ import annotations

from typing import Any

from bot.commands.base import OPERATION, REGISTRY
from bot.context import Context, Localizer
from bot.i18n import N_
from bot.parser import UsageError
from bot.registry import Kind, Param
from bot.reply import Button, Item, Reply
from bot.views import mark_suspended
from operations.acting import Action, could
from operations.status import service as status_service
from operations.status.service import AckReport, AgencyAck

ACKNOWLEDGE = Action.ACKNOWLEDGE


def _number(text: str) -> int:
    number = text.lstrip("#")
    if not number.isdigit() or len(number) > 9:
        raise UsageError(N_("{value} is not a status update number (like 3)."), value=text)
    return int(number)


@REGISTRY.command(
    "ack",
    OPERATION,
    Param("N", Kind.WORD, help=N_("the status update's number")),
    summary=N_("Acknowledge a status update for your agency."),
    action=Action.ACKNOWLEDGE,
)
async def ack(ctx: Context, args: dict[str, Any]) -> Reply:
    operation, update = await status_service.acknowledge(
        ctx.session,
        actor=ctx.member,
        code=args["code"],
        number=_number(args["n"]),
        now=ctx.now,
    )
    code, number = operation.code, str(update.number)
    _ = ctx._
    reply = Reply(
        title=_(
            "Status update #{number} on {code} acknowledged for {agency}.",
            number=number,
            code=code,
            agency=ctx.member.agency_code or "—",
        ),
        buttons=[Button(_("Acknowledgements"), f"acks {code} {number}")],
    )
    return mark_suspended(ctx, reply, operation)


def _state(ctx: Localizer, row: AgencyAck) -> str:
    """Where the update got to in one agency: delivered (when), failed, waiting, no chat."""
    _ = ctx._
    if row.delivered_at is not None:
        text = _("delivered {when}", when=ctx.when(row.delivered_at))
        if row.failed:
            text += " · " + ctx.tr.ngettext(
                "{count} chat failed", "{count} chats failed", row.failed
            )
        return text
    if row.pending:
        return _("not delivered yet")
    if row.failed:
        return _("delivery failed")
    return _("no linked chat")


def _line(ctx: Localizer, row: AgencyAck) -> str:
    _ = ctx._
    parts = [f"{ctx.tr.isolate(row.code)}: {_state(ctx, row)}"]
    if row.acknowledged_at is not None:
        parts.append(
            _(
                "acknowledged by {who} {when}",
                who=row.acknowledged_by or "—",
                when=ctx.when(row.acknowledged_at),
            )
        )
    elif row.asked:
        parts.append(_("not acknowledged"))
    return " · ".join(parts)


def acknowledged_line(ctx: Localizer, report: AckReport) -> str:
    """ "acknowledged 12/15" for an update that asked for acknowledgement."""
    assert report.update is not None
    return ctx._(
        "#{number} acknowledged {done}/{asked}",
        number=str(report.update.number),
        done=str(report.acknowledged),
        asked=str(report.asked),
    )


@REGISTRY.command(
    "acks",
    OPERATION,
    Param(
        "N", Kind.WORD, required=False, help=N_("the status update's number (default: the latest)")
    ),
    summary=N_("Per agency: when a status update was delivered, and who acknowledged it."),
)
async def acks(ctx: Context, args: dict[str, Any]) -> Reply:
    found = await status_service.ack_report(
        ctx.session,
        actor=ctx.member,
        code=args["code"],
        number=_number(args["n"]) if args["n"] else None,
        viewer=ctx.viewer,
    )
    _ = ctx._
    operation, update = found.operation, found.update
    code = operation.code
    if update is None:
        reply = Reply(
            title=_("Acknowledgements — {code}", code=code),
            lines=[_("No status update yet.")],
        )
        return mark_suspended(ctx, reply, operation)
    number = str(update.number)
    reply = Reply(
        title=_("Status update #{number} on {code}", number=number, code=code),
        buttons=[Button(_("Summary"), f"summary {code}")],
    )
    if found.withheld:
        reply.lines.append(
            ctx.tr.ngettext(
                "{count} update withheld by its TLP marking.",
                "{count} updates withheld by their TLP marking.",
                1,
            )
        )
        return mark_suspended(ctx, reply, operation)
    reply.tlp = update.tlp
    reply.lines.append(_("Posted {when}.", when=ctx.when(update.created_at)))
    if update.ack_requested:
        reply.lines.append(acknowledged_line(ctx, found))
    else:
        reply.lines.append(_("It did not ask for acknowledgement."))
    reply.items = [Item(_line(ctx, row), key=row.code) for row in found.agencies]
    if not found.agencies:
        reply.lines.append(_("It has not been sent to any chat."))
    if update.ack_requested:
        hand = await ctx.hand(operation)
        mine = next(
            (r for r in found.agencies if ctx.actor and r.code == ctx.actor.agency_code), None
        )
        if mine and mine.asked and mine.acknowledged_at is None and could(hand, ACKNOWLEDGE):
            reply.buttons.insert(0, Button(_("Acknowledge"), f"ack {code} {number}"))
    return mark_suspended(ctx, reply, operation)
