"""The sender returns the message id and classifies every failure the delivery worker meets."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from adapters.telegram.sender import TelegramSender
from bot.delivery import FailureKind, SendFailure
from bot.reply import Button, Reply
from tests.adapters.telegram.conftest import TOKEN
from tests.fakes.telegram import FakeTelegram


@pytest.fixture
async def sender(tg: FakeTelegram) -> AsyncIterator[TelegramSender]:
    bot = Bot(TOKEN, base_url=tg.base_url)
    async with bot:
        yield TelegramSender(bot)


REPLY = Reply(
    title="Status PANGEA-18",
    lines=["Phase 2 started"],
    buttons=[Button("Summary", "summary PANGEA-18")],
)


async def test_send_returns_the_message_id(sender: TelegramSender, tg: FakeTelegram) -> None:
    sent = await sender.send("-1001", REPLY)
    message = tg.sent_messages(-1001)[0]
    assert sent.message_id == str(message.message_id)
    assert message.buttons[0]["callback_data"] == "summary PANGEA-18"


@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        ("chat_not_found", FailureKind.PERMANENT),
        ("blocked", FailureKind.PERMANENT),
        ("kicked", FailureKind.PERMANENT),
        ("server_error", FailureKind.TRANSIENT),
    ],
)
async def test_failures_are_classified(
    sender: TelegramSender, tg: FakeTelegram, fault: str, kind: FailureKind
) -> None:
    tg.inject_fault(method="sendMessage", kind=fault, times=1)
    with pytest.raises(SendFailure) as raised:
        await sender.send("-1001", REPLY)
    assert raised.value.kind == kind
    if fault == "chat_not_found":
        assert "chat not found" in raised.value.reason.lower()


async def test_retry_after_carries_the_seconds(sender: TelegramSender, tg: FakeTelegram) -> None:
    tg.inject_fault(method="sendMessage", kind="retry_after", retry_after=7, times=1)
    with pytest.raises(SendFailure) as raised:
        await sender.send("-1001", REPLY)
    assert raised.value.kind == FailureKind.RETRY_AFTER
    assert raised.value.retry_after == 7


async def test_a_long_reply_is_split_and_every_part_passes_validation(
    sender: TelegramSender, tg: FakeTelegram
) -> None:
    reply = Reply(
        title="Long",
        lines=[f"line {i} " + "x" * 90 for i in range(120)],
        buttons=[Button("Tasks", "task list PANGEA-18")],
    )
    await sender.send("-1001", reply)
    parts = tg.sent_messages(-1001)
    assert len(parts) == 3
    assert all(len(p.plain_text or "") <= 4096 for p in parts)
    assert parts[-1].buttons and not parts[0].buttons
    tg.assert_no_violations()
