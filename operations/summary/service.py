"""The picture of an operation, or of all active ones, at a glance."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from operations.actor import Actor
from operations.enums import ParticipationRole
from operations.operation import service as operation_service
from operations.operation.models import Operation
from operations.status import queries as status_queries
from operations.status.models import StatusUpdate
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
    withheld: int = 0  # latest updates the reader's TLP clearance does not cover


@dataclass(frozen=True)
class OverviewLine:
    operation: Operation
    agencies: int
    counts: dict[str, int]
    last_update: datetime | None


async def summarize_operation(
    session: AsyncSession, *, actor: Actor, code: str, now: datetime
) -> OperationSummary:
    """Status, per-agency task counts, what needs attention and the latest updates."""
    operation = await operation_service.get_operation(session, actor=actor, code=code)
    agencies = [
        AgencyLine(code=c, name=n, role=r, counts=counts)
        for c, n, r, counts in await queries.per_agency_counts(session, operation.id, now=now)
    ]
    totals = {name: sum(a.counts[name] for a in agencies) for name in queries.COUNTED}
    # tasks assigned to agencies that later left would be missing from per-agency rows:
    # participations are never removed, so the per-agency sum is the operation's total.
    attention = await task_queries.attention(session, operation.id, now=now, limit=ATTENTION_LIMIT)
    latest = await status_queries.latest(session, operation.id, limit=UPDATES_LIMIT)
    role = await operation_service.reader_role(session, actor=actor, operation=operation)
    updates = [u for u in latest if operation_service.may_read(actor, role, u[0].tlp)]
    return OperationSummary(
        operation, agencies, attention, updates, totals, withheld=len(latest) - len(updates)
    )


async def overview(session: AsyncSession, *, actor: Actor, now: datetime) -> list[OverviewLine]:
    """One line per visible active operation."""
    return [
        OverviewLine(operation=op, agencies=n, counts=counts, last_update=last)
        for op, n, counts, last in await queries.operations_overview(session, actor, now=now)
    ]
