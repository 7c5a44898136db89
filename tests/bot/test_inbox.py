"""The inbox's platform-independent parts: a command marks its record run in its own
transaction (so it never runs twice), and lanes run chats at once, each chat in order."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.context import InboxClaim, Invocation
from bot.dispatcher import Dispatcher
from bot.lanes import Job, Lanes
from bot.reply import from_json
from operations.inbound import service as inbound_service
from operations.inbound.models import InboundEvent
from tests.conftest import Person
from tests.inbox_helpers import tasks


async def _recorded(dispatcher: Dispatcher, key: str) -> int:
    now = dispatcher.clock.now()
    async with dispatcher.sessions() as s, s.begin():
        [record] = await inbound_service.record(
            s,
            platform="console",
            items=[inbound_service.Incoming(key, "{}", "{}")],
            now=now,
            holder="me",
            lease_until=now + timedelta(seconds=30),
        )
    assert record is not None
    return record.id


def _console(text: str, record_id: int) -> Invocation:
    return Invocation(
        platform="console",
        workspace="local",
        chat_id="console",
        user_id="admin",
        user_name="Local administrator",
        text=text,
        inbox=InboxClaim(record_id, "me"),
    )


async def _stored(sessions: async_sessionmaker[AsyncSession], record_id: int) -> tuple[str, str]:
    async with sessions() as s:
        row = await s.get(InboundEvent, record_id)
        assert row is not None and row.reply is not None
        return row.state, row.reply


async def test_a_command_from_the_inbox_stores_its_reply_and_never_runs_twice(
    dispatcher: Dispatcher, admin: Person, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await admin.says('agency add FR-OCLCTIC "OCLCTIC" --country FR --tz Europe/Paris')
    await admin.says('op new PANGEA-18 "Pharmacies" --lead FR-OCLCTIC')
    record_id = await _recorded(dispatcher, "k1")
    added = _console('task add PANGEA-18 "Raid" --to FR-OCLCTIC', record_id)
    reply = await dispatcher.dispatch(added)
    state, stored = await _stored(sessions, record_id)
    assert state == "ran" and from_json(stored).title == reply.title == "Task PANGEA-18#1 added."
    with pytest.raises(inbound_service.Superseded):  # run again (a second process): undone
        await dispatcher.dispatch(added)
    assert await tasks(sessions) == 1


async def test_a_refused_command_from_the_inbox_stores_its_refusal(
    dispatcher: Dispatcher, admin: Person, sessions: async_sessionmaker[AsyncSession]
) -> None:
    record_id = await _recorded(dispatcher, "k2")
    reply = await dispatcher.dispatch(_console("op show NOPE-1", record_id))
    state, stored = await _stored(sessions, record_id)
    assert state == "ran" and from_json(stored).title == reply.title
    async with sessions() as s:
        assert list(await s.scalars(select(InboundEvent.state))) == ["ran"]


async def test_lanes_run_keys_at_once_and_each_key_in_order() -> None:
    lanes = Lanes(limit=4)
    slow, b_done, a_done = asyncio.Event(), asyncio.Event(), asyncio.Event()
    done: list[str] = []

    def job(
        name: str, *, wait: asyncio.Event | None = None, then: asyncio.Event | None = None
    ) -> Job:
        async def run() -> None:
            if wait is not None:
                await wait.wait()
            done.append(name)
            if then is not None:
                then.set()

        return run

    lanes.submit("a", job("a1", wait=slow))
    lanes.submit("a", job("a2", then=a_done))
    lanes.submit("b", job("b1", then=b_done))
    await asyncio.wait_for(b_done.wait(), 5)
    assert done == ["b1"]  # a1 is slow: b runs anyway, a2 waits its turn
    slow.set()
    await asyncio.wait_for(a_done.wait(), 5)
    assert done == ["b1", "a1", "a2"]
    await lanes.close(0)
    assert not lanes.submit("a", job("late"))


async def test_closing_lanes_cancels_what_outlives_the_grace() -> None:
    lanes = Lanes()
    never = asyncio.Event()
    cancelled: list[bool] = []

    async def stuck() -> None:
        try:
            await never.wait()
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    lanes.submit("a", stuck)
    await asyncio.sleep(0)
    await lanes.close(0.01)
    assert cancelled == [True] and lanes.busy == 0
