"""Closing an operation: never with tasks left open by accident, and every agency told.

`op close` with open tasks changes nothing and returns them (the bot asks to repeat with
--force); forced, they are cancelled first (each audited as a `task cancel`), every agency
concerned hears once which of them it may read, then every agency taking part gets the
final summary, as the knowing policy allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from operations import events
from operations.acting import Action
from operations.actor import Actor
from operations.enums import OperationStatus
from operations.errors import InvalidTransition
from operations.events import Event, EventKind, chat_gets
from operations.knowing import Verdict
from operations.operation import queries
from operations.operation import service as operation_service
from operations.operation.models import Operation
from operations.task import service as task_service
from operations.task.models import Task


@dataclass(frozen=True, slots=True)
class Closing:
    """What `op close` did: `before` is None when it was refused for open tasks."""

    operation: Operation
    before: OperationStatus | None
    open_tasks: list[Task]  # still open (refused), or cancelled by the closing (forced)


async def close_operation(
    session: AsyncSession, *, actor: Actor, code: str, force: bool, now: datetime
) -> Closing:
    """Close an operation; with open tasks only when forced, which cancels them."""
    operation = await operation_service.get_operation(session, actor=actor, code=code, lock=True)
    await operation_service.authorize(
        session, actor=actor, action=Action.RUN_OPERATION, command="op close", operation=operation
    )
    sources, target = operation_service.ACTIONS["close"]
    if operation.status not in sources:
        raise InvalidTransition(
            "operation", operation.code, current=operation.status, target=target
        )
    if not force:
        still_open = await task_service.open_tasks(session, operation=operation)
        if still_open:
            return Closing(operation, None, still_open)
    cancelled = await task_service.cancel_open_tasks(
        session, actor=actor, operation=operation, now=now
    )
    await _tell_cancelled(session, operation, cancelled, now)
    operation, before = await operation_service.change_status(
        session, actor=actor, code=operation.code, action="close", now=now
    )
    counts = await queries.task_counts(session, operation.id)
    detail = {name: str(n) for name, n in counts.items()}
    detail["forced"] = str(len(cancelled))
    detail["updates"] = str(await queries.status_update_count(session, operation.id))
    detail["agencies"] = str(len(await queries.participant_roles(session, operation.id)))
    events.emit(
        session,
        Event(
            EventKind.OPERATION_CLOSED, operation, f"operation:{operation.id}:closed", detail=detail
        ),
    )
    return Closing(operation, before, cancelled)


async def _tell_cancelled(
    session: AsyncSession, operation: Operation, tasks: list[Task], now: datetime
) -> None:
    """One notice to each agency concerned (the assignees, the lead) naming the cancelled
    tasks its chats may read; a RED task only by its reference to its assignee; the rest
    counted."""
    if not tasks:
        return
    stances = await events.stances(session, operation)
    concerned = sorted({operation.lead_agency_id, *(t.assignee_agency_id for t in tasks)})
    for agency_id in concerned:
        stance = stances.get(agency_id)
        if stance is None:
            continue
        lead = agency_id == operation.lead_agency_id
        readable, refs, withheld = [], [], 0
        for task in tasks:
            own = task.assignee_agency_id == agency_id
            if not (own or lead):
                continue  # an agency hears of its own tasks; the lead of all
            verdict = chat_gets(EventKind.TASK_CANCELLED, task.tlp, stance, assignee=own)
            if verdict == Verdict.FULL:
                readable.append(task)
            elif verdict == Verdict.NOTICE:
                refs.append(task.ref)
            else:
                withheld += 1
        key = f"operation:{operation.id}:cancelled:{agency_id}:{now.isoformat()}"
        detail = {"refs": " ".join(refs), "withheld": str(withheld)}
        events.emit(
            session,
            Event(
                EventKind.CLOSED_TASKS,
                operation,
                key,
                tasks=tuple(readable),
                addressee=agency_id,
                detail=detail,
            ),
        )
