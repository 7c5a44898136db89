"""The Slack sender posts to a channel and classifies failures like the Telegram one."""

from __future__ import annotations

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from adapters.sandbox.fakes.slack import FakeSlack
from adapters.slack.sender import SlackSender
from bot.delivery import FailureKind, Ready, SendFailure, Withdrawn
from bot.limits import Limiter, MemorySlots
from bot.reply import Button, Item, Reply

REPLY = Reply(
    title="Status PANGEA-18",
    lines=["Phase 2 started"],
    buttons=[Button("Summary", "summary PANGEA-18")],
)


class Recording(Limiter):
    """No limits; records each turn asked for and each wait the platform imposed."""

    def __init__(self, slack: FakeSlack) -> None:
        super().__init__(MemorySlots(), limits={})
        self.slack = slack
        self.turns: list[tuple[str, int]] = []  # (channel, messages posted before)
        self.deferred: list[tuple[str, str, float]] = []

    async def acquire(self, platform: str, chat_id: str, *, ready: Ready | None = None) -> bool:
        self.turns.append((chat_id, len(self.slack.messages(chat_id))))
        return await ready() if ready is not None else True

    async def defer(self, platform: str, chat_id: str, seconds: float) -> None:
        self.deferred.append((platform, chat_id, seconds))


def _sender(slack: FakeSlack, limiter: Limiter | None = None) -> SlackSender:
    client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    return SlackSender(client, limiter=limiter)


async def test_send_returns_the_message_ts(slack: FakeSlack) -> None:
    sent = await _sender(slack).send("C1", REPLY)
    message = slack.messages("C1")[0]
    assert sent.message_id == message.ts
    assert message.text and "Phase 2 started" in message.text


@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        ("channel_not_found", FailureKind.PERMANENT),
        ("not_in_channel", FailureKind.PERMANENT),
        ("is_archived", FailureKind.PERMANENT),
        ("account_inactive", FailureKind.PERMANENT),
        ("server_error", FailureKind.TRANSIENT),
    ],
)
async def test_failures_are_classified(slack: FakeSlack, fault: str, kind: FailureKind) -> None:
    slack.inject_fault(method="chat.postMessage", kind=fault, times=1)
    with pytest.raises(SendFailure) as raised:
        await _sender(slack).send("C1", REPLY)
    assert raised.value.kind == kind
    if kind == FailureKind.PERMANENT:
        assert raised.value.reason == fault


async def test_rate_limit_carries_retry_after(slack: FakeSlack) -> None:
    slack.inject_fault(method="chat.postMessage", kind="rate_limited", retry_after=4, times=1)
    with pytest.raises(SendFailure) as raised:
        await _sender(slack).send("C1", REPLY)
    assert raised.value.kind == FailureKind.RETRY_AFTER
    assert raised.value.retry_after == 4


async def test_a_rate_limit_holds_the_channel_for_every_sender(slack: FakeSlack) -> None:
    limiter = Recording(slack)
    slack.inject_fault(method="chat.postMessage", kind="rate_limited", retry_after=4, times=1)
    with pytest.raises(SendFailure):
        await _sender(slack, limiter).send("C1", REPLY)
    assert limiter.deferred == [("slack", "C1", 4)]


async def test_every_part_waits_for_its_turn_before_it_is_posted(slack: FakeSlack) -> None:
    limiter = Recording(slack)
    items = [Item(f"PANGEA-18#{i} " + "z" * 2900, key=f"#{i}") for i in range(70)]
    reply = Reply(title="Many", items=items)  # more blocks than one message holds
    await _sender(slack, limiter).send("C1", reply)
    parts = len(slack.messages("C1"))
    assert parts > 1
    assert limiter.turns == [("C1", n) for n in range(parts)]


async def test_a_message_no_longer_wanted_when_its_turn_comes_is_not_sent(
    slack: FakeSlack,
) -> None:
    limiter = Recording(slack)

    async def ready() -> bool:
        return not limiter.turns  # the turn was taken first: no longer wanted

    with pytest.raises(Withdrawn):
        await _sender(slack, limiter).send("C1", REPLY, ready=ready)
    assert slack.messages("C1") == []


async def test_a_slow_answer_is_waited_for_not_taken_for_a_lost_message(slack: FakeSlack) -> None:
    slack.inject_fault(method="chat.postMessage", kind="slow", delay=6, times=1)
    sent = await _sender(slack, Recording(slack)).send("C1", REPLY)
    assert [m.ts for m in slack.messages("C1")] == [sent.message_id]
