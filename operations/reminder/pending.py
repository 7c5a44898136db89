"""What reminders are pending: the next stage of each task with a due time, the reminders
and snoozes people set (with their ids, for `remind cancel`), and what holds them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from operations.actor import Actor
from operations.enums import OperationStatus
from operations.operation import queries as operation_queries
from operations.operation import service as operation_service
from operations.operation.models import Operation
from operations.reminder import queries
from operations.reminder.models import Reminder
from operations.reminder.service import next_instant
from operations.task import service as task_service
from operations.task.models import Task

LIMIT = 30  # of each kind, soonest first
HOLDING = (OperationStatus.SUSPENDED,)  # reminders wait for the operation to resume


@dataclass(frozen=True, slots=True)
class Stage:
    """A task's next stage reminder: `at`, and how it stands to the due time."""

    task: Task
    at: datetime
    before: timedelta | None  # that long before the due time; None at or after it
    overdue_days: int = 0
    snoozed_until: datetime | None = None  # held by the assignee agency's snooze until then


@dataclass(frozen=True, slots=True)
class Pending:
    """Pending reminders in the operations asked about (`held`: those suspended)."""

    operations: list[Operation]
    stages: list[Stage]
    reminders: list[tuple[Reminder, Task]]
    full: bool  # a list reached LIMIT: there may be more

    def held(self, operation: Operation) -> bool:
        return operation.status in HOLDING


def next_stage(
    task: Task, now: datetime, offsets: Sequence[timedelta], snoozed: datetime | None
) -> Stage:
    """The next stage reminder of an open task with a due time."""
    assert task.due_at is not None
    at = next_instant(task.due_at, now, offsets)
    if snoozed is not None and snoozed > at:
        at = snoozed  # the stage waits for the snooze to end
    else:
        snoozed = None
    if at < task.due_at:
        return Stage(task, at, task.due_at - at, snoozed_until=snoozed)
    return Stage(task, at, None, (at - task.due_at).days, snoozed_until=snoozed)


async def pending(
    session: AsyncSession,
    *,
    actor: Actor,
    code: str | None,
    number: int | None,
    offsets: Sequence[timedelta],
    now: datetime,
) -> Pending:
    """Pending reminders of one task, one operation, or every live operation the actor may
    know of (closed ones have none)."""
    task_id = None
    if code is not None and number is not None:
        task = await task_service.get_task(session, actor=actor, code=code, number=number)
        operations, task_id = [task.operation], task.id
    elif code is not None:
        operations = [await operation_service.get_operation(session, actor=actor, code=code)]
    else:
        visible = await operation_queries.list_visible(
            session, actor, statuses=operation_service.LIVE
        )
        operations = [op for op, _agencies, _open in visible]
    ids = [op.id for op in operations if op.status != OperationStatus.CLOSED]  # none there
    tasks = await queries.tasks_with_due(session, operation_ids=ids, task_id=task_id, limit=LIMIT)
    reminders = await queries.pending_reminders(
        session, operation_ids=ids, task_id=task_id, limit=LIMIT
    )
    held = await queries.snoozes(session, [t.id for t in tasks], now)
    stages = [next_stage(t, now, offsets, held.get((t.id, t.assignee_agency_id))) for t in tasks]
    stages.sort(key=lambda s: s.at)
    full = len(tasks) == LIMIT or len(reminders) == LIMIT
    return Pending(operations, stages, reminders, full)
