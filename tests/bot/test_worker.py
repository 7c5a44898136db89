"""The delivery worker end to end: outbox -> real python-telegram-bot and slack_sdk senders ->
fake Telegram and Slack enforcing the platforms' limits, with faults, failures and two workers."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram import Bot
from telegram.request import HTTPXRequest

from adapters.sandbox.fakes.slack import FakeSlack
from adapters.sandbox.fakes.telegram import FakeTelegram
from adapters.slack.sender import SlackSender
from adapters.telegram.sender import TelegramSender
from bot.clock import FakeClock
from bot.delivery import Ready, Sender
from bot.limits import Limiter, MemorySlots
from bot.reply import Tone
from bot.worker import Backoff, DeliveryWorker
from operations import db
from operations.delivery import service as delivery_service
from operations.delivery.models import Delivery
from tests.conftest import Chat, Person, make_engine

TOKEN = "123456:TEST-TOKEN"
AGENCIES = 20


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN) as fake:
        yield fake
        fake.assert_no_violations()


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake
        fake.assert_no_violations()


async def _senders(
    tg: FakeTelegram, slack: FakeSlack, give_up_after: float
) -> AsyncIterator[dict[str, Sender]]:
    request = HTTPXRequest(connection_pool_size=64)  # as the application builder makes it
    async with Bot(TOKEN, base_url=tg.base_url, request=request) as bot:
        client = AsyncWebClient(
            token=slack.bot_token, base_url=slack.api_url, timeout=give_up_after
        )  # type: ignore[arg-type]
        limiter = Limiter(MemorySlots())  # one process: its senders share one budget
        yield {
            "telegram": TelegramSender(bot, limiter=limiter, timeout=give_up_after),
            "slack": SlackSender(client, limiter=limiter),
        }


@pytest.fixture
async def senders(tg: FakeTelegram, slack: FakeSlack) -> AsyncIterator[dict[str, Sender]]:
    """Senders with ordinary timeouts: a loaded machine does not turn into lost answers."""
    async for made in _senders(tg, slack, 10):
        yield made


@pytest.fixture
async def hasty_senders(tg: FakeTelegram, slack: FakeSlack) -> AsyncIterator[dict[str, Sender]]:
    """Senders that give up after 0.3 s, so that the fakes' slow answers become timeouts."""
    async for made in _senders(tg, slack, 0.3):
        yield made


async def ok(person: Person, line: str) -> str:
    out = await person.says(line)
    assert person.reply.tone != Tone.ERROR, out
    return out


def chat_of(index: int) -> tuple[str, str]:
    """Agencies alternate between a Telegram group and a Slack channel."""
    return ("telegram", f"-100{index:03d}") if index % 2 else ("slack", f"C{index:03d}")


@pytest.fixture
async def operation(chat: Chat, admin: Person) -> Person:
    """OP-20 led by AG01 with 20 agencies, each with one linked chat; returns a Slack coordinator."""
    for i in range(1, AGENCIES + 1):
        await ok(admin, f'agency add AG{i:02d} "Agency {i}" --country FR --tz Europe/Paris')
    await ok(admin, 'op new OP-20 "Twenty agencies" --lead AG01')
    for i in range(2, AGENCIES + 1):
        await ok(admin, f"op join OP-20 AG{i:02d}")
    await ok(admin, "op start OP-20")
    tina = chat.person("tina", "Tina", platform="telegram", workspace="telegram", chat_id="1")
    sam = chat.person("sam", "Sam", platform="slack", workspace="T0001", chat_id="D1")
    await tina.joins_with_invite_from(admin, "AG01", "admin")
    await sam.joins_with_invite_from(admin, "AG01", "admin")
    for i in range(1, AGENCIES + 1):
        platform, chat_id = chat_of(i)
        person = tina if platform == "telegram" else sam
        person.chat_id = chat_id
        await ok(person, f"link AG{i:02d}")
    sam.chat_id = "D1"  # a direct message: not one of the linked chats
    return sam


