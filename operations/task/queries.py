"""SQL of tasks."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    bindparam,
    case,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager, joinedload

from operations.db import UTCDateTime, change_lock
from operations.enums import OPEN_TASK_STATUSES, TaskStatus
from operations.member.models import Member
from operations.operation.models import Operation
from operations.task.models import Task, TaskNote


def _with_refs() -> Select[Task]:
    return (
        select(Task)
        .join(Operation, Operation.id == Task.operation_id)
        .options(
            contains_eager(Task.operation).joinedload(Operation.lead_agency),
            joinedload(Task.assignee_agency),
        )
    )


async def by_number(
    session: AsyncSession, operation_id: int, number: int, *, lock: bool = False
) -> Task | None:
    stmt = _with_refs().where(Task.operation_id == operation_id, Task.number == number)
    if lock:
        stmt = change_lock(stmt, Task)
    return await session.scalar(stmt)


async def open_tasks(session: AsyncSession, operation_id: int) -> list[Task]:
    """Every open task of an operation, by number."""
    stmt = _with_refs().where(
        Task.operation_id == operation_id, Task.status.in_(OPEN_TASK_STATUSES)
    )
    return list((await session.scalars(change_lock(stmt, Task).order_by(Task.number))).unique())


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
    # `number + 0`, not `number`: walking uq_task_operation_id_number in order would read the
    # whole operation to find its few overdue tasks (PostgreSQL's generic plan of a prepared
    # statement guesses a third of the tasks are overdue and chose that: 216 ms at 1M tasks);
    # with the order on an expression the overdue ones come from the (status, due_at) indexes
    # and only they are sorted
    order = Task.number + 0 if overdue_at is not None else Task.number
    rows = await session.scalars(stmt.order_by(order).limit(limit))
    return list(rows.unique())


@cache
def _attention_statement() -> Select[Task]:
    """Built once (parameters :operation_id, :now and :limit): every summary runs it."""
    operation_id: BindParameter[int] = bindparam("operation_id")
    now: BindParameter[datetime] = bindparam("now", type_=UTCDateTime())
    limit: BindParameter[int] = bindparam("limit")

    def first(*conditions: ColumnElement[bool], order: tuple[Any, ...]) -> Select[int]:
        ids = select(Task.id).where(Task.operation_id == operation_id, *conditions)
        return select(ids.order_by(*order).limit(limit).subquery().c.id)

    overdue = [
        first(Task.status == status, Task.due_at < now, order=(Task.due_at, Task.number))
        for status in OPEN_TASK_STATUSES
    ]
    blocked = first(
        Task.status == TaskStatus.BLOCKED,
        or_(Task.due_at.is_(None), Task.due_at >= now),
        order=(Task.number,),
    )
    late_first = case((Task.due_at < now, 0), else_=1)  # a NULL due time is not late
    return (
        _with_refs()
        .where(Task.id.in_(union_all(*overdue, blocked)))
        .order_by(late_first, case((Task.due_at < now, Task.due_at)), Task.number)
        .limit(limit)
    )


async def attention(
    session: AsyncSession, operation_id: int, *, now: datetime, limit: int
) -> list[Task]:
    """Overdue tasks (most overdue first), then blocked ones that are not overdue.

    One statement: the candidates' ids come from small indexed sub-queries, one per open
    status for the overdue ones (each walks ix_task_operation_status_due from the oldest due
    time and stops at `limit`) and one for the blocked ones; only the first `limit` of those
    few candidates are loaded. A single overdue query over the three statuses made SQLite
    read and sort every overdue task of the operation (23 ms at 100,000 tasks), and loading
    each list on its own cost an ORM round per list.
    """
    rows = await session.scalars(
        _attention_statement(), {"operation_id": operation_id, "now": now, "limit": limit}
    )
    return list(rows.unique())


async def notes(session: AsyncSession, task_id: int, *, limit: int) -> list[tuple[TaskNote, str]]:
    """A task's latest notes, oldest first, with their authors' names."""
    rows = await session.execute(
        select(TaskNote, Member.display_name)
        .join(Member, Member.id == TaskNote.author_id)
        .where(TaskNote.task_id == task_id)
        .order_by(TaskNote.id.desc())
        .limit(limit)
    )
    return [(note, name) for note, name in reversed(list(rows))]


async def numbers(session: AsyncSession, operation_id: int, *, limit: int) -> list[int]:
    """The numbers of an operation's tasks, lowest first, at most `limit`."""
    stmt = (
        select(Task.number)
        .where(Task.operation_id == operation_id)
        .order_by(Task.number)
        .limit(limit)
    )
    return list(await session.scalars(stmt))
