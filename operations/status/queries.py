"""SQL of status updates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from operations.agency.models import Agency
from operations.delivery.models import Delivery
from operations.member.models import Member
from operations.status.models import Ack, StatusUpdate

STATUS_KIND = "status"  # the kind of a status update's deliveries (EventKind.STATUS_POSTED)


async def latest(
    session: AsyncSession, operation_id: int, *, limit: int
) -> list[tuple[StatusUpdate, str]]:
    """The newest status updates of an operation with their authors' names."""
    rows = await session.execute(
        select(StatusUpdate, Member.display_name)
        .join(Member, Member.id == StatusUpdate.author_id)
        .where(StatusUpdate.operation_id == operation_id)
        .order_by(StatusUpdate.created_at.desc(), StatusUpdate.id.desc())
        .limit(limit)
    )
    return [(update, name) for update, name in rows]


async def next_number(session: AsyncSession, operation_id: int) -> int:
    """The number the operation's next status update takes (call with the operation locked)."""
    last = await session.scalar(
        select(func.max(StatusUpdate.number)).where(StatusUpdate.operation_id == operation_id)
    )
    return int(last or 0) + 1


async def by_number(session: AsyncSession, operation_id: int, number: int) -> StatusUpdate | None:
    found: StatusUpdate | None = await session.scalar(
        select(StatusUpdate).where(
            StatusUpdate.operation_id == operation_id, StatusUpdate.number == number
        )
    )
    return found


async def newest(session: AsyncSession, operation_id: int, *, asked: bool) -> StatusUpdate | None:
    """The operation's newest status update (`asked`: of those that asked for acks)."""
    stmt = select(StatusUpdate).where(StatusUpdate.operation_id == operation_id)
    if asked:
        stmt = stmt.where(StatusUpdate.ack_requested.is_(True))
    found: StatusUpdate | None = await session.scalar(
        stmt.order_by(StatusUpdate.number.desc()).limit(1)
    )
    return found


async def ack_for(
    session: AsyncSession, update_id: int, agency_id: int, *, lock: bool = False
) -> Ack | None:
    stmt = select(Ack).where(Ack.status_update_id == update_id, Ack.agency_id == agency_id)
    if lock:
        stmt = stmt.with_for_update()
    found: Ack | None = await session.scalar(stmt)
    return found


async def acks(session: AsyncSession, update_id: int) -> list[tuple[Ack, str | None]]:
    """The agencies asked to acknowledge an update, with who acknowledged for each."""
    rows = await session.execute(
        select(Ack, Member.display_name)
        .outerjoin(Member, Member.id == Ack.acknowledged_by_id)
        .where(Ack.status_update_id == update_id)
    )
    return [(ack, name) for ack, name in rows]


async def deliveries(
    session: AsyncSession, update_id: int
) -> list[tuple[int, str, datetime | None]]:
    """(agency, state, sent at) of every message that carried the update to a chat."""
    rows = await session.execute(
        select(Delivery.agency_id, Delivery.state, Delivery.sent_at).where(
            Delivery.kind == STATUS_KIND,
            Delivery.dedupe_key.like(f"status:{update_id}@%"),
            Delivery.agency_id.is_not(None),
        )
    )
    return [(agency, state, sent) for agency, state, sent in rows if agency is not None]


async def agencies(session: AsyncSession, ids: list[int]) -> dict[int, Agency]:
    if not ids:
        return {}
    found = await session.scalars(select(Agency).where(Agency.id.in_(ids)))
    return {agency.id: agency for agency in found}