async def drain(
    worker: DeliveryWorker, clock: FakeClock, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Run the worker until nothing is pending, moving the fake clock so retries come due."""
    for _ in range(300):
        await worker.run_once()
        async with sessions() as s:
            left = await s.scalar(
                select(func.count())
                .select_from(Delivery)
                .where(Delivery.state.in_(("pending", "sending")))
            )
        if not left:
            return
        clock.advance(timedelta(minutes=10))
        await asyncio.sleep(0.01)
    raise AssertionError("deliveries still pending")


def received(tg: FakeTelegram, slack: FakeSlack) -> Counter[tuple[str, str]]:
    got: Counter[tuple[str, str]] = Counter()
    for m in tg.sent_messages():
        got[("telegram", str(m.chat_id))] += 1
    for record in slack.messages(kind="message"):
        got[("slack", str(record.channel))] += 1
    return got


async def test_a_status_update_reaches_20_agencies_on_both_platforms_with_no_429(
    operation: Person,
    tg: FakeTelegram,
    slack: FakeSlack,
    senders: dict[str, Sender],
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    tg.enforce_rate_limits = True
    slack.enforce_rate_limits = True
    out = await ok(operation, 'status OP-20 "Phase 2 started"')
    assert "Sent to 20 agencies, 20 chats." in out
    await ok(operation, 'status OP-20 "Warehouse 4 raided"')
    await ok(operation, 'status OP-20 "Phase 3"')
    await drain(DeliveryWorker(sessions, senders, clock), clock, sessions)
    got = received(tg, slack)
    assert got == Counter({chat_of(i): 3 for i in range(1, AGENCIES + 1)})
    assert tg.count_429 == 0 and slack.count_429 == 0
    texts = [m.plain_text or "" for m in tg.sent_messages(-100001)]
    assert [
        "Phase 2 started" in texts[0],
        "Warehouse 4 raided" in texts[1],
        "Phase 3" in texts[2],
    ] == [True] * 3
    assert "Status update — OP-20" in texts[0] and "CET" in texts[0]  # Paris time


async def test_under_30_percent_faults_every_delivery_arrives(
    operation: Person,
    tg: FakeTelegram,
    slack: FakeSlack,
    hasty_senders: dict[str, Sender],
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    tg.set_random_faults(rate=0.3, seed=7, kinds=("retry_after", "server_error", "slow"), delay=0.6)
    slack.set_random_faults(
        rate=0.3, seed=7, kinds=("rate_limited", "server_error", "slow"), delay=0.6
    )
    for n in range(3):
        await ok(operation, f'status OP-20 "Update {n}"')
    worker = DeliveryWorker(sessions, hasty_senders, clock, backoff=Backoff(base=0.01))
    await drain(worker, clock, sessions)
    got = received(tg, slack)
    assert set(got) == {chat_of(i) for i in range(1, AGENCIES + 1)}
    faults = Counter(c.fault for c in [*tg.calls, *slack.calls] if c.fault)
    assert faults["slow"] > 0 and sum(faults.values()) > 10  # the faults really happened
    duplicates = sum(n - 3 for n in got.values())
    assert all(n >= 3 for n in got.values()), got  # none lost
    assert duplicates <= faults["slow"]  # a repeat only where an answer was lost in a timeout
    async with sessions() as s:
        states = Counter(await s.scalars(select(Delivery.state)))
    assert states == Counter({"sent": 60})


async def test_a_chat_that_is_gone_fails_once_and_the_coordinators_are_told(
    operation: Person,
    tg: FakeTelegram,
    slack: FakeSlack,
    senders: dict[str, Sender],
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    tg.inject_fault(method="sendMessage", kind="chat_not_found", times=None, chat_id=-100003)
    await ok(operation, 'status OP-20 "Phase 2 started"')
    await drain(DeliveryWorker(sessions, senders, clock), clock, sessions)
    async with sessions() as s:
        failed = list(await s.scalars(select(Delivery).where(Delivery.state == "failed")))
    assert [(d.chat_id, d.attempts) for d in failed] == [("-100003", 1)]
    assert "chat not found" in (failed[0].last_error or "").lower()
    notices = [
        m for m in tg.sent_messages(-100001) if "Delivery failed on OP-20" in (m.plain_text or "")
    ]
    assert len(notices) == 1  # AG01 leads: its chat hears about it
    assert "-100003" in (notices[0].plain_text or "")
    summary = await ok(operation, "summary OP-20")
    assert "Deliveries: 0 pending, 1 failed" in summary
    assert len([c for c in tg.calls_to("sendMessage") if c.params.get("chat_id") == -100003]) == 1


async def test_a_dead_workers_rows_are_taken_over_after_its_lease(
    operation: Person,
    tg: FakeTelegram,
    slack: FakeSlack,
    senders: dict[str, Sender],
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    await ok(operation, 'status OP-20 "Phase 2 started"')
    dead = DeliveryWorker(sessions, {}, clock, lease=timedelta(seconds=30))
    async with sessions() as s, s.begin():
        from operations.delivery import service as delivery_service

        claimed = await delivery_service.claim(
            s,
            now=clock.now(),
            limit=100,
            lease=timedelta(seconds=30),
            worker=dead.name,
            platforms=["telegram", "slack"],
        )
    assert len(claimed) == 20  # ... and then the process died before sending
    heir = DeliveryWorker(sessions, senders, clock)
    assert await heir.run_once() == 0  # the lease still holds
    clock.advance(timedelta(seconds=31))
    assert await heir.run_once() == 20
    assert sum(received(tg, slack).values()) == 20


async def test_two_workers_on_one_database_never_send_twice(
    operation: Person,
    tg: FakeTelegram,
    slack: FakeSlack,
    senders: dict[str, Sender],
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    database_url: str,
) -> None:
    for n in range(3):
        await ok(operation, f'status OP-20 "Update {n}"')
    other_engine = make_engine(database_url)
    try:
        other = db.create_session_factory(other_engine)
        one = DeliveryWorker(sessions, senders, clock, batch=5)
        two = DeliveryWorker(other, senders, clock, batch=5)

        async def loop(worker: DeliveryWorker) -> int:
            total, idle = 0, 0
            while idle < 3:  # until the outbox stays empty
                sent = await worker.run_once()
                total += sent
                idle = idle + 1 if sent == 0 else 0
                await asyncio.sleep(0)
            return total

        first, second = await asyncio.gather(loop(one), loop(two))
    finally:
        await other_engine.dispose()
    assert first + second == 60
    async with sessions() as s:
        states = Counter(await s.scalars(select(Delivery.state)))
    assert states == Counter({"sent": 60})
    assert first > 0 and second > 0  # both did part of the work
    assert received(tg, slack) == Counter({chat_of(i): 3 for i in range(1, AGENCIES + 1)})


class UnlinkWhileWaiting(Limiter):
    """Paces like the real limiter; the first time a chat's turn comes, the chat is unlinked."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], chat: tuple[str, str]) -> None:
        super().__init__(MemorySlots())
        self.sessions, self.chat, self.done = sessions, chat, False

    async def acquire(self, platform: str, chat_id: str, *, ready: Ready | None = None) -> bool:
        if (platform, chat_id) == self.chat and not self.done:
            self.done = True
            async with self.sessions() as s, s.begin():
                workspace = "telegram" if platform == "telegram" else "T0001"
                chats = [(platform, workspace, chat_id)]
                await delivery_service.cancel_to_chats(s, chats=chats, reason="unlinked")
        return await super().acquire(platform, chat_id, ready=ready)


async def test_a_message_cancelled_while_the_worker_holds_it_is_not_sent(
    operation: Person,
    tg: FakeTelegram,
    slack: FakeSlack,
    senders: dict[str, Sender],
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    await ok(operation, 'status OP-20 "Phase 2"')
    gone = chat_of(3)
    limiter = UnlinkWhileWaiting(sessions, gone)
    for sender in senders.values():
        sender.limiter = limiter
    worker = DeliveryWorker(sessions, senders, clock)
    await drain(worker, clock, sessions)
    got = received(tg, slack)
    assert got[gone] == 0
    assert sum(got.values()) == AGENCIES - 1
    async with sessions() as s:
        states = Counter(await s.scalars(select(Delivery.state)))
    assert states == Counter({"sent": AGENCIES - 1, "cancelled": 1})


async def test_a_stopping_worker_hands_back_what_it_holds_at_once(
    operation: Person,
    tg: FakeTelegram,
    slack: FakeSlack,
    senders: dict[str, Sender],
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    """SIGTERM mid fan-out: the batch stops after its grace and no row waits out a lease."""
    for n in range(3):  # three messages per group: Telegram paces a group at one per 3 s
        await ok(operation, f'status OP-20 "Update {n}"')
    worker = DeliveryWorker(sessions, senders, clock, lease=timedelta(minutes=10))
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop, grace=0.1))
    await tg.wait_for_messages(1)
    stop.set()
    await asyncio.wait_for(running, timeout=60)  # a hang guard, not a speed target
    async with sessions() as s:
        states = Counter(await s.scalars(select(Delivery.state)))
        leased = await s.scalar(
            select(func.count()).where(
                Delivery.state == "pending", Delivery.lease_until.is_not(None)
            )
        )
    assert states["sending"] == 0 and leased == 0
    assert states["pending"] > 0  # the paced group messages were handed back, not kept
    successor = DeliveryWorker(sessions, senders, clock)
    await drain(successor, clock, sessions)  # taken over at once: no lease to wait out
    got = received(tg, slack)
    assert all(got[chat_of(i)] >= 3 for i in range(2, AGENCIES + 1))


async def test_a_groups_backlog_does_not_hold_back_a_slack_channel_or_another_chat(
    operation: Person,
    tg: FakeTelegram,
    slack: FakeSlack,
    senders: dict[str, Sender],
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    """Ten tasks for AG01 queue in its Telegram group, which Telegram takes at one message
    per 3 s; messages for a Slack channel and another group, written while that backlog
    drains, go out at once instead of after it (main: after the whole batch)."""
    slow_group = chat_of(1)[1]
    for n in range(10):
        await ok(operation, f'task add OP-20 "Backlog {n}" --to AG01')
    worker = DeliveryWorker(sessions, senders, clock)
    operation.chat.dispatcher.on_queued = worker.wake.set
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop, grace=0.1))
    try:
        await tg.wait_for_messages(1, chat_id=int(slow_group), timeout=60)
        await ok(operation, 'task add OP-20 "For Slack" --to AG02')
        await ok(operation, 'task add OP-20 "For another group" --to AG03')
        await slack.wait_for_messages(1, channel=chat_of(2)[1], timeout=60)
        await tg.wait_for_messages(1, chat_id=int(chat_of(3)[1]), timeout=60)
        assert len(tg.sent_messages(int(slow_group))) < 10  # the backlog is still draining
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=60)  # a hang guard, not a speed target


