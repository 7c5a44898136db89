"""Add tasks, move them through their states, reassign and reschedule them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from operations import acting, events, validation
from operations.acting import Action
from operations.actor import Actor
from operations.agency import service as agency_service
from operations.agency.models import Agency
from operations.audit import service as audit
from operations.enums import TLP, ParticipationRole, Priority, TaskStatus
from operations.errors import Invalid, InvalidTransition, NotFound
from operations.events import Event, EventKind
from operations.operation import queries as operation_queries
from operations.operation import service as operation_service
from operations.operation.models import Operation
from operations.task import queries
from operations.task.models import TEXT_MAX, TITLE_MAX, Task


class TaskAction(StrEnum):
    START = "start"
    DONE = "done"
    BLOCK = "block"
    REOPEN = "reopen"
    CANCEL = "cancel"


# action -> (statuses it applies to, resulting status)
TRANSITIONS: dict[TaskAction, tuple[tuple[TaskStatus, ...], TaskStatus]] = {
    TaskAction.START: ((TaskStatus.OPEN, TaskStatus.BLOCKED), TaskStatus.IN_PROGRESS),
    TaskAction.DONE: (
        (TaskStatus.OPEN, TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED),
        TaskStatus.DONE,
    ),
    TaskAction.BLOCK: ((TaskStatus.OPEN, TaskStatus.IN_PROGRESS), TaskStatus.BLOCKED),
    TaskAction.REOPEN: ((TaskStatus.DONE, TaskStatus.CANCELLED), TaskStatus.OPEN),
    TaskAction.CANCEL: (
        (TaskStatus.OPEN, TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED),
        TaskStatus.CANCELLED,
    ),
}
# state changes the agencies concerned hear about (starting a task is noise to others)
TOLD: dict[TaskAction, EventKind] = {
    TaskAction.BLOCK: EventKind.TASK_BLOCKED,
    TaskAction.DONE: EventKind.TASK_DONE,
    TaskAction.REOPEN: EventKind.TASK_REOPENED,
    TaskAction.CANCEL: EventKind.TASK_CANCELLED,
}


def _emit(
    session: AsyncSession,
    kind: EventKind,
    task: Task,
    now: datetime,
    *,
    before: TaskStatus | None = None,
    previous: Agency | None = None,
    detail: dict[str, str] | None = None,
) -> None:
    key = f"task:{task.id}:{kind}:{now.isoformat()}"
    event = Event(
        kind,
        task.operation,
        key,
        task=task,
        before=before,
        previous=previous,
        detail=detail or {},
    )
    events.emit(session, event)


async def _participating_agency(
    session: AsyncSession, operation: Operation, agency_code: str
) -> Agency:
    agency = await agency_service.get_agency(session, code=agency_code)
    participation = await operation_queries.participation(session, operation.id, agency.id)
    if participation is None:
        raise Invalid("assignee", "not_participating", agency=agency.code, operation=operation.code)
    if participation.role == ParticipationRole.OBSERVER:
        raise Invalid("assignee", "observer", agency=agency.code, operation=operation.code)
    return agency


def _future(field: str, when: datetime | None, now: datetime) -> datetime | None:
    if when is not None and when <= now:
        raise Invalid(field, "past")
    return when


async def add_task(
    session: AsyncSession,
    *,
    actor: Actor,
    code: str,
    title: str,
    assignee_code: str,
    due_at: datetime | None = None,
    priority: Priority = Priority.NORMAL,
    tlp: TLP | None = None,
    details: str | None = None,
    now: datetime,
) -> Task:
    """Add a task to an operation, assigned to one of its agencies, numbered in sequence."""
    clean_title = validation.text("title", title, max_length=TITLE_MAX)
    clean_details = (
        validation.text("details", details, max_length=TEXT_MAX, multiline=True)
        if details
        else None
    )
    operation = await operation_service.get_operation(session, actor=actor, code=code, lock=True)
    operation_service.require_live(operation, "task add")
    agency = await _participating_agency(session, operation, assignee_code)
    await operation_service.authorize(
        session,
        actor=actor,
        action=Action.MANAGE_TASK,
        command="task add",
        operation=operation,
        subject_agency_id=agency.id,
    )
    task = Task(
        operation_id=operation.id,
        number=operation.next_task_number,
        title=clean_title,
        details=clean_details,
        assignee_agency_id=agency.id,
        status=TaskStatus.OPEN,
        priority=priority,
        due_at=_future("due", due_at, now),
        tlp=tlp or operation.tlp,
        created_by_id=actor.member_id,
        created_at=now,
        updated_at=now,
    )
    operation.next_task_number += 1
    session.add(task)
    task.operation, task.assignee_agency = operation, agency
    await audit.record(
        session,
        actor=actor,
        action="task.add",
        subject=f"task:{task.ref}",
        now=now,
        details={"title": clean_title, "to": agency.code, "due": due_at, "priority": priority},
        rows=[task],
    )
    await session.flush()
    _emit(session, EventKind.TASK_ADDED, task, now)
    return task


async def get_task(
    session: AsyncSession, *, actor: Actor, code: str, number: int, lock: bool = False
) -> Task:
    """A task of a visible operation, or NotFound."""
    operation = await operation_service.get_operation(session, actor=actor, code=code)
    task = await queries.by_number(session, operation.id, number, lock=lock)
    if task is None:
        raise NotFound("task", f"{operation.code}#{number}")
    return task


async def list_tasks(
    session: AsyncSession,
    *,
    actor: Actor,
    code: str,
    agency_code: str | None = None,
    overdue: bool = False,
    mine: bool = False,
    now: datetime,
) -> tuple[Operation, list[Task]]:
    """Tasks of a visible operation, optionally only one agency's, overdue ones, or mine."""
    operation = await operation_service.get_operation(session, actor=actor, code=code)
    agency_id = None
    if agency_code is not None:
        agency_id = (await agency_service.get_agency(session, code=agency_code)).id
    tasks = await queries.list_for_operation(
        session,
        operation.id,
        agency_id=agency_id,
        overdue_at=now if overdue else None,
        mine=(actor.agency_id, actor.member_id) if mine else None,
    )
    return operation, tasks


