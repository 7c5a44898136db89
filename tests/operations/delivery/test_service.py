"""The outbox: cancelling what is queued for a chat or an agency, and the worker's view of it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from operations.delivery import service
from operations.delivery.models import Delivery
from operations.delivery.service import Outgoing
from tests.conftest import START
from tests.operations.factories import Cast

LEASE = timedelta(seconds=30)


def item(key: str, chat: str, agency_id: int, operation_id: int | None = None) -> Outgoing:
    return Outgoing(key, "telegram", "ws", chat, "status", "{}", agency_id, operation_id)


async def states(session: AsyncSession) -> dict[str, str]:
    async with session.begin():
        rows = await session.execute(select(Delivery.dedupe_key, Delivery.state))
        return {str(key): str(state) for key, state in rows}


async def test_cancelling_a_chat_stops_its_pending_and_in_flight_messages_only(
    session: AsyncSession, cast: Cast
) -> None:
    fr, us = cast.fr.id, cast.us.id
    async with session.begin():
        await service.enqueue(
            session,
            items=[item("claimed", "-1", fr), item("pending", "-1", fr), item("other", "-2", fr)],
            now=START,
        )
        [claimed] = await service.claim(
            session, now=START, limit=1, lease=LEASE, worker="w1", platforms=["telegram"]
        )
        await service.enqueue(session, items=[item("us", "-1", us)], now=START)
    async with session.begin():
        cancelled = await service.cancel_to_chats(
            session, chats=[("telegram", "ws", "-1")], agency_id=fr, reason="chat unlinked"
        )
    assert cancelled == 2
    assert await states(session) == {
        "claimed": "cancelled",
        "pending": "cancelled",
        "other": "pending",
        "us": "pending",  # queued for that chat on behalf of another agency
    }
    async with session.begin():  # the worker that held it finds it is no longer its own
        assert not await service.complete(
            session, delivery_id=claimed.id, worker="w1", message_id="1", now=START
        )
        assert (
            await service.retry_later(
                session, delivery_id=claimed.id, worker="w1", error="x", at=START
            )
            is None
        )
        again = await service.claim(
            session,
            now=START + timedelta(hours=1),
            limit=10,
            lease=LEASE,
            worker="w2",
            platforms=["telegram"],
        )
        totals = await service.totals(session)
    assert sorted(d.dedupe_key for d in again) == ["other", "us"]
    assert totals["cancelled"] == 2


async def test_sent_and_failed_messages_are_not_cancelled(
    session: AsyncSession, cast: Cast
) -> None:
    fr = cast.fr.id
    async with session.begin():
        await service.enqueue(session, items=[item("sent", "-1", fr)], now=START)
        [row] = await service.claim(
            session, now=START, limit=1, lease=LEASE, worker="w1", platforms=["telegram"]
        )
        await service.complete(session, delivery_id=row.id, worker="w1", message_id="9", now=START)
    async with session.begin():
        assert (
            await service.cancel_to_chats(session, chats=[("telegram", "ws", "-1")], reason="x")
            == 0
        )
    assert await states(session) == {"sent": "sent"}


async def test_cancelling_an_agency_stops_its_messages_about_one_operation(
    session: AsyncSession, cast: Cast
) -> None:
    fr, us, op = cast.fr.id, cast.us.id, cast.op.id
    async with session.begin():
        await service.enqueue(
            session,
            items=[
                item("us-op", "-1", us, op),
                item("us-other", "-1", us, None),
                item("fr-op", "-2", fr, op),
            ],
            now=START,
        )
        cancelled = await service.cancel_to_agency(
            session, agency_id=us, operation_id=op, reason="agency removed"
        )
    assert cancelled == 1
    assert await states(session) == {
        "us-op": "cancelled",
        "us-other": "pending",
        "fr-op": "pending",
    }
