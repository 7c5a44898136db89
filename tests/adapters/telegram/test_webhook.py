"""Webhook mode: setWebhook with the secret, 403 without it, a redelivered update runs once."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.http import HttpServer
from adapters.sandbox.fakes.telegram import FakeTelegram
from adapters.telegram.adapter import SECRET_HEADER, TelegramAdapter
from bot.dispatcher import Dispatcher
from tests.adapters.telegram.conftest import TOKEN
from tests.conftest import Chat

SECRET = "s3cret-Token_42"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def webhook(
    tg: FakeTelegram, dispatcher: Dispatcher, chat: Chat
) -> AsyncIterator[tuple[TelegramAdapter, str]]:
    port = free_port()
    http = HttpServer(port, host="127.0.0.1")
    url = f"http://127.0.0.1:{port}/telegram/hook"
    adapter = TelegramAdapter(
        dispatcher,
        token=TOKEN,
        base_url=tg.base_url,
        webhook_url=url,
        webhook_secret=SECRET,
        http=http,
    )
    await http.start()
    await adapter.start()
    yield adapter, url
    await adapter.stop()
    await http.stop()


async def test_set_webhook_registers_url_and_secret(
    webhook: tuple[TelegramAdapter, str], tg: FakeTelegram
) -> None:
    _, url = webhook
    call = tg.calls_to("setWebhook")[-1]
    assert call.params["url"] == url
    assert call.params["secret_token"] == SECRET
    assert not tg.calls_to("getUpdates")


async def test_update_with_secret_is_answered(
    webhook: tuple[TelegramAdapter, str], tg: FakeTelegram
) -> None:
    update = tg.push_command(42, 42, "/help", chat_type="private", first_name="Ann")
    assert await tg.deliver_webhook() == 200
    sent = await tg.wait_for_messages(1, chat_id=42)
    assert "jointops commands" in (sent[0].plain_text or "")
    assert update["update_id"] == tg.webhook_deliveries[-1][0]["update_id"]


async def test_request_without_or_with_wrong_secret_is_refused(
    webhook: tuple[TelegramAdapter, str], tg: FakeTelegram
) -> None:
    _, url = webhook
    update = {
        "update_id": 9001,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 42, "type": "private"},
            "from": {"id": 42, "is_bot": False, "first_name": "Eve"},
            "text": "/help",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }
    async with aiohttp.ClientSession() as client:
        async with client.post(url, json=update) as resp:
            assert resp.status == 403
        headers = {"X-Telegram-Bot-Api-Secret-Token": "guess"}
        async with client.post(url, json=update, headers=headers) as resp:
            assert resp.status == 403
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with client.post(url, data="not json", headers=headers) as resp:
            assert resp.status == 400
    assert tg.sent_messages() == []


async def test_duplicate_update_is_processed_once(
    webhook: tuple[TelegramAdapter, str], tg: FakeTelegram
) -> None:
    update = tg.push_command(42, 42, "/whoami", chat_type="private", first_name="Ann")
    assert await tg.deliver_webhook() == 200
    assert await tg.deliver_webhook(update) == 200  # Telegram retries the same update_id
    await tg.wait_for_messages(1, chat_id=42)
    follow = tg.push_command(42, 42, "/help", chat_type="private", first_name="Ann")
    assert await tg.deliver_webhook(follow) == 200
    sent = await tg.wait_for_messages(2, chat_id=42)
    assert len(sent) == 2  # one answer to /whoami, one to /help
    assert "jointops commands" in (sent[1].plain_text or "")


NOT_UPDATES = [
    b"[1,2,3]",
    b'"x"',
    b"null",
    b"42",
    b"{}",
    b'{"update_id":9,"message":"y"}',
    b'{"update_id":9,"message":{}}',
    b'{"update_id":9,"callback_query":[1]}',
    b'{"update_id":"9"}',
    b'{"update_id":true}',
    b'{"message":{"text":"/help"}}',
    b"not json",
    b'{"update_id": 9',
    b"\xff\xfe\x00",
    b"[" * 100_000 + b"]" * 100_000,
]


async def test_a_body_that_is_not_an_update_gets_400_and_no_traceback(
    webhook: tuple[TelegramAdapter, str],
    tg: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
    dispatcher: Dispatcher,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    _, url = webhook
    headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
    async with aiohttp.ClientSession() as client:
        for body in NOT_UPDATES:
            async with client.post(url, data=body, headers=headers) as resp:
                assert resp.status == 400, body[:40]
        async with client.post(url, data=b"[1,2,3]") as resp:  # the secret is checked first
            assert resp.status == 403
        async with client.post(url, data=b"x" * (1024 * 1024 + 1), headers=headers) as resp:
            assert resp.status == 413
    assert "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert tg.sent_messages() == []
    figures = await dispatcher.metrics.render(sessions)
    malformed = 'jointops_requests_refused_total{platform="telegram",reason="malformed"}'
    assert f"{malformed} {len(NOT_UPDATES)}" in figures
