"""Record status updates on operations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from operations import events, validation
from operations.acting import Action
from operations.actor import Actor
from operations.agency.models import Agency
from operations.audit import service as audit
from operations.delivery.models import CANCELLED, FAILED, SENT
from operations.enums import TLP
from operations.errors import Conflict, Invalid, NotFound
from operations.events import Event, EventKind
from operations.knowing import Lens, Verdict, Viewer, person
from operations.operation import service as operation_service
from operations.operation.models import Operation
from operations.status import queries
from operations.status.models import Ack, StatusUpdate

STATUS_TEXT_MAX = 3000


async def post_status(
    session: AsyncSession,
    *,
    actor: Actor,
    code: str,
    text: str,
    tlp: TLP | None = None,
    ack: bool = False,
    now: datetime,
) -> tuple[Operation, StatusUpdate]:
    """Store a status update on a live operation, numbered in it; with `ack`, each agency
    whose chats may read it is asked to acknowledge it."""
    clean = validation.text("text", text, max_length=STATUS_TEXT_MAX, multiline=True)
    operation = await operation_service.get_operation(session, actor=actor, code=code, lock=True)
    await operation_service.authorize(
        session, actor=actor, action=Action.POST_STATUS, command="status", operation=operation
    )
    operation_service.require_live(operation, "status")
    update = StatusUpdate(
        operation_id=operation.id,
        number=await queries.next_number(session, operation.id),
        author_id=actor.member_id,
        text=clean,
        tlp=tlp or operation.tlp,
        created_at=now,
        ack_requested=ack,
    )
    session.add(update)
    await session.flush()
    event = Event(
        EventKind.STATUS_POSTED,
        operation,
        f"status:{update.id}",
        status=update,
        detail={"author": actor.label},
    )
    asked: list[Ack] = []
    if ack:  # the agencies the update reaches (the knowing policy, as the broadcast asks it)
        heard = await events.audience(session, event)
        asked = [
            Ack(status_update_id=update.id, agency_id=agency_id)
            for agency_id, verdict in heard.items()
            if verdict == Verdict.FULL
        ]
        session.add_all(asked)
        await session.flush()
    details: dict[str, object] = {
        "status_update": update.id,
        "number": update.number,
        "tlp": str(update.tlp),
    }
    if ack:
        details["ack"] = len(asked)
    await audit.record(
        session,
        actor=actor,
        action="status.post",
        subject=f"operation:{operation.code}",
        now=now,
        details=details,
        rows=[update, *asked],
    )
    events.emit(session, event)
    return operation, update


def _key(operation: Operation, number: int) -> str:
    return f"{operation.code} #{number}"


async def acknowledge(
    session: AsyncSession, *, actor: Actor, code: str, number: int, now: datetime
) -> tuple[Operation, StatusUpdate]:
    """Acknowledge a status update that asked for it, for the actor's own agency."""
    operation = await operation_service.get_operation(session, actor=actor, code=code, lock=True)
    update = await queries.by_number(session, operation.id, number)
    if update is None:
        raise NotFound("status_update", _key(operation, number))
    await operation_service.authorize(
        session, actor=actor, action=Action.ACKNOWLEDGE, command="ack", operation=operation
    )
    operation_service.require_live(operation, "ack")
    key = _key(operation, number)
    if not update.ack_requested:
        raise Invalid("ack", "not_requested", key=key)
    found = None
    if actor.agency_id is not None:
        found = await queries.ack_for(session, update.id, actor.agency_id, lock=True)
    if found is None:
        raise Invalid("ack", "not_asked", key=key, agency=actor.agency_code or "—")
    if found.acknowledged_at is not None:
        raise Conflict("ack", key, reason="acknowledged")
    found.acknowledged_by_id, found.acknowledged_at = actor.member_id, now
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="status.ack",
        subject=f"operation:{operation.code}",
        now=now,
        details={"status_update": update.id, "number": number, "agency": actor.agency_code},
        rows=[found],
    )
    return operation, update


@dataclass(frozen=True)
class AgencyAck:
    """How one agency stands with a status update: its chats' deliveries and its ack."""

    code: str
    name: str
    delivered_at: datetime | None = None  # the first of its chats that got it
    failed: int = 0  # chats it could not reach
    pending: int = 0  # chats still waiting
    asked: bool = False
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None


