"""Notes on tasks, and a task's record: its notes and its history from the audit trail."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from operations import events, validation
from operations.acting import Action
from operations.actor import Actor
from operations.audit import queries as audit_queries
from operations.audit import service as audit
from operations.events import Event, EventKind
from operations.operation import service as operation_service
from operations.task import queries
from operations.task import service as task_service
from operations.task.models import TEXT_MAX, Task, TaskNote

HISTORY_LIMIT = 100
NOTES_LIMIT = 50


@dataclass(frozen=True, slots=True)
class Step:
    """One event of a task's history: when, who, what (an audit action) and its details."""

    at: datetime
    actor: str
    action: str
    details: dict[str, Any]


@dataclass(frozen=True)
class TaskRecord:
    """A task with its notes (oldest first, with their authors' names) and its history."""

    task: Task
    notes: list[tuple[TaskNote, str]]
    history: list[Step]


async def add_note(
    session: AsyncSession, *, actor: Actor, code: str, number: int, text: str, now: datetime
) -> tuple[Task, TaskNote]:
    """Add a note to a task; the agencies concerned hear of it as of the task's other news."""
    clean = validation.text("note", text, max_length=TEXT_MAX, multiline=True)
    task = await task_service.get_task(session, actor=actor, code=code, number=number, lock=True)
    await operation_service.authorize(
        session,
        actor=actor,
        action=Action.UPDATE_TASK,
        command="task note",
        operation=task.operation,
        subject_agency_id=task.assignee_agency_id,
    )
    operation_service.require_live(task.operation, "task note")
    note = TaskNote(task_id=task.id, author_id=actor.member_id, text=clean, created_at=now)
    session.add(note)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="task.note",
        subject=f"task:{task.ref}",
        now=now,
        details={"note": note.id},
        rows=[note],
    )
    events.emit(
        session,
        Event(
            EventKind.TASK_NOTED,
            task.operation,
            f"task:{task.id}:note:{note.id}",
            task=task,
            detail={"note": clean, "author": actor.label},
        ),
    )
    return task, note


def _details(text: str) -> dict[str, Any]:
    try:
        found = json.loads(text)
    except ValueError:
        return {}
    if not isinstance(found, dict):
        return {}
    found.pop("digests", None)
    return found


async def task_record(session: AsyncSession, *, actor: Actor, code: str, number: int) -> TaskRecord:
    """A task of a visible operation with its notes and history (whether the reader may
    read them is the knowing policy's to say, on the task's marking)."""
    task = await task_service.get_task(session, actor=actor, code=code, number=number)
    history = await audit_queries.about(session, subject=f"task:{task.ref}", limit=HISTORY_LIMIT)
    return TaskRecord(
        task,
        await queries.notes(session, task.id, limit=NOTES_LIMIT),
        [Step(e.at, e.actor, e.action, _details(e.details)) for e in history],
    )
