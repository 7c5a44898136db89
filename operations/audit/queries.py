"""SQL of the audit chain."""

from __future__ import annotations

from collections.abc import AsyncIterator

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from operations.audit.models import AuditEvent, AuditHead

GENESIS = "0" * 64


async def lock_head(session: AsyncSession) -> AuditHead:
    """The chain head, locked for update (created on first use)."""
    head = await session.scalar(select(AuditHead).where(AuditHead.id == 1).with_for_update())
    if head is None:
        head = AuditHead(id=1, seq=0, hash=GENESIS)
        session.add(head)
        await session.flush()
    return head


async def get_head(session: AsyncSession) -> AuditHead | None:
    return await session.scalar(select(AuditHead).where(AuditHead.id == 1))


async def stream_events(session: AsyncSession) -> AsyncIterator[AuditEvent]:
    """Every event in chain order, fetched in batches."""
    result = await session.stream_scalars(
        select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=500)
    )
    async for event in result:
        yield event
