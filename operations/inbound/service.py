"""Accept each platform event once, across restarts and replicas."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from operations.inbound.models import InboundEvent


async def first_delivery(session: AsyncSession, *, platform: str, key: str, now: datetime) -> bool:
    """Record the event; False when it was already recorded (a redelivery)."""
    try:
        async with session.begin_nested():
            session.add(InboundEvent(platform=platform, event_key=key[:128], received_at=now))
            await session.flush()
    except IntegrityError:
        return False
    return True


REDELIVERY_WINDOW = timedelta(days=2)  # platforms retry for minutes; keep ids well beyond


async def forget_old(session: AsyncSession, *, now: datetime) -> int:
    """Drop ids older than any platform's redelivery window; returns how many."""
    before = now - REDELIVERY_WINDOW
    result = await session.execute(delete(InboundEvent).where(InboundEvent.received_at < before))
    return int(getattr(result, "rowcount", 0) or 0)
