"""The real slack-bolt AsyncApp, wired to the dispatcher, against the fake Slack."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from adapters.sandbox.fakes.slack import FakeSlack, MessageRecord
from adapters.slack.adapter import SlackAdapter
from adapters.slack.render import esc
from bot.dispatcher import Dispatcher
from tests.conftest import Chat

TEAM = "T0001"


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack(team_id=TEAM) as fake:
        for user_id, name, real, tz in (
            ("U1", "anna", "Anna Admin", "Europe/Paris"),
            ("U2", "carl", "Carl Coordinator", "Europe/Paris"),
            ("U3", "lucia", "Lucía Liaison", "America/Argentina/Buenos_Aires"),
            ("U9", "eve", "Eve Stranger", "UTC"),
        ):
            fake.add_user(user_id, name=name, real_name=real, tz=tz)
        fake.add_channel("C1", name="hq")
        fake.add_channel("C2", name="field-ar")
        yield fake
        fake.assert_no_violations()


@pytest.fixture
async def socket_mode(
    slack: FakeSlack, dispatcher: Dispatcher, chat: Chat
) -> AsyncIterator[SlackAdapter]:
    adapter = SlackAdapter(
        dispatcher, bot_token=slack.bot_token, api_base_url=slack.api_url, app_token=slack.app_token
    )
    await adapter.start()
    await slack.wait_socket_connected()
    yield adapter
    await adapter.stop()


def visible(message: MessageRecord) -> str:
    """What a reader sees, written as mrkdwn: the block texts one per line, rich text with its
    bold as *bold*, emoji as :name: and quotes as "> " lines (text escaped as in mrkdwn)."""
    parts: list[str] = []
    for block in message.blocks or []:
        if block["type"] == "section":
            parts.append(block["text"]["text"])
        elif block["type"] == "context":
            parts.extend(e["text"] for e in block["elements"])
        elif block["type"] == "rich_text":
            parts.extend(_rich(part) for part in block["elements"])
    return "\n".join(parts)


def _rich(part: dict[str, Any]) -> str:
    shown = []
    for e in part["elements"]:
        if e["type"] == "emoji":
            shown.append(f":{e['name']}:")
        elif e.get("style", {}).get("bold") and e["text"].strip():
            shown.append(f"*{esc(e['text'])}*")
        else:
            shown.append(esc(e.get("text", "")))
    text = "".join(shown)
    if part["type"] == "rich_text_quote":
        return "\n".join(f"> {line}" for line in text.split("\n"))
    return text


def buttons(message: MessageRecord) -> dict[str, dict[str, Any]]:
    """Buttons by label."""
    return {
        e["text"]["text"]: e
        for block in message.blocks or []
        if block["type"] == "actions"
        for e in block["elements"]
    }


def invite_code(text: str) -> str:
    match = re.search(r"join ([A-Z0-9-]{14})", text)
    assert match, text
    return match[1]


@dataclass
class SlackUser:
    """Someone typing `/ops ...` in Slack; `says` returns the bot's answer."""

    slack: FakeSlack
    user_id: str

    @property
    def dm(self) -> str:
        """The person's direct message with the bot, where codes are sent (U1: D1)."""
        return "D" + self.user_id[1:]

    async def says(self, channel: str, text: str) -> MessageRecord:
        before = len(self.slack.messages(channel))
        await self.slack.send_slash_command(self.user_id, channel, "/ops", text, team_id=TEAM)
        return (await self.slack.wait_for_messages(before + 1, channel=channel))[before]

    async def presses(self, message: MessageRecord, label: str) -> MessageRecord:
        button = buttons(message)[label]
        channel = message.channel or ""
        before = len(self.slack.messages(channel))
        await self.slack.send_block_action(
            self.user_id,
            channel,
            button["action_id"],
            button["value"],
            message_ts=message.ts,
            team_id=TEAM,
        )
        return (await self.slack.wait_for_messages(before + 1, channel=channel))[before]

    async def presses_value(self, message: MessageRecord, value: str) -> MessageRecord:
        """Press a button whose value was tampered with (a forged action)."""
        channel = message.channel or ""
        before = len(self.slack.messages(channel))
        action_id = next(iter(buttons(message).values()))["action_id"]
        await self.slack.send_block_action(
            self.user_id, channel, action_id, value, message_ts=message.ts, team_id=TEAM
        )
        return (await self.slack.wait_for_messages(before + 1, channel=channel))[before]
