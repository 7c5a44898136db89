"""A member's own language and timezone (`me lang`, `me tz`): theirs to set, and audited."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from operations import validation
from operations.actor import Actor
from operations.audit import service as audit
from operations.errors import NotFound
from operations.member.models import Member


async def _own(session: AsyncSession, actor: Actor) -> Member:
    member = await session.get(Member, actor.member_id)
    if member is None:
        raise NotFound("member", str(actor.member_id))
    return member


async def set_language(session: AsyncSession, *, actor: Actor, value: str, now: datetime) -> str:
    """The member now reads in `value` (one of the working languages); returns it."""
    language = validation.language(value)
    member = await _own(session, actor)
    before = str(member.language or "")
    member.language = language
    await _record(session, actor, member, "language", before, language, now)
    return str(language)


async def set_timezone(session: AsyncSession, *, actor: Actor, value: str, now: datetime) -> str:
    """The member now reads times in the IANA zone `value`; returns its canonical name."""
    zone = validation.timezone(value)
    member = await _own(session, actor)
    before = member.timezone or ""
    member.timezone = zone
    await _record(session, actor, member, "timezone", before, zone, now)
    return zone


async def _record(
    session: AsyncSession,
    actor: Actor,
    member: Member,
    field: str,
    before: str,
    after: str,
    now: datetime,
) -> None:
    await audit.record(
        session,
        actor=actor,
        action="member.settings",
        subject=f"member:{member.id}",
        now=now,
        details={field: {"from": before or None, "to": after}},
        rows=[member],
    )
