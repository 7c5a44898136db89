"""Keeping each task's next reminder instant (`task_reminder_schedule.next_at`) up to date.

Every change that can make a reminder due is caught in one place, a flush hook: a new task, a
task whose due time or status changed, an operation whose status changed, a snooze set or
cancelled. The hook does not
compute stages (the sweep's offsets are the bot's setting): it sets the instant to the time of
the change, so the next sweep looks at the task once and then writes the instant of its next
stage (service.next_instant). A closed task, or one without a due time, gets NULL; a task
done or cancelled also loses the reminders and snoozes people set on it that have not fired.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, event, inspect, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, UOWTransaction

from operations.db import table
from operations.enums import OPEN_TASK_STATUSES
from operations.operation.models import Operation
from operations.reminder.models import Reminder, TaskReminderSchedule
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
    closed: list[int] = []
    for obj in session.new:
        if isinstance(obj, Task):
            rows.append({"task_id": obj.id, "next_at": pending_at(obj)})
    for obj in session.dirty:
        if isinstance(obj, Task) and _changed(obj, "due_at", "status"):
            rows.append({"task_id": obj.id, "next_at": pending_at(obj)})
            if obj.status not in OPEN_TASK_STATUSES and _changed(obj, "status"):
                closed.append(obj.id)
        elif isinstance(obj, Operation) and _changed(obj, "status"):
            resumed.append((obj.id, EPOCH))
    # a snooze set, replaced or cancelled: the sweep looks at the task again (holds or not)
    snoozed = [
        obj.task_id
        for obj in (*session.new, *session.deleted)
        if isinstance(obj, Reminder) and obj.snooze_agency_id is not None
    ]
    if rows:
        _upsert(session, rows)
    if closed:
        session.connection().execute(
            delete(Reminder).where(Reminder.task_id.in_(closed), Reminder.fired_at.is_(None))
        )
    if snoozed:
        session.connection().execute(
            update(SCHEDULE)
            .where(SCHEDULE.c.task_id.in_(snoozed), SCHEDULE.c.next_at.is_not(None))
            .values(next_at=EPOCH)
        )
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
