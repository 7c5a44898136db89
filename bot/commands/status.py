"""status: record a situation report on an operation."""

from __future__ import annotations

from typing import Any

from bot import notify
from bot.commands.base import OPERATION, REGISTRY, TLP_FLAG
from bot.context import Context
from bot.i18n import N_
from bot.registry import Kind, Param
from bot.reply import Button, Reply
from bot.views import sent_line
from operations.acting import Action
from operations.enums import TLP
from operations.status import service as status_service
from operations.status.service import STATUS_TEXT_MAX


@REGISTRY.command(
    "status",
    OPERATION,
    Param("text", Kind.TEXT, max_length=STATUS_TEXT_MAX, help="the update"),
    TLP_FLAG,
    summary=N_("Post a status update on an operation."),
    action=Action.POST_STATUS,
)
async def status(ctx: Context, args: dict[str, Any]) -> Reply:
    operation, update = await status_service.post_status(
        ctx.session,
        actor=ctx.member,
        code=args["code"],
        text=args["text"],
        tlp=TLP(args["tlp"]) if args["tlp"] else None,
        now=ctx.now,
    )
    inv = ctx.invocation
    fanout = await notify.status_update(
        ctx.session,
        operation=operation,
        update=update,
        author=ctx.member.label,
        now=ctx.now,
        skip=(inv.platform, inv.workspace, inv.chat_id),
    )
    _ = ctx._
    return Reply(
        title=_("Status update posted on {code}.", code=operation.code),
        tlp=update.tlp,
        lines=[
            update.text,
            _("TLP:RED is not broadcast to chats; it stays in the summary.")
            if update.tlp == TLP.RED
            else sent_line(ctx, fanout),
        ],
        buttons=[Button(_("Summary"), f"summary {operation.code}")],
    )
