"""Telegram round trip: `task add` through python-telegram-bot polling a fake Bot API, into
jointops (a real transaction, its audit event, the reply), against a bare Application whose
one CommandHandler answers "ok". Same fake server code, same transport, same process.

Method: one command at a time. Each command is pushed as an update, and the next one only
after the fake recorded the reply (so the figures are latencies, and commands/s is the
sequential rate). The two bots run side by side and take turns in blocks (ABBA), so drift of
the machine falls on both alike.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, CommandHandler, ContextTypes

from adapters.sandbox.fakes.telegram import FakeTelegram
from adapters.telegram.adapter import ALLOWED_UPDATES, TelegramAdapter, file_base_url
from benchmarks.common import (
    TELEGRAM_TOKEN,
    WARMUP,
    DispatchTimer,
    Result,
    Sizes,
    add_admin,
    check_tasks_added,
    interleave,
    open_stack,
    seed_operation,
    sqlite_url,
    summarise,
    temp_dir,
)

USER = 4242  # a private chat: the chat id is the user id
POLL_TIMEOUT = 10


@dataclass
class Lane:
    """One bot under test and the fake it talks to."""

    name: str
    tg: FakeTelegram
    command: Callable[[int], str]
    latencies: list[float] = field(default_factory=list)
    wall: float = 0.0

    async def one(self, n: int, *, record: bool = True) -> None:
        before = len(self.tg.sent_messages(USER))
        pushed = time.monotonic()
        self.tg.push_command(USER, USER, self.command(n), chat_type="private", first_name="Bench")
        sent = await self.tg.wait_for_messages(before + 1, chat_id=USER, timeout=30)
        done = time.monotonic()
        if record:
            self.latencies.append(sent[before].time - pushed)
            self.wall += done - pushed


async def _bare(tg: FakeTelegram) -> Application:  # type: ignore[type-arg]
    async def ok(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        assert chat is not None
        await context.bot.send_message(chat_id=chat.id, text="ok")

    app = (
        ApplicationBuilder()
        .token(TELEGRAM_TOKEN)
        .base_url(tg.base_url)
        .base_file_url(file_base_url(tg.base_url))
        .build()
    )
    app.add_handler(CommandHandler("task", ok))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(
        timeout=POLL_TIMEOUT, allowed_updates=ALLOWED_UPDATES, poll_interval=0
    )
    return app


async def _stop_bare(app: Application) -> None:  # type: ignore[type-arg]
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await app.shutdown()


async def run(sizes: Sizes) -> Result:
    result = Result("telegram")
    with temp_dir("telegram") as tmp:
        await _run(sizes, tmp, result)
    return result


async def _run(sizes: Sizes, tmp: Path, result: Result) -> None:
    async with (
        open_stack(sqlite_url(tmp / "telegram.db")) as stack,
        FakeTelegram(token=TELEGRAM_TOKEN) as ours_tg,
        FakeTelegram(token=TELEGRAM_TOKEN) as bare_tg,
    ):
        seeded = await seed_operation(stack, "BENCH-TG", 4)
        await add_admin(stack, "telegram", "telegram", str(USER), "Bench")
        timer = DispatchTimer(stack.dispatcher)
        adapter = TelegramAdapter(
            stack.dispatcher,
            token=TELEGRAM_TOKEN,
            base_url=ours_tg.base_url,
            poll_timeout=POLL_TIMEOUT,
        )
        await adapter.start()
        bare = await _bare(bare_tg)
        try:
            lanes = (
                Lane(
                    "jointops", ours_tg, lambda n: f'/task add {seeded.code} "Task {n}" --to AG002'
                ),
                Lane("bare", bare_tg, lambda n: f'/task add {seeded.code} "Task {n}" --to AG002'),
            )
            await interleave(lanes, sizes.round_trips)
        finally:
            await _stop_bare(bare)
            await adapter.stop()
        for fake in (ours_tg, bare_tg):
            fake.assert_no_violations()
        await check_tasks_added(stack, seeded, WARMUP + sizes.round_trips)
        summarise(result, lanes, "telegram", "Telegram round trip (polling)", timer.durations)
