"""Create operations, bring agencies in, move them through their life."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from operations import acting, validation
from operations.acting import Action, Stance
from operations.actor import Actor
from operations.agency import service as agency_service
from operations.audit import service as audit
from operations.db import unique
from operations.delivery import service as delivery_service
from operations.enums import TLP, OperationStatus, ParticipationRole
from operations.errors import Conflict, Invalid, InvalidTransition, NotFound
from operations.knowing import Lens, Viewer
from operations.operation import queries
from operations.operation.models import Operation, Participation

# action -> (statuses it applies to, resulting status)
ACTIONS: dict[str, tuple[tuple[OperationStatus, ...], OperationStatus]] = {
    "start": ((OperationStatus.PLANNED,), OperationStatus.ACTIVE),
    "suspend": ((OperationStatus.ACTIVE,), OperationStatus.SUSPENDED),
    "resume": ((OperationStatus.SUSPENDED,), OperationStatus.ACTIVE),
    "close": (
        (OperationStatus.PLANNED, OperationStatus.ACTIVE, OperationStatus.SUSPENDED),
        OperationStatus.CLOSED,
    ),
}


async def stance(session: AsyncSession, *, agency_id: int | None, operation: Operation) -> Stance:
    """How an agency takes part in the operation (Stance.NONE: it does not)."""
    if agency_id is None:
        return Stance.NONE
    found = await queries.participation(session, operation.id, agency_id)
    return Stance.of(found.role if found else None)


async def lens(session: AsyncSession, *, viewer: Viewer, operation: Operation) -> Lens:
    """What `viewer` may read of this operation (the knowing policy, operations.knowing)."""
    return Lens(viewer, await stance(session, agency_id=viewer.agency_id, operation=operation))


async def authorize(
    session: AsyncSession,
    *,
    actor: Actor,
    action: Action,
    command: str,
    operation: Operation,
    subject_agency_id: int | None = None,
) -> None:
    """The acting policy, for an action on this operation (NotPermitted names who may)."""
    acting.require(
        actor,
        action,
        command,
        stance=await stance(session, agency_id=actor.agency_id, operation=operation),
        subject_agency_id=subject_agency_id,
        operation=operation.code,
        lead=operation.lead_agency.code,
    )


LIVE = (OperationStatus.PLANNED, OperationStatus.ACTIVE, OperationStatus.SUSPENDED)


async def get_operation(
    session: AsyncSession, *, actor: Actor, code: str, lock: bool = False
) -> Operation:
    """The operation if the actor may know of it; otherwise NotFound, as if it did not exist."""
    op_code = code.strip().upper()
    operation = await queries.visible_by_code(session, actor, op_code, lock=lock)
    if operation is None:
        raise NotFound("operation", op_code)
    return operation


def require_live(operation: Operation, action: str) -> None:
    """Closed operations accept no more changes."""
    if operation.status == OperationStatus.CLOSED:
        raise InvalidTransition(
            "operation", operation.code, current=operation.status, target=action
        )


async def create_operation(
    session: AsyncSession,
    *,
    actor: Actor,
    code: str,
    name: str,
    lead_code: str | None = None,
    ends_at: datetime | None = None,
    tlp: TLP = TLP.AMBER,
    objective: str | None = None,
    four_eyes: bool = False,
    now: datetime,
) -> Operation:
    """Open a planned operation led by an agency (the creator's own by default)."""
    acting.require(actor, Action.CREATE_OPERATION, "op new")
    op_code = validation.operation_code(code)
    clean_name = validation.text("name", name, max_length=validation.NAME_MAX)
    if await queries.by_code(session, op_code) is not None:  # said first: nothing else helps
        raise Conflict("operation", op_code)
    if lead_code is None and actor.agency_code is None:
        raise Invalid("lead", "required")
    lead = await agency_service.get_agency(session, code=lead_code or str(actor.agency_code))
    if ends_at is not None and ends_at <= now:
        raise Invalid("ends", "past")
    operation = Operation(
        code=op_code,
        name=clean_name,
        objective=validation.text("objective", objective, max_length=3000, multiline=True)
        if objective
        else None,
        status=OperationStatus.PLANNED,
        lead_agency_id=lead.id,
        ends_at=ends_at,
        tlp=tlp,
        four_eyes=four_eyes,
        next_task_number=1,
        created_by_id=actor.member_id,
        created_at=now,
    )
    async with unique(session, "operation", op_code):
        session.add(operation)
    participations = [
        Participation(
            operation_id=operation.id,
            agency_id=lead.id,
            role=ParticipationRole.LEAD,
            created_at=now,
        )
    ]
    if actor.agency_id is not None and actor.agency_id != lead.id:
        participations.append(
            Participation(
                operation_id=operation.id,
                agency_id=actor.agency_id,
                role=ParticipationRole.PARTICIPANT,
                created_at=now,
            )
        )
    session.add_all(participations)
    await session.flush()
    operation.lead_agency = lead
    await audit.record(
        session,
        actor=actor,
        action="operation.create",
        subject=f"operation:{op_code}",
        now=now,
        details={"name": clean_name, "lead": lead.code, "tlp": str(tlp), "four_eyes": four_eyes},
        rows=[operation, *participations],
    )
    return operation


async def list_operations(
    session: AsyncSession, *, actor: Actor, include_closed: bool = False
) -> list[tuple[Operation, int, int]]:
    """Visible operations with their agency and open-task counts."""
    statuses = (*LIVE, OperationStatus.CLOSED) if include_closed else LIVE
    return await queries.list_visible(session, actor, statuses=statuses)


async def participants(session: AsyncSession, *, operation: Operation) -> list[Participation]:
    """The agencies in an operation (lead first), with their agency loaded."""
    return await queries.participations(session, operation.id)


async def add_participant(
    session: AsyncSession,
    *,
    actor: Actor,
    code: str,
    agency_code: str,
    role: ParticipationRole = ParticipationRole.PARTICIPANT,
    now: datetime,
) -> tuple[Operation, Participation]:
    """Bring an agency into an operation."""
    operation = await get_operation(session, actor=actor, code=code, lock=True)
    await authorize(
        session, actor=actor, action=Action.RUN_OPERATION, command="op join", operation=operation
    )
    require_live(operation, "join")
    agency = await agency_service.get_agency(session, code=agency_code)
    if role == ParticipationRole.LEAD:
        raise Invalid("role", "lead_is_set")
    if await queries.participation(session, operation.id, agency.id) is not None:
        raise Conflict("participation", f"{agency.code}@{operation.code}")
    participation = Participation(
        operation_id=operation.id, agency_id=agency.id, role=role, created_at=now
    )
    async with unique(session, "participation", f"{agency.code}@{operation.code}"):
        session.add(participation)
    participation.agency = agency
    await audit.record(
        session,
        actor=actor,
        action="operation.join",
        subject=f"operation:{operation.code}",
        now=now,
        details={"agency": agency.code, "role": str(role)},
        rows=[participation],
    )
    return operation, participation


async def change_status(
    session: AsyncSession, *, actor: Actor, code: str, action: str, now: datetime
) -> tuple[Operation, OperationStatus]:
    """Start, suspend, resume or close an operation; returns it and its former status."""
    operation = await get_operation(session, actor=actor, code=code, lock=True)
    await authorize(
        session,
        actor=actor,
        action=Action.RUN_OPERATION,
        command=f"op {action}",
        operation=operation,
    )
    current = operation.status
    sources, target = ACTIONS[action]
    if current not in sources:
        raise InvalidTransition("operation", operation.code, current=current, target=target)
    operation.status = target
    if target == OperationStatus.ACTIVE and operation.starts_at is None:
        operation.starts_at = now
    if target == OperationStatus.CLOSED:
        operation.ends_at = now
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action=f"operation.{action}",
        subject=f"operation:{operation.code}",
        now=now,
        details={"from": str(current), "to": str(target)},
        rows=[operation],
    )
    return operation, current


