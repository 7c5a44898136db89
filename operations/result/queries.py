"""SQL of results: one grouped query per figure, never one per row."""

from __future__ import annotations

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from operations.agency.models import Agency
from operations.db import change_lock
from operations.enums import ResultKind
from operations.member.models import Member
from operations.result.models import Result

# (country, agency code, agency name, kind, confirmed count, preliminary count)
RollupRow = tuple[str, str, str, ResultKind, int, int]


def _sums() -> tuple[ColumnElement[int], ColumnElement[int]]:
    """The confirmed and the preliminary figures of a group of live results."""
    confirmed = func.coalesce(func.sum(case((Result.preliminary.is_(False), Result.count))), 0)
    preliminary = func.coalesce(func.sum(case((Result.preliminary.is_(True), Result.count))), 0)
    return confirmed, preliminary


async def next_number(session: AsyncSession, operation_id: int) -> int:
    """The number the operation's next result takes (call with the operation row locked)."""
    last = await session.scalar(
        select(func.max(Result.number)).where(Result.operation_id == operation_id)
    )
    return int(last or 0) + 1


async def by_number(
    session: AsyncSession, operation_id: int, number: int, *, lock: bool = False
) -> Result | None:
    stmt = (
        select(Result)
        .options(joinedload(Result.agency))
        .where(Result.operation_id == operation_id, Result.number == number)
    )
    if lock:
        stmt = change_lock(stmt, Result)
    return await session.scalar(stmt)


async def rollup(session: AsyncSession, operation_id: int) -> list[RollupRow]:
    """Live figures per country, agency and kind, by country then agency code."""
    confirmed, preliminary = _sums()
    rows = await session.execute(
        select(Agency.country, Agency.code, Agency.name, Result.kind, confirmed, preliminary)
        .join(Agency, Agency.id == Result.agency_id)
        .where(Result.operation_id == operation_id, Result.withdrawn_at.is_(None))
        .group_by(Agency.country, Agency.code, Agency.name, Result.kind)
        .order_by(Agency.country, Agency.code, Result.kind)
    )
    return [(c, a, n, ResultKind(k), int(f), int(p)) for c, a, n, k, f, p in rows]


async def totals(session: AsyncSession, operation_id: int) -> dict[ResultKind, tuple[int, int]]:
    """Live figures per kind: (confirmed, preliminary)."""
    confirmed, preliminary = _sums()
    rows = await session.execute(
        select(Result.kind, confirmed, preliminary)
        .where(Result.operation_id == operation_id, Result.withdrawn_at.is_(None))
        .group_by(Result.kind)
    )
    return {ResultKind(k): (int(f), int(p)) for k, f, p in rows}


async def latest(
    session: AsyncSession, operation_id: int, *, limit: int
) -> list[tuple[Result, str]]:
    """The newest live results of an operation with their authors' names."""
    rows = await session.execute(
        select(Result, Member.display_name)
        .join(Member, Member.id == Result.author_id)
        .options(joinedload(Result.agency))
        .where(Result.operation_id == operation_id, Result.withdrawn_at.is_(None))
        .order_by(Result.number.desc())
        .limit(limit)
    )
    return [(result, name) for result, name in rows]


async def live_count(session: AsyncSession, operation_id: int) -> int:
    """How many results of the operation stand (not withdrawn)."""
    found = await session.scalar(
        select(func.count())
        .select_from(Result)
        .where(Result.operation_id == operation_id, Result.withdrawn_at.is_(None))
    )
    return int(found or 0)
