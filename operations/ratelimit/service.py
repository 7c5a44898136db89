"""Reserve sending slots, one statement for many, on the database's own clock (so that
replicas on several hosts agree whatever their own clocks say)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Double, bindparam, case, cast, func, literal
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from operations.db import table
from operations.ratelimit.models import RateSlot

SLOTS = table(RateSlot)


async def reserve(
    session: AsyncSession, asked: Sequence[tuple[str, float]]
) -> list[tuple[float, float]]:
    """Take the next free slot under each key and move it on by its gap in seconds, all in one
    statement (each key at most once); returns, in the order asked, when each slot taken
    begins and when it was taken, in seconds since the epoch on the database's clock."""
    keys = [key for key, _ in asked]
    if len(set(keys)) != len(keys):
        raise ValueError("a key is asked for twice in one reservation")
    rows = await session.execute(_reserve(session.get_bind().dialect.name, asked))
    taken = {key: (float(free), float(now)) for key, free, now in rows}
    return [(taken[key][0] - gap, taken[key][1]) for key, gap in asked]


async def defer(session: AsyncSession, *, key: str, seconds: float) -> None:
    """Nothing under `key` before `seconds` from now (the platform said to wait)."""
    await session.execute(_defer(session.get_bind().dialect.name), {"key": key, "gap": seconds})


def _now(dialect: str) -> ColumnElement[float]:
    """Seconds since the epoch, the same value wherever one statement reads it."""
    if dialect == "postgresql":
        return cast(func.extract("epoch", func.statement_timestamp()), Double())
    return (func.julianday("now") - 2440587.5) * 86400.0  # fixed for one statement


def _later(a: ColumnElement[float], b: ColumnElement[float]) -> ColumnElement[float]:
    return case((a > b, a), else_=b)


def _upsert(dialect: str) -> Any:
    return (postgresql_insert if dialect == "postgresql" else sqlite_insert)(SLOTS)


def _reserve(dialect: str, asked: Sequence[tuple[str, float]]) -> Any:
    """One multi-row INSERT: the gap of a key already there is read back from the row it
    would have inserted (`excluded`), so that every row's update is the same expression."""
    now = _now(dialect)
    upsert = _upsert(dialect).values(
        [{"key": key, "next_free": now + literal(gap, Double())} for key, gap in asked]
    )
    return upsert.on_conflict_do_update(
        index_elements=[SLOTS.c.key],
        set_={"next_free": _later(SLOTS.c.next_free, now) + (upsert.excluded.next_free - now)},
    ).returning(SLOTS.c.key, SLOTS.c.next_free, now)


@cache
def _defer(dialect: str) -> Any:
    wait: ColumnElement[float] = bindparam("gap", type_=Double())
    until = _now(dialect) + wait
    return (
        _upsert(dialect)
        .values(key=bindparam("key"), next_free=until)
        .on_conflict_do_update(
            index_elements=[SLOTS.c.key], set_={"next_free": _later(SLOTS.c.next_free, until)}
        )
    )
