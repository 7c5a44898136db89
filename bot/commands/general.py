"""help, start, whoami, join and invite."""

from __future__ import annotations

from typing import Any

from bot.commands.base import REGISTRY
from bot.context import Context
from bot.i18n import N_
from bot.permissions import who
from bot.registry import Command, Kind, Param
from bot.reply import Field, Item, Reply, Tone
from operations import acting
from operations.acting import Action
from operations.enums import Role
from operations.member import service as member_service

KIND_HELP = {
    Kind.AGENCY: N_("an agency code, e.g. FR-OCLCTIC"),
    Kind.OPERATION: N_("an operation code, e.g. PANGEA-18"),
    Kind.TASK: N_("a task reference, e.g. PANGEA-18#12"),
    Kind.WHEN: N_('a time: 2026-12-01 18:00, "in 2h", "tomorrow 06:00"'),
    Kind.DURATION: N_("a duration: 90m, 4h, 1d"),
    Kind.TEXT: N_("text; put it in quotes"),
    Kind.CLOCK: N_("a time of day, e.g. 08:00"),
    Kind.SWITCH: N_("a switch, no value"),
}


def _explain(ctx: Context, param: Param) -> str:
    """One line of `help COMMAND`: the parameter, what it is, and its valid values."""
    _ = ctx._
    text = _(param.help) if param.help else _(KIND_HELP.get(param.kind, N_("a word")))
    if param.choices:
        text = _("{text}; one of: {choices}", text=text, choices=", ".join(param.choices))
    return f"{ctx.tr.isolate(param.usage())}: {text}"


def _visible(command: Command, ctx: Context) -> bool:
    if ctx.actor is None:
        return command.public
    return acting.may_attempt(command.action, ctx.actor.role)


@REGISTRY.command(
    "help",
    Param("COMMAND", Kind.WORD, required=False, help=N_("a command, e.g. task")),
    Param("SUB", Kind.WORD, required=False, help=N_("one of its subcommands, e.g. add")),
    summary=N_("Show the commands you can use, or how to use one."),
    public=True,
)
async def help_(ctx: Context, args: dict[str, Any]) -> Reply:
    _ = ctx._
    name = (args["command"] or "").lower().lstrip("/")
    if name:
        commands = ctx.registry.group(name)
        if args["sub"]:
            commands = [c for c in commands if c.sub == args["sub"].lower()]
        if not commands:
            typed = " ".join(filter(None, [name, args["sub"]]))
            return Reply(
                title=_("No command {name}. Type help to see them all.", name=typed),
                tone=Tone.ERROR,
                private=True,
            )
        reply = Reply(
            title=_("Help: {name}", name=commands[0].path if args["sub"] else name),
            tone=Tone.INFO,
            private=True,
        )
        for command in commands:
            reply.items.append(Item(f"{ctx.tr.isolate(command.usage())} — {_(command.summary)}"))
            if len(commands) == 1 or command.sub is None:  # the bare one of a group: invite
                reply.lines.extend(_explain(ctx, p) for p in command.params)
                if command.action is not None:
                    grants = acting.ACTING[command.action]
                    reply.fields.append(Field(_("Who"), who(ctx.tr, grants)))
        return reply
    reply = Reply(title=_("jointops commands"), tone=Tone.INFO, private=True)
    for command in ctx.registry.all():
        if _visible(command, ctx):
            reply.items.append(Item(f"{ctx.tr.isolate(command.usage())} — {_(command.summary)}"))
    if ctx.actor is None:
        reply.lines.append(
            _("You are not a member yet: ask a coordinator for an invite, then send join CODE.")
        )
    reply.lines.append(_("Type help COMMAND for details, e.g. help task."))
    return reply


@REGISTRY.command(
    "start",
    Param("CODE", Kind.WORD, required=False, help=N_("an invite code, as in a deep link")),
    summary=N_("Welcome and help; start CODE redeems an invite."),
    public=True,
)
async def start(ctx: Context, args: dict[str, Any]) -> Reply:
    if args["code"]:
        return await join(ctx, args)
    reply = await help_(ctx, {"command": None, "sub": None})
    reply.title = ctx._("Welcome to jointops, the bot of joint operations.")
    return reply


