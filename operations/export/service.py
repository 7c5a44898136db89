"""An operation's whole record (tasks, status updates and their acknowledgements, results,
timeline) as one reader may read it (the knowing policy), and the audit of an export."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from operations.acting import Action
from operations.actor import Actor
from operations.audit import service as audit
from operations.audit.chain import Anchor
from operations.audit.models import AuditEvent
from operations.export import queries
from operations.knowing import Lens, Viewer, person
from operations.operation import service as operation_service
from operations.operation.models import Operation, Participation
from operations.result import service as result_service
from operations.result.models import Result
from operations.result.service import ResultsReport
from operations.status import service as status_service
from operations.status.models import StatusUpdate
from operations.status.service import AckReport
from operations.task import queries as task_queries
from operations.task.models import Task

LIMIT = 5000  # rows of each kind in one export (tasks, updates, results, timeline events)


@dataclass(frozen=True, slots=True)
class Step:
    """One event of the timeline: when, who, what (an audit action), about what, details."""

    at: datetime
    actor: str
    action: str
    subject: str
    details: dict[str, Any]


@dataclass(frozen=True)
class OperationRecord:
    """What one reader may read of an operation; each `withheld_*` counts what its marking
    keeps from them (never shown in part)."""

    operation: Operation
    agencies: list[Participation]
    tasks: list[Task] = field(default_factory=list)
    updates: list[tuple[StatusUpdate, str, AckReport]] = field(default_factory=list)
    results: ResultsReport | None = None  # None: withheld
    result_list: list[tuple[Result, str]] = field(default_factory=list)
    timeline: list[Step] = field(default_factory=list)
    withheld_tasks: int = 0
    withheld_updates: int = 0
    withheld_results: int = 0
    withheld_steps: int = 0


def _details(text: str) -> dict[str, Any]:
    try:
        found = json.loads(text)
    except ValueError:
        return {}
    if not isinstance(found, dict):
        return {}
    found.pop("digests", None)
    return found


def _readable(
    event: AuditEvent,
    details: dict[str, Any],
    lens: Lens,
    operation: Operation,
    tasks: dict[str, Task | None],
    updates: dict[int, StatusUpdate],
) -> bool:
    """Whether the reader may read a timeline event: as they may read what it is about (a
    task, a status update, the results); an event of a kind not known here is withheld."""
    if event.subject.startswith("task:"):
        return tasks.get(event.subject.removeprefix("task:")) is not None
    if event.action in ("status.post", "status.ack"):
        update = updates.get(int(details.get("number") or 0))
        return update is not None and lens.reads_status(update.tlp)
    if event.action.startswith("result."):
        return lens.reads_results(operation.tlp)
    return event.action.startswith("operation.")


async def operation_record(
    session: AsyncSession, *, actor: Actor, code: str, viewer: Viewer | None = None
) -> OperationRecord:
    """An operation's record as `viewer` (default: the actor in private) may read it."""
    operation = await operation_service.get_operation(session, actor=actor, code=code)
    await operation_service.authorize(
        session, actor=actor, action=Action.READ, command="export", operation=operation
    )
    lens = await operation_service.lens(
        session, viewer=viewer or person(actor), operation=operation
    )
    every_task = await task_queries.list_for_operation(session, operation.id, limit=LIMIT)
    tasks = [t for t in every_task if lens.reads_task(t.tlp, t.assignee_agency_id)]
    every_update = await queries.updates(session, operation.id, limit=LIMIT)
    readable_updates = [(u, author) for u, author in every_update if lens.reads_status(u.tlp)]
    reports = await status_service.ack_reports(
        session, operation=operation, updates=[u for u, _ in readable_updates], lens=lens
    )
    updates = [
        (update, author, report)
        for (update, author), report in zip(readable_updates, reports, strict=True)
    ]
    results = await result_service.report(
        session, actor=actor, code=operation.code, viewer=lens.viewer
    )
    result_list = (
        [] if results.withheld else await queries.results(session, operation.id, limit=LIMIT)
    )
    readable = {t.ref: t for t in tasks}
    known: dict[str, Task | None] = {t.ref: readable.get(t.ref) for t in every_task}
    numbered = {u.number: u for u, _ in every_update}
    timeline: list[Step] = []
    withheld_steps = 0
    for event in await queries.timeline(session, operation.code, limit=LIMIT):
        details = _details(event.details)
        if _readable(event, details, lens, operation, known, numbered):
            timeline.append(Step(event.at, event.actor, event.action, event.subject, details))
        else:
            withheld_steps += 1
    return OperationRecord(
        operation,
        await operation_service.participants(session, operation=operation),
        tasks=tasks,
        updates=updates,
        results=None if results.withheld else results,
        result_list=result_list,
        timeline=timeline,
        withheld_tasks=len(every_task) - len(tasks),
        withheld_updates=len(every_update) - len(updates),
        withheld_results=results.withheld,
        withheld_steps=withheld_steps,
    )


async def record_export(
    session: AsyncSession,
    *,
    actor: Actor,
    record: OperationRecord,
    kind: str,
    now: datetime,
) -> int:
    """Audit an export (its format, what it gave, what it withheld); returns the event's
    sequence number."""
    return await audit.record(
        session,
        actor=actor,
        action="operation.export",
        subject=f"operation:{record.operation.code}",
        now=now,
        details={
            "format": kind,
            "tasks": len(record.tasks),
            "updates": len(record.updates),
            "withheld": {
                "tasks": record.withheld_tasks,
                "updates": record.withheld_updates,
                "results": record.withheld_results,
                "timeline": record.withheld_steps,
            },
        },
    )


async def anchor(session: AsyncSession) -> Anchor:
    """The audit chain's head, which a document ends with (its timeline goes up to it)."""
    return await audit.head(session)
