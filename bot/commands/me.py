"""me lang, me tz: a member's own language and timezone, over their agency's."""

from __future__ import annotations

from typing import Any

from bot import when
from bot.commands.base import REGISTRY
from bot.context import Context
from bot.i18n import N_, Translator
from bot.registry import Kind, Param
from bot.reply import Reply
from operations.enums import Language
from operations.member import settings


@REGISTRY.command(
    "me lang",
    Param(
        "LANG",
        Kind.CHOICE,
        choices=tuple(Language),
        help=N_("the language you read: en, fr, es or ar"),
    ),
    summary=N_("Read jointops in your own language rather than your agency's."),
)
async def me_lang(ctx: Context, args: dict[str, Any]) -> Reply:
    language = await settings.set_language(
        ctx.session, actor=ctx.member, value=args["lang"], now=ctx.now
    )
    ctx.tr = Translator(language)  # the confirmation is already in the new language
    return Reply(title=ctx._("From now on jointops answers you in English."))


@REGISTRY.command(
    "me tz",
    Param("ZONE", Kind.WORD, help=N_("IANA timezone, e.g. Europe/Paris")),
    summary=N_("Read times in your own timezone rather than your agency's."),
)
async def me_tz(ctx: Context, args: dict[str, Any]) -> Reply:
    zone = await settings.set_timezone(
        ctx.session, actor=ctx.member, value=args["zone"], now=ctx.now
    )
    ctx.tz = when.load_timezone(zone)
    return Reply(
        title=ctx._(
            "Times are now shown to you in {zone}: it is {now}.", zone=zone, now=ctx.when(ctx.now)
        )
    )
