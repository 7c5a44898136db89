"""SQL of operations and participations."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from operations import access, db
from operations.actor import Actor
from operations.agency.models import Agency
from operations.enums import (
    OPEN_TASK_STATUSES,
    REMINDING_OPERATION_STATUSES,
    OperationStatus,
    ParticipationRole,
    TaskStatus,
)
from operations.operation.models import Operation, Participation
from operations.status.models import StatusUpdate
from operations.summary.queries import ROLE_ORDER
from operations.task.models import Task


async def by_code(session: AsyncSession, code: str) -> Operation | None:
    return await session.scalar(select(Operation).where(Operation.code == code))


async def visible_by_code(
    session: AsyncSession, actor: Actor, code: str, *, lock: bool = False
) -> Operation | None:
    """The operation if it exists and the actor may know of it, with its lead agency."""
    stmt = _visible_by_code(actor.reads_everything, lock)
    return await session.scalar(stmt, {"code": code, "agency_id": actor.agency_id})


@cache
def _visible_by_code(everything: bool, lock: bool) -> Select[Operation]:
    """Built once per kind of reader and lock: most commands start with it."""
    stmt = (
        select(Operation)
        .options(joinedload(Operation.lead_agency))
        .where(Operation.code == bindparam("code"))
    )
    if not everything:
        stmt = stmt.where(access.participates(bindparam("agency_id")))
    if lock:
        stmt = db.change_lock(stmt, Operation)
    return stmt


async def participations(session: AsyncSession, operation_id: int) -> list[Participation]:
    rows = await session.scalars(
        select(Participation)
        .options(joinedload(Participation.agency))
        .join(Agency, Agency.id == Participation.agency_id)
        .where(Participation.operation_id == operation_id)
        .order_by(ROLE_ORDER, Agency.code)
    )
    return list(rows)


async def participation(
    session: AsyncSession, operation_id: int, agency_id: int
) -> Participation | None:
    params = {"operation_id": operation_id, "agency_id": agency_id}
    return await session.scalar(_participation(), params)


@cache
def _participation() -> Select[Participation]:
    return select(Participation).where(
        Participation.operation_id == bindparam("operation_id"),
        Participation.agency_id == bindparam("agency_id"),
    )


async def list_visible(
    session: AsyncSession, actor: Actor, *, statuses: tuple[OperationStatus, ...]
) -> list[tuple[Operation, int, int]]:
    """Visible operations in these states with their agency and open-task counts."""
    agencies = (
        select(func.count(Participation.id))
        .where(Participation.operation_id == Operation.id)
        .scalar_subquery()
    )
    open_tasks = (
        select(func.count(Task.id))
        .where(Task.operation_id == Operation.id, Task.status.in_(OPEN_TASK_STATUSES))
        .scalar_subquery()
    )
    rows = await session.execute(
        select(Operation, agencies, open_tasks)
        .options(joinedload(Operation.lead_agency))
        .where(Operation.status.in_(statuses), access.visible_operations(actor))
        .order_by(Operation.code)
    )
    return [(op, n_agencies, n_open) for op, n_agencies, n_open in rows]


async def participant_agency_ids(
    session: AsyncSession, operation_id: int, *, roles: tuple[ParticipationRole, ...] | None = None
) -> list[int]:
    stmt = select(Participation.agency_id).where(Participation.operation_id == operation_id)
    if roles is not None:
        stmt = stmt.where(Participation.role.in_(roles))
    return list(await session.scalars(stmt))


async def participant_roles(
    session: AsyncSession, operation_id: int
) -> dict[int, ParticipationRole]:
    """How each agency taking part in the operation takes part, by agency id."""
    rows = await session.execute(
        select(Participation.agency_id, Participation.role).where(
            Participation.operation_id == operation_id
        )
    )
    return {agency_id: role for agency_id, role in rows}


async def open_task_count(session: AsyncSession, operation_id: int, agency_id: int) -> int:
    """How many of an operation's tasks assigned to an agency are still open."""
    count = await session.scalar(
        select(func.count(Task.id)).where(
            Task.operation_id == operation_id,
            Task.assignee_agency_id == agency_id,
            Task.status.in_(OPEN_TASK_STATUSES),
        )
    )
    return int(count or 0)


async def task_counts(session: AsyncSession, operation_id: int) -> dict[str, int]:
    """How many of an operation's tasks are in each state (every state named, zeros too)."""
    rows = await session.execute(
        select(Task.status, func.count(Task.id))
        .where(Task.operation_id == operation_id)
        .group_by(Task.status)
    )
    counts = {str(status): 0 for status in TaskStatus}
    counts.update({str(status): int(n) for status, n in rows})
    return counts


async def status_update_count(session: AsyncSession, operation_id: int) -> int:
    count = await session.scalar(
        select(func.count(StatusUpdate.id)).where(StatusUpdate.operation_id == operation_id)
    )
    return int(count or 0)


async def past_their_end(session: AsyncSession, now: datetime, *, limit: int) -> list[Operation]:
    """Operations still going (planned or active) whose planned end has passed and whose lead
    agency has not been told yet."""
    stmt = (
        select(Operation)
        .options(joinedload(Operation.lead_agency))
        .where(
            Operation.status.in_(REMINDING_OPERATION_STATUSES),
            Operation.ends_at <= now,
            Operation.ends_told_at.is_(None),
        )
        .order_by(Operation.ends_at)
        .limit(limit)
    )
    return list((await session.scalars(stmt)).unique())


async def claim_end_notice(session: AsyncSession, operation_id: int, now: datetime) -> bool:
    """Record that the lead agency is being told the end has passed; False if another sweep
    (a replica) already did."""
    result = await session.execute(
        update(Operation)
        .where(Operation.id == operation_id, Operation.ends_told_at.is_(None))
        .values(ends_told_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))
