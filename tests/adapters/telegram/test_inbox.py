"""Nothing Telegram was told we received is lost: an update is recorded before the webhook's 200
or the next polling offset, run once from the record, answered after a restart; chats run at
the same time, each chat in order."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.http import HttpServer
from adapters.sandbox.fakes.telegram import FakeTelegram
from adapters.telegram.adapter import TelegramAdapter
from bot.clock import FakeClock
from bot.commands import REGISTRY
from bot.dispatcher import Defaults, Dispatcher
from operations import db
from operations.inbound.models import InboundEvent
from tests.adapters.telegram.conftest import TOKEN
from tests.conftest import Chat, Person, make_engine
from tests.inbox_helpers import HoldingDispatcher, states, tasks, wait_until_held

SECRET = "inbox-Secret_1"
ANNA = 1
TASK = 'task add PANGEA-18 "Raid {n}" --to FR-OCLCTIC'


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def webhook_adapter(
    tg: FakeTelegram, dispatcher: Dispatcher
) -> AsyncIterator[TelegramAdapter]:
    port = _free_port()
    http = HttpServer(port, host="127.0.0.1")
    adapter = TelegramAdapter(
        dispatcher,
        token=TOKEN,
        base_url=tg.base_url,
        webhook_url=f"http://127.0.0.1:{port}/telegram/hook",
        webhook_secret=SECRET,
        http=http,
        grace=0.1,
    )
    await http.start()
    await adapter.start()
    try:
        yield adapter
    finally:
        await adapter.stop()
        await http.stop()


@asynccontextmanager
async def polling_adapter(
    tg: FakeTelegram, dispatcher: Dispatcher
) -> AsyncIterator[TelegramAdapter]:
    adapter = TelegramAdapter(
        dispatcher, token=TOKEN, base_url=tg.base_url, poll_timeout=1, grace=0.1
    )
    await adapter.start()
    try:
        yield adapter
    finally:
        await adapter.stop()


def _private(tg: FakeTelegram, user: int, text: str) -> dict[str, Any]:
    return tg.push_command(user, user, text, chat_type="private", first_name=f"User {user}")


async def test_a_webhook_update_answered_200_is_run_after_a_stop_and_redelivery_runs_nothing(
    tg: FakeTelegram,
    dispatcher: Dispatcher,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    chat: Chat,
) -> None:
    held = HoldingDispatcher(sessions, clock)
    held.hold("help")
    async with webhook_adapter(tg, held):
        update = _private(tg, 42, "/help")
        assert await tg.deliver_webhook() == 200
        await wait_until_held(held)
    # stopped before the command ran: it is recorded, and handed back
    assert tg.sent_messages() == []
    assert await states(sessions) == ["received"]
    async with webhook_adapter(tg, dispatcher):
        sent = await tg.wait_for_messages(1, chat_id=42)
        assert "jointops commands" in (sent[0].plain_text or "")
        assert await tg.deliver_webhook(update) == 200  # Telegram delivers it again
        assert await tg.deliver_webhook(_private(tg, 42, "/whoami")) == 200
        await tg.wait_for_messages(2, chat_id=42)
    assert len(tg.sent_messages(42)) == 2  # /help once, /whoami once
    assert await states(sessions) == ["answered", "answered"]


async def test_polling_records_a_batch_before_the_offset_moves_and_a_restart_runs_it_once(
    tg: FakeTelegram,
    dispatcher: Dispatcher,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    chat: Chat,
) -> None:
    confirmed_unrecorded: list[int] = []
    get_updates = tg._handlers["getUpdates"]

    async def checking(params: dict[str, Any]) -> Any:
        """Every update an offset confirms must already be in the database."""
        offset = params.get("offset")
        if isinstance(offset, int) and offset > 0:
            async with sessions() as s:
                keys = set(await s.scalars(select(InboundEvent.event_key)))
            for update in tg.pending_updates:
                if update["update_id"] < offset and f"123456:{update['update_id']}" not in keys:
                    confirmed_unrecorded.append(update["update_id"])
        return await get_updates(params)

    tg._handlers["getUpdates"] = checking
    held = HoldingDispatcher(sessions, clock)
    held.hold("help")
    async with polling_adapter(tg, held):
        for user, text in ((41, "/help"), (42, "/help"), (41, "/whoami")):
            _private(tg, user, text)
        await tg.wait_until_consumed()  # Telegram was told: the offset moved past all three
        await wait_until_held(held, 2)
    assert tg.sent_messages() == []
    assert await states(sessions) == ["received"] * 3
    async with polling_adapter(tg, dispatcher):
        first = await tg.wait_for_messages(2, chat_id=41)
        second = await tg.wait_for_messages(1, chat_id=42)
    assert "jointops commands" in (first[0].plain_text or "")  # chat 41 in its order
    assert "jointops commands" not in (first[1].plain_text or "")
    assert "jointops commands" in (second[0].plain_text or "")
    assert len(tg.sent_messages()) == 3  # each once
    assert await states(sessions) == ["answered"] * 3
    assert confirmed_unrecorded == []
    assert tg.calls_to("getUpdates") and tg.pending_updates == []


async def _anna_admin(admin: Person, chat: Chat) -> None:
    """FR-OCLCTIC leads PANGEA-18; Anna (Telegram user 1) is an admin."""
    await admin.says('agency add FR-OCLCTIC "OCLCTIC" --country FR --tz Europe/Paris')
    await admin.says('op new PANGEA-18 "Pharmacies" --lead FR-OCLCTIC')
    anna = chat.person(str(ANNA), "Anna", platform="telegram", workspace="telegram")
    await anna.joins_with_invite_from(admin, "FR-OCLCTIC", "admin")


async def test_a_command_that_ran_but_was_not_answered_is_answered_once_without_running_again(
    tg: FakeTelegram,
    dispatcher: Dispatcher,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    chat: Chat,
    admin: Person,
) -> None:
    await _anna_admin(admin, chat)
    tg.inject_fault("sendMessage", "server_error", times=None)
    async with polling_adapter(tg, dispatcher):
        _private(tg, ANNA, "/" + TASK.format(n=1))
        await tg.wait_for_calls("sendMessage")  # the task was added; its answer failed
    assert await tasks(sessions) == 1
    assert await states(sessions) == ["ran"]  # the reply is stored with the command
    assert tg.sent_messages() == []
    tg.clear_faults()
    clock.advance(timedelta(minutes=5))  # past the retry time of the failed answer
    async with polling_adapter(
        tg, Dispatcher(sessions, REGISTRY, clock=clock, defaults=Defaults())
    ):
        sent = await tg.wait_for_messages(1, chat_id=ANNA)
    assert "Task PANGEA-18#1 added." in (sent[0].plain_text or "")
    assert await tasks(sessions) == 1  # the stored reply was sent: the command did not run again
    assert await states(sessions) == ["answered"]


async def test_a_slow_command_holds_back_its_own_chat_only_and_a_chat_keeps_its_order(
    tg: FakeTelegram, sessions: async_sessionmaker[AsyncSession], clock: FakeClock, chat: Chat
) -> None:
    held = HoldingDispatcher(sessions, clock)
    slow = held.hold("whoami")
    async with polling_adapter(tg, held):
        _private(tg, 11, "/whoami")
        await wait_until_held(held)
        _private(tg, 12, "/help")
        answered = await tg.wait_for_messages(1, chat_id=12)  # while chat 11's command waits
        assert "jointops commands" in (answered[0].plain_text or "")
        _private(tg, 11, "/help")
        _private(tg, 12, "/help")
        await tg.wait_for_messages(2, chat_id=12)
        assert tg.sent_messages(11) == []  # chat 11's /help waits behind its /whoami
        slow.set()
        ordered = await tg.wait_for_messages(2, chat_id=11)
    assert "jointops commands" not in (ordered[0].plain_text or "")  # /whoami first
    assert "jointops commands" in (ordered[1].plain_text or "")


async def _replica(
    database_url: str,
    clock: FakeClock,
    tg: FakeTelegram,
    stack: list[Callable[[], Awaitable[None]]],
) -> TelegramAdapter:
    """Another process on the same database: its own engine, dispatcher and adapter."""
    engine = make_engine(database_url)
    dispatcher = Dispatcher(
        db.create_session_factory(engine), REGISTRY, clock=clock, defaults=Defaults()
    )
    port = _free_port()
    http = HttpServer(port, host="127.0.0.1")
    adapter = TelegramAdapter(
        dispatcher,
        token=TOKEN,
        base_url=tg.base_url,
        webhook_url=f"http://127.0.0.1:{port}/hook",
        webhook_secret=SECRET,
        http=http,
    )
    await http.start()
    await adapter.start()
    stack += [engine.dispose, http.stop, adapter.stop]
    return adapter


async def test_two_replicas_recovering_at_once_run_each_command_once(
    tg: FakeTelegram,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    chat: Chat,
    admin: Person,
    database_url: str,
) -> None:
    await _anna_admin(admin, chat)
    texts = [TASK.format(n=n) for n in range(1, 7)]
    for user in (ANNA, 2, 3):  # three chats: Anna's commands, two strangers' refusals
        held = HoldingDispatcher(sessions, clock)
        for text in texts:
            held.hold(text)
        async with webhook_adapter(tg, held):
            for text in texts:
                assert await tg.deliver_webhook(_private(tg, user, "/" + text)) == 200
            await wait_until_held(held)
    assert await states(sessions) == ["received"] * 18  # every process stopped before running
    stack: list[Callable[[], Awaitable[None]]] = []
    try:
        one, two = await asyncio.gather(  # each takes over what it finds at start
            _replica(database_url, clock, tg, stack), _replica(database_url, clock, tg, stack)
        )
        await asyncio.gather(one.inbox.recover(), two.inbox.recover())
        for user in (ANNA, 2, 3):
            await tg.wait_for_messages(6, chat_id=user, timeout=20)
    finally:
        for close in reversed(stack):
            await close()
    assert await tasks(sessions) == 6
    added = sorted((m.plain_text or "").split("\n")[1] for m in tg.sent_messages(ANNA))
    assert added == [f"Task PANGEA-18#{n} added." for n in range(1, 7)]
    assert [len(tg.sent_messages(user)) for user in (ANNA, 2, 3)] == [6, 6, 6]
    assert await states(sessions) == ["answered"] * 18
