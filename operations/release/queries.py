"""SQL of release requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from operations.actor import Actor
from operations.db import change_lock
from operations.enums import ReleaseState, Role
from operations.operation.models import Operation
from operations.release.models import ReleaseRequest


def _loaded() -> tuple[Any, ...]:
    return (
        joinedload(ReleaseRequest.operation).joinedload(Operation.lead_agency),
        joinedload(ReleaseRequest.requester),
    )


async def by_id(
    session: AsyncSession, request_id: int, *, lock: bool = False
) -> ReleaseRequest | None:
    stmt = (
        select(ReleaseRequest)
        .options(*_loaded())
        .where(ReleaseRequest.id == request_id)
        .execution_options(populate_existing=True)  # rows a rolled-back trial run expired
    )
    if lock:
        stmt = change_lock(stmt, ReleaseRequest)
    return await session.scalar(stmt)


def _concerns(actor: Actor) -> ColumnElement[bool]:
    """The requests a member has a say in or asked for: their own, and, for a coordinator,
    those of operations their agency leads (admins and supervisors: every request)."""
    own = ReleaseRequest.requester_id == actor.member_id
    if actor.role == Role.COORDINATOR and actor.agency_id is not None:
        leads = select(Operation.id).where(Operation.lead_agency_id == actor.agency_id)
        return or_(own, ReleaseRequest.operation_id.in_(leads))
    return own


async def pending(session: AsyncSession, actor: Actor, *, now: datetime) -> list[ReleaseRequest]:
    """The pending, unexpired requests the member may see, oldest first."""
    stmt = (
        select(ReleaseRequest)
        .options(*_loaded())
        .where(ReleaseRequest.state == ReleaseState.PENDING, ReleaseRequest.expires_at > now)
        .order_by(ReleaseRequest.id)
    )
    if not actor.reads_everything:
        stmt = stmt.where(_concerns(actor))
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
