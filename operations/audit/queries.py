"""SQL of the audit chain."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Insert, Row, Select, Update, bindparam, insert, inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from operations.audit.models import AuditEvent, AuditHead
from operations.db import Base, change_lock, table

log = logging.getLogger(__name__)

GENESIS = "0" * 64


HEAD = table(AuditHead)
EVENTS = table(AuditEvent)


async def lock_head(session: AsyncSession) -> tuple[int, str]:
    """The chain head's (seq, hash), locked until the transaction ends: the last lock a
    command takes (see the lock order in operations.db) (created on first use;
    rebuilt from the chain's last event if its row was deleted).

    The chain is written with plain SQL statements, built once: every change of every command
    appends to it, and the ORM's unit of work cost more than the three statements themselves.
    """
    row = (await session.execute(_locked_head())).first()
    if row is None:
        seq, hash_ = await restore_head(session)
        if seq:
            log.warning("audit head row missing: rebuilt from the chain at %s:%d", hash_, seq)
        return seq, hash_
    return int(row[0]), str(row[1])


async def restore_head(session: AsyncSession) -> tuple[int, str]:
    """Write the missing head row from the chain's last event; returns its (seq, hash)."""
    seq, hash_ = await last_event(session)
    await session.execute(_new_head(), {"seq": seq, "hash": hash_})
    return seq, hash_


async def last_event(session: AsyncSession) -> tuple[int, str]:
    """The (seq, hash) of the chain's last event, (0, GENESIS) when it has none."""
    row = (
        await session.execute(
            select(EVENTS.c.seq, EVENTS.c.hash).order_by(EVENTS.c.seq.desc()).limit(1)
        )
    ).first()
    return (0, GENESIS) if row is None else (int(row[0]), str(row[1]))


async def append(session: AsyncSession, event: dict[str, Any]) -> None:
    """Insert an event (its values by column name) and move the head onto it."""
    await session.execute(_insert_event(), event)
    await session.execute(_advance_head(), {"new_seq": event["seq"], "new_hash": event["hash"]})


@cache
def _locked_head() -> Select[int, str]:
    return change_lock(select(HEAD.c.seq, HEAD.c.hash).where(HEAD.c.id == 1))


@cache
def _new_head() -> Insert:
    return insert(HEAD).values(id=1, seq=bindparam("seq"), hash=bindparam("hash"))


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


async def table_names(session: AsyncSession) -> set[str]:
    """The tables the database has (one at an older revision lacks the newer ones)."""
    connection = await session.connection()
    return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))


async def stream_rows(
    session: AsyncSession, model: type[Base], fields: Sequence[str]
) -> AsyncIterator[Row[Any]]:
    """Every row of a model's table: its id and these columns (no ORM objects: a whole
    database passes through), fetched in batches."""
    columns = table(model).c
    connection = await session.connection()
    present = {
        column["name"]
        for column in await connection.run_sync(
            lambda sync: inspect(sync).get_columns(model.__tablename__)
        )
    }
    fields = [f for f in fields if f in present]  # a database from before a column was added
    result = await session.stream(
        select(columns.id, *(columns[f] for f in fields))
        .order_by(columns.id)
        .execution_options(yield_per=500)
    )
    async for row in result:
        yield row


async def about(session: AsyncSession, *, subject: str, limit: int) -> list[AuditEvent]:
    """The latest events about a subject, oldest first (a task's history)."""
    rows = await session.scalars(
        select(AuditEvent)
        .where(AuditEvent.subject == subject)
        .order_by(AuditEvent.at.desc(), AuditEvent.seq.desc())
        .limit(limit)
    )
    return list(reversed(list(rows)))


async def times_of(
    session: AsyncSession, *, subject: str, actions: Sequence[str], since: datetime
) -> list[tuple[datetime, str]]:
    """When events of these actions about this subject happened since then, oldest first."""
    rows = await session.execute(
        select(AuditEvent.at, AuditEvent.action)
        .where(
            AuditEvent.subject == subject,
            AuditEvent.at >= since,
            AuditEvent.action.in_(actions),
        )
        .order_by(AuditEvent.at, AuditEvent.seq)
    )
    return [(at, action) for at, action in rows]
