"""The Slack sender posts to a channel and classifies failures like the Telegram one."""

from __future__ import annotations

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.sender import SlackSender
from bot.delivery import FailureKind, SendFailure
from bot.reply import Button, Reply
from tests.fakes.slack import FakeSlack

REPLY = Reply(
    title="Status PANGEA-18",
    lines=["Phase 2 started"],
    buttons=[Button("Summary", "summary PANGEA-18")],
)


def _sender(slack: FakeSlack) -> SlackSender:
    return SlackSender(AsyncWebClient(token=slack.bot_token, base_url=slack.api_url))


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
