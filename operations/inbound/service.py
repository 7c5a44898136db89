"""The inbox: platform events recorded before they are acknowledged, each command run once.

A record is written (RECEIVED, held by the process that received it, with a lease) before the
platform is told the update arrived. The command's own transaction marks it RAN with the reply
(`mark_ran`), so a command never runs twice; `mark_answered` follows the send. A record whose
holder stopped (its lease ran out, or it was handed back) is taken over by `claim_stale`.
The unique (platform, event_key) makes a redelivery, on any replica, record nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from operations.inbound.models import ANSWERED, HELD, RAN, RECEIVED, InboundEvent

REDELIVERY_WINDOW = timedelta(days=2)  # platforms retry for minutes; keep ids well beyond
UNANSWERED = (RECEIVED, RAN, HELD)
KEY_LENGTH = 128


class Superseded(Exception):
    """The record is no longer this process's: another one took it over (or it was answered).
    Whatever the caller was doing with it must be undone, and nothing answered."""


@dataclass(frozen=True, slots=True)
class Incoming:
    """One platform event carrying a command; `command` and `route` are opaque here."""

    key: str
    command: str
    route: str


@dataclass(frozen=True, slots=True)
class Record:
    """A recorded command as the process working on it sees it."""

    id: int
    platform: str
    received_at: datetime
    state: str
    command: str
    route: str
    reply: str | None
    attempts: int


def _record(row: InboundEvent) -> Record:
    return Record(
        id=row.id,
        platform=row.platform,
        received_at=row.received_at,
        state=row.state,
        command=row.command or "",
        route=row.route or "",
        reply=row.reply,
        attempts=row.attempts,
    )


async def first_delivery(session: AsyncSession, *, platform: str, key: str, now: datetime) -> bool:
    """Record an event that carries nothing to run; False when it was already recorded."""
    try:
        async with session.begin_nested():
            session.add(
                InboundEvent(platform=platform, event_key=key[:KEY_LENGTH], received_at=now)
            )
            await session.flush()
    except IntegrityError:
        return False
    return True


async def record(
    session: AsyncSession,
    *,
    platform: str,
    items: Sequence[Incoming],
    now: datetime,
    holder: str,
    lease_until: datetime,
) -> list[Record | None]:
    """Record each command (RECEIVED, held by `holder` until `lease_until`), in order; None
    for an event already recorded (a redelivery, here or on another replica)."""
    out: list[Record | None] = []
    for item in items:
        row = InboundEvent(
            platform=platform,
            event_key=item.key[:KEY_LENGTH],
            received_at=now,
            state=RECEIVED,
            command=item.command,
            route=item.route,
            holder=holder,
            lease_until=lease_until,
            attempts=1,
        )
        try:
            async with session.begin_nested():
                session.add(row)
                await session.flush()
        except IntegrityError:
            out.append(None)
            continue
        out.append(_record(row))
    return out


async def mark_ran(
    session: AsyncSession, *, record_id: int, holder: str, reply: str, held: bool = False
) -> None:
    """In the command's own transaction: the command ran (or, `held`, was answered without
    running) and this is its reply. Raises Superseded when the record is no longer this
    holder's to run, so that the transaction is rolled back."""
    result = await session.execute(
        update(InboundEvent)
        .where(
            InboundEvent.id == record_id,
            InboundEvent.holder == holder,
            InboundEvent.state == RECEIVED,
        )
        .values(state=HELD if held else RAN, reply=reply)
    )
    if _count(result) != 1:
        raise Superseded(record_id)


async def mark_answered(session: AsyncSession, *, record_id: int, holder: str) -> bool:
    """The answer went out: only the id stays (for redeliveries), nothing of what was typed
    or answered (a code, a personal detail). False if the record was no longer ours."""
    result = await session.execute(
        update(InboundEvent)
        .where(InboundEvent.id == record_id, InboundEvent.holder == holder)
        .values(state=ANSWERED, command=None, route=None, reply=None, holder=None, lease_until=None)
    )
    return _count(result) == 1


async def retry_later(session: AsyncSession, *, record_id: int, holder: str, at: datetime) -> bool:
    """Hand the record back, to be taken over (by any process) from `at` on."""
    result = await session.execute(
        update(InboundEvent)
        .where(InboundEvent.id == record_id, InboundEvent.holder == holder)
        .values(holder=None, lease_until=at)
    )
    return _count(result) == 1


async def claim_stale(
    session: AsyncSession,
    *,
    platforms: Sequence[str],
    now: datetime,
    holder: str,
    lease_until: datetime,
    limit: int,
    max_attempts: int,
) -> list[Record]:
    """Take over unanswered records nobody holds (a holder stopped or died, its lease ran out,
    or a failed answer's retry time came), oldest first; locked rows are skipped, so two
    processes never take the same record."""
    ids = list(
        await session.scalars(
            select(InboundEvent.id)
            .where(
                InboundEvent.state.in_(UNANSWERED),
                InboundEvent.platform.in_(platforms),
                or_(InboundEvent.lease_until.is_(None), InboundEvent.lease_until <= now),
                InboundEvent.attempts < max_attempts,
            )
            .order_by(InboundEvent.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not ids:
        return []
    await session.execute(
        update(InboundEvent)
        .where(InboundEvent.id.in_(ids))
        .values(holder=holder, lease_until=lease_until, attempts=InboundEvent.attempts + 1)
    )
    rows = await session.scalars(
        select(InboundEvent)
        .where(InboundEvent.id.in_(ids))
        .order_by(InboundEvent.id)
        .execution_options(populate_existing=True)
    )
    return [_record(row) for row in rows]


async def renew(session: AsyncSession, *, holder: str, ids: Sequence[int], until: datetime) -> int:
    """A live process keeps the records it works on (nobody takes them over)."""
    result = await session.execute(
        update(InboundEvent)
        .where(
            InboundEvent.id.in_(ids),
            InboundEvent.holder == holder,
            InboundEvent.state.in_(UNANSWERED),
        )
        .values(lease_until=until)
    )
    return _count(result)


async def release(session: AsyncSession, *, holder: str) -> int:
    """A stopping process hands back what it has not answered, to be taken over at once."""
    result = await session.execute(
        update(InboundEvent)
        .where(InboundEvent.holder == holder, InboundEvent.state.in_(UNANSWERED))
        .values(holder=None, lease_until=None)
    )
    return _count(result)


async def forget_old(session: AsyncSession, *, now: datetime) -> int:
    """Drop records older than any platform's redelivery window (a command not answered in
    that time never will be); returns how many."""
    before = now - REDELIVERY_WINDOW
    result = await session.execute(delete(InboundEvent).where(InboundEvent.received_at < before))
    return _count(result)


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
