"""SQL of reminders: bounded by what is due, never by how many tasks exist."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache

from sqlalchemy import Select, and_, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager, joinedload
from sqlalchemy.sql.dml import ReturningInsert

from operations.db import table
from operations.enums import OperationStatus
from operations.member.models import Member
from operations.operation.models import Operation
from operations.reminder.models import Reminder, ReminderLog, TaskReminderSchedule
from operations.status.models import StatusUpdate
from operations.task.models import Task

REMINDING = (OperationStatus.PLANNED, OperationStatus.ACTIVE)
LOG = table(ReminderLog)
SCHEDULE = table(TaskReminderSchedule)


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


def scheduled_due_statement(now: datetime, *, limit: int) -> Select[Task, datetime | None]:
    """Tasks whose next reminder instant has come, the newest first, with that instant.

    Walks ix_task_reminder_schedule_next_at back from `now`: tasks already reminded for their
    current stage have a later instant and are not read, however many there are.
    """
    return (
        select(Task, TaskReminderSchedule.next_at)
        .join(TaskReminderSchedule, TaskReminderSchedule.task_id == Task.id)
        .join(Operation, Operation.id == Task.operation_id)
        .options(contains_eager(Task.operation), joinedload(Task.assignee_agency))
        .where(TaskReminderSchedule.next_at <= now)
        .order_by(TaskReminderSchedule.next_at.desc())
        .limit(limit)
    )


async def scheduled_due(
    session: AsyncSession, now: datetime, *, limit: int
) -> list[tuple[Task, datetime]]:
    rows = await session.execute(scheduled_due_statement(now, limit=limit))
    return [(task, at) for task, at in rows.unique() if at is not None]


async def reschedule(
    session: AsyncSession, moves: Sequence[tuple[int, datetime, datetime | None]]
) -> None:
    """Move each task's instant from the one the sweep read to its next one; a task changed
    meanwhile (its instant is no longer the one read) keeps the instant its change set."""
    if not moves:
        return
    stmt = (
        update(SCHEDULE)
        .where(
            and_(
                SCHEDULE.c.task_id == bindparam("b_task"),
                SCHEDULE.c.next_at == bindparam("b_seen"),
            )
        )
        .values(next_at=bindparam("b_next"))
    )
    await session.execute(
        stmt, [{"b_task": t, "b_seen": seen, "b_next": nxt} for t, seen, nxt in moves]
    )


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
