"""The inbox's records: recorded once, run once, taken over once, forgotten after the window."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from operations.inbound import service
from operations.inbound.models import InboundEvent

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)


async def _record(
    sessions: async_sessionmaker[AsyncSession], *keys: str, holder: str = "a"
) -> list[service.Record | None]:
    async with sessions() as s, s.begin():
        return await service.record(
            s,
            platform="telegram",
            items=[service.Incoming(key, f"command {key}", "{}") for key in keys],
            now=NOW,
            holder=holder,
            lease_until=NOW + LEASE,
        )


async def _claim(
    sessions: async_sessionmaker[AsyncSession], holder: str, now: datetime
) -> list[int]:
    async with sessions() as s, s.begin():
        taken = await service.claim_stale(
            s,
            platforms=["telegram"],
            now=now,
            holder=holder,
            lease_until=now + LEASE,
            limit=100,
            max_attempts=6,
        )
        return [r.id for r in taken]


async def test_an_event_is_recorded_once(sessions: async_sessionmaker[AsyncSession]) -> None:
    first = await _record(sessions, "bot:1", "bot:2")
    again = await _record(sessions, "bot:2", "bot:3", holder="b")
    assert [r is not None for r in first] == [True, True]
    assert [r is not None for r in again] == [False, True]


async def test_a_held_record_is_taken_over_only_when_its_lease_ran_out_or_it_was_handed_back(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    [one, two] = await _record(sessions, "bot:1", "bot:2")
    assert one is not None and two is not None
    assert await _claim(sessions, "b", NOW + LEASE / 2) == []
    async with sessions() as s, s.begin():
        assert await service.release(s, holder="a") == 2
    assert await _claim(sessions, "b", NOW) == [one.id, two.id]
    async with sessions() as s, s.begin():
        assert await service.renew(s, holder="b", ids=[one.id], until=NOW + 2 * LEASE) == 1
    assert await _claim(sessions, "c", NOW + LEASE) == [two.id]  # no longer renewed by b
    assert await _claim(sessions, "d", NOW + LEASE) == []
    assert await _claim(sessions, "d", NOW + 3 * LEASE) == [one.id, two.id]


async def test_only_the_holder_marks_a_record_run_and_only_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    [record] = await _record(sessions, "bot:1")
    assert record is not None
    with pytest.raises(service.Superseded):
        async with sessions() as s, s.begin():
            await service.mark_ran(s, record_id=record.id, holder="b", reply="{}")
    async with sessions() as s, s.begin():
        await service.mark_ran(s, record_id=record.id, holder="a", reply='{"title":"ok"}')
    with pytest.raises(service.Superseded):
        async with sessions() as s, s.begin():
            await service.mark_ran(s, record_id=record.id, holder="a", reply="{}")
    async with sessions() as s, s.begin():
        assert await service.mark_answered(s, record_id=record.id, holder="a")
    async with sessions() as s:
        row = await s.scalar(select(InboundEvent))
    assert row is not None and row.state == "answered"
    assert (row.command, row.route, row.reply, row.holder) == (None, None, None, None)


async def test_two_processes_claiming_at_once_take_each_record_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _record(sessions, *(f"bot:{n}" for n in range(50)))
    async with sessions() as s, s.begin():
        await service.release(s, holder="a")
    taken = await asyncio.gather(*(_claim(sessions, f"p{n}", NOW) for n in range(4)))
    every = [i for ids in taken for i in ids]
    assert len(every) == len(set(every)) == 50


async def test_records_are_forgotten_after_the_redelivery_window(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _record(sessions, "bot:1")
    async with sessions() as s, s.begin():
        assert await service.forget_old(s, now=NOW + timedelta(days=1)) == 0
        assert await service.forget_old(s, now=NOW + timedelta(days=2, minutes=1)) == 1
    assert [r is not None for r in await _record(sessions, "bot:1")] == [True]
