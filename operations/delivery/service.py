"""Write deliveries with the change that causes them; claim, complete and retry them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from operations.delivery import queries
from operations.delivery.models import CANCELLED, FAILED, PENDING, SENT, Delivery
from operations.delivery.queries import ChatKey


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message for one chat, already rendered by the caller (`payload` is opaque here)."""

    dedupe_key: str
    platform: str
    workspace: str
    chat_id: str
    kind: str
    payload: str
    agency_id: int | None = None
    operation_id: int | None = None


_QUEUED = "jointops.deliveries_queued"


async def enqueue(session: AsyncSession, *, items: Sequence[Outgoing], now: datetime) -> int:
    """Add the deliveries whose dedupe key is new; returns how many were added."""
    seen = await queries.existing_keys(session, [i.dedupe_key for i in items])
    rows = []
    for item in items:
        if item.dedupe_key in seen:
            continue
        seen.add(item.dedupe_key)
        rows.append(
            {
                "dedupe_key": item.dedupe_key,
                "platform": item.platform,
                "workspace": item.workspace,
                "chat_id": item.chat_id,
                "agency_id": item.agency_id,
                "operation_id": item.operation_id,
                "kind": item.kind,
                "payload": item.payload,
                "state": PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
        )
    await session.flush()  # what the session holds first (the change these messages announce)
    await queries.insert_many(session, rows)
    if rows:
        session.info[_QUEUED] = True
    return len(rows)


def queued(session: AsyncSession) -> bool:
    """Whether deliveries were added in this session (its commit gives a sender work)."""
    return bool(session.info.get(_QUEUED))


async def claim(
    session: AsyncSession,
    *,
    now: datetime,
    limit: int,
    lease: timedelta,
    worker: str,
    platforms: Sequence[str],
    chat: ChatKey | None = None,
    per_chat: int | None = None,
    chats: int | None = None,
) -> list[Delivery]:
    """Take due deliveries (of these platforms; of one chat, if given) for this worker until
    now + lease: up to `limit` rows, `per_chat` rows of a chat and `chats` chats, each chat's
    oldest first.

    A chat is held by one worker at a time: chats another worker holds are left alone, and a
    chat is taken only from its first unsent row (two workers claiming at the same moment on
    PostgreSQL may each lock part of one chat's rows; the one that did not get the first row
    lets go of its part), so that every chat's messages go out in order."""
    found = await queries.claimable(session, now=now, limit=limit, platforms=platforms, chat=chat)
    if not found:
        return []
    by_chat: dict[ChatKey, list[int]] = {}
    for delivery_id, key in found:
        by_chat.setdefault(key, []).append(delivery_id)
    rivals = await queries.first_rivals(
        session,
        chat_ids=sorted({key[2] for key in by_chat}),
        besides=[delivery_id for delivery_id, _ in found],
        now=now,
    )
    ids: list[int] = []
    taken: list[ChatKey] = []
    for key, chat_ids in by_chat.items():
        chat_ids.sort()
        if chats is not None and len(taken) >= chats:
            break
        if rivals.get(key, chat_ids[0] + 1) > chat_ids[0]:
            taken.append(key)
            ids.extend(chat_ids[:per_chat])
    if not ids:
        return []
    return await queries.mark_claimed(session, ids, lease_until=now + lease, worker=worker)


async def release(session: AsyncSession, *, worker: str) -> int:
    """A stopping worker hands back what it holds, so another takes it over at once."""
    return await queries.release(session, worker=worker)


async def still_claimed(session: AsyncSession, *, delivery_id: int, worker: str) -> bool:
    """Whether the row is still this worker's to send (not cancelled or taken over meanwhile)."""
    return await queries.claimed_by(session, delivery_id, worker)


async def complete(
    session: AsyncSession, *, delivery_id: int, worker: str, message_id: str, now: datetime
) -> bool:
    """Record a successful send; False if the row is no longer this worker's."""
    row = await queries.by_id_for_worker(session, delivery_id, worker)
    if row is None:
        return False
    row.state, row.message_id, row.sent_at, row.lease_until = SENT, message_id, now, None
    row.attempts += 1
    await session.flush()
    return True


async def retry_later(
    session: AsyncSession,
    *,
    delivery_id: int,
    worker: str,
    error: str,
    at: datetime,
    count_attempt: bool = True,
) -> Delivery | None:
    """Put a delivery back for another try at `at`."""
    row = await queries.by_id_for_worker(session, delivery_id, worker)
    if row is None:
        return None
    row.state, row.next_attempt_at, row.lease_until = "pending", at, None
    row.claimed_by, row.last_error = None, error[:300]
    if count_attempt:
        row.attempts += 1
    await session.flush()
    return row


async def fail(
    session: AsyncSession, *, delivery_id: int, worker: str, error: str, now: datetime
) -> Delivery | None:
    """Give up on a delivery (chat gone, bot removed, too many attempts)."""
    row = await queries.by_id_for_worker(session, delivery_id, worker)
    if row is None:
        return None
    row.state, row.last_error, row.lease_until = FAILED, error[:300], None
    row.attempts += 1
    await session.flush()
    return row


async def health(session: AsyncSession, *, operation_id: int) -> dict[str, int]:
    """How many of an operation's deliveries are pending and how many failed."""
    return await queries.health(session, operation_id)


async def renew_leases(
    session: AsyncSession, *, worker: str, ids: Sequence[int], until: datetime
) -> int:
    """Keep the rows this worker is still sending (a live worker's rows are not taken over)."""
    return await queries.renew(session, worker=worker, ids=ids, lease_until=until)


async def throttled(
    session: AsyncSession,
    *,
    chat: ChatKey,
    worker: str,
    ids: Sequence[int],
    until: datetime,
    error: str,
) -> None:
    """The platform asked to wait before writing to this chat again: hand back the rows this
    worker holds of it, and hold every pending row of it, until then (in their order; not a
    failed attempt)."""
    await queries.put_back(session, worker=worker, ids=ids, at=until, error=error[:300])
    await queries.hold_chat(session, chat, until=until)


async def totals(session: AsyncSession) -> dict[str, int]:
    """How many deliveries are in each state, across all operations."""
    counts = await queries.count_by_state(session)
    states = ("pending", "sending", "sent", "failed", CANCELLED)
    return {state: counts.get(state, 0) for state in states}


async def cancel_to_chats(
    session: AsyncSession,
    *,
    chats: Sequence[tuple[str, str, str]],
    agency_id: int | None = None,
    reason: str,
) -> int:
    """Never send what is still queued for these (platform, workspace, chat), only what was
    meant for `agency_id` when given; returns how many were cancelled."""
    return await queries.cancel_to_chats(session, chats, agency_id=agency_id, reason=reason)


async def cancel_to_agency(
    session: AsyncSession, *, agency_id: int, operation_id: int, reason: str
) -> int:
    """Never send what is still queued for an agency's chats about an operation."""
    return await queries.cancel_to_agency(
        session, agency_id=agency_id, operation_id=operation_id, reason=reason
    )