@dataclass(frozen=True)
class AckReport:
    """Per agency, where a status update got to and who acknowledged it, as one reader may
    read it; `withheld` when its marking keeps the update (and so its acks) from them."""

    operation: Operation
    update: StatusUpdate | None
    agencies: list[AgencyAck] = field(default_factory=list)
    withheld: bool = False

    @property
    def acknowledged(self) -> int:
        return sum(1 for a in self.agencies if a.acknowledged_at is not None)

    @property
    def asked(self) -> int:
        return sum(1 for a in self.agencies if a.asked)


async def ack_report(
    session: AsyncSession,
    *,
    actor: Actor,
    code: str,
    number: int | None = None,
    viewer: Viewer | None = None,
) -> AckReport:
    """Delivered and acknowledged, per agency, for update `number` (default: the newest)."""
    operation = await operation_service.get_operation(session, actor=actor, code=code)
    if number is None:
        update = await queries.newest(session, operation.id, asked=False)
    else:
        update = await queries.by_number(session, operation.id, number)
        if update is None:
            raise NotFound("status_update", _key(operation, number))
    if update is None:
        return AckReport(operation, None)
    lens = await operation_service.lens(
        session, viewer=viewer or person(actor), operation=operation
    )
    return await _report(session, operation, update, lens)


async def _report(
    session: AsyncSession, operation: Operation, update: StatusUpdate, lens: Lens
) -> AckReport:
    [report] = await ack_reports(session, operation=operation, updates=[update], lens=lens)
    return report


async def ack_reports(
    session: AsyncSession, *, operation: Operation, updates: list[StatusUpdate], lens: Lens
) -> list[AckReport]:
    """`ack_report` of each of the operation's `updates`, as `lens` may read them, in the
    same order; a few queries whatever their number (an export reads them all)."""
    readable = [u.id for u in updates if lens.reads_status(u.tlp)]
    carried = await queries.deliveries(session, operation.id, readable)
    acked_by = await queries.acks(session, readable)
    ids = {agency_id for rows in carried.values() for agency_id, _, _ in rows}
    ids |= {ack.agency_id for rows in acked_by.values() for ack, _ in rows}
    named = await queries.agencies(session, sorted(ids))
    reports = []
    for update in updates:
        if update.id not in carried:
            reports.append(AckReport(operation, update, withheld=True))
            continue
        reports.append(
            _agency_acks(operation, update, carried[update.id], acked_by[update.id], named)
        )
    return reports


def _agency_acks(
    operation: Operation,
    update: StatusUpdate,
    carried: list[tuple[int, str, datetime | None]],
    acks: list[tuple[Ack, str | None]],
    named: dict[int, Agency],
) -> AckReport:
    """One update's report from its deliveries and acks."""
    sent: dict[int, datetime] = {}
    failed: dict[int, int] = {}
    pending: dict[int, int] = {}
    for agency_id, state, sent_at in carried:
        if state == SENT and sent_at is not None:
            sent[agency_id] = min(sent.get(agency_id, sent_at), sent_at)
        elif state == FAILED:
            failed[agency_id] = failed.get(agency_id, 0) + 1
        elif state != CANCELLED:
            pending[agency_id] = pending.get(agency_id, 0) + 1
    acked = {ack.agency_id: (ack, name) for ack, name in acks}
    ids = sorted({*sent, *failed, *pending, *acked})
    rows = []
    for agency_id in ids:
        ack, name = acked.get(agency_id, (None, None))
        rows.append(
            AgencyAck(
                code=named[agency_id].code,
                name=named[agency_id].name,
                delivered_at=sent.get(agency_id),
                failed=failed.get(agency_id, 0),
                pending=pending.get(agency_id, 0),
                asked=ack is not None,
                acknowledged_by=name,
                acknowledged_at=ack.acknowledged_at if ack else None,
            )
        )
    rows.sort(key=lambda a: a.code)
    return AckReport(operation, update, rows)


async def latest_asked(
    session: AsyncSession, *, operation: Operation, lens: Lens
) -> AckReport | None:
    """The acks of the newest update that asked for them, as `lens` may read them."""
    update = await queries.newest(session, operation.id, asked=True)
    if update is None:
        return None
    return await _report(session, operation, update, lens)
