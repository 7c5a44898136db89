"""The sender returns the message id and classifies every failure the delivery worker meets."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from adapters.sandbox.fakes.telegram import FakeTelegram
from adapters.telegram.sender import TelegramSender
from bot.delivery import SEND_TIMEOUT, FailureKind, Ready, SendFailure, Withdrawn
from bot.limits import Limiter, MemorySlots
from bot.reply import Button, Reply
from tests.adapters.telegram.conftest import TOKEN


class Recording(Limiter):
    """No limits; records each turn asked for and each wait the platform imposed."""

    def __init__(self, tg: FakeTelegram) -> None:
        super().__init__(MemorySlots(), limits={})
        self.tg = tg
        self.turns: list[tuple[str, int]] = []  # (chat, sendMessage calls made before)
        self.deferred: list[tuple[str, str, float]] = []

    async def acquire(self, platform: str, chat_id: str, *, ready: Ready | None = None) -> bool:
        self.turns.append((chat_id, len(self.tg.calls_to("sendMessage"))))
        return await ready() if ready is not None else True

    async def defer(self, platform: str, chat_id: str, seconds: float) -> None:
        self.deferred.append((platform, chat_id, seconds))


@pytest.fixture
def limiter(tg: FakeTelegram) -> Recording:
    return Recording(tg)


@pytest.fixture
async def sender(tg: FakeTelegram, limiter: Recording) -> AsyncIterator[TelegramSender]:
    bot = Bot(TOKEN, base_url=tg.base_url)
    async with bot:
        yield TelegramSender(bot, limiter=limiter)


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


async def test_a_retry_after_holds_the_chat_for_every_sender(
    sender: TelegramSender, tg: FakeTelegram, limiter: Recording
) -> None:
    tg.inject_fault(method="sendMessage", kind="retry_after", retry_after=7, times=1)
    with pytest.raises(SendFailure):
        await sender.send("-1001", REPLY)
    assert limiter.deferred == [("telegram", "-1001", 7)]


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


async def test_every_part_waits_for_its_turn_before_it_is_posted(
    sender: TelegramSender, tg: FakeTelegram, limiter: Recording
) -> None:
    reply = Reply(title="Long", lines=[f"line {i} " + "x" * 90 for i in range(120)])
    await sender.send("-1001", reply)
    assert limiter.turns == [("-1001", 0), ("-1001", 1), ("-1001", 2)]


async def test_a_message_no_longer_wanted_when_its_turn_comes_is_not_sent(
    sender: TelegramSender, tg: FakeTelegram, limiter: Recording
) -> None:
    asked: list[int] = []

    async def ready() -> bool:
        asked.append(len(limiter.turns))  # asked after the turn was taken
        return False

    with pytest.raises(Withdrawn):
        await sender.send("-1001", REPLY, ready=ready)
    assert asked == [1]
    assert tg.calls_to("sendMessage") == []


async def test_a_slow_answer_is_waited_for_not_taken_for_a_lost_message(
    sender: TelegramSender, tg: FakeTelegram
) -> None:
    """6 s: longer than python-telegram-bot's 5 s default, well within SEND_TIMEOUT."""
    assert SEND_TIMEOUT > 6
    tg.inject_fault(method="sendMessage", kind="slow", delay=6, times=1)
    sent = await sender.send("-1001", REPLY)
    assert [m.message_id for m in tg.sent_messages(-1001)] == [int(sent.message_id)]
    assert len(tg.calls_to("sendMessage")) == 1


async def test_a_send_without_an_answer_within_the_timeout_is_transient(
    tg: FakeTelegram, limiter: Recording
) -> None:
    """The one case that is tried again, and so the one that may arrive twice."""
    tg.inject_fault(method="sendMessage", kind="slow", delay=2, times=1)
    async with Bot(TOKEN, base_url=tg.base_url) as bot:
        with pytest.raises(SendFailure) as raised:
            await TelegramSender(bot, limiter=limiter, timeout=0.3).send("-1001", REPLY)
    assert raised.value.kind == FailureKind.TRANSIENT
