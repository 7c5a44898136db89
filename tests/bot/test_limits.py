"""The bot's rate limits: slots kept in the database or in Redis are shared by every replica,
so that two processes together stay under Telegram's and Slack's limits (the fakes enforce
them per token), and replies and deliveries draw on one budget."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram import Bot
from telegram.request import HTTPXRequest

from adapters.sandbox.fakes.slack import FakeSlack
from adapters.sandbox.fakes.telegram import FakeTelegram
from adapters.slack.sender import SlackSender
from adapters.telegram.sender import TelegramSender
from bot.limits import READY_LEAD, Limiter, Limits, MemorySlots, Slots
from bot.reply import Reply
from bot.slots import DatabaseSlots, RedisSlots
from operations import db
from tests.conftest import make_engine

TOKEN = "123456:TEST-TOKEN"
REDIS_URL = os.environ.get("JOINTOPS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_url() -> str:
    """The Redis the Redis tests use. CI sets JOINTOPS_TEST_REDIS_URL (.ci/run), so there they
    always run and fail if Redis is down; on a laptop without it and without Redis on the
    default port, they are skipped (the product never needs Redis)."""
    if "JOINTOPS_TEST_REDIS_URL" not in os.environ:
        try:
            socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        except OSError:
            pytest.skip("no Redis on 127.0.0.1:6379 and JOINTOPS_TEST_REDIS_URL unset")
    return REDIS_URL


GROUPS = 40
CHANNELS = 5


@pytest.fixture
async def redis_prefix(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """A key prefix of this test's own in the shared Redis; its keys are removed after. Only
    the tests whose slots are in Redis reach Redis."""
    prefix = f"jointops-test:{secrets.token_hex(6)}:"
    callspec = getattr(request.node, "callspec", None)
    if callspec is None or callspec.params.get("slots_of") != "redis":
        yield prefix
        return
    url = redis_url()
    yield prefix
    cleaner = RedisSlots(url, prefix=prefix)
    keys = [key async for key in cleaner.redis.scan_iter(match=prefix + "*")]
    if keys:
        await cleaner.redis.delete(*keys)
    await cleaner.close()


@pytest.fixture
async def engines(database_url: str, engine: AsyncEngine) -> AsyncIterator[list[AsyncEngine]]:
    """Two more engines on the test database: two replicas' own connections."""
    made = [make_engine(database_url) for _ in range(2)]
    yield made
    for one in made:
        await one.dispose()


@pytest.fixture
def slots_of(
    request: pytest.FixtureRequest, engines: list[AsyncEngine], redis_prefix: str
) -> Callable[[int], Slots]:
    """Replica n's slots, in the store the test is parametrized with."""
    made: list[Slots] = []

    def slots(n: int) -> Slots:
        store = request.param
        if store == "database":
            one: Slots = DatabaseSlots(db.create_session_factory(engines[n]))
        elif store == "redis":
            one = RedisSlots(REDIS_URL, prefix=redis_prefix)
        else:
            one = MemorySlots()
        made.append(one)
        return one

    return slots


STORES = ["database", "redis"]


async def wait(slots: Slots, key: str, gap: float) -> float:
    """The seconds from the moment of taking to the slot taken (the store's clock)."""
    start, now = await slots.reserve(key, gap)
    return start - now


@pytest.mark.parametrize("slots_of", STORES, indirect=True)
async def test_a_slot_is_free_at_once_then_the_next_one_waits_its_gap(
    slots_of: Callable[[int], Slots],
) -> None:
    one, two = slots_of(0), slots_of(1)
    try:
        assert await wait(one, "telegram:chat:-1", 100.0) == 0
        taken = await wait(two, "telegram:chat:-1", 100.0)  # the other replica: same key
        assert 90 < taken <= 100
        after = await wait(one, "telegram:chat:-1", 100.0)
        assert 190 < after <= 200
        assert await wait(two, "telegram:chat:-2", 100.0) == 0  # another chat: free
    finally:
        await one.close()
        await two.close()


@pytest.mark.parametrize("slots_of", STORES, indirect=True)
async def test_a_deferred_key_waits_for_the_platform_then_moves_on(
    slots_of: Callable[[int], Slots],
) -> None:
    one, two = slots_of(0), slots_of(1)
    try:
        await one.defer("slack:chat:C1", 50.0)
        assert 40 < await wait(two, "slack:chat:C1", 1.0) <= 50
        await one.defer("slack:chat:C1", 5.0)  # never brings a slot nearer
        assert 40 < await wait(two, "slack:chat:C1", 1.0) <= 51
    finally:
        await one.close()
        await two.close()


async def test_ready_is_asked_as_the_turn_nears_so_its_answer_never_delays_the_send() -> None:
    """`ready` (a database round trip in the worker) runs during the last READY_LEAD of the
    wait: asked before the slot begins, its 0.2 s overlap the wait instead of standing
    between the slot and the message, where late sends bunch with on-time ones."""
    limiter = Limiter(MemorySlots(), {"telegram": Limits(overall=2.0, per_chat=0.0)})
    asked: list[float] = []

    async def ready() -> bool:
        asked.append(time.monotonic())
        await asyncio.sleep(0.2)
        return True

    start = time.monotonic()
    assert await limiter.acquire("telegram", "1")
    assert await limiter.acquire("telegram", "2", ready=ready)
    returned = time.monotonic()
    [at] = asked
    assert start + 2.0 - READY_LEAD <= at < start + 2.0  # before its slot began
    assert returned >= at + 0.2  # and the message waited for the answer


