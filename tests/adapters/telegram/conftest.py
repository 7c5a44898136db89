"""A real python-telegram-bot Application, wired to the dispatcher, against the fake Bot API."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from adapters.http import HttpServer
from adapters.sandbox.fakes.telegram import FakeTelegram, SentMessage
from adapters.telegram.adapter import TelegramAdapter
from bot.dispatcher import Dispatcher
from tests.conftest import Chat, Person

TOKEN = "123456:TEST-TOKEN"


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN) as fake:
        yield fake
        fake.assert_no_violations()


@pytest.fixture
async def telegram(
    tg: FakeTelegram, dispatcher: Dispatcher, chat: Chat
) -> AsyncIterator[TelegramAdapter]:
    adapter = TelegramAdapter(dispatcher, token=TOKEN, base_url=tg.base_url, poll_timeout=1)
    await adapter.start()
    yield adapter
    await adapter.stop()


@dataclass
class TgUser:
    """Someone typing in Telegram; each `says` waits for the bot's answer in that chat."""

    tg: FakeTelegram
    user_id: int
    first_name: str
    seen: dict[int, int] = field(default_factory=dict)

    async def says(self, chat_id: int, text: str, *, title: str | None = None) -> SentMessage:
        before = len(self.tg.sent_messages(chat_id))
        kind = "private" if chat_id > 0 else "group"
        if text.startswith("/"):
            self.tg.push_command(
                chat_id, self.user_id, text, chat_type=kind, first_name=self.first_name, title=title
            )
        else:
            self.tg.push_text(
                chat_id, self.user_id, text, chat_type=kind, first_name=self.first_name, title=title
            )
        sent = await self.tg.wait_for_messages(before + 1, chat_id=chat_id)
        return sent[before]

    async def opens_private_chat(self) -> None:
        """Press Start in the private chat with the bot (its chat id is the user id)."""
        await self.says(self.user_id, "/start")

    async def asks_in_group(self, group_id: int, text: str) -> tuple[SentMessage, SentMessage]:
        """A command typed in a group that answers in private: (the group's line, the answer
        in the private chat)."""
        before = len(self.tg.sent_messages(self.user_id))
        said = await self.says(group_id, text, title="HQ")
        answered = self.tg.sent_messages(self.user_id)
        assert len(answered) == before + 1, [m.plain_text for m in answered]
        return said, answered[before]

    async def presses(self, message: SentMessage, label: str) -> dict[str, object]:
        """Press the inline button with this label; returns the callback answer."""
        data = next(b["callback_data"] for b in message.buttons if b["text"] == label)
        return await self.presses_data(message, str(data))

    async def presses_data(self, message: SentMessage, data: str) -> dict[str, object]:
        answered = len(self.tg.calls_to("answerCallbackQuery"))
        update = self.tg.push_callback(
            message.chat_id, self.user_id, message.message_id, data, first_name=self.first_name
        )
        query_id = update["callback_query"]["id"]
        await self.tg.wait_for_calls("answerCallbackQuery", count=answered + 1)
        return self.tg.callback_answers[query_id]


def invite_code(text: str | None) -> str:
    match = re.search(r"join ([A-Z0-9-]{14})", text or "")
    assert match, text
    return match[1]


async def console_invites(admin: Person, agency: str, role: str) -> str:
    return invite_code(await admin.says(f"invite {agency} --role {role}"))


__all__ = ["HttpServer", "TgUser", "console_invites", "invite_code"]
