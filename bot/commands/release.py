"""Four eyes: op four-eyes, and release list, approve and reject of held actions."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from bot import holding
from bot.commands.base import OPERATION, REGISTRY
from bot.context import Context, Invocation, Reader
from bot.errors import describe
from bot.i18n import N_
from bot.parser import UsageError
from bot.registry import Kind, Param
from bot.reply import Button, Item, Reply, Tone, UserText
from operations import acting
from operations.acting import Action
from operations.errors import DomainError
from operations.release import service as release_service
from operations.release.models import REASON_MAX, ReleaseRequest

_REF = re.compile(r"R-?(\d{1,9})", re.IGNORECASE)
REQUEST = Param("R-N", Kind.WORD, help=N_("a held request, e.g. R-12"))


def _number(text: str) -> int:
    match = _REF.fullmatch(text.strip())
    if match is None:
        raise UsageError(N_("{value} is not a release request (like R-12)."), value=text)
    return int(match.group(1))


@REGISTRY.command(
    "op four-eyes",
    OPERATION,
    Param(
        "SWITCH", Kind.CHOICE, choices=("on", "off"), help=N_("hold actions for a second person")
    ),
    summary=N_(
        "Turn four eyes on or off: broadcasts, closing, membership and exports wait for a second person."
    ),
    action=Action.RUN_OPERATION,
    held=lambda args: args["switch"] == "off",
)
async def op_four_eyes(ctx: Context, args: dict[str, Any]) -> Reply:
    on = args["switch"] == "on"
    operation = await release_service.set_four_eyes(
        ctx.session, actor=ctx.member, code=args["code"], on=on, now=ctx.now
    )
    _ = ctx._
    if on:
        return Reply(
            title=_("Four eyes are on for {code}.", code=operation.code),
            lines=[
                _(
                    "Status updates, op close, op join, op remove, op four-eyes off and export "
                    "now wait until an admin or a coordinator of {lead} other than the asker "
                    "approves them.",
                    lead=operation.lead_agency.code,
                )
            ],
        )
    return Reply(title=_("Four eyes are off for {code}.", code=operation.code))


def _item(ctx: Context, held: ReleaseRequest) -> Item:
    """One held request: what, on which operation, by whom, until when; the decision buttons
    for whoever may decide it (never its requester)."""
    item = Item(
        ctx._(
            "{ref} — {code}, asked by {name}, expires {when}: {command}",
            ref=held.ref,
            code=held.operation.code,
            name=held.requester.display_name,
            when=ctx.when(held.expires_at),
            command=held.command,
        ),
        key=held.ref,
    )
    if held.requester_id != ctx.member.member_id and acting.may_attempt(
        Action.RELEASE, ctx.member.role
    ):
        item.buttons = [
            Button(ctx._("Approve"), f"release approve {held.ref}"),
            Button(ctx._("Reject"), f"release reject {held.ref}"),
        ]
    return item


@REGISTRY.command(
    "release list",
    summary=N_("The held requests you asked for or may approve."),
    private=True,
)
async def release_list(ctx: Context, args: dict[str, Any]) -> Reply:
    found = await release_service.pending(ctx.session, actor=ctx.member, now=ctx.now)
    reply = Reply(
        title=ctx.tr.ngettext(
            "{count} request waits for release", "{count} requests wait for release", len(found)
        ),
        items=[_item(ctx, held) for held in found],
    )
    if not found:
        reply.lines.append(ctx._("Nothing is waiting for a second pair of eyes."))
    return reply


@REGISTRY.command(
    "release approve",
    REQUEST,
    summary=N_("Approve a held request: it runs as its requester asked it."),
    action=Action.RELEASE,
)
async def release_approve(ctx: Context, args: dict[str, Any]) -> Reply:
    held = await release_service.decide(
        ctx.session,
        actor=ctx.member,
        number=_number(args["r_n"]),
        approve=True,
        reason=None,
        now=ctx.now,
    )
    requester = await holding.requester(ctx.session, held, now=ctx.now, defaults=ctx.defaults)
    outcome = await _release(ctx, held, requester.reader)
    _ = ctx._
    name = held.requester.display_name
    if outcome.tone == Tone.ERROR:
        why = outcome.title
        await release_service.record_decision(
            ctx.session, actor=ctx.member, held=held, now=ctx.now, failed=why
        )
        await holding.tell_requester(
            ctx.session, held, _could_not_run(held, ctx.member.name, why), to=requester
        )
        return Reply(
            title=_("{ref} was approved but could not run.", ref=held.ref),
            tone=Tone.ERROR,
            lines=[why, _("{name} is told.", name=name)],
        )
    await release_service.record_decision(ctx.session, actor=ctx.member, held=held, now=ctx.now)
    await holding.tell_requester(
        ctx.session, held, _ran(held, ctx.member.name, outcome), to=requester
    )
    return Reply(
        title=_("{ref} approved and run as {name} asked.", ref=held.ref, name=name),
        lines=[UserText(held.command)],
    )


@REGISTRY.command(
    "release reject",
    REQUEST,
    Param("reason", Kind.TEXT, required=False, max_length=REASON_MAX, help=N_("why not")),
    summary=N_("Reject a held request; its requester is told why."),
    action=Action.RELEASE,
)
async def release_reject(ctx: Context, args: dict[str, Any]) -> Reply:
    held = await release_service.decide(
        ctx.session,
        actor=ctx.member,
        number=_number(args["r_n"]),
        approve=False,
        reason=args["reason"],
        now=ctx.now,
    )
    await release_service.record_decision(ctx.session, actor=ctx.member, held=held, now=ctx.now)

    def told(r: Reader) -> Reply:
        reply = Reply(
            title=r._(
                "Your request {ref} on {code} was rejected by {name}.",
                ref=held.ref,
                code=held.operation.code,
                name=ctx.member.name,
            ),
            lines=[UserText(held.command)],
            tone=Tone.ERROR,
            private=True,
        )
        if held.reason:
            reply.lines.append(UserText(held.reason))
        return reply

    requester = await holding.requester(ctx.session, held, now=ctx.now, defaults=ctx.defaults)
    await holding.tell_requester(ctx.session, held, told, to=requester)
    return Reply(
        title=ctx._(
            "{ref} rejected; {name} is told.", ref=held.ref, name=held.requester.display_name
        )
    )


async def _release(ctx: Context, held: ReleaseRequest, reader: Reader) -> Reply:
    """Run the held command line as its requester, in a savepoint: the reply they read (in
    their language), an error reply when it could no longer be done (nothing of it kept)."""
    assert ctx.run_as is not None, "the dispatcher runs release approve"
    as_asked = Invocation(
        platform=held.platform,
        workspace=held.workspace,
        chat_id=held.chat_id,
        user_id=held.user_id,
        user_name=held.requester.display_name,
        text=held.command,
        private_chat=True,  # its reply goes to the requester alone
        released=held.ref,
    )
    try:
        async with ctx.session.begin_nested():
            outcome = await ctx.run_as(as_asked)
            if outcome.tone == Tone.ERROR:
                raise _Refused(outcome)
    except _Refused as refused:
        return refused.reply
    except (DomainError, UsageError) as error:
        return Reply(title=describe(error, reader.tr), tone=Tone.ERROR)
    return outcome


class _Refused(Exception):
    """Leaves the savepoint of a released command that answered with a refusal."""

    def __init__(self, reply: Reply) -> None:
        super().__init__()
        self.reply = reply


def _ran(held: ReleaseRequest, approver: str, outcome: Reply) -> Callable[[Reader], Reply]:
    """The requester's message: approved by whom, then the reply of what ran."""

    def build(r: Reader) -> Reply:
        told = r._(
            "Your request {ref} was approved by {name} and has run.", ref=held.ref, name=approver
        )
        return replace(outcome, lines=[told, *outcome.lines], private=True)

    return build


def _could_not_run(held: ReleaseRequest, approver: str, why: str) -> Callable[[Reader], Reply]:
    """The requester's message: approved, but refused when run (why, in their language)."""

    def build(r: Reader) -> Reply:
        return Reply(
            title=r._(
                "Your request {ref} was approved by {name} but could not run.",
                ref=held.ref,
                name=approver,
            ),
            lines=[UserText(held.command), why],
            tone=Tone.ERROR,
            private=True,
        )

    return build
