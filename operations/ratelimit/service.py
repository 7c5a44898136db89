"""Reserve sending slots, one statement each, on the database's own clock (so that replicas on
several hosts agree whatever their own clocks say)."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Double, bindparam, case, cast, func
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from operations.db import table
from operations.ratelimit.models import RateSlot

SLOTS = table(RateSlot)


async def reserve(session: AsyncSession, *, key: str, gap: float) -> tuple[float, float]:
    """Take the next free slot under `key` and move it on by `gap` seconds; returns when the
    slot taken begins and when it was taken, in seconds since the epoch on the database's
    clock."""
    stmt = _reserve(session.get_bind().dialect.name)
    row = (await session.execute(stmt, {"key": key, "gap": gap})).one()
    return float(row[0]), float(row[1])


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


@cache
def _reserve(dialect: str) -> Any:
    now = _now(dialect)
    gap: ColumnElement[float] = bindparam("gap", type_=Double())
    return (
        _upsert(dialect)
        .values(key=bindparam("key"), next_free=now + gap)
        .on_conflict_do_update(
            index_elements=[SLOTS.c.key],
            set_={"next_free": _later(SLOTS.c.next_free, now) + gap},
        )
        .returning(SLOTS.c.next_free - gap, now)
    )


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
