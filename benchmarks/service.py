"""`jointops run` as a service for the load, replicas and faults benchmarks.

A :class:`Replica` is one real `jointops run` subprocess serving Telegram in webhook mode and
Slack in HTTP mode, both pointed at the fakes of this process, each replica on its own port.
:class:`Traffic` plays the load balancer and the platforms' side: it posts a Telegram update
or a signed Slack slash command to a chosen replica and finds the command's answer in the
fakes' records (a Telegram user's private chat, answered in order; a Slack command's own
response_url).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import sys
import time
import urllib.parse
from collections import defaultdict
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from adapters.sandbox.fakes.slack import FakeSlack, MessageRecord
from adapters.sandbox.fakes.telegram import FakeTelegram, SentMessage
from benchmarks.common import TELEGRAM_TOKEN, free_port, percentile

ROOT = Path(__file__).resolve().parents[1]
WEBHOOK_SECRET = "bench-webhook-secret_0123456789"
TELEGRAM_PATH = "/telegram"
SLACK_PATH = "/slack/events"
SLASH = "/ops"
READY_LINE = "jointops running"


# ------------------------------------------------------------------------------ a replica


@dataclass
class Replica:
    """One `jointops run` process; `start` waits until it serves, `stop` sends SIGTERM."""

    name: str
    database_url: str
    tmp: Path
    tg: FakeTelegram | None = None
    slack: FakeSlack | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: asyncio.subprocess.Process | None = None
    starts: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.tmp / f"{self.name}.log"

    def env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("JOINTOPS_", "TELEGRAM_", "SLACK_"))
        }
        env.update(
            PYTHONPATH=str(ROOT),
            JOINTOPS_DATABASE_URL=self.database_url,
            JOINTOPS_HTTP_PORT=str(self.port),
        )
        if self.tg is not None:
            env.update(
                TELEGRAM_BOT_TOKEN=TELEGRAM_TOKEN,
                TELEGRAM_API_BASE_URL=self.tg.base_url,
                TELEGRAM_WEBHOOK_URL=self.base + TELEGRAM_PATH,
                TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
            )
        if self.slack is not None:
            env.update(
                SLACK_BOT_TOKEN=self.slack.bot_token,
                SLACK_SIGNING_SECRET=self.slack.signing_secret,
                SLACK_API_BASE_URL=self.slack.api_url,
            )
        env.update(self.extra_env)
        return env

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    async def start(self, timeout: float = 90) -> None:  # noqa: ASYNC109
        """Spawn the process and wait for its "jointops running" line."""
        self.starts += 1
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "adapters.cli",
                "run",
                env=self.env(),
                cwd=self.tmp,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + timeout
        while self.log_text().count(READY_LINE) < self.starts:
            if self.process.returncode is not None:
                raise RuntimeError(
                    f"{self.name} exited {self.process.returncode} at start:\n"
                    + self.log_text()[-3000:]
                )
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name} not serving within {timeout:g}s")
            await asyncio.sleep(0.05)

    async def stop(self, timeout: float = 30) -> float:  # noqa: ASYNC109
        """SIGTERM; the seconds it took to exit. A process that does not exit is killed and
        the benchmark stops (a stop that hangs makes the figures meaningless)."""
        process = self.process
        if process is None or process.returncode is not None:
            return 0.0
        began = time.monotonic()
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise RuntimeError(f"{self.name} did not exit within {timeout:g}s of SIGTERM") from None
        if process.returncode != 0:
            raise RuntimeError(
                f"{self.name} exited {process.returncode}:\n{self.log_text()[-3000:]}"
            )
        return time.monotonic() - began

    async def kill(self) -> None:
        """SIGKILL: no clean stop, whatever was in hand is left as it is."""
        process = self.process
        if process is not None and process.returncode is None:
            process.kill()
            await process.wait()


async def stop_all(replicas: list[Replica]) -> None:
    """Stop every replica still running (SIGKILL after the stop's limit), never raising."""
    for replica in replicas:
        with suppress(Exception):
            await replica.stop()
        await replica.kill()


# ------------------------------------------------------------------------ the traffic


@dataclass
class Command:
    """One command sent: where, when, what the replica answered over HTTP, and the answer."""

    platform: str
    key: str  # Telegram: the private chat; Slack: the response_url id
    text: str
    sent_at: float
    status: int = 0  # HTTP status of the webhook / slash command request (0: none)
    answered_at: float | None = None
    error: bool = False  # answered with an error (a refusal or "something went wrong")
    update: dict[str, Any] | None = None  # Telegram: the update, to deliver it again

    @property
    def acknowledged(self) -> bool:
        return self.status == 200

    @property
    def latency(self) -> float | None:
        return None if self.answered_at is None else self.answered_at - self.sent_at


class Traffic:
    """Sends commands to replicas and matches their answers in the fakes' records."""

    def __init__(self, tg: FakeTelegram, slack: FakeSlack, session: aiohttp.ClientSession) -> None:
        self.tg = tg
        self.slack = slack
        self.session = session
        self.commands: list[Command] = []
        self._message_ids = itertools.count(1)
        self._update_ids = itertools.count(1_000_000)

    async def telegram(self, replica: Replica, user_id: int, text: str) -> Command:
        """A command typed by `user_id` in the private chat with the bot, as a webhook."""
        name = text.split()[0]
        update = {
            "update_id": next(self._update_ids),
            "message": {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": user_id, "type": "private", "first_name": f"U{user_id}"},
                "from": {"id": user_id, "is_bot": False, "first_name": f"U{user_id}"},
                "text": text,
                "entities": [{"type": "bot_command", "offset": 0, "length": len(name)}],
            },
        }
        command = Command("telegram", str(user_id), text, time.monotonic(), update=update)
        self.commands.append(command)
        await self.redeliver(replica, command)
        return command

    async def redeliver(self, replica: Replica, command: Command) -> None:
        """Post a Telegram command's update (again, as Telegram does until it gets a 200)."""
        assert command.update is not None
        try:
            command.status = await self.tg.deliver_webhook(
                command.update, url=replica.base + TELEGRAM_PATH
            )
        except (aiohttp.ClientError, TimeoutError, OSError):
            command.status = 0

    async def slack_command(
        self, replica: Replica, user_id: str, channel: str, text: str
    ) -> Command:
        """`/ops <text>` typed by `user_id` in `channel`, posted signed as Slack does."""
        headers, body = self.slack.signed_slash_command(user_id, channel, SLASH, text)
        response_url = urllib.parse.parse_qs(body)["response_url"][0]
        rid = response_url.rstrip("/").rsplit("/", 1)[1]
        command = Command("slack", rid, text, time.monotonic())
        self.commands.append(command)
        try:
            async with self.session.post(
                replica.base + SLACK_PATH,
                data=body,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=10),
            ) as response:
                await response.read()
                command.status = response.status
        except (aiohttp.ClientError, TimeoutError, OSError):
            command.status = 0
        return command

    def match(self) -> None:
        """Find each command's answer: the n-th command typed in a Telegram private chat is
        answered by the n-th message in it; a Slack command by its response_url's first post."""
        by_chat: dict[str, list[Command]] = defaultdict(list)
        for command in self.commands:
            if command.platform == "telegram":
                by_chat[command.key].append(command)
        in_chat: dict[str, list[SentMessage]] = defaultdict(list)
        for message in self.tg.sent_messages():
            in_chat[str(message.chat_id)].append(message)
        for chat, commands in by_chat.items():
            answers = in_chat[chat]
            for command, message in zip(
                sorted(commands, key=lambda c: c.sent_at), answers, strict=False
            ):
                command.answered_at = message.time
                command.error = telegram_error(message)
        first: dict[str, MessageRecord] = {}
        for record in self.slack.messages(kind="response_url"):
            if record.response_url is not None:
                first.setdefault(record.response_url, record)
        for command in self.commands:
            if command.platform == "slack" and command.key in first:
                record = first[command.key]
                command.answered_at = record.time
                command.error = slack_error(record)

    def extra_answers(self) -> int:
        """Telegram answers beyond one per command (a reply split in parts, or sent twice):
        they make the in-order matching unsure, so the load benchmark keeps replies short."""
        counts: dict[str, int] = defaultdict(int)
        for command in self.commands:
            if command.platform == "telegram":
                counts[command.key] += 1
        got: dict[str, int] = defaultdict(int)
        for message in self.tg.sent_messages():
            got[str(message.chat_id)] += 1
        return sum(max(0, got[chat] - n) for chat, n in counts.items())

    def unanswered(self) -> list[Command]:
        self.match()
        return [c for c in self.commands if c.answered_at is None]

    async def wait_answered(self, timeout: float, poll: float = 0.1) -> int:  # noqa: ASYNC109
        """Wait until every command is answered or `timeout` passes; how many are not."""
        deadline = time.monotonic() + timeout
        while True:
            missing = len(self.unanswered())
            if missing == 0 or time.monotonic() > deadline:
                return missing
            await asyncio.sleep(poll)


def telegram_error(message: SentMessage) -> bool:
    return (message.plain_text or "").startswith("⚠")


def slack_error(record: MessageRecord) -> bool:
    return '"warning"' in json.dumps(record.blocks or [])


def latency_ms(commands: list[Command], pct: float) -> float | None:
    """The answered commands' latency percentile, in ms; None when none was answered."""
    values = [c.latency for c in commands if c.latency is not None]
    return round(percentile(values, pct) * 1000, 1) if values else None


def duplicates(counts: Mapping[Any, int]) -> int:
    """Messages recorded beyond one per chat."""
    return sum(max(0, n - 1) for n in counts.values())
