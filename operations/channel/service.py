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
        raise NotPermitted("link", roles=(Role.ADMIN,), reason="linked_elsewhere")
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
