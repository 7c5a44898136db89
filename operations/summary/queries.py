"""Aggregate SQL behind summaries: one grouped query per figure, never one per row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from operations import access
from operations.actor import Actor
from operations.agency.models import Agency
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


async def per_agency_counts(
    session: AsyncSession, operation_id: int, *, now: datetime
) -> list[tuple[str, str, ParticipationRole, dict[str, int]]]:
    """Each participating agency (code, name, role) with its task counts by status and overdue.

    Two statements whatever the size: the agencies, then one GROUP BY (agency, status) that
    also counts the late ones, answered from the covering task index alone.
    """
    agencies = (
        await session.execute(
            select(Agency.id, Agency.code, Agency.name, Participation.role)
            .join(Participation, Participation.agency_id == Agency.id)
            .where(Participation.operation_id == operation_id)
            .order_by(ROLE_ORDER, Agency.code)
        )
    ).all()
    late = func.coalesce(func.sum(case((Task.due_at < now, 1), else_=0)), 0)
    groups = await session.execute(
        select(Task.assignee_agency_id, Task.status, func.count(), late)
        .where(Task.operation_id == operation_id)
        .group_by(Task.assignee_agency_id, Task.status)
    )
    counts: dict[int, dict[str, int]] = {a.id: dict.fromkeys(COUNTED, 0) for a in agencies}
    for agency_id, status, n, n_late in groups:
        if agency_id in counts:
            counts[agency_id][str(status)] = int(n)
            if status in OPEN_TASK_STATUSES:
                counts[agency_id]["overdue"] += int(n_late)
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
