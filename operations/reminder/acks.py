"""The chase of acknowledgements: an agency that has not acknowledged a status update that
asked for it is reminded once after the chase delay (JOINTOPS_ACK_CHASE); after twice that the
lead agency is told which agencies are still missing. Never in a suspended or closed operation
(REMINDING_OPERATION_STATUSES). Each is claimed in the database, so it goes out once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from operations.agency.models import Agency
from operations.enums import REMINDING_OPERATION_STATUSES
from operations.operation.models import Operation
from operations.status.models import Ack, StatusUpdate

SWEEP_LIMIT = 5000


@dataclass(frozen=True, slots=True)
class Chase:
    """One agency to remind of one status update."""

    operation: Operation
    update: StatusUpdate
    agency_id: int

    @property
    def key(self) -> str:
        return f"ack:{self.update.id}:chase:{self.agency_id}"


@dataclass(frozen=True, slots=True)
class Missing:
    """The lead agency to tell which agencies have still not acknowledged an update."""

    operation: Operation
    update: StatusUpdate
    agencies: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"ack:{self.update.id}:missing"


async def due_chases(session: AsyncSession, *, now: datetime, after: timedelta) -> list[Chase]:
    """The agencies to remind now; each is recorded as reminded (Ack.chased_at)."""
    rows = await session.execute(
        select(Ack.id, Ack.agency_id, StatusUpdate, Operation)
        .join(StatusUpdate, StatusUpdate.id == Ack.status_update_id)
        .join(Operation, Operation.id == StatusUpdate.operation_id)
        .where(
            Ack.acknowledged_at.is_(None),
            Ack.chased_at.is_(None),
            StatusUpdate.created_at <= now - after,
            Operation.status.in_(REMINDING_OPERATION_STATUSES),
        )
        .order_by(Ack.id)
        .limit(SWEEP_LIMIT)
    )
    chases = []
    for ack_id, agency_id, status, operation in rows.all():
        claimed = await session.execute(
            update(Ack)
            .where(Ack.id == ack_id, Ack.chased_at.is_(None), Ack.acknowledged_at.is_(None))
            .values(chased_at=now)
            .execution_options(synchronize_session=False)
        )
        if getattr(claimed, "rowcount", 0):
            chases.append(Chase(operation, status, agency_id))
    return chases


async def due_missing(session: AsyncSession, *, now: datetime, after: timedelta) -> list[Missing]:
    """The updates whose lead agency is to be told now who is missing (after twice the chase
    delay); each is recorded as told (StatusUpdate.ack_lead_told_at)."""
    rows = await session.execute(
        select(StatusUpdate, Operation)
        .join(Operation, Operation.id == StatusUpdate.operation_id)
        .where(
            StatusUpdate.ack_requested.is_(True),
            StatusUpdate.ack_lead_told_at.is_(None),
            StatusUpdate.created_at <= now - 2 * after,
            Operation.status.in_(REMINDING_OPERATION_STATUSES),
            exists().where(Ack.status_update_id == StatusUpdate.id, Ack.acknowledged_at.is_(None)),
        )
        .order_by(StatusUpdate.id)
        .limit(SWEEP_LIMIT)
    )
    told = []
    for status, operation in rows.all():
        claimed = await session.execute(
            update(StatusUpdate)
            .where(StatusUpdate.id == status.id, StatusUpdate.ack_lead_told_at.is_(None))
            .values(ack_lead_told_at=now)
            .execution_options(synchronize_session=False)
        )
        if not getattr(claimed, "rowcount", 0):
            continue
        codes = await session.scalars(
            select(Agency.code)
            .join(Ack, Ack.agency_id == Agency.id)
            .where(Ack.status_update_id == status.id, Ack.acknowledged_at.is_(None))
            .order_by(Agency.code)
        )
        told.append(Missing(operation, status, tuple(codes)))
    return told
