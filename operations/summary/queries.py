"""Aggregate SQL behind summaries: one grouped query per figure, never one per row."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import BindParameter, Select, and_, bindparam, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from operations import access
from operations.actor import Actor
from operations.agency.models import Agency
from operations.db import UTCDateTime
from operations.enums import OPEN_TASK_STATUSES, OperationStatus, ParticipationRole, TaskStatus
from operations.operation.models import Operation, Participation
from operations.status.models import StatusUpdate
from operations.task.models import Task

COUNTED = (*TaskStatus, "overdue")
ROLE_ORDER = case(
    (Participation.role == ParticipationRole.LEAD, 0),
    (Participation.role == ParticipationRole.PARTICIPANT, 1),
    else_=2,
)


def _counts(now: datetime) -> list[object]:
    columns: list[object] = [
        func.coalesce(func.sum(case((Task.status == status, 1), else_=0)), 0).label(status)
        for status in TaskStatus
    ]
    overdue = and_(Task.status.in_(OPEN_TASK_STATUSES), Task.due_at < now)
    columns.append(func.coalesce(func.sum(case((overdue, 1), else_=0)), 0).label("overdue"))
    return columns


@cache
def _per_agency_statements() -> tuple[
    Select[int, str, str, ParticipationRole],
    Select[int, TaskStatus, int],
    Select[int, int],
]:
    """Built once (parameters :operation_id and :now): a summary runs them on every call."""
    operation_id: BindParameter[int] = bindparam("operation_id")
    agencies = (
        select(Agency.id, Agency.code, Agency.name, Participation.role)
        .join(Participation, Participation.agency_id == Agency.id)
        .where(Participation.operation_id == operation_id)
        .order_by(ROLE_ORDER, Agency.code)
    )
    groups = (
        select(Task.assignee_agency_id, Task.status, func.count())
        .where(Task.operation_id == operation_id)
        .group_by(Task.assignee_agency_id, Task.status)
    )
    late = (
        select(Task.assignee_agency_id, func.count())
        .where(
            Task.operation_id == operation_id,
            # naming the agencies lets the covering index seek (agency, status, due before
            # now) ranges instead of reading every task of the operation
            Task.assignee_agency_id.in_(
                select(Participation.agency_id).where(Participation.operation_id == operation_id)
            ),
            Task.status.in_(OPEN_TASK_STATUSES),
            Task.due_at < bindparam("now", type_=UTCDateTime()),
        )
        .group_by(Task.assignee_agency_id)
    )
    return agencies, groups, late


async def per_agency_counts(
    session: AsyncSession, operation_id: int, *, now: datetime
) -> list[tuple[str, str, ParticipationRole, dict[str, int]]]:
    """Each participating agency (code, name, role) with its task counts by status and overdue.

    Three statements whatever the size, the task ones answered from the covering index
    ix_task_operation_agency_status_due alone: the agencies, one GROUP BY (agency, status),
    and the late ones per agency, which read only the index ranges of open tasks due before
    `now`. Counting the late ones inside the first GROUP BY made SQLite evaluate a CASE on
    every task: 17 ms instead of 11 at 100,000 tasks.
    """
    agencies_stmt, groups_stmt, late_stmt = _per_agency_statements()
    params = {"operation_id": operation_id, "now": now}
    agencies = (await session.execute(agencies_stmt, params)).all()
    groups = await session.execute(groups_stmt, params)
    late = await session.execute(late_stmt, params)
    counts: dict[int, dict[str, int]] = {a.id: dict.fromkeys(COUNTED, 0) for a in agencies}
    for agency_id, status, n in groups:
        if agency_id in counts:
            counts[agency_id][str(status)] = int(n)
    for agency_id, n in late:
        if agency_id in counts:
            counts[agency_id]["overdue"] = int(n)
    return [(a.code, a.name, ParticipationRole(a.role), counts[a.id]) for a in agencies]


async def operations_overview(
    session: AsyncSession, actor: Actor, *, now: datetime
) -> list[tuple[Operation, int, dict[str, int], datetime | None]]:
    """Visible active operations with agency count, task counts and last update time."""
    agencies = (
        select(func.count(Participation.id))
        .where(Participation.operation_id == Operation.id)
        .scalar_subquery()
    )
    last_update = (
        select(func.max(StatusUpdate.created_at))
        .where(StatusUpdate.operation_id == Operation.id)
        .scalar_subquery()
    )
    task_counts = (
        select(Task.operation_id.label("operation_id"), *_counts(now))
        .group_by(Task.operation_id)
        .subquery()
    )
    stmt = (
        select(
            Operation,
            agencies,
            last_update,
            *(task_counts.c[name] for name in COUNTED),
        )
        .outerjoin(task_counts, task_counts.c.operation_id == Operation.id)
        .where(Operation.status == OperationStatus.ACTIVE, access.visible_operations(actor))
        .order_by(Operation.code)
    )
    result = []
    for row in (await session.execute(stmt)).all():
        counts = {name: int(value or 0) for name, value in zip(COUNTED, row[3:], strict=True)}
        result.append((row[0], int(row[1]), counts, row[2]))
    return result
