"""The sandbox's wiring: the real bot (its Telegram and Slack adapters, the delivery worker and
the reminder sweep) against the fake platforms, on a fresh database, with the demo loaded and
its people in their chats; and what the page may do: type, press, move the clock."""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from adapters.sandbox.cast import (
    CAST,
    SLACK,
    SLACK_APP_TOKEN,
    SLACK_BOT_TOKEN,
    SLACK_TEAM,
    TELEGRAM,
    TELEGRAM_TOKEN,
    AgencyChat,
    Person,
    find_person,
    furnish,
)
from adapters.sandbox.clock import SandboxClock
from adapters.sandbox.fakes.slack import FakeSlack, SlackAckTimeout
from adapters.sandbox.fakes.telegram import FakeTelegram
from adapters.sandbox.feed import Event, Feed
from adapters.sandbox.watch import Watcher, slack_buttons, slack_conversation, telegram_conversation
from adapters.slack.adapter import SlackAdapter
from adapters.startup import DATABASE, StartupFailure
from adapters.telegram.adapter import TelegramAdapter
from bot.config import Settings
from bot.context import Invocation
from bot.demo import seed_demo
from bot.runtime import LOCAL_ADMIN, LOCAL_ADMIN_NAME, Background, Runtime

log = logging.getLogger(__name__)
BOT_NAME = "JointOps"
SETUP_TIMEOUT = 30.0  # seconds for each person's join and each chat's link
SWEEP_SECONDS = 5.0  # the real-time sweep; moving the clock sweeps at once
CLOCK_STEP = timedelta(hours=1)  # the clock moves by at most this much between two sweeps


class SandboxError(Exception):
    """Something the page asked for that cannot be done (an unknown person, a chat the person
    is not in, a button that is not there)."""


@dataclass
class Seat:
    """Where a person may type: their agency's chat and their own private chat with the bot."""

    chat: AgencyChat
    person: Person

    def conversations(self) -> tuple[str, str]:
        return (_conversation(self.chat, self.chat.chat_id), self.private)

    @property
    def private(self) -> str:
        return _conversation(self.chat, self.chat.private_chat(self.person))


def _conversation(chat: AgencyChat, chat_id: str) -> str:
    if chat.platform == TELEGRAM:
        return telegram_conversation(chat_id)
    return slack_conversation(chat_id)


