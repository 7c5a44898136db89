"""Keeping each task's next reminder instant (`task_reminder_schedule.next_at`) up to date.

Every change that can make a reminder due is caught in one place, a flush hook: a new task, a
task whose due time or status changed, an operation whose status changed. The hook does not
compute stages (the sweep's offsets are the bot's setting): it sets the instant to the time of
the change, so the next sweep looks at the task once and then writes the instant of its next
stage (service.next_instant). A closed task, or one without a due time, gets NULL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, inspect, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, UOWTransaction

from operations.db import table
from operations.enums import OPEN_TASK_STATUSES
from operations.operation.models import Operation
from operations.reminder.models import TaskReminderSchedule
from operations.task.models import Task

SCHEDULE = table(TaskReminderSchedule)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # "look at it in the next sweep", after what is due


def _changed(obj: object, *names: str) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def pending_at(task: Task) -> datetime | None:
    """When the sweep should next look at a task that just changed (NULL: never)."""
    if task.due_at is None or task.status not in OPEN_TASK_STATUSES:
        return None
    return task.updated_at


def _upsert(session: Session, rows: list[dict[str, Any]]) -> None:
    dialect = session.get_bind().dialect.name
    build = sqlite_insert if dialect == "sqlite" else postgresql_insert
    stmt = build(SCHEDULE)
    stmt = stmt.on_conflict_do_update(
        index_elements=[SCHEDULE.c.task_id], set_={"next_at": stmt.excluded.next_at}
    )
    session.connection().execute(stmt, rows)


@event.listens_for(Session, "after_flush")
def _reschedule(session: Session, _flush: UOWTransaction) -> None:
    rows: list[dict[str, Any]] = []
    resumed: list[tuple[int, datetime]] = []
    for obj in session.new:
        if isinstance(obj, Task):
            rows.append({"task_id": obj.id, "next_at": pending_at(obj)})
    for obj in session.dirty:
        if isinstance(obj, Task) and _changed(obj, "due_at", "status"):
            rows.append({"task_id": obj.id, "next_at": pending_at(obj)})
        elif isinstance(obj, Operation) and _changed(obj, "status"):
            resumed.append((obj.id, EPOCH))
    if rows:
        _upsert(session, rows)
    for operation_id, at in resumed:
        # the sweep parks the tasks of an operation that does not remind; look again
        session.connection().execute(
            update(SCHEDULE)
            .where(
                SCHEDULE.c.task_id.in_(
                    select(Task.id).where(
                        Task.operation_id == operation_id,
                        Task.status.in_(OPEN_TASK_STATUSES),
                        Task.due_at.is_not(None),
                    )
                )
            )
            .values(next_at=at)
        )
