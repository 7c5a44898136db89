"""SQL of tasks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager, joinedload

from operations.enums import OPEN_TASK_STATUSES, TaskStatus
from operations.operation.models import Operation
from operations.task.models import Task


def _with_refs() -> Select[Task]:
    return (
        select(Task)
        .join(Operation, Operation.id == Task.operation_id)
        .options(contains_eager(Task.operation), joinedload(Task.assignee_agency))
    )


async def by_number(
    session: AsyncSession, operation_id: int, number: int, *, lock: bool = False
) -> Task | None:
    stmt = _with_refs().where(Task.operation_id == operation_id, Task.number == number)
    if lock:
        stmt = stmt.with_for_update(of=Task)
    return await session.scalar(stmt)


async def list_for_operation(
    session: AsyncSession,
    operation_id: int,
    *,
    agency_id: int | None = None,
    overdue_at: datetime | None = None,
    mine: tuple[int | None, int] | None = None,
    include_closed: bool = True,
    limit: int = 200,
) -> list[Task]:
    """Tasks of an operation by number, filtered by agency, overdue-ness or owner."""
    stmt = _with_refs().where(Task.operation_id == operation_id)
    if agency_id is not None:
        stmt = stmt.where(Task.assignee_agency_id == agency_id)
    if overdue_at is not None:
        stmt = stmt.where(Task.status.in_(OPEN_TASK_STATUSES), Task.due_at < overdue_at)
    elif not include_closed:
        stmt = stmt.where(Task.status.in_(OPEN_TASK_STATUSES))
    if mine is not None:
        my_agency, my_member = mine
        stmt = stmt.where(
            or_(Task.assignee_agency_id == my_agency, Task.assignee_member_id == my_member)
        )
    rows = await session.scalars(stmt.order_by(Task.number).limit(limit))
    return list(rows.unique())


async def attention(
    session: AsyncSession, operation_id: int, *, now: datetime, limit: int
) -> list[Task]:
    """Overdue tasks (most overdue first), then blocked ones: two small indexed queries."""
    overdue = await session.scalars(
        _with_refs()
        .where(
            Task.operation_id == operation_id,
            Task.status.in_(OPEN_TASK_STATUSES),
            Task.due_at < now,
        )
        .order_by(Task.due_at, Task.number)
        .limit(limit)
    )
    blocked = await session.scalars(
        _with_refs()
        .where(
            Task.operation_id == operation_id,
            Task.status == TaskStatus.BLOCKED,
            or_(Task.due_at.is_(None), Task.due_at >= now),
        )
        .order_by(Task.number)
        .limit(limit)
    )
    return [*overdue.unique(), *blocked.unique()][:limit]
