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


async def acks(
    session: AsyncSession, update_ids: list[int]
) -> dict[int, list[tuple[Ack, str | None]]]:
    """Per update: the agencies asked to acknowledge it, with who acknowledged for each."""
    found: dict[int, list[tuple[Ack, str | None]]] = {update_id: [] for update_id in update_ids}
    if not update_ids:
        return found
    rows = await session.execute(
        select(Ack, Member.display_name)
        .outerjoin(Member, Member.id == Ack.acknowledged_by_id)
        .where(Ack.status_update_id.in_(update_ids))
    )
    for ack, name in rows:
        found[ack.status_update_id].append((ack, name))
    return found


async def deliveries(
    session: AsyncSession, operation_id: int, update_ids: list[int]
) -> dict[int, list[tuple[int, str, datetime | None]]]:
    """Per update of the operation: (agency, state, sent at) of every message that carried it
    to a chat (its key: `status:ID@chat`)."""
    found: dict[int, list[tuple[int, str, datetime | None]]] = {i: [] for i in update_ids}
    if not update_ids:
        return found
    stmt = select(Delivery.dedupe_key, Delivery.agency_id, Delivery.state, Delivery.sent_at).where(
        Delivery.kind == STATUS_KIND, Delivery.agency_id.is_not(None)
    )
    if len(update_ids) == 1:  # one update: its keys, through the unique key's index
        stmt = stmt.where(Delivery.dedupe_key.like(f"status:{update_ids[0]}@%"))
    else:
        stmt = stmt.where(Delivery.operation_id == operation_id)
    for key, agency, state, sent in await session.execute(stmt):
        update_id = key.partition("@")[0].removeprefix("status:")
        if agency is not None and update_id.isdigit() and int(update_id) in found:
            found[int(update_id)].append((agency, state, sent))
    return found


async def agencies(session: AsyncSession, ids: list[int]) -> dict[int, Agency]:
    if not ids:
        return {}
    found = await session.scalars(select(Agency).where(Agency.id.in_(ids)))
    return {agency.id: agency for agency in found}
