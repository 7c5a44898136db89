"""Fan-out: one `status` to every participating agency, half of them linked on Telegram and
half on Slack, both fakes enforcing the platforms' rate limits; the real DeliveryWorker with
the real TelegramSender and SlackSender on the system clock.

Compared with the least time the limits allow: Telegram takes about 30 messages/s overall,
so n Telegram chats need at least (n - 1) / 30 s; Slack takes 1/s per channel, every agency
has its own channel, so Slack chats could all go at once. The clock runs from the `status`
command (its transaction writes the outbox) to the last message recorded by either fake.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from slack_sdk.web.async_client import AsyncWebClient
from telegram import Bot

from adapters.sandbox.fakes.slack import FakeSlack
from adapters.sandbox.fakes.telegram import FakeTelegram
from adapters.slack.sender import SlackSender
from adapters.telegram.sender import TelegramSender
from benchmarks.common import (
    SLACK_TEAM,
    TELEGRAM_TOKEN,
    Result,
    Row,
    Sizes,
    link_channels,
    open_stack,
    say,
    seed_operation,
    sqlite_url,
    temp_dir,
    wait_until,
)
from bot.clock import SystemClock
from bot.worker import DeliveryWorker

TELEGRAM_RATE = 30.0  # messages/s overall (Bot API FAQ)


def telegram_chat(index: int) -> int:
    return -1_000_000 - index


def slack_channel(index: int) -> str:
    return f"CB{index:05d}"


async def run(sizes: Sizes) -> Result:
    result = Result("fanout")
    with temp_dir("fanout") as tmp:
        await _run(sizes, tmp, result)
    return result


async def _run(sizes: Sizes, tmp: Path, result: Result) -> None:
    agencies = sizes.fanout_agencies
    async with (
        open_stack(sqlite_url(tmp / "fanout.db")) as stack,
        FakeTelegram(token=TELEGRAM_TOKEN, enforce_rate_limits=True) as tg,
        FakeSlack(team_id=SLACK_TEAM) as slack,
        Bot(TELEGRAM_TOKEN, base_url=tg.base_url) as bot,
    ):
        slack.enforce_rate_limits = True
        seeded = await seed_operation(stack, "BENCH-FO", agencies)
        chats: list[tuple[int, str, str, str]] = []
        for index, agency_id in enumerate(seeded.agency_ids):
            if index % 2 == 0:
                chats.append((agency_id, "telegram", "telegram", str(telegram_chat(index))))
            else:
                chats.append((agency_id, "slack", SLACK_TEAM, slack_channel(index)))
        await link_channels(stack, chats)
        n_tg = sum(1 for c in chats if c[1] == "telegram")
        n_slack = len(chats) - n_tg
        client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
        worker = DeliveryWorker(
            stack.sessions,
            {"telegram": TelegramSender(bot), "slack": SlackSender(client)},
            SystemClock(),
        )
        stack.dispatcher.on_queued = worker.wake.set
        stop = asyncio.Event()
        running = asyncio.create_task(worker.run(stop))
        try:
            await asyncio.sleep(0.2)  # the worker is idle, waiting to be woken
            started = time.monotonic()
            reply = await say(stack, f'status {seeded.code} "Phase 2 started"')
            await wait_until(
                lambda: (
                    len(tg.sent_messages()) >= n_tg
                    and len(slack.messages(kind="message")) >= n_slack
                ),
                timeout=120,
                what=f"{n_tg} Telegram and {n_slack} Slack messages",
            )
        finally:
            stop.set()
            worker.wake.set()
            await running
        tg.assert_no_violations()
        slack.assert_no_violations()
    last = max(
        max(m.time for m in tg.sent_messages()),
        max(m.time for m in slack.messages(kind="message")),
    )
    elapsed = last - started
    minimum = (n_tg - 1) / TELEGRAM_RATE
    ratio = elapsed / minimum
    count_429 = tg.count_429 + slack.count_429
    got = {m.chat_id for m in tg.sent_messages()} | {
        m.channel for m in slack.messages(kind="message")
    }
    if len(got) != len(chats) or "Phase 2 started" not in " ".join(reply.lines):
        raise RuntimeError(f"fan-out incomplete: {len(got)} of {len(chats)} chats")
    result.figures.update(
        fanout_agencies=agencies,
        fanout_s=round(elapsed, 3),
        fanout_min_s=round(minimum, 3),
        fanout_ratio=round(ratio, 3),
        fanout_429=count_429,
    )
    result.rows.append(
        Row(
            "Fan-out (status, rate-limited fakes)",
            f"{agencies} agencies ({n_tg} Telegram + {n_slack} Slack): last message",
            f"{elapsed:.2f} s",
            f"{minimum:.2f} s (limits' minimum)",
            ratio,
            "≤ 1.15x minimum",
            ratio <= 1.15,
        )
    )
    result.rows.append(
        Row(
            "Fan-out (status, rate-limited fakes)",
            "HTTP 429 answers",
            str(count_429),
            "0",
            None,
            "0",
            count_429 == 0,
        )
    )