class Sandbox:
    """The bot, the fakes and the feed the page follows; `start`, then `stop`."""

    def __init__(self, settings: Settings, directory: Path) -> None:
        self.settings = settings.model_copy(
            update={
                "database_url": f"sqlite+aiosqlite:///{directory / 'sandbox.db'}",
                "sweep_seconds": min(settings.sweep_seconds, SWEEP_SECONDS),
                "redis_url": None,  # the sandbox's limits are its own
            }
        )
        self.clock = SandboxClock()
        self.feed = Feed()
        self.tg = FakeTelegram(token=TELEGRAM_TOKEN, bot_username="JointOpsBot")
        self.slack = FakeSlack(
            bot_token=SLACK_BOT_TOKEN,
            app_token=SLACK_APP_TOKEN,
            team_id=SLACK_TEAM,
            team_name="Pangea joint workspace",
        )
        names = {p.user_id: p.name for c in CAST for p in c.people}
        self.watcher = Watcher(
            self.feed, self.tg, self.slack, now=self.now, names=names, bot_name=BOT_NAME
        )
        self.ready = asyncio.Event()
        self.runtime: Runtime | None = None
        self.adapters: list[TelegramAdapter | SlackAdapter] = []
        self.background: Background | None = None
        self._sweep = asyncio.Lock()
        self._said = 0
        self._running = False  # the worker and the sweep

    def now(self) -> str:
        return self.clock.now().isoformat(timespec="seconds")

    # ---- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        """Database and demo, fakes, adapters, worker and sweep; then the people join and
        link their chats, through the platforms like anyone."""
        try:
            self.runtime = await Runtime.open(self.settings, clock=self.clock)
        except Exception as error:
            raise StartupFailure(DATABASE) from error
        await self.runtime.ensure_local_admin()
        seeded = await seed_demo(self.runtime.dispatcher, self.clock)
        if not seeded.loaded:
            raise RuntimeError(seeded.message)
        await self.tg.start()
        await self.slack.start()
        furnish(self.tg, self.slack)
        self.watcher.attach()
        dispatcher = self.runtime.dispatcher
        self.adapters = [
            TelegramAdapter(dispatcher, token=TELEGRAM_TOKEN, base_url=self.tg.base_url),
            SlackAdapter(
                dispatcher,
                bot_token=SLACK_BOT_TOKEN,
                api_base_url=self.slack.api_url,
                command=self.settings.slack_command,
                app_token=SLACK_APP_TOKEN,
            ),
        ]
        for adapter in self.adapters:
            await adapter.start()
        await self.slack.wait_socket_connected()
        self.background = Background(
            self.runtime, {a.sender.platform: a.sender for a in self.adapters}
        )
        await asyncio.gather(*(self._join(chat, p) for chat in CAST for p in chat.people))
        await asyncio.gather(*(self._link(chat) for chat in CAST))
        async with self._sweep:  # the reminders due now are queued before the page opens
            await self.background.sweeper.sweep()
        self.background.start()  # now: what the sweep found goes to the chats just linked
        self._running = True
        self.feed.publish(self._clock_event())
        self.ready.set()

    async def stop(self) -> None:
        """Stop taking updates, then the worker and sweep, the fakes and the database."""
        await self.feed.close()
        for adapter in reversed(self.adapters):
            try:
                await adapter.stop()
            except Exception as error:
                log.warning("adapter did not stop cleanly: %s", type(error).__name__)
        if self.background is not None and self._running:
            await self.background.stop()
        await self.slack.stop()
        await self.tg.stop()
        if self.runtime is not None:
            await self.runtime.close()

    async def _join(self, chat: AgencyChat, person: Person) -> None:
        """The local administrator invites the person, who joins from their private chat."""
        assert self.runtime is not None
        platform, workspace, user = LOCAL_ADMIN
        invite = await self.runtime.dispatcher.dispatch(
            Invocation(
                platform=platform,
                workspace=workspace,
                chat_id="console",
                user_id=user,
                user_name=LOCAL_ADMIN_NAME,
                text=f"invite {chat.agency} --role {person.role}",
                chat_title="console",
            )
        )
        code = re.search(r"join ([A-Z0-9-]{14})", "\n".join(invite.text_lines()))
        if code is None:
            raise RuntimeError(f"no invite for {person.name}: {invite.title}")
        await self._says_and_waits(chat, person, chat.private_chat(person), f"join {code[1]}")

    async def _link(self, chat: AgencyChat) -> None:
        """The agency's coordinator links its chat."""
        await self._says_and_waits(chat, chat.people[0], chat.chat_id, f"link {chat.agency}")

    async def _says_and_waits(
        self, chat: AgencyChat, person: Person, chat_id: str, text: str
    ) -> None:
        if chat.platform == TELEGRAM:
            before = len(self.tg.sent_messages(int(chat_id)))
            await self.say(person.key, _conversation(chat, chat_id), text, ready=False)
            await self.tg.wait_for_messages(before + 1, chat_id=int(chat_id), timeout=SETUP_TIMEOUT)
        else:
            before = len(self.slack.messages(chat_id))
            await self.say(person.key, _conversation(chat, chat_id), text, ready=False)
            await self.slack.wait_for_messages(before + 1, channel=chat_id, timeout=SETUP_TIMEOUT)

    # ---- what the page may do --------------------------------------------------------

    def seat(self, person_key: str, conversation: str) -> Seat:
        found = find_person(person_key)
        if found is None:
            raise SandboxError(f"no such person: {person_key}")
        seat = Seat(*found)
        if conversation not in seat.conversations():
            raise SandboxError(f"{seat.person.name} is not in {conversation}")
        return seat

    async def say(
        self, person_key: str, conversation: str, text: str, *, ready: bool = True
    ) -> Event:
        """The person types `text` (a command, as on the platform: `/status ...` on Telegram,
        `/ops status ...` on Slack; the leading slash or `/ops` may be left out)."""
        if ready:
            await self.ready.wait()
        seat = self.seat(person_key, conversation)
        text = " ".join(text.split()) if "\n" not in text else text.strip()
        if not text:
            raise SandboxError("nothing to send")
        chat_id = conversation.split(":", 1)[1]
        person = seat.person
        self._said += 1
        if seat.chat.platform == TELEGRAM:
            typed = text if text.startswith("/") else "/" + text
            kind = "private" if int(chat_id) > 0 else "group"
            try:
                update = self.tg.push_command(
                    int(chat_id),
                    int(person.user_id),
                    typed,
                    chat_type=kind,
                    first_name=person.first_name,
                    last_name=person.last_name,
                    title=seat.chat.title if kind == "group" else None,
                )
            except ValueError as error:  # not a command Telegram would make of it
                raise SandboxError(str(error)) from None
            key = f"telegram:{chat_id}:{update['message']['message_id']}"
        else:
            command = self.settings.slack_command
            typed = text[len(command) :].strip() if text.split(" ", 1)[0] == command else text
            typed = typed.removeprefix("/")  # a Telegram habit: /status on Slack is /ops status
            key = f"slack:{chat_id}:said{self._said}"
            text = f"{command} {typed}"
        message = self.watcher.publish_message(
            {
                "id": key,
                "conversation": conversation,
                "platform": seat.chat.platform,
                "kind": "user",
                "author": person.name,
                "person": person.key,
                "time": self.now(),
                "text": typed if seat.chat.platform == TELEGRAM else text,
                "buttons": [],
            }
        )
        if seat.chat.platform == SLACK:
            try:
                await self.slack.send_slash_command(
                    person.user_id, chat_id, command, typed, SLACK_TEAM
                )
            except SlackAckTimeout as error:  # the page lists it among the violations
                raise SandboxError(str(error)) from None
        return message

    async def press(self, person_key: str, message_id: str, row: int, column: int) -> None:
        """The person presses a button under one of the bot's messages."""
        await self.ready.wait()
        message = self.watcher.messages.get(message_id)
        if message is None or message["kind"] != "bot":
            raise SandboxError(f"no such message: {message_id}")
        person = self.seat(person_key, message["conversation"]).person
        _, chat_id, ref = message_id.split(":", 2)
        if message["platform"] == TELEGRAM:
            sent = self.tg.get_message(int(chat_id), int(ref))
            button = _pick(_rows(sent.current_reply_markup), row, column)
            data = button.get("callback_data")
            if not isinstance(data, str):
                raise SandboxError("that button opens a link: nothing leaves this machine")
            update = self.tg.push_callback(
                int(chat_id),
                int(person.user_id),
                int(ref),
                data,
                first_name=person.first_name,
                last_name=person.last_name,
            )
            self.watcher.query_conversations[update["callback_query"]["id"]] = message[
                "conversation"
            ]
            return
        element = _pick(slack_buttons(message.get("blocks")), row, column)
        try:
            await self.slack.send_block_action(
                person.user_id,
                chat_id,
                str(element["action_id"]),
                element.get("value"),
                message_ts=ref,
                team_id=SLACK_TEAM,
            )
        except SlackAckTimeout as error:
            raise SandboxError(str(error)) from None

    async def advance(self, delta: timedelta) -> Event:
        """Move the bot's clock forward an hour at a time, sweeping after each hour as the bot
        would have: what fell due in that hour is sent (a daily digest at its hour, not
        skipped as missed by a jump of a day)."""
        await self.ready.wait()
        background = self.background
        assert background is not None
        async with self._sweep:
            while delta > timedelta(0):
                step = min(delta, CLOCK_STEP)
                delta -= step
                self.clock.advance(step)
                event = self.feed.publish(self._clock_event())
                await background.sweeper.sweep()
                await background.sweeper.anchors()
                background.worker.wake.set()
        return event

    def _clock_event(self) -> Event:
        return {
            "type": "clock",
            "now": self.now(),
            "offset_seconds": int(self.clock.offset.total_seconds()),
        }

    async def state(self) -> dict[str, Any]:
        """What the page draws before following the feed: the panes and the clock."""
        await self.ready.wait()
        panes = []
        for chat in CAST:
            people = [
                {"key": p.key, "name": p.name, "role": p.role, "private": Seat(chat, p).private}
                for p in chat.people
            ]
            panes.append(
                {
                    "agency": chat.agency,
                    "platform": chat.platform,
                    "title": chat.title,
                    "conversation": _conversation(chat, chat.chat_id),
                    "people": people,
                }
            )
        return {
            "bot": BOT_NAME,
            "slack_command": self.settings.slack_command,
            "clock": self._clock_event(),
            "panes": panes,
        }


def _rows(markup: dict[str, Any] | None) -> list[list[dict[str, Any]]]:
    rows = (markup or {}).get("inline_keyboard", [])
    return [list(row) for row in rows] if isinstance(rows, list) else []


def _pick(rows: list[list[dict[str, Any]]], row: int, column: int) -> dict[str, Any]:
    if not (0 <= row < len(rows) and 0 <= column < len(rows[row])):
        raise SandboxError("no such button")
    return rows[row][column]