async def test_a_slow_answer_holds_back_neither_other_chats_nor_is_sent_twice(
    operation: Person,
    tg: FakeTelegram,
    slack: FakeSlack,
    senders: dict[str, Sender],
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    """AG01's group answers after 6 s (longer than python-telegram-bot's default 5 s read
    timeout, after which main sent the message again); a message written meanwhile for
    another chat goes at once; the slow one is waited for and sent once."""
    slow_group = int(chat_of(1)[1])
    tg.inject_fault(method="sendMessage", kind="slow", delay=6, times=1, chat_id=slow_group)
    await ok(operation, 'task add OP-20 "Slow" --to AG01')
    worker = DeliveryWorker(sessions, senders, clock)
    operation.chat.dispatcher.on_queued = worker.wake.set
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop, grace=10))
    try:
        for _ in range(6000):  # until the slow send began (a hang guard, not a speed target)
            if any(c.method == "sendMessage" for c in tg.calls):
                break
            await asyncio.sleep(0.01)
        await ok(operation, 'task add OP-20 "Quick" --to AG02')
        await slack.wait_for_messages(1, channel=chat_of(2)[1], timeout=60)
        async with sessions() as s:
            slow = await s.scalar(select(Delivery).where(Delivery.chat_id == str(slow_group)))
        assert slow is not None and slow.state == "sending"  # still waiting for its answer
        for _ in range(100):  # until the slow answer came (a hang guard, not a speed target)
            async with sessions() as s:
                state = await s.scalar(
                    select(Delivery.state).where(Delivery.chat_id == str(slow_group))
                )
            if state != "sending":
                break
            await asyncio.sleep(0.1)
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=60)
    assert state == "sent"
    assert len(tg.sent_messages(slow_group)) == 1
    assert len([c for c in tg.calls_to("sendMessage") if c.params["chat_id"] == slow_group]) == 1


