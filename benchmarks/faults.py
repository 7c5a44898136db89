"""Faults: one `status` from a real `jointops run` (SQLite; Telegram webhook, Slack HTTP) to 99
Telegram groups and 50 Slack channels (quick: 30 and 10) while both fakes answer 30 % of the
sends with a fault, drawn in turn from: 429 with retry-after 1 s, HTTP 500, and a slow answer
(the message is taken, the answer comes 0.5-8 s later). Both fakes enforce the limits too.

Every chat must get the update. A chat that got it twice is a duplicate; a duplicate is
explained when one of its copies was taken by the fake from a send whose answer the bot
stopped waiting for (python-telegram-bot's read timeout) — the one case the design allows
("a slow answer is waited for, not resent"; a send that never got an answer is the only
thing retried). `faults_duplicates_unexplained` counts the others.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

import aiohttp

from adapters.sandbox.fakes.slack import FakeSlack
from adapters.sandbox.fakes.telegram import FakeTelegram
from benchmarks.common import (
    SLACK_TEAM,
    TELEGRAM_TOKEN,
    Result,
    Row,
    Sizes,
    add_admin,
    link_channels,
    open_stack,
    seed_operation,
    sqlite_url,
    temp_dir,
)
from benchmarks.service import Replica, Traffic, duplicates, stop_all

CODE = "FAULT-1"
ADMIN = 77
TEXT = "Phase 3 under faults"
RATE = 0.3
SLOW = (0.5, 8.0)
LABEL = "Faults (30 % 429 / 5xx / slow up to 8 s)"


def group(index: int) -> int:
    return -4_000_000 - index


def channel(index: int) -> str:
    return f"CF{index:04d}"


async def run(sizes: Sizes) -> Result:
    result = Result("faults")
    with temp_dir("faults") as tmp:
        await _run(sizes, tmp, result)
    return result


async def _seed(url: str, n_tg: int, n_slack: int) -> None:
    async with open_stack(url) as stack:
        seeded = await seed_operation(stack, CODE, n_tg + n_slack)
        await link_channels(
            stack,
            [
                (a, "telegram", "telegram", str(group(i)))
                if i < n_tg
                else (a, "slack", SLACK_TEAM, channel(i))
                for i, a in enumerate(seeded.agency_ids)
            ],
        )
        await add_admin(stack, "telegram", "telegram", str(ADMIN), "Admin")


async def _run(sizes: Sizes, tmp: Path, result: Result) -> None:
    n_tg, n_slack = sizes.faults_chats
    url = sqlite_url(tmp / "faults.db")
    await _seed(url, n_tg, n_slack)
    async with (
        FakeTelegram(token=TELEGRAM_TOKEN, enforce_rate_limits=True) as tg,
        FakeSlack(team_id=SLACK_TEAM) as slack,
        aiohttp.ClientSession() as session,
    ):
        slack.enforce_rate_limits = True
        replica = Replica("faults", url, tmp, tg, slack)
        traffic = Traffic(tg, slack, session)
        try:
            await replica.start()
            tg.set_random_faults(
                RATE,
                seed=12,
                kinds=("retry_after", "server_error", "slow"),
                delay=SLOW[0],
                max_delay=SLOW[1],
            )
            slack.set_random_faults(
                RATE,
                seed=12,
                kinds=("rate_limited", "server_error", "slow"),
                delay=SLOW[0],
                max_delay=SLOW[1],
            )
            command = await traffic.telegram(replica, ADMIN, f'/status {CODE} "{TEXT}"')
            if command.status != 200:
                raise RuntimeError(f"the status command was answered HTTP {command.status}")
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline:
                got_tg, got_slack = _counts(tg, slack)
                if len(got_tg) >= n_tg and len(got_slack) >= n_slack:
                    break
                await asyncio.sleep(0.2)
            took = time.monotonic() - command.sent_at
            await asyncio.sleep(2)  # a send still in flight would show as a late duplicate
        finally:
            await stop_all([replica])
        tg.assert_no_violations()
        slack.assert_no_violations()
    got_tg, got_slack = _counts(tg, slack)
    missing = n_tg - len(got_tg) + n_slack - len(got_slack)
    dups = duplicates(got_tg) + duplicates(got_slack)
    explained = _explained(tg, got_tg)
    unexplained = dups - explained
    faulted = sum(1 for c in tg.calls if c.fault) + sum(1 for c in slack.calls if c.fault)
    result.figures.update(
        faults_chats=n_tg + n_slack,
        faults_s=round(took, 1),
        faults_injected=faulted,
        faults_missing=missing,
        faults_duplicates=dups,
        faults_duplicates_unanswered=explained,
        faults_duplicates_unexplained=unexplained,
    )
    result.rows += [
        Row(
            LABEL,
            f"one status to {n_tg} Telegram + {n_slack} Slack chats ({faulted} faults): "
            "chats never reached",
            str(missing),
            "",
            None,
            "0",
            missing == 0,
        ),
        Row(LABEL, "all reached after", f"{took:.1f} s", "", None, "", None),
        Row(
            LABEL,
            "duplicates (of which sends that never got an answer)",
            f"{dups} ({explained})",
            "",
            None,
            "only sends never answered",
            unexplained == 0,
        ),
    ]
    if missing:
        result.notes.append(f"faults: {missing} chats never got the update within 240 s")


def _counts(tg: FakeTelegram, slack: FakeSlack) -> tuple[Counter[int], Counter[str]]:
    """How many times each chat got the update, per platform."""
    got_tg: Counter[int] = Counter(
        m.chat_id for m in tg.sent_messages() if m.chat_id < 0 and TEXT in (m.plain_text or "")
    )
    got_slack: Counter[str] = Counter(
        str(m.channel) for m in slack.messages(kind="message") if TEXT in (m.text or "")
    )
    return got_tg, got_slack


def _explained(tg: FakeTelegram, got: Counter[int]) -> int:
    """Duplicates one of whose copies came from a send the bot stopped waiting for (the
    fake took the message, then the client went away before the slow answer: status 499)."""
    abandoned: Counter[int] = Counter()
    for call in tg.calls_to("sendMessage"):
        result = (call.response or {}).get("result")
        if call.status == 499 and isinstance(result, dict):
            chat = int(result.get("chat", {}).get("id", 0))
            if chat in got and TEXT in str(result.get("text", "")):
                abandoned[chat] += 1
    return sum(min(n - 1, abandoned[chat]) for chat, n in got.items() if n > 1)
