"""SQL of reminders: bounded by what is due, never by how many tasks exist."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager, joinedload
from sqlalchemy.sql.dml import ReturningInsert

from operations.db import table
from operations.enums import OPEN_TASK_STATUSES, REMINDING_OPERATION_STATUSES, OperationStatus
from operations.member.models import Member
from operations.operation.models import Operation
from operations.reminder.models import Reminder, ReminderLog, TaskReminderSchedule
from operations.status.models import StatusUpdate
from operations.task.models import Task

REMINDING = REMINDING_OPERATION_STATUSES
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
    """Reminders people set (and snoozes) that are due, on open tasks of operations that
    remind; those of a suspended operation wait for it to resume."""
    stmt = (
        select(Reminder)
        .join(Task, Task.id == Reminder.task_id)
        .join(Operation, Operation.id == Task.operation_id)
        .where(
            Reminder.fired_at.is_(None),
            Reminder.fire_at <= now,
            Task.status.in_(OPEN_TASK_STATUSES),
            Operation.status.in_(REMINDING),
        )
        .order_by(Reminder.fire_at)
        .limit(limit)
    )
    return list(await session.scalars(stmt))


async def snoozes(
    session: AsyncSession, task_ids: Sequence[int], now: datetime
) -> dict[tuple[int, int], datetime]:
    """Snoozes still running on these tasks: (task id, agency id) -> until when."""
    if not task_ids:
        return {}
    rows = await session.execute(
        select(Reminder.task_id, Reminder.snooze_agency_id, func.max(Reminder.fire_at))
        .where(
            Reminder.task_id.in_(task_ids),
            Reminder.fired_at.is_(None),
            Reminder.snooze_agency_id.is_not(None),
            Reminder.fire_at > now,
        )
        .group_by(Reminder.task_id, Reminder.snooze_agency_id)
    )
    return {(task, agency): until for task, agency, until in rows if agency is not None}


async def drop_snoozes(session: AsyncSession, task_id: int, agency_id: int) -> None:
    """Forget the pending snoozes of a task for an agency (a new snooze replaces them)."""
    await session.execute(
        delete(Reminder).where(
            Reminder.task_id == task_id,
            Reminder.snooze_agency_id == agency_id,
            Reminder.fired_at.is_(None),
        )
    )


async def pending_reminders(
    session: AsyncSession, *, operation_ids: Sequence[int], task_id: int | None, limit: int
) -> list[tuple[Reminder, Task]]:
    """Reminders and snoozes not yet fired on open tasks, soonest first."""
    stmt = (
        select(Reminder, Task)
        .join(Task, Task.id == Reminder.task_id)
        .join(Operation, Operation.id == Task.operation_id)
        .options(*_task_refs())
        .where(Reminder.fired_at.is_(None), Task.status.in_(OPEN_TASK_STATUSES))
        .order_by(Reminder.fire_at, Reminder.id)
        .limit(limit)
    )
    stmt = stmt.where(Task.id == task_id) if task_id else stmt
    stmt = stmt.where(Task.operation_id.in_(operation_ids))
    rows = await session.execute(stmt)
    return [(reminder, task) for reminder, task in rows.unique()]


async def tasks_with_due(
    session: AsyncSession, *, operation_ids: Sequence[int], task_id: int | None, limit: int
) -> list[Task]:
    """Open tasks with a due time (their stages are pending), the soonest due first."""
    stmt = (
        select(Task)
        .join(Operation, Operation.id == Task.operation_id)
        .options(*_task_refs())
        .where(Task.status.in_(OPEN_TASK_STATUSES), Task.due_at.is_not(None))
        .where(Task.operation_id.in_(operation_ids))
        .order_by(Task.due_at, Task.id)
        .limit(limit)
    )
    stmt = stmt.where(Task.id == task_id) if task_id else stmt
    return list((await session.scalars(stmt)).unique())


def _task_refs() -> tuple[Any, ...]:
    """Load a task's operation (with its lead agency) and its assignee agency."""
    return (
        contains_eager(Task.operation).joinedload(Operation.lead_agency),
        joinedload(Task.assignee_agency),
    )


async def reminder(session: AsyncSession, reminder_id: int) -> Reminder | None:
    """A reminder not yet fired, by id."""
    return await session.scalar(
        select(Reminder).where(Reminder.id == reminder_id, Reminder.fired_at.is_(None))
    )


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