async def test_a_message_no_longer_wanted_when_its_turn_nears_is_not_sent() -> None:
    limiter = Limiter(MemorySlots(), {"slack": Limits(overall=None, per_chat=1.0)})

    async def withdrawn() -> bool:
        return False

    assert not await limiter.acquire("slack", "C1", ready=withdrawn)
    assert not await Limiter(MemorySlots(), {}).acquire("slack", "C1", ready=withdrawn)


async def test_a_database_slot_survives_across_sessions(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """The table, not a process, holds the slot: a new DatabaseSlots sees the last one's."""
    await DatabaseSlots(sessions).reserve("telegram:all", 100.0)
    assert 90 < await wait(DatabaseSlots(sessions), "telegram:all", 100.0) <= 100


async def test_slots_asked_for_at_once_are_taken_together_in_one_statement(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """A fan-out's first moment: 100 chats ask at once. Their slots are taken by one INSERT
    rather than 100 transactions queueing for the pool; a key asked twice waits for the next
    round and gets the slot after."""
    slots = DatabaseSlots(sessions)
    inserts: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO RATE_SLOT"):
            inserts.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        taken = await asyncio.gather(
            *(slots.reserve(f"telegram:chat:-{n}", 3.0) for n in range(100)),
            slots.reserve("telegram:chat:-1", 3.0),
        )
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert all(start == now for start, now in taken[:100])  # every chat free at once
    start, now = taken[100]
    assert 2.9 < start - now <= 3.0  # the same chat again: its next slot
    assert len(inserts) == 2  # the 100 chats, then chat -1's second ask


class Broken:
    """Slots whose store does not answer."""

    async def reserve(self, key: str, gap: float) -> tuple[float, float]:
        raise ConnectionError("down")

    async def defer(self, key: str, seconds: float) -> None:
        raise ConnectionError("down")

    async def close(self) -> None:
        return None


async def test_when_the_shared_store_is_down_the_process_paces_itself_and_says_so_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    limiter = Limiter(Broken(), {"telegram": Limits(overall=0.001, per_chat=0.001)})
    with caplog.at_level(logging.WARNING, logger="bot.limits"):
        await limiter.acquire("telegram", "-1")
        await limiter.acquire("telegram", "-1")
        await limiter.defer("telegram", "-1", 0.001)
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and "ConnectionError" in warnings[0]
    assert 0 < await wait(limiter._local, "telegram:chat:-1", 0.001) <= 0.01  # kept locally


async def _two_replicas_fan_out(
    tg: FakeTelegram, slack: FakeSlack, limiters: list[Limiter]
) -> list[BaseException | None]:
    """Each replica (its own Bot, Slack client and limiter) sends one message to each of 40
    Telegram groups and three to each of 5 Slack channels, all at once."""
    reply = Reply(title="Status update", lines=["Phase 2 started"])
    async with AsyncExitStack() as stack:
        sends = []
        for limiter in limiters:
            bot = await stack.enter_async_context(
                Bot(TOKEN, base_url=tg.base_url, request=HTTPXRequest(connection_pool_size=64))
            )
            telegram = TelegramSender(bot, limiter=limiter)
            client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
            slack_sender = SlackSender(client, limiter=limiter)
            sends += [telegram.send(str(-1000 - i), reply) for i in range(GROUPS)]
            sends += [slack_sender.send(f"C{i}", reply) for i in range(CHANNELS) for _ in "abc"]
        results = await asyncio.gather(*sends, return_exceptions=True)
    return [r if isinstance(r, BaseException) else None for r in results]


@pytest.fixture
async def limited() -> AsyncIterator[tuple[FakeTelegram, FakeSlack]]:
    async with FakeTelegram(token=TOKEN, enforce_rate_limits=True) as tg, FakeSlack() as slack:
        slack.enforce_rate_limits = True
        yield tg, slack
        tg.assert_no_violations()
        slack.assert_no_violations()


@pytest.mark.parametrize("slots_of", STORES, indirect=True)
async def test_two_replicas_sharing_their_slots_meet_no_429(
    slots_of: Callable[[int], Slots], limited: tuple[FakeTelegram, FakeSlack]
) -> None:
    tg, slack = limited
    limiters = [Limiter(slots_of(0)), Limiter(slots_of(1))]
    try:
        failures = await _two_replicas_fan_out(tg, slack, limiters)
    finally:
        for limiter in limiters:
            await limiter.close()
    assert [f for f in failures if f is not None] == []
    assert tg.count_429 == 0 and slack.count_429 == 0
    assert len(tg.sent_messages()) == 2 * GROUPS
    assert len(slack.messages(kind="message")) == 6 * CHANNELS


@pytest.mark.parametrize("slots_of", ["memory"], indirect=True)
async def test_two_replicas_each_pacing_alone_exceed_the_limits(
    slots_of: Callable[[int], Slots], limited: tuple[FakeTelegram, FakeSlack]
) -> None:
    """What main did (limits per process): the fakes refuse part of the same fan-out."""
    tg, slack = limited
    await _two_replicas_fan_out(tg, slack, [Limiter(slots_of(0)), Limiter(slots_of(1))])
    assert tg.count_429 > 0 and slack.count_429 > 0