async def _writable_task(
    session: AsyncSession, actor: Actor, code: str, number: int, command: str, action: Action
) -> Task:
    task = await get_task(session, actor=actor, code=code, number=number, lock=True)
    await operation_service.authorize(
        session,
        actor=actor,
        action=action,
        command=command,
        operation=task.operation,
        subject_agency_id=task.assignee_agency_id,
    )
    operation_service.require_live(task.operation, command)
    return task


async def transition_task(
    session: AsyncSession,
    *,
    actor: Actor,
    code: str,
    number: int,
    action: TaskAction,
    reason: str | None = None,
    now: datetime,
) -> tuple[Task, TaskStatus]:
    """Apply start/done/block/reopen/cancel; returns the task and its former status."""
    clean_reason = (
        validation.text("reason", reason or "", max_length=TEXT_MAX)
        if action == TaskAction.BLOCK
        else None
    )
    needs = Action.MANAGE_TASK if action == TaskAction.CANCEL else Action.UPDATE_TASK
    task = await _writable_task(session, actor, code, number, f"task {action}", needs)
    sources, target = TRANSITIONS[action]
    current = task.status
    if current not in sources:
        raise InvalidTransition("task", task.ref, current=current, target=target)
    task.status, task.blocked_reason, task.updated_at = target, clean_reason, now
    await session.flush()
    details: dict[str, object] = {"from": str(current), "to": str(target)}
    if clean_reason:
        details["reason"] = clean_reason
    await audit.record(
        session,
        actor=actor,
        action=f"task.{action}",
        subject=f"task:{task.ref}",
        now=now,
        details=details,
        rows=[task],
    )
    if action in TOLD:
        _emit(session, TOLD[action], task, now, before=current)
    return task, current


async def assign_task(
    session: AsyncSession, *, actor: Actor, code: str, number: int, agency_code: str, now: datetime
) -> tuple[Task, Agency]:
    """Give a task to another participating agency; returns the task and its former assignee."""
    task = await _writable_task(session, actor, code, number, "task assign", Action.MANAGE_TASK)
    agency = await _participating_agency(session, task.operation, agency_code)
    await operation_service.authorize(
        session,
        actor=actor,
        action=Action.MANAGE_TASK,
        command="task assign",
        operation=task.operation,
        subject_agency_id=agency.id,
    )
    previous = task.assignee_agency
    if agency.id == previous.id:
        raise Invalid("assignee", "unchanged", agency=agency.code)
    task.assignee_agency_id, task.assignee_member_id, task.updated_at = agency.id, None, now
    await session.flush()
    task.assignee_agency = agency
    await audit.record(
        session,
        actor=actor,
        action="task.assign",
        subject=f"task:{task.ref}",
        now=now,
        details={"from": previous.code, "to": agency.code},
        rows=[task],
    )
    _emit(session, EventKind.TASK_REASSIGNED, task, now, previous=previous)
    return task, previous