async def test_two_workers_claiming_at_once_never_split_a_chats_rows(
    operation: Person,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    database_url: str,
) -> None:
    """Whoever holds a chat's first unsent row holds the chat: a worker claiming while
    another's claim is not committed yet (PostgreSQL: it skips the locked rows) takes none of
    that chat's later rows, so the chat's messages keep their order."""
    for n in range(6):
        await ok(operation, f'task add OP-20 "Ordered {n}" --to AG01')
    chat = ("telegram", "telegram", chat_of(1)[1])
    other_engine = make_engine(database_url)
    try:
        other = db.create_session_factory(other_engine)
        lease = timedelta(seconds=30)
        async with sessions() as first, first.begin():
            mine = await delivery_service.claim(
                first,
                now=clock.now(),
                limit=3,
                lease=lease,
                worker="one",
                platforms=["telegram"],
                chat=chat,
            )

            async def rival() -> list[Delivery]:
                async with other() as second, second.begin():
                    return await delivery_service.claim(
                        second,
                        now=clock.now(),
                        limit=10,
                        lease=lease,
                        worker="two",
                        platforms=["telegram"],
                    )

            claiming = asyncio.create_task(rival())
            # PostgreSQL: the rival's claim runs now; SQLite: it waits for the write lock
            await asyncio.wait({claiming}, timeout=1)
        theirs = await claiming
    finally:
        await other_engine.dispose()
    assert [r.chat_id for r in mine] == [chat[2]] * 3
    assert [r for r in theirs if r.chat_id == chat[2]] == []


