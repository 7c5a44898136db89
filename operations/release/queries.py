"""SQL of release requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from operations import acting
from operations.acting import Action, Stance
from operations.actor import Actor
from operations.db import change_lock
from operations.enums import ParticipationRole, ReleaseState
from operations.operation.models import Operation, Participation
from operations.release.models import ReleaseRequest


def _loaded() -> tuple[Any, ...]:
    return (
        joinedload(ReleaseRequest.operation).joinedload(Operation.lead_agency),
        joinedload(ReleaseRequest.requester),
    )


async def by_id(
    session: AsyncSession, request_id: int, *, lock: bool = False, actor: Actor | None = None
) -> ReleaseRequest | None:
    """The request; with `actor`, only if they may know of it (`known_to`)."""
    stmt = (
        select(ReleaseRequest)
        .options(*_loaded())
        .where(ReleaseRequest.id == request_id)
        .execution_options(populate_existing=True)  # rows a rolled-back trial run expired
    )
    if actor is not None:
        stmt = stmt.where(known_to(actor))
    if lock:
        stmt = change_lock(stmt, ReleaseRequest)
    return await session.scalar(stmt)


def known_to(actor: Actor) -> ColumnElement[bool]:
    """A WHERE clause on ReleaseRequest: the requests the member may know exist (need to
    know). Its requester (the member, on any of their accounts); whoever may decide it (the
    acting table's Action.RELEASE: admins, coordinators of the operation's lead agency); and
    whoever reads everything (the knowing policy: admins, supervisors). To anyone else a
    request is as one that does not exist: `release list`, approve and reject alike."""
    if actor.reads_everything or acting.permits(Action.RELEASE, role=actor.role):
        return true()
    own = ReleaseRequest.requester_id == actor.member_id
    deciding = [
        ParticipationRole(stance)
        for stance in Stance
        if stance != Stance.NONE and acting.permits(Action.RELEASE, role=actor.role, stance=stance)
    ]
    if not deciding or actor.agency_id is None:
        return own
    decides = select(Participation.operation_id).where(
        Participation.agency_id == actor.agency_id, Participation.role.in_(deciding)
    )
    return or_(own, ReleaseRequest.operation_id.in_(decides))


async def pending(session: AsyncSession, actor: Actor, *, now: datetime) -> list[ReleaseRequest]:
    """The pending, unexpired requests the member may see, oldest first."""
    stmt = (
        select(ReleaseRequest)
        .options(*_loaded())
        .where(ReleaseRequest.state == ReleaseState.PENDING, ReleaseRequest.expires_at > now)
        .where(known_to(actor))
        .order_by(ReleaseRequest.id)
    )
    return list(await session.scalars(stmt))


async def expired(session: AsyncSession, *, now: datetime, limit: int) -> list[ReleaseRequest]:
    """Pending requests whose time is up, locked (another sweep skips them)."""
    stmt = (
        select(ReleaseRequest)
        .options(*_loaded())
        .where(ReleaseRequest.state == ReleaseState.PENDING, ReleaseRequest.expires_at <= now)
        .order_by(ReleaseRequest.expires_at)
        .limit(limit)
        .with_for_update(key_share=True, skip_locked=True, of=ReleaseRequest)
    )
    return list(await session.scalars(stmt))