async def remove_participant(
    session: AsyncSession, *, actor: Actor, code: str, agency_code: str, now: datetime
) -> tuple[Operation, Participation, int]:
    """Take an agency out of an operation: it no longer reads it nor hears of it, and what is
    queued for its chats about it is cancelled; returns how many messages were cancelled."""
    operation = await get_operation(session, actor=actor, code=code, lock=True)
    await authorize(
        session, actor=actor, action=Action.RUN_OPERATION, command="op remove", operation=operation
    )
    require_live(operation, "remove")
    agency = await agency_service.get_agency(session, code=agency_code)
    where = {"agency": agency.code, "operation": operation.code}
    participation = await queries.participation(session, operation.id, agency.id)
    if participation is None:
        raise Invalid("agency", "not_participating", **where)
    if participation.role == ParticipationRole.LEAD:
        raise Invalid("agency", "is_lead", **where)
    open_tasks = await queries.open_task_count(session, operation.id, agency.id)
    if open_tasks:
        raise Invalid("agency", "has_open_tasks", count=str(open_tasks), **where)
    participation.agency = agency
    await session.delete(participation)
    cancelled = await delivery_service.cancel_to_agency(
        session, agency_id=agency.id, operation_id=operation.id, reason="agency removed"
    )
    await audit.record(
        session,
        actor=actor,
        action="operation.remove",
        subject=f"operation:{operation.code}",
        now=now,
        details={"agency": agency.code, "role": str(participation.role), "cancelled": cancelled},
        gone=[participation],
    )
    return operation, participation, cancelled