async def test_only_commands_that_queued_deliveries_wake_the_worker(operation: Person) -> None:
    """A read-only command under load must not send the claimer to read the outbox."""
    woken: list[str] = []
    operation.chat.dispatcher.on_queued = lambda: woken.append("woken")
    for line in ("whoami", "task list OP-20", "summary OP-20"):
        await ok(operation, line)
    assert woken == []
    await ok(operation, 'task add OP-20 "Raid" --to AG02')
    assert woken == ["woken"]


async def test_a_stream_of_wake_ups_claims_at_most_once_per_claim_gap(
    engine: AsyncEngine,
    senders: dict[str, Sender],
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    """Every commit that queues something wakes the worker (50 a second under load); each
    claim reads the outbox, so they are spaced by the claim gap: 60 wake-ups over about
    0.6 s bring a handful of claims, not 60."""
    claims: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if "FROM delivery" in statement and "NOT (EXISTS" in statement:
            claims.append(statement)

    worker = DeliveryWorker(sessions, senders, clock)
    stop = asyncio.Event()
    event.listen(engine.sync_engine, "before_cursor_execute", count)
    running = asyncio.create_task(worker.run(stop, grace=0.1, claim_gap=0.25))
    try:
        started = asyncio.get_running_loop().time()
        for _ in range(60):
            worker.wake.set()
            await asyncio.sleep(0.01)
        elapsed = asyncio.get_running_loop().time() - started
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=60)  # a hang guard, not a speed target
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert 1 <= len(claims) <= elapsed / 0.25 + 2
