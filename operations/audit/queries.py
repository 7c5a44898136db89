"""SQL of the audit chain."""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import cache
from typing import Any

from sqlalchemy import Insert, Select, Update, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from operations.audit.models import AuditEvent, AuditHead
from operations.db import table

GENESIS = "0" * 64


HEAD = table(AuditHead)
EVENTS = table(AuditEvent)


async def lock_head(session: AsyncSession) -> tuple[int, str]:
    """The chain head's (seq, hash), locked until the transaction ends (created on first use).

    The chain is written with plain SQL statements, built once: every change of every command
    appends to it, and the ORM's unit of work cost more than the three statements themselves.
    """
    row = (await session.execute(_locked_head())).first()
    if row is None:
        await session.execute(_new_head())
        return 0, GENESIS
    return int(row[0]), str(row[1])


async def append(session: AsyncSession, event: dict[str, Any]) -> None:
    """Insert an event (its values by column name) and move the head onto it."""
    await session.execute(_insert_event(), event)
    await session.execute(_advance_head(), {"new_seq": event["seq"], "new_hash": event["hash"]})


@cache
def _locked_head() -> Select[int, str]:
    return select(HEAD.c.seq, HEAD.c.hash).where(HEAD.c.id == 1).with_for_update()


@cache
def _new_head() -> Insert:
    return insert(HEAD).values(id=1, seq=0, hash=GENESIS)


@cache
def _insert_event() -> Insert:
    return insert(EVENTS)


@cache
def _advance_head() -> Update:
    return (
        update(HEAD)
        .where(HEAD.c.id == 1)
        .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
    )


async def get_head(session: AsyncSession) -> AuditHead | None:
    return await session.scalar(select(AuditHead).where(AuditHead.id == 1))


async def stream_events(session: AsyncSession) -> AsyncIterator[AuditEvent]:
    """Every event in chain order, fetched in batches."""
    result = await session.stream_scalars(
        select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=500)
    )
    async for event in result:
        yield event
