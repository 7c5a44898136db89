"""SQL of the outbox."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Insert,
    Select,
    and_,
    bindparam,
    case,
    exists,
    func,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from operations.db import table
from operations.delivery.models import CANCELLED, FAILED, PENDING, SENDING, Delivery

DELIVERIES = table(Delivery)


async def existing_keys(session: AsyncSession, keys: Sequence[str]) -> set[str]:
    if not keys:
        return set()
    return set(await session.scalars(_existing_keys(), {"keys": list(keys)}))


@cache
def _existing_keys() -> Select[str]:
    """Built once: every fan-out and every reminder checks its keys."""
    return select(Delivery.dedupe_key).where(
        Delivery.dedupe_key.in_(bindparam("keys", expanding=True))
    )


async def insert_many(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """New deliveries (values by column name) in one executemany, without the unit of work:
    nothing reads them back in the transaction that writes them."""
    if rows:
        await session.execute(_insert_delivery(), list(rows))


@cache
def _insert_delivery() -> Insert:
    return insert(DELIVERIES)


ChatKey = tuple[str, str, str]  # platform, workspace, chat id


def _due(now: datetime) -> ColumnElement[bool]:
    """Pending and due, or in the hands of a sender whose lease ran out."""
    return or_(
        and_(Delivery.state == PENDING, Delivery.next_attempt_at <= now),
        and_(Delivery.state == SENDING, Delivery.lease_until < now),
    )


def _of_chat(chat: ChatKey) -> ColumnElement[bool]:
    platform, workspace, chat_id = chat
    return and_(
        Delivery.chat_id == chat_id, Delivery.platform == platform, Delivery.workspace == workspace
    )


async def claimable(
    session: AsyncSession,
    *,
    now: datetime,
    limit: int,
    platforms: Sequence[str],
    chat: ChatKey | None = None,
) -> list[tuple[int, ChatKey]]:
    """Due rows (of one chat, if given) of chats that no live sender holds, oldest first, with
    their chat; locked, skipping locked ones."""
    held = aliased(Delivery)
    held_now = exists().where(
        held.chat_id == Delivery.chat_id,
        held.platform == Delivery.platform,
        held.workspace == Delivery.workspace,
        held.state == SENDING,
        held.lease_until >= now,
    )
    stmt = (
        select(Delivery.id, Delivery.platform, Delivery.workspace, Delivery.chat_id)
        .where(
            Delivery.platform.in_(platforms),
            _due(now),
            ~held_now,
            _of_chat(chat) if chat is not None else true(),
        )
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=Delivery)
    )
    return [(id_, (p, w, c)) for id_, p, w, c in await session.execute(stmt)]


async def first_rivals(
    session: AsyncSession, *, chat_ids: Sequence[str], besides: Sequence[int], now: datetime
) -> dict[ChatKey, int]:
    """Per chat, the lowest id of its unsent rows (other than `besides`) that another sender
    holds (0) or may take now: what must go before the rows `besides` holds of it."""
    rival = case(
        (and_(Delivery.state == SENDING, Delivery.lease_until >= now), 0), else_=Delivery.id
    )
    stmt = (
        select(Delivery.platform, Delivery.workspace, Delivery.chat_id, func.min(rival))
        .where(
            Delivery.chat_id.in_(chat_ids),
            Delivery.id.not_in(besides),
            or_(_due(now), Delivery.state == SENDING),
        )
        .group_by(Delivery.platform, Delivery.workspace, Delivery.chat_id)
    )
    return {(p, w, c): int(first) for p, w, c, first in await session.execute(stmt)}


async def mark_claimed(
    session: AsyncSession, ids: Sequence[int], *, lease_until: datetime, worker: str
) -> list[Delivery]:
    await session.execute(
        update(Delivery)
        .where(Delivery.id.in_(ids))
        .values(state=SENDING, lease_until=lease_until, claimed_by=worker)
    )
    rows = await session.scalars(
        select(Delivery).where(Delivery.id.in_(ids)).order_by(Delivery.next_attempt_at, Delivery.id)
    )
    return list(rows)


async def by_id_for_worker(session: AsyncSession, delivery_id: int, worker: str) -> Delivery | None:
    """The row if this worker still holds it (another may have taken it over after a lease)."""
    return await session.scalar(
        select(Delivery)
        .where(Delivery.id == delivery_id, Delivery.claimed_by == worker, Delivery.state == SENDING)
        .with_for_update()
    )


async def claimed_by(session: AsyncSession, delivery_id: int, worker: str) -> bool:
    """Whether this worker still holds the row, without locking it."""
    found = await session.scalar(
        select(Delivery.id).where(
            Delivery.id == delivery_id, Delivery.claimed_by == worker, Delivery.state == SENDING
        )
    )
    return found is not None


async def health(session: AsyncSession, operation_id: int) -> dict[str, int]:
    """Pending (incl. in flight) and failed deliveries of an operation."""
    rows = await session.execute(
        select(Delivery.state, func.count(Delivery.id))
        .where(
            Delivery.operation_id == operation_id, Delivery.state.in_((PENDING, SENDING, FAILED))
        )
        .group_by(Delivery.state)
    )
    counts = {state: int(n) for state, n in rows}
    return {
        "pending": counts.get(PENDING, 0) + counts.get(SENDING, 0),
        "failed": counts.get(FAILED, 0),
    }


async def renew(
    session: AsyncSession, *, worker: str, ids: Sequence[int], lease_until: datetime
) -> int:
    """Extend the lease of these rows, those this worker still holds."""
    result = await session.execute(
        update(Delivery)
        .where(Delivery.id.in_(ids), Delivery.claimed_by == worker, Delivery.state == SENDING)
        .values(lease_until=lease_until)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def put_back(
    session: AsyncSession, *, worker: str, ids: Sequence[int], at: datetime, error: str
) -> int:
    """Hand these rows (those this worker still holds) back for `at`, attempts unchanged."""
    result = await session.execute(
        update(Delivery)
        .where(Delivery.id.in_(ids), Delivery.claimed_by == worker, Delivery.state == SENDING)
        .values(
            state=PENDING, next_attempt_at=at, lease_until=None, claimed_by=None, last_error=error
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def hold_chat(session: AsyncSession, chat: ChatKey, *, until: datetime) -> int:
    """No pending row of the chat comes due before `until`."""
    result = await session.execute(
        update(Delivery)
        .where(_of_chat(chat), Delivery.state == PENDING, Delivery.next_attempt_at < until)
        .values(next_attempt_at=until)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def release(session: AsyncSession, *, worker: str) -> int:
    """Hand back every row this worker holds and has not sent: any worker may take it now."""
    result = await session.execute(
        update(Delivery)
        .where(Delivery.claimed_by == worker, Delivery.state == SENDING)
        .values(state=PENDING, lease_until=None, claimed_by=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def count_by_state(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        select(Delivery.state, func.count(Delivery.id)).group_by(Delivery.state)
    )
    return {str(state): int(n) for state, n in rows}


async def cancel_to_chats(
    session: AsyncSession,
    chats: Sequence[tuple[str, str, str]],
    *,
    agency_id: int | None,
    reason: str,
) -> int:
    """Cancel the unsent rows to these (platform, workspace, chat) (of one agency, if given)."""
    if not chats:
        return 0
    to_chats = or_(
        *(
            and_(Delivery.platform == p, Delivery.workspace == w, Delivery.chat_id == c)
            for p, w, c in chats
        )
    )
    of_agency = true() if agency_id is None else Delivery.agency_id == agency_id
    return await _cancel(session, and_(to_chats, of_agency), reason)


async def cancel_to_agency(
    session: AsyncSession, *, agency_id: int, operation_id: int, reason: str
) -> int:
    """Cancel the unsent rows of an operation to an agency's chats."""
    where = and_(Delivery.agency_id == agency_id, Delivery.operation_id == operation_id)
    return await _cancel(session, where, reason)


async def _cancel(session: AsyncSession, where: ColumnElement[bool], reason: str) -> int:
    # rows in flight too: the worker completes or retries only rows still `sending`
    result = await session.execute(
        update(Delivery)
        .where(Delivery.state.in_((PENDING, SENDING)), where)
        .values(state=CANCELLED, lease_until=None, claimed_by=None, last_error=reason[:300])
    )
    return int(getattr(result, "rowcount", 0) or 0)
