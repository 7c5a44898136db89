"""The picture of an operation, or of all active ones, at a glance."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from operations.actor import Actor
from operations.enums import ParticipationRole
from operations.knowing import Viewer, person
from operations.operation import service as operation_service
from operations.operation.models import Operation
from operations.result import service as result_service
from operations.result.service import Figures
from operations.status import queries as status_queries
from operations.status import service as status_service
from operations.status.models import StatusUpdate
from operations.status.service import AckReport
from operations.summary import queries
from operations.task import queries as task_queries
from operations.task.models import Task

ATTENTION_LIMIT = 10
UPDATES_LIMIT = 3


@dataclass(frozen=True)
class AgencyLine:
    code: str
    name: str
    role: ParticipationRole
    counts: dict[str, int]


@dataclass(frozen=True)
class OperationSummary:
    operation: Operation
    agencies: list[AgencyLine]
    attention: list[Task]
    updates: list[tuple[StatusUpdate, str]]
    totals: dict[str, int] = field(default_factory=dict)
    withheld: int = 0  # latest updates the marking keeps from the reader
    withheld_tasks: int = 0  # tasks needing attention the marking keeps from the reader
    results: Figures = field(default_factory=dict)  # the results' totals per kind
    withheld_results: int = 0  # results the operation's marking keeps from the reader
    acks: AckReport | None = None  # the newest update that asked for acks, if the reader reads it


@dataclass(frozen=True)
class OverviewLine:
    operation: Operation
    agencies: int
    counts: dict[str, int]
    last_update: datetime | None


async def summarize_operation(
    session: AsyncSession, *, actor: Actor, code: str, now: datetime, viewer: Viewer | None = None
) -> OperationSummary:
    """Status, per-agency task counts, what needs attention and the latest updates, as
    `viewer` may read them (default: the actor in private); what it may not is counted."""
    operation = await operation_service.get_operation(session, actor=actor, code=code)
    agencies = [
        AgencyLine(code=c, name=n, role=r, counts=counts)
        for c, n, r, counts in await queries.per_agency_counts(session, operation.id, now=now)
    ]
    totals = {name: sum(a.counts[name] for a in agencies) for name in queries.COUNTED}
    # tasks assigned to agencies that later left would be missing from per-agency rows:
    # participations are never removed, so the per-agency sum is the operation's total.
    lens = await operation_service.lens(
        session, viewer=viewer or person(actor), operation=operation
    )
    needing = await task_queries.attention(session, operation.id, now=now, limit=ATTENTION_LIMIT)
    attention = [t for t in needing if lens.reads_task(t.tlp, t.assignee_agency_id)]
    latest = await status_queries.latest(session, operation.id, limit=UPDATES_LIMIT)
    updates = [u for u in latest if lens.reads_status(u[0].tlp)]
    results, withheld_results = await result_service.totals(session, operation=operation, lens=lens)
    acks = await status_service.latest_asked(session, operation=operation, lens=lens)
    return OperationSummary(
        operation,
        agencies,
        attention,
        updates,
        totals,
        withheld=len(latest) - len(updates),
        withheld_tasks=len(needing) - len(attention),
        results=results,
        withheld_results=withheld_results,
        acks=acks if acks is not None and not acks.withheld else None,
    )


async def overview(session: AsyncSession, *, actor: Actor, now: datetime) -> list[OverviewLine]:
    """One line per visible active operation."""
    return [
        OverviewLine(operation=op, agencies=n, counts=counts, last_update=last)
        for op, n, counts, last in await queries.operations_overview(session, actor, now=now)
    ]
