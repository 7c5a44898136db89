"""Four eyes: a command that must wait for a second person is tried, then held as `R-N`.

In an operation with four eyes on, the commands declared `held` (status, op close, op join,
op remove, op four-eyes off, export) are run once in a savepoint that is rolled back: what
would refuse them now (the acting policy, a closed operation, open tasks) refuses them at
once; otherwise nothing of them remains but a release request, and the lead agency's
coordinators get it in private with Approve and Reject buttons. `release approve` runs the
command line as its requester (bot.dispatcher, Context.run_as).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot import notify
from bot.context import Context, Defaults, Reader
from bot.registry import Command
from bot.reply import Button, Reply, Tone, UserText
from operations import events
from operations.agency.models import Agency
from operations.member import service as member_service
from operations.member.models import Member
from operations.release import service as release_service
from operations.release.models import ReleaseRequest


class _Tried(Exception):
    """Leaves the savepoint of a trial run, rolling it back, with the reply it gave."""

    def __init__(self, reply: Reply) -> None:
        super().__init__()
        self.reply = reply


async def hold(ctx: Context, command: Command, args: dict[str, Any]) -> Reply | None:
    """The reply saying the command is held, or None when it runs now (no four eyes, or a
    released request). A command that would be refused is answered with that refusal."""
    if command.held is None or ctx.invocation.released or not command.held(args):
        return None
    operation = await release_service.holds(ctx.session, code=str(args["code"]))
    if operation is None:
        return None
    try:
        async with ctx.session.begin_nested():
            tried = await command.handler(ctx, args)
            events.take(ctx.session)  # nothing of the trial is published
            raise _Tried(tried)
    except _Tried as trial:
        if trial.reply.tone == Tone.ERROR:
            return trial.reply
    inv = ctx.invocation
    held = await release_service.request(
        ctx.session,
        actor=ctx.member,
        operation=operation,
        command=inv.text,
        account=(inv.platform, inv.workspace, inv.user_id, inv.chat_id),
        now=ctx.now,
    )
    asked = await _ask_approvers(ctx, held)
    _ = ctx._
    reply = Reply(
        title=_(
            "Held for release as {ref}: {code} has four eyes on.",
            ref=held.ref,
            code=operation.code,
        ),
        lines=[
            _(
                "An admin or a coordinator of {lead} other than you approves it with "
                "release approve {ref}; it expires at {when}. You are told the outcome.",
                lead=operation.lead,
                ref=held.ref,
                when=ctx.when(held.expires_at),
            )
        ],
        buttons=[Button(_("Pending requests"), "release list")],
    )
    if not asked:
        reply.lines.append(
            _(
                "No other coordinator of {lead} can be reached in private: tell an admin.",
                lead=operation.lead,
            )
        )
    return reply


async def _ask_approvers(ctx: Context, held: ReleaseRequest) -> int:
    """The request, with Approve and Reject, to each coordinator of the lead agency but the
    requester, in private; returns how many people it went to."""
    lead = held.operation.lead_agency_id
    asked = 0
    for member, agency, _accounts in await member_service.coordinator_accounts(
        ctx.session, agency_id=lead
    ):
        if member.id == held.requester_id:
            continue
        reader = _reader(member, agency, now=ctx.now, defaults=ctx.defaults)
        chats = await notify.to_person(
            ctx.session,
            reader=reader,
            member=member,
            agency=agency,
            build=lambda r: approval_request(r, held),
            kind="release",
            key=f"release:{held.id}:ask:{member.id}",
            now=ctx.now,
            operation_id=held.operation_id,
        )
        asked += 1 if chats else 0
    return asked


def approval_request(r: Reader, held: ReleaseRequest) -> Reply:
    """What an approver reads: who asks for what, until when, and the two buttons."""
    return Reply(
        title=r._(
            "{ref}: {name} asks to run on {code}:",
            ref=held.ref,
            name=held.requester.display_name,
            code=held.operation.code,
        ),
        lines=[
            UserText(held.command),
            r._("Expires at {when}.", when=r.when(held.expires_at)),
        ],
        buttons=[
            Button(r._("Approve"), f"release approve {held.ref}"),
            Button(r._("Reject"), f"release reject {held.ref}"),
        ],
        private=True,
    )


def _reader(member: Member, agency: Agency | None, *, now: datetime, defaults: Defaults) -> Reader:
    """How a person reads: their own language and zone, else their agency's, else the
    dispatcher's defaults."""
    return notify.person_reader(
        member,
        agency,
        now=now,
        default_timezone=defaults.timezone,
        default_language=defaults.language,
    )


@dataclass(frozen=True, slots=True)
class Requester:
    """A request's requester as they are told of it: their agency (read once) and how they
    read."""

    agency: Agency | None
    reader: Reader


async def requester(
    session: AsyncSession, held: ReleaseRequest, *, now: datetime, defaults: Defaults
) -> Requester:
    """A request's requester: their agency, their language and zone."""
    agency = await member_service.agency_of(session, member=held.requester)
    return Requester(agency, _reader(held.requester, agency, now=now, defaults=defaults))


async def tell_requester(
    session: AsyncSession, held: ReleaseRequest, build: Callable[[Reader], Reply], *, to: Requester
) -> None:
    """What became of a request, to its requester in private (once per outcome)."""
    await notify.to_person(
        session,
        reader=to.reader,
        member=held.requester,
        agency=to.agency,
        build=build,
        kind="release",
        key=f"release:{held.id}:{held.state}",
        now=to.reader.now,
        operation_id=held.operation_id,
    )


async def expire(session: AsyncSession, *, now: datetime, defaults: Defaults) -> int:
    """Requests whose 24 hours are up without a decision: expired, each requester told."""
    found = await release_service.expire(session, now=now)
    for held in found:

        def told(r: Reader, held: ReleaseRequest = held) -> Reply:
            return Reply(
                title=r._(
                    "Your request {ref} on {code} expired: nobody approved it within 24 hours.",
                    ref=held.ref,
                    code=held.operation.code,
                ),
                lines=[UserText(held.command), r._("Ask again if it is still needed.")],
                tone=Tone.ERROR,
                private=True,
            )

        to = await requester(session, held, now=now, defaults=defaults)
        await tell_requester(session, held, told, to=to)
    return len(found)
