"""Bind chats to agencies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from operations import acting
from operations.acting import Action
from operations.actor import Actor
from operations.agency import service as agency_service
from operations.agency.models import Agency
from operations.audit import service as audit
from operations.channel import queries
from operations.channel.models import Channel
from operations.delivery import service as delivery_service
from operations.enums import Role
from operations.errors import Conflict, NotPermitted


@dataclass(frozen=True)
class Linked:
    """The channel now bound, and the agency it was bound to before, if another."""

    channel: Channel
    agency: Agency
    previous_agency_id: int | None


async def link_channel(
    session: AsyncSession,
    *,
    actor: Actor,
    agency_code: str,
    platform: str,
    workspace: str,
    external_id: str,
    title: str | None,
    now: datetime,
) -> Linked:
    """Bind a chat to an agency so that it receives that agency's updates."""
    agency = await agency_service.get_agency(session, code=agency_code)
    acting.require(actor, Action.LINK_CHAT, "link", subject_agency_id=agency.id)
    channel = await queries.by_chat(
        session, platform=platform, workspace=workspace, external_id=external_id
    )
    previous: int | None = None
    if channel is None:
        channel = Channel(
            platform=platform,
            workspace=workspace,
            external_id=external_id,
            title=(title or "")[:200] or None,
            agency_id=agency.id,
            created_at=now,
        )
        session.add(channel)
    elif channel.agency_id == agency.id:
        raise Conflict("channel", agency.code, reason="already_linked")
    elif actor.role != Role.ADMIN:
        # a chat that serves another agency moves only by an admin's hand
        raise NotPermitted("link", reason="linked_elsewhere", grants=(acting.ADMINS,))
    else:
        previous, channel.agency_id = channel.agency_id, agency.id
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="channel.link",
        subject=f"channel:{channel.id}",
        now=now,
        details={"agency": agency.code, "platform": platform, "chat": external_id},
        rows=[channel],
    )
    return Linked(channel=channel, agency=agency, previous_agency_id=previous)


@dataclass(frozen=True, slots=True)
class Destination:
    """A chat to deliver to, with the timezone and language its agency reads in."""

    platform: str
    workspace: str
    chat_id: str
    agency_id: int
    agency_code: str
    timezone: str
    language: str


async def destinations(session: AsyncSession, *, agency_ids: Sequence[int]) -> list[Destination]:
    """Every chat of these agencies (each chat once)."""
    return [
        Destination(c.platform, c.workspace, c.external_id, a.id, a.code, a.timezone, a.language)
        for c, a in await queries.of_agencies(session, sorted(set(agency_ids)))
    ]


async def chat_agency(
    session: AsyncSession, *, platform: str, workspace: str, external_id: str
) -> int | None:
    """The agency a chat is linked to, if any (a group chat reads as its agency)."""
    channel = await queries.by_chat(
        session, platform=platform, workspace=workspace, external_id=external_id
    )
    return channel.agency_id if channel else None


@dataclass(frozen=True)
class Unlinked:
    """The agency a chat was bound to, and how many queued messages will not be sent there."""

    agency: Agency
    cancelled: int


async def unlink_channel(
    session: AsyncSession,
    *,
    actor: Actor,
    platform: str,
    workspace: str,
    external_id: str,
    now: datetime,
) -> Unlinked:
    """Unbind a chat from its agency: nothing more goes there, queued messages included."""
    channel = await queries.by_chat(
        session, platform=platform, workspace=workspace, external_id=external_id
    )
    if channel is None:
        raise Conflict("channel", external_id, reason="not_linked")
    acting.require(actor, Action.LINK_CHAT, "unlink", subject_agency_id=channel.agency_id)
    agency = await session.get_one(Agency, channel.agency_id)
    return Unlinked(agency, await _unlink(session, channel, agency, actor=actor, now=now))


async def forget_chats(
    session: AsyncSession, *, actor: Actor, chats: Sequence[tuple[str, str, str]], now: datetime
) -> int:
    """Unlink those of these (platform, workspace, chat) that are linked: the private chats of
    a member being taken out, which the caller was allowed to do; returns how many."""
    unlinked = 0
    for platform, workspace, external_id in chats:
        channel = await queries.by_chat(
            session, platform=platform, workspace=workspace, external_id=external_id
        )
        if channel is not None:
            agency = await session.get_one(Agency, channel.agency_id)
            await _unlink(session, channel, agency, actor=actor, now=now)
            unlinked += 1
    return unlinked


async def _unlink(
    session: AsyncSession, channel: Channel, agency: Agency, *, actor: Actor, now: datetime
) -> int:
    chat = (channel.platform, channel.workspace, channel.external_id)
    cancelled = await delivery_service.cancel_to_chats(
        session, chats=[chat], agency_id=agency.id, reason="chat unlinked"
    )
    await session.delete(channel)
    await audit.record(
        session,
        actor=actor,
        action="channel.unlink",
        subject=f"channel:{channel.id}",
        now=now,
        details={
            "agency": agency.code,
            "platform": channel.platform,
            "chat": channel.external_id,
            "cancelled": cancelled,
        },
        gone=[channel],
    )
    return cancelled
