"""agency add, agency list, agency edit, link and unlink."""

from __future__ import annotations

from typing import Any

from bot.commands.base import AGENCY, REGISTRY
from bot.context import Context
from bot.i18n import N_
from bot.parser import UsageError
from bot.registry import Kind, Param
from bot.reply import Field, Item, Reply
from operations.acting import Action
from operations.agency import service as agency_service
from operations.channel import service as channel_service
from operations.enums import Language
from operations.validation import NAME_MAX

LANG_FLAG = Param(
    "LANG",
    Kind.CHOICE,
    flag="lang",
    required=False,
    choices=tuple(Language),
    help=N_("working language (en by default)"),
)


@REGISTRY.command(
    "agency add",
    AGENCY,
    Param("Name", Kind.TEXT, max_length=NAME_MAX, help=N_("the agency's full name")),
    Param("CC", Kind.WORD, flag="country", help=N_("ISO 3166-1 alpha-2 country code, e.g. FR")),
    Param("TZ", Kind.WORD, flag="tz", help=N_("IANA timezone, e.g. Europe/Paris")),
    LANG_FLAG,
    summary=N_("Register an agency."),
    action=Action.MANAGE_AGENCIES,
)
async def agency_add(ctx: Context, args: dict[str, Any]) -> Reply:
    agency = await agency_service.add_agency(
        ctx.session,
        actor=ctx.member,
        code=args["agency"],
        name=args["name"],
        country=args["country"],
        timezone=args["tz"],
        language=args["lang"] or Language.EN,
        now=ctx.now,
    )
    _ = ctx._
    return Reply(
        title=_("Agency {code} added.", code=agency.code),
        fields=[
            Field(_("Name"), agency.name),
            Field(_("Country"), agency.country),
            Field(_("Timezone"), agency.timezone),
            Field(_("Language"), agency.language),
        ],
        lines=[_("Next: invite its people with invite {code} --role liaison.", code=agency.code)],
    )


@REGISTRY.command("agency list", summary=N_("List the agencies."))
async def agency_list(ctx: Context, args: dict[str, Any]) -> Reply:
    rows = await agency_service.list_agencies(ctx.session)
    _ = ctx._
    reply = Reply(title=ctx.tr.ngettext("{count} agency", "{count} agencies", len(rows)))
    for agency, members, chats in rows:
        reply.items.append(
            Item(
                _(
                    "{code} — {name} ({country}, {tz}, {lang}): {members}, {chats}",
                    code=agency.code,
                    name=agency.name,
                    country=agency.country,
                    tz=agency.timezone,
                    lang=agency.language,
                    members=ctx.tr.ngettext("{count} member", "{count} members", members),
                    chats=ctx.tr.ngettext("{count} chat", "{count} chats", chats),
                )
            )
        )
    if not rows:
        reply.lines.append(_("No agency yet. An admin adds one with agency add."))
    return reply


@REGISTRY.command(
    "link",
    AGENCY,
    summary=N_("Bind this chat to an agency: it will receive that agency's updates."),
    action=Action.LINK_CHAT,
)
async def link(ctx: Context, args: dict[str, Any]) -> Reply:
    inv = ctx.invocation
    if inv.platform == "console":
        raise UsageError(N_("The console cannot receive updates: link a Telegram or Slack chat."))
    linked = await channel_service.link_channel(
        ctx.session,
        actor=ctx.member,
        agency_code=args["agency"],
        platform=inv.platform,
        workspace=inv.workspace,
        external_id=inv.chat_id,
        title=inv.chat_title,
        now=ctx.now,
    )
    _ = ctx._
    reply = Reply(
        title=_("This chat now receives the updates of {agency}.", agency=linked.agency.code)
    )
    if linked.previous_agency_id is not None:
        reply.lines.append(_("It no longer receives those of its former agency."))
    return reply


@REGISTRY.command(
    "agency edit",
    AGENCY,
    Param(
        "Name",
        Kind.TEXT,
        flag="name",
        required=False,
        max_length=NAME_MAX,
        help=N_("its full name"),
    ),
    Param("TZ", Kind.WORD, flag="tz", required=False, help=N_("IANA timezone, e.g. Europe/Paris")),
    LANG_FLAG,
    summary=N_("Change an agency's name, timezone or language."),
    action=Action.MANAGE_AGENCIES,
)
async def agency_edit(ctx: Context, args: dict[str, Any]) -> Reply:
    agency, changes = await agency_service.edit_agency(
        ctx.session,
        actor=ctx.member,
        code=args["agency"],
        name=args["name"],
        timezone=args["tz"],
        language=args["lang"],
        now=ctx.now,
    )
    _ = ctx._
    labels = {"name": _("Name"), "timezone": _("Timezone"), "language": _("Language")}
    return Reply(
        title=_("Agency {code} updated.", code=agency.code),
        fields=[
            Field(labels[field], f"{before} → {after}")
            for field, (before, after) in changes.items()
        ],
    )


@REGISTRY.command(
    "unlink",
    summary=N_("Unbind this chat: it no longer receives its agency's updates."),
    action=Action.LINK_CHAT,
)
async def unlink(ctx: Context, args: dict[str, Any]) -> Reply:
    inv = ctx.invocation
    unlinked = await channel_service.unlink_channel(
        ctx.session,
        actor=ctx.member,
        platform=inv.platform,
        workspace=inv.workspace,
        external_id=inv.chat_id,
        now=ctx.now,
    )
    reply = Reply(
        title=ctx._(
            "This chat no longer receives the updates of {agency}.", agency=unlinked.agency.code
        )
    )
    if unlinked.cancelled:
        reply.lines.append(
            ctx.tr.ngettext(
                "{count} queued message will not be sent.",
                "{count} queued messages will not be sent.",
                unlinked.cancelled,
            )
        )
    return reply
