"""SQL of reminders: bounded by what is due, never by how many tasks exist."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager, joinedload
from sqlalchemy.sql.dml import ReturningInsert

from operations.db import table
from operations.enums import OPEN_TASK_STATUSES, OperationStatus
from operations.member.models import Member
from operations.operation.models import Operation
from operations.reminder.models import Reminder, ReminderLog
from operations.status.models import StatusUpdate
from operations.task.models import Task

REMINDING = (OperationStatus.PLANNED, OperationStatus.ACTIVE)
LOG = table(ReminderLog)


async def log_once(session: AsyncSession, *, key: str, now: datetime) -> bool:
    """Log a fired reminder's key unless it is there already (another replica, a retry): one
    INSERT ... ON CONFLICT DO NOTHING, no savepoint. True when this call logged it."""
    dialect = session.get_bind().dialect.name
    inserted = await session.scalar(_log_once(dialect), {"key": key, "fired_at": now})
    return inserted is not None


@cache
def _log_once(dialect: str) -> ReturningInsert[int]:
    build = sqlite_insert if dialect == "sqlite" else postgresql_insert
    return build(LOG).on_conflict_do_nothing(index_elements=[LOG.c.key]).returning(LOG.c.id)


async def tasks_due_before(session: AsyncSession, horizon: datetime, *, limit: int) -> list[Task]:
    """Open tasks of live operations due before `horizon` (uses the (status, due_at) index)."""
    stmt = (
        select(Task)
        .join(Operation, Operation.id == Task.operation_id)
        .options(contains_eager(Task.operation), joinedload(Task.assignee_agency))
        .where(
            Task.status.in_(OPEN_TASK_STATUSES),
            Task.due_at.is_not(None),
            Task.due_at <= horizon,
            Operation.status.in_(REMINDING),
        )
        .order_by(Task.due_at)
        .limit(limit)
    )
    return list((await session.scalars(stmt)).unique())


async def logged(session: AsyncSession, keys: Sequence[str]) -> set[str]:
    if not keys:
        return set()
    return set(await session.scalars(select(ReminderLog.key).where(ReminderLog.key.in_(keys))))


async def custom_due(session: AsyncSession, now: datetime, *, limit: int) -> list[Reminder]:
    stmt = (
        select(Reminder)
        .where(Reminder.fired_at.is_(None), Reminder.fire_at <= now)
        .order_by(Reminder.fire_at)
        .limit(limit)
    )
    return list(await session.scalars(stmt))


async def tasks_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Task]:
    if not ids:
        return {}
    rows = await session.scalars(
        select(Task)
        .join(Operation, Operation.id == Task.operation_id)
        .options(contains_eager(Task.operation), joinedload(Task.assignee_agency))
        .where(Task.id.in_(ids))
    )
    return {t.id: t for t in rows.unique()}


async def cadence_operations(session: AsyncSession) -> list[tuple[Operation, datetime | None]]:
    """Active operations with a cadence, and the time of their last status update."""
    last = (
        select(func.max(StatusUpdate.created_at))
        .where(StatusUpdate.operation_id == Operation.id)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(Operation, last).where(
            Operation.status == OperationStatus.ACTIVE, Operation.cadence_seconds.is_not(None)
        )
    )
    return [(op, when) for op, when in rows]


async def digest_members(session: AsyncSession) -> list[Member]:
    rows = await session.scalars(
        select(Member).options(joinedload(Member.agency)).where(Member.digest_at.is_not(None))
    )
    return list(rows.unique())