async def reschedule_task(
    session: AsyncSession,
    *,
    actor: Actor,
    code: str,
    number: int,
    due_at: datetime | None,
    now: datetime,
) -> tuple[Task, datetime | None]:
    """Set a task's due time, or clear it (None); returns the task and its former due time."""
    task = await _writable_task(session, actor, code, number, "task due", Action.MANAGE_TASK)
    if task.status not in TRANSITIONS[TaskAction.CANCEL][0]:
        raise InvalidTransition("task", task.ref, current=task.status, target="due")
    previous = task.due_at
    if due_at is None and previous is None:
        raise Invalid("due", "none", ref=task.ref)
    task.due_at, task.updated_at = _future("due", due_at, now), now
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="task.due",
        subject=f"task:{task.ref}",
        now=now,
        details={"from": previous, "to": due_at},
        rows=[task],
    )
    _emit(session, EventKind.TASK_RESCHEDULED, task, now)
    return task, previous


async def edit_task(
    session: AsyncSession,
    *,
    actor: Actor,
    code: str,
    number: int,
    title: str | None = None,
    priority: Priority | None = None,
    tlp: TLP | None = None,
    details: str | None = None,
    now: datetime,
) -> tuple[Task, list[str]]:
    """Change a task's title, priority, marking or details; returns the task and the names
    of the fields that changed."""
    ref = f"{code.strip().upper()}#{number}"
    if title is None and priority is None and tlp is None and details is None:
        raise Invalid("task", "nothing_to_change", ref=ref)
    wanted: dict[str, object] = {}
    if title is not None:
        wanted["title"] = validation.text("title", title, max_length=TITLE_MAX)
    if details is not None:
        wanted["details"] = validation.text("details", details, max_length=TEXT_MAX, multiline=True)
    if priority is not None:
        wanted["priority"] = priority
    if tlp is not None:
        wanted["tlp"] = tlp
    task = await _writable_task(session, actor, code, number, "task edit", Action.MANAGE_TASK)
    changed = {name: value for name, value in wanted.items() if getattr(task, name) != value}
    if not changed:
        raise Invalid("task", "unchanged", ref=task.ref)
    details_of: dict[str, object] = {"changed": sorted(changed)}
    for name, value in changed.items():
        if name != "details":  # details may be long: the digest of the row vouches for them
            details_of[name] = {"from": getattr(task, name), "to": value}
        setattr(task, name, value)
    task.updated_at = now
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="task.edit",
        subject=f"task:{task.ref}",
        now=now,
        details=details_of,
        rows=[task],
    )
    _emit(session, EventKind.TASK_EDITED, task, now, detail={"changed": " ".join(sorted(changed))})
    return task, sorted(changed)


async def open_tasks(session: AsyncSession, *, operation: Operation) -> list[Task]:
    """Every open task of an operation, by number."""
    return await queries.open_tasks(session, operation.id)


async def cancel_open_tasks(
    session: AsyncSession, *, actor: Actor, operation: Operation, now: datetime
) -> list[Task]:
    """Cancel every open task of an operation that is being closed, each audited as a
    `task cancel` is; the agencies hear of them once each, from the closing (not per task)."""
    tasks = await open_tasks(session, operation=operation)
    stance = await operation_service.stance(session, agency_id=actor.agency_id, operation=operation)
    for task in tasks:
        acting.require(
            actor,
            Action.MANAGE_TASK,
            "op close --force",
            stance=stance,
            subject_agency_id=task.assignee_agency_id,
            operation=operation.code,
            lead=operation.lead_agency.code,
        )
    for task in tasks:
        current = task.status
        task.status, task.blocked_reason, task.updated_at = TaskStatus.CANCELLED, None, now
        await session.flush()
        await audit.record(
            session,
            actor=actor,
            action="task.cancel",
            subject=f"task:{task.ref}",
            now=now,
            details={"from": str(current), "to": str(TaskStatus.CANCELLED), "reason": "op close"},
            rows=[task],
        )
    return tasks


async def task_numbers(session: AsyncSession, *, operation: Operation, limit: int) -> list[int]:
    """The numbers of an operation's tasks, lowest first (references offered to complete)."""
    return await queries.numbers(session, operation.id, limit=limit)