@REGISTRY.command(
    "join",
    Param("CODE", Kind.WORD, help=N_("the invite code you were given")),
    summary=N_("Join with an invite code."),
    public=True,
)
async def join(ctx: Context, args: dict[str, Any]) -> Reply:
    inv = ctx.invocation
    if inv.seen_by_chat:  # everyone in the chat read the code: whoever sends it first wins
        await member_service.void_code(
            ctx.session, code=args["code"], platform=inv.platform, actor=ctx.actor, now=ctx.now
        )
        return Reply(
            title=ctx._(
                "That code was posted in a group chat, so it is now void; ask for a new one"
                " and send it to me in private."
            ),
            tone=Tone.ERROR,
            private=True,
        )
    joined = await member_service.redeem_code(
        ctx.session,
        code=args["code"],
        platform=inv.platform,
        workspace=inv.workspace,
        external_id=inv.user_id,
        display_name=inv.user_name,
        now=ctx.now,
    )
    member, agency = joined.member, joined.agency
    ctx.read_as(member, agency)  # the welcome is in the new member's language
    _ = ctx._
    if joined.linked:
        return Reply(
            title=_(
                "This {platform} account is now linked to {name}.",
                platform=inv.platform,
                name=member.display_name,
            ),
            lines=[
                _(
                    "You act here as {role} of {agency}, as on your other accounts.",
                    role=_(member.role),
                    agency=agency.code if agency else "—",
                )
            ],
            private=True,
        )
    assert agency is not None
    return Reply(
        title=_("Welcome, {name}.", name=member.display_name),
        lines=[
            _(
                "You joined {agency} ({agency_name}) as {role}.",
                agency=agency.code,
                agency_name=agency.name,
                role=_(member.role),
            )
        ],
        fields=[Field(_("Timezone"), agency.timezone)],
        private=True,
    )


@REGISTRY.command(
    "connect",
    summary=N_("Link another chat account (Telegram, Slack) to you: get a one-time code."),
    private=True,
)
async def connect(ctx: Context, args: dict[str, Any]) -> Reply:
    code, expires = await member_service.create_link_code(
        ctx.session, actor=ctx.member, now=ctx.now
    )
    _ = ctx._
    return Reply(
        title=_("Link another account to {name}", name=ctx.member.name),
        lines=[_("From the other account, send this to the bot within the hour:"), f"join {code}"],
        fields=[Field(_("Expires"), ctx.when(expires))],
        private=True,
    )


@REGISTRY.command("whoami", summary=N_("Show your name, agency, role and accounts."), private=True)
async def whoami(ctx: Context, args: dict[str, Any]) -> Reply:
    actor = ctx.member
    _ = ctx._
    identities = await member_service.identities(ctx.session, member_id=actor.member_id)
    return Reply(
        title=actor.name,
        fields=[
            Field(_("Agency"), actor.agency_code or "—"),
            Field(_("Role"), _(actor.role)),
            Field(_("Timezone"), ctx.tz.key),
            Field(_("Accounts"), ", ".join(f"{i.platform}:{i.display_name}" for i in identities)),
        ],
        private=True,
    )


@REGISTRY.command(
    "invite",
    Param("AGENCY", Kind.AGENCY, help=N_("the agency the newcomer will belong to")),
    Param(
        "ROLE",
        Kind.CHOICE,
        flag="role",
        choices=tuple(Role),
        help=N_("coordinators may invite liaisons and observers"),
    ),
    summary=N_("Make a one-time invite code (valid 72 hours)."),
    action=Action.MANAGE_PEOPLE,
    private=True,
)
async def invite(ctx: Context, args: dict[str, Any]) -> Reply:
    issued = await member_service.create_invite(
        ctx.session,
        actor=ctx.member,
        agency_code=args["agency"],
        role=Role(args["role"]),
        now=ctx.now,
    )
    _ = ctx._
    return Reply(
        title=_(
            "Invite: {role} of {agency}", role=_(issued.invite.role), agency=issued.agency.code
        ),
        lines=[
            _("The newcomer sends this to the bot, once, within 72 hours:"),
            f"join {issued.code}",
        ],
        fields=[Field(_("Expires"), ctx.when(issued.invite.expires_at))],
        private=True,
    )
