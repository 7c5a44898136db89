"""Replicas: three `jointops run` processes on one PostgreSQL database, each on its own port
(Telegram webhook, Slack HTTP), the fakes enforcing the platforms' limits per token whatever
process calls them.

1. One `status`, sent to the first replica, fans out to 236 Telegram groups (quick: 120),
   one per agency; the three replicas' workers share the outbox. Compared with the least
   time Telegram's 30 messages/s allow; every 429 answered and every group that got the
   update twice is counted.
2. A second `status`, sent to the second replica, fans out while a burst of `task add`
   commands (half Telegram webhook, half Slack slash command, each from its own person) is
   sent to the third replica at 100/s. When a third of the burst is answered, the third
   replica is killed (SIGKILL), then started again; the Telegram updates it never answered
   200 are delivered again, as Telegram does. `kill_lost_commands` counts the commands it had
   acknowledged (webhook 200, Slack ack) that are never answered; every group must still get
   the second update. The restarted replica gets as long to answer as the load benchmark
   waits for its answers.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import aiohttp
from sqlalchemy import func, select

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
    pg_database,
    seed_operation,
    temp_dir,
    wait_until,
)
from benchmarks.service import Command, Replica, Traffic, duplicates, stop_all
from operations.task.models import Task

CODE = "REPL-1"
ADMIN = 77
TELEGRAM_RATE = 30.0
BURST_RATE = 100.0
LEASE_SECONDS = "5"
LABEL = "Replicas (3 x jointops run, PostgreSQL)"


def group(index: int) -> int:
    return -3_000_000 - index


def burst_telegram(n: int) -> int:
    return 7_000 + n


def burst_slack(n: int) -> str:
    return f"UB{n:05d}"


async def seed(url: str, sizes: Sizes) -> str:
    """The operation, one Telegram group per agency, one agency more without a chat (the
    burst's tasks go there, so the burst adds no deliveries); returns that agency's code."""
    async with open_stack(url, own_schema=False) as stack:
        seeded = await seed_operation(stack, CODE, sizes.replicas_chats + 1)
        await link_channels(
            stack,
            [
                (a, "telegram", "telegram", str(group(i)))
                for i, a in enumerate(seeded.agency_ids[: sizes.replicas_chats])
            ],
        )
        await add_admin(stack, "telegram", "telegram", str(ADMIN), "Admin")
        for n in range(sizes.kill_burst):
            if n % 2 == 0:
                await add_admin(stack, "telegram", "telegram", str(burst_telegram(n)), f"B{n}")
            else:
                await add_admin(stack, "slack", SLACK_TEAM, burst_slack(n), f"B{n}")
        return f"AG{sizes.replicas_chats + 1:03d}"


def reached(tg: FakeTelegram, text: str, chats: int) -> Counter[int]:
    """How many times each group got the message holding `text`."""
    counts: Counter[int] = Counter()
    for message in tg.sent_messages():
        if message.chat_id < 0 and text in (message.plain_text or ""):
            counts[message.chat_id] += 1
    return counts


async def wait_for(predicate: Callable[[], bool], timeout: float) -> bool:  # noqa: ASYNC109
    """Whether `predicate` came true within `timeout` seconds."""
    try:
        await wait_until(predicate, timeout, "the condition", poll=0.05)
    except TimeoutError:
        return False
    return True


async def run(sizes: Sizes, pg_url: str | None) -> Result:
    result = Result("replicas")
    if not pg_url:
        result.notes.append("replicas: PostgreSQL not reachable, not measured")
        return result
    with temp_dir("replicas") as tmp:
        async with pg_database(pg_url, "jointops_replicas") as url:
            target = await seed(url, sizes)
            await _run(sizes, url, target, tmp, result)
    return result


async def _run(sizes: Sizes, url: str, target: str, tmp: Path, result: Result) -> None:
    async with (
        FakeTelegram(token=TELEGRAM_TOKEN, enforce_rate_limits=True) as tg,
        FakeSlack(team_id=SLACK_TEAM) as slack,
        aiohttp.ClientSession() as session,
    ):
        slack.enforce_rate_limits = True
        replicas = [
            Replica(
                f"replica-{i}",
                url,
                tmp,
                tg,
                slack,
                {"JOINTOPS_DELIVERY_LEASE_SECONDS": LEASE_SECONDS},
            )
            for i in range(3)
        ]
        traffic = Traffic(tg, slack, session)
        try:
            await asyncio.gather(*(r.start() for r in replicas))
            await _fanout(sizes, tg, traffic, replicas[0], result)
            await _kill(sizes, tg, traffic, replicas, target, result)
            stops = [await r.stop() for r in replicas]
            result.figures["replicas_stop_s"] = round(max(stops), 2)
        finally:
            await stop_all(replicas)
        tg.assert_no_violations()
        slack.assert_no_violations()
    async with open_stack(url, own_schema=False) as stack, stack.sessions() as s:
        titles = await s.execute(
            select(Task.title, func.count())
            .where(Task.title.startswith("Burst "))
            .group_by(Task.title)
        )
        twice = sum(n - 1 for _, n in titles if n > 1)
    result.figures["kill_ran_twice"] = twice
    result.rows.append(
        Row(
            LABEL,
            "burst commands that ran twice (tasks added twice)",
            str(twice),
            "",
            None,
            "0",
            twice == 0,
        )
    )


async def _fanout(
    sizes: Sizes, tg: FakeTelegram, traffic: Traffic, replica: Replica, result: Result
) -> None:
    chats = sizes.replicas_chats
    before_429 = tg.count_429
    command = await traffic.telegram(replica, ADMIN, '/status REPL-1 "Fan-out one"')
    if command.status != 200:
        raise RuntimeError(f"the status command was answered HTTP {command.status}")
    done = await wait_for(lambda: len(reached(tg, "Fan-out one", chats)) >= chats, 180)
    counts = reached(tg, "Fan-out one", chats)
    if not done:
        raise RuntimeError(f"fan-out incomplete: {len(counts)} of {chats} groups in 180 s")
    last = max(
        m.time
        for m in tg.sent_messages()
        if m.chat_id < 0 and "Fan-out one" in (m.plain_text or "")
    )
    elapsed = last - command.sent_at
    least = (chats - 1) / TELEGRAM_RATE
    ratio = elapsed / least
    count_429 = tg.count_429 - before_429
    dups = duplicates(counts)
    result.figures.update(
        replicas_chats=chats,
        replicas_fanout_s=round(elapsed, 2),
        replicas_fanout_ratio=round(ratio, 3),
        replicas_429=count_429,
        replicas_duplicates=dups,
    )
    result.rows += [
        Row(
            LABEL,
            f"one status to {chats} Telegram groups: last message",
            f"{elapsed:.2f} s",
            f"{least:.2f} s (limits' least)",
            ratio,
            "≤ 1.15x least",
            ratio <= 1.15,
        ),
        Row(LABEL, "HTTP 429 answers", str(count_429), "", None, "0", count_429 == 0),
        Row(LABEL, "groups that got the update twice", str(dups), "", None, "0", dups == 0),
    ]


async def _kill(
    sizes: Sizes,
    tg: FakeTelegram,
    traffic: Traffic,
    replicas: list[Replica],
    target: str,
    result: Result,
) -> None:
    chats = sizes.replicas_chats
    victim = replicas[2]
    status = await traffic.telegram(replicas[1], ADMIN, '/status REPL-1 "Fan-out two"')
    if status.status != 200:
        raise RuntimeError(f"the status command was answered HTTP {status.status}")
    first = len(traffic.commands)
    burst: list[asyncio.Future[Command]] = []
    started = time.monotonic()
    killed_at: int | None = None
    for n in range(sizes.kill_burst):
        delay = started + n / BURST_RATE - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        text = f'task add {CODE} "Burst {n}" --to {target}'
        if n % 2 == 0:
            burst.append(
                asyncio.ensure_future(traffic.telegram(victim, burst_telegram(n), "/" + text))
            )
        else:
            burst.append(
                asyncio.ensure_future(traffic.slack_command(victim, burst_slack(n), "CBURST", text))
            )
        if killed_at is None and _answered(traffic, first) >= sizes.kill_burst // 3:
            killed_at = n
            await victim.kill()
    if killed_at is None:
        await wait_for(lambda: _answered(traffic, first) >= sizes.kill_burst // 3, 30)
        await victim.kill()
    commands = list(await asyncio.gather(*burst))
    traffic.match()
    acked = [c for c in commands if c.acknowledged]
    answered_at_kill = sum(1 for c in commands if c.answered_at is not None)
    await victim.start()
    for command in commands:
        if command.platform == "telegram" and not command.acknowledged:
            await traffic.redeliver(victim, command)

    def all_answered() -> bool:
        traffic.match()
        return all(c.answered_at is not None for c in commands if c.acknowledged)

    await wait_for(all_answered, sizes.load_wait)
    await wait_for(lambda: len(reached(tg, "Fan-out two", chats)) >= chats, 120)
    traffic.match()
    lost = [c for c in acked if c.answered_at is None]
    counts = reached(tg, "Fan-out two", chats)
    missing = chats - len(counts)
    dups = duplicates(counts)
    result.figures.update(
        kill_burst=len(commands),
        kill_acked=len(acked),
        kill_answered_at_kill=answered_at_kill,
        kill_lost_commands=len(lost),
        kill_fanout_missing=missing,
        kill_fanout_duplicates=dups,
    )
    result.rows += [
        Row(
            LABEL,
            f"SIGKILL mid burst: acknowledged ({len(acked)} of {len(commands)}, "
            f"{answered_at_kill} answered at the kill), never answered after a restart",
            str(len(lost)),
            "",
            None,
            "0",
            not lost,
        ),
        Row(
            LABEL,
            "SIGKILL mid fan-out: groups never reached / reached twice",
            f"{missing} / {dups}",
            "",
            None,
            "0 / only sends in flight",
            missing == 0,
        ),
    ]


def _answered(traffic: Traffic, first: int) -> int:
    traffic.match()
    return sum(1 for c in traffic.commands[first:] if c.answered_at is not None)
