"""status: record a situation report on an operation."""

from __future__ import annotations

from typing import Any

from bot.commands.base import OPERATION, REGISTRY, TLP_FLAG, four_eyes
from bot.context import Context
from bot.i18n import N_
from bot.registry import Kind, Param
from bot.reply import Button, Reply, UserText
from bot.views import mark_suspended
from operations.acting import Action
from operations.enums import TLP
from operations.status import service as status_service
from operations.status.service import STATUS_TEXT_MAX


@REGISTRY.command(
    "status",
    OPERATION,
    Param("text", Kind.TEXT, max_length=STATUS_TEXT_MAX, help=N_("the update")),
    TLP_FLAG,
    Param(
        "ack",
        Kind.SWITCH,
        flag="ack",
        required=False,
        help=N_("ask every agency it reaches to acknowledge it"),
    ),
    summary=N_("Post a status update on an operation."),
    action=Action.POST_STATUS,
    held=four_eyes,
)
async def status(ctx: Context, args: dict[str, Any]) -> Reply:
    operation, update = await status_service.post_status(
        ctx.session,
        actor=ctx.member,
        code=args["code"],
        text=args["text"],
        tlp=TLP(args["tlp"]) if args["tlp"] else None,
        ack=args["ack"],
        now=ctx.now,
    )
    _ = ctx._
    code, number = operation.code, str(update.number)
    reply = Reply(
        title=_("Status update posted on {code}.", code=code),
        buttons=[Button(_("Summary"), f"summary {code}")],
    )
    if (await ctx.lens(operation)).reads_status(update.tlp):
        reply.tlp = update.tlp
        reply.lines.append(UserText(update.text))
    else:
        reply.lines.append(
            ctx.tr.ngettext(
                "{count} update withheld by its TLP marking.",
                "{count} updates withheld by their TLP marking.",
                1,
            )
        )
    if update.ack_requested:
        reply.buttons.append(Button(_("Acknowledgements"), f"acks {code} {number}"))
        reply.lines.append(
            _(
                "Each agency it reaches is asked to acknowledge update #{number}; "
                "see who has with: acks {code} {number}",
                code=code,
                number=number,
            )
        )
    return mark_suspended(ctx, reply, operation)
