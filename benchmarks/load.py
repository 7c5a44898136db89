"""Load: a real `jointops run` process (Telegram webhook, Slack HTTP) under an open-loop mix
of commands, on SQLite and on PostgreSQL; then how fast it drains a backlog in its outbox.

The load: 100 users of 20 agencies, every user a coordinator of their agency, half of them
on Telegram (typing in their private chat with the bot), half on Slack (typing `/ops ...`
in their agency's channel). Command n is sent at n / rate seconds, whatever happened to the
ones before (open loop), by user n mod 100, in turn: `whoami`, `task add`, `task done` (of
a task of the user's agency), `task list --overdue --agency`, `summary`, `status`. Every
agency has one linked chat (a Telegram group or a Slack channel, in turn), so task changes
and status updates are delivered while the load runs. Both fakes enforce the platforms'
limits. Latency runs from sending the request to the fake recording the answer (Telegram:
the message in the private chat; Slack: the post to the command's response_url).

The drain: several status updates posted before the process starts leave a mixed backlog
(Telegram groups and Slack channels, one message per update in each). From the first
delivery the fakes record to the last on each platform, compared with the least time the
platforms' documented limits allow (Telegram 30/s overall, 20/min per group; Slack 1/s per
channel): `drain_ratio` is that least time over the time taken, the worse platform's.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import aiohttp
from sqlalchemy import select

from adapters.sandbox.fakes.slack import FakeSlack
from adapters.sandbox.fakes.telegram import FakeTelegram
from benchmarks.common import (
    SLACK_TEAM,
    TELEGRAM_TOKEN,
    Result,
    Row,
    Sizes,
    Stack,
    bulk_tasks,
    link_channels,
    open_stack,
    pg_database,
    say,
    seed_operation,
    sqlite_url,
    steady,
    temp_dir,
    wait_until,
)
from benchmarks.service import Command, Replica, Traffic, latency_ms, stop_all
from bot.context import Invocation
from operations.enums import TaskStatus
from operations.task.models import Task

CODE = "LOAD-1"
AGENCIES = 20
USERS = 100
OVERDUE_PER_AGENCY = 3
KINDS = ("whoami", "task add", "task done", "task list", "summary", "status")
TELEGRAM_RATE = 30.0  # messages/s overall
GROUP_GAP = 3.0  # s between two messages to one group (20/min)
SLACK_GAP = 1.0  # s between two messages to one channel


def agency_code(index: int) -> str:
    return f"AG{index + 1:03d}"


def telegram_user(user: int) -> int:
    return 5_000 + user


def slack_user(user: int) -> str:
    return f"U{user:05d}"


def slack_channel(agency: int) -> str:
    return f"CA{agency:04d}"


def telegram_group(agency: int) -> int:
    return -2_000_000 - agency


@dataclass
class World:
    """What the load needs to know of the seeded database."""

    done_targets: dict[int, list[int]]  # agency index -> numbers of open tasks to finish


async def join(stack: Stack, agency: str, who: Invocation) -> None:
    """An invite made by the administrator and redeemed by `who` (as people get in)."""
    invite = await say(stack, f"invite {agency} --role coordinator")
    code = re.search(r"join ([A-Z0-9-]+)", " ".join(invite.text_lines()))
    if code is None:
        raise RuntimeError(f"no code in the invite: {invite.text_lines()}")
    await say(stack, f"join {code[1]}", who)


async def seed(url: str, done_per_agency: int) -> World:
    async with open_stack(url, own_schema=False) as stack:
        seeded = await seed_operation(stack, CODE, AGENCIES)
        chats: list[tuple[int, str, str, str]] = []
        for index, agency_id in enumerate(seeded.agency_ids):
            if index % 2 == 0:
                chats.append((agency_id, "telegram", "telegram", str(telegram_group(index))))
            else:
                chats.append((agency_id, "slack", SLACK_TEAM, slack_channel(index)))
        await link_channels(stack, chats)
        for user in range(USERS):
            agency = user // (USERS // AGENCIES)
            if user % 2 == 0:
                uid = str(telegram_user(user))
                who = Invocation(
                    platform="telegram",
                    workspace="telegram",
                    chat_id=uid,
                    user_id=uid,
                    user_name=f"U{uid}",
                    text="",
                    private_chat=True,
                )
            else:
                uid = slack_user(user)
                who = Invocation(
                    platform="slack",
                    workspace=SLACK_TEAM,
                    chat_id="D" + uid,
                    user_id=uid,
                    user_name=uid,
                    text="",
                    private_chat=True,
                )
            await join(stack, agency_code(agency), who)
        now = stack.dispatcher.clock.now()
        overdue = OVERDUE_PER_AGENCY * AGENCIES
        await bulk_tasks(
            stack,
            seeded,
            overdue + done_per_agency * AGENCIES,
            due=lambda n: now - timedelta(days=1) if n < overdue else now + timedelta(days=30),
            status=lambda n: TaskStatus.OPEN,
        )
        async with stack.sessions() as session:
            rows = await session.execute(
                select(Task.number, Task.assignee_agency_id)
                .where(Task.operation_id == seeded.operation_id, Task.due_at > now)
                .order_by(Task.number)
            )
            index_of = {agency_id: i for i, agency_id in enumerate(seeded.agency_ids)}
            targets: dict[int, list[int]] = {i: [] for i in range(AGENCIES)}
            for number, agency_id in rows:
                targets[index_of[agency_id]].append(number)
        return World(targets)


class Mix:
    """Command n of the open loop: who sends it, on which platform, and its text."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.count = 0

    def next(self) -> tuple[int, str]:
        n = self.count
        self.count += 1
        user = n % USERS
        agency = user // (USERS // AGENCIES)
        kind = KINDS[(n // USERS + user) % len(KINDS)]
        code = agency_code(agency)
        if kind == "task add":
            text = f'task add {CODE} "Load task {n}" --to {code}'
        elif kind == "task done":
            pool = self.world.done_targets[agency]
            text = f"task done {CODE}#{pool.pop(0)}" if pool else "whoami"
        elif kind == "task list":
            text = f"task list {CODE} --agency {code} --overdue"
        elif kind == "summary":
            text = f"summary {CODE}"
        elif kind == "status":
            text = f'status {CODE} "Load status {n}"'
        else:
            text = "whoami"
        return user, text


async def open_loop(
    traffic: Traffic, replica: Replica, mix: Mix, rate: float, seconds: float
) -> list[Command]:
    """Send rate x seconds commands at their scheduled times; the requests run concurrently."""
    total = int(rate * seconds)
    first = len(traffic.commands)
    pending: list[asyncio.Task[Command]] = []
    started = time.monotonic()
    for n in range(total):
        delay = started + n / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        user, text = mix.next()
        agency = user // (USERS // AGENCIES)
        send: Awaitable[Command]
        if user % 2 == 0:
            send = traffic.telegram(replica, telegram_user(user), "/" + text)
        else:
            send = traffic.slack_command(replica, slack_user(user), slack_channel(agency), text)
        pending.append(asyncio.ensure_future(send))
    await asyncio.gather(*pending)
    return traffic.commands[first:]


async def run(sizes: Sizes, pg_url: str | None) -> Result:
    result = Result("load")
    errors = 0
    with temp_dir("load") as tmp:
        errors += await _load(sizes, sqlite_url(tmp / "load.db"), "sqlite", tmp, result)
        if pg_url:
            async with pg_database(pg_url, "jointops_load") as url:
                errors += await _load(sizes, url, "pg", tmp, result)
        else:
            result.notes.append("load: PostgreSQL not reachable, only SQLite measured")
        result.figures["load_errors"] = errors
        result.rows.append(
            Row(
                "Load (jointops run, webhook + HTTP)",
                "errors: unanswered, refused or failed commands, all runs",
                str(errors),
                "0",
                None,
                "0",
                errors == 0,
            )
        )
        steady()  # the load's records are many: no full collection stops the fakes in the drain
        await _drain(sizes, tmp, result)
    return result


async def _load(sizes: Sizes, url: str, db: str, tmp: Path, result: Result) -> int:
    need = sum(sizes.load_rates) * sizes.load_seconds / len(KINDS) / AGENCIES
    world = await seed(url, int(need * 1.3) + 5)
    label = f"Load ({db}, jointops run, webhook + HTTP)"
    errors = 0
    async with (
        FakeTelegram(enforce_rate_limits=True, token=TELEGRAM_TOKEN) as tg,
        FakeSlack(team_id=SLACK_TEAM) as slack,
        aiohttp.ClientSession() as session,
    ):
        slack.enforce_rate_limits = True
        replica = Replica(f"load-{db}", url, tmp, tg, slack)
        mix = Mix(world)
        traffic = Traffic(tg, slack, session)
        try:
            await replica.start()
            for rate in sizes.load_rates:
                steady()
                limit_before = tg.count_429 + slack.count_429
                commands = await open_loop(traffic, replica, mix, rate, sizes.load_seconds)
                last_sent = time.monotonic()
                await traffic.wait_answered(sizes.load_wait)
                count_429 = tg.count_429 + slack.count_429 - limit_before
                errors += _figures(result, label, db, rate, commands, last_sent, count_429)
        finally:
            await stop_all([replica])
        extra = traffic.extra_answers()
        if extra:
            result.notes.append(
                f"load {db}: {extra} Telegram answers beyond one per command (split or sent "
                "twice); the in-order matching of answers may be off"
            )
        tg.assert_no_violations()
        slack.assert_no_violations()
    return errors


def _figures(
    result: Result,
    label: str,
    db: str,
    rate: float,
    commands: list[Command],
    last_sent: float,
    count_429: int,
) -> int:
    answered = [c for c in commands if c.answered_at is not None]
    refused = [c for c in commands if c.status != 200]
    failed = [c for c in answered if c.error]
    unanswered = len(commands) - len(answered)
    errors = sum(1 for c in commands if c.answered_at is None or c.error or c.status != 200)
    first = min(c.sent_at for c in commands)
    last = max((c.answered_at or 0.0) for c in commands) if answered else last_sent
    achieved = len(answered) / max(last - first, 1e-9)
    p50, p99 = latency_ms(commands, 50), latency_ms(commands, 99)
    by_platform = {
        p: latency_ms([c for c in commands if c.platform == p], 99) for p in ("telegram", "slack")
    }
    key = f"load_{int(rate)}_{db}"
    figures: dict[str, float | None] = {
        f"{key}_p50_ms": p50,
        f"{key}_p99_ms": p99,
        f"{key}_telegram_p99_ms": by_platform["telegram"],
        f"{key}_slack_p99_ms": by_platform["slack"],
        f"{key}_achieved": round(achieved, 1),
        f"{key}_errors": errors,
        f"{key}_429": count_429,
    }
    # a latency of nothing answered is left out (JSON has no NaN)
    result.figures.update({k: v for k, v in figures.items() if v is not None})
    result.rows.append(
        Row(
            label,
            f"{int(rate)}/s offered, {len(commands)} cmds: answered/s",
            f"{achieved:.1f}",
            f"{rate:g} (offered)",
            achieved / rate,
            "",
            None,
        )
    )
    target = rate >= 100
    result.rows.append(
        Row(
            label,
            f"{int(rate)}/s: p50 / p99 (Telegram p99, Slack p99)",
            f"{_ms(p50)} / {_ms(p99)} ms ({_ms(by_platform['telegram'])}, "
            f"{_ms(by_platform['slack'])})",
            "",
            None,
            "p99 < 250 ms at 100/s" if target else "",
            (p99 is not None and p99 < 250 and errors == 0) if target else None,
        )
    )
    result.rows.append(
        Row(
            label,
            f"{int(rate)}/s: errors (no answer / refused / failed), 429s",
            f"{errors} ({unanswered} / {len(refused)} / {len(failed)}), {count_429}",
            "",
            None,
            "0 errors",
            errors == 0,
        )
    )
    return errors


def _ms(value: float | None) -> str:
    return "none answered" if value is None else f"{value:.0f}"


# ------------------------------------------------------------------------------- the drain


async def _drain(sizes: Sizes, tmp: Path, result: Result) -> None:
    n_tg, n_slack, updates = sizes.drain_chats
    url = sqlite_url(tmp / "drain.db")
    async with open_stack(url) as stack:
        seeded = await seed_operation(stack, "DRAIN-1", n_tg + n_slack)
        chats = [
            (a, "telegram", "telegram", str(telegram_group(i)))
            if i < n_tg
            else (a, "slack", SLACK_TEAM, slack_channel(i))
            for i, a in enumerate(seeded.agency_ids)
        ]
        await link_channels(stack, chats)
        for n in range(updates):
            await say(stack, f'status DRAIN-1 "Backlog {n}"')
    async with (
        FakeTelegram(enforce_rate_limits=True, token=TELEGRAM_TOKEN) as tg,
        FakeSlack(team_id=SLACK_TEAM) as slack,
    ):
        slack.enforce_rate_limits = True
        replica = Replica("drain", url, tmp, tg, slack)
        try:
            await replica.start()
            with contextlib.suppress(TimeoutError):  # what is missing is reported below
                await wait_until(
                    lambda: (
                        len(tg.sent_messages()) >= n_tg * updates
                        and len(slack.messages(kind="message")) >= n_slack * updates
                    ),
                    sizes.drain_timeout,
                    "the backlog drained",
                    poll=0.1,
                )
        finally:
            await stop_all([replica])
        tg.assert_no_violations()
        slack.assert_no_violations()
    tg_times = [m.time for m in tg.sent_messages()]
    slack_times = [m.time for m in slack.messages(kind="message")]
    if len(tg_times) < n_tg * updates or len(slack_times) < n_slack * updates:
        result.notes.append(
            f"drain: not drained within {sizes.drain_timeout:g}s: {len(tg_times)} of "
            f"{n_tg * updates} Telegram, {len(slack_times)} of {n_slack * updates} Slack"
        )
    start = min(tg_times + slack_times)
    least = {
        "telegram": max((n_tg * updates - 1) / TELEGRAM_RATE, (updates - 1) * GROUP_GAP),
        "slack": (updates - 1) * SLACK_GAP,
    }
    took = {"telegram": max(tg_times) - start, "slack": max(slack_times) - start}
    # a platform whose backlog is not all sent counts as taking the whole wait
    if len(tg_times) < n_tg * updates:
        took["telegram"] = sizes.drain_timeout
    if len(slack_times) < n_slack * updates:
        took["slack"] = sizes.drain_timeout
    ratios = {p: least[p] / max(took[p], 1e-9) for p in least}
    ratio = min(ratios.values())
    result.figures.update(
        drain_ratio=round(ratio, 3),
        drain_ratio_telegram=round(ratios["telegram"], 3),
        drain_ratio_slack=round(ratios["slack"], 3),
        drain_telegram_s=round(took["telegram"], 2),
        drain_slack_s=round(took["slack"], 2),
        drain_429=tg.count_429 + slack.count_429,
    )
    label = "Drain (outbox backlog, jointops run)"
    for platform, count in (("telegram", n_tg), ("slack", n_slack)):
        result.rows.append(
            Row(
                label,
                f"{count * updates} {platform} messages to {count} chats: last sent after",
                f"{took[platform]:.2f} s",
                f"{least[platform]:.2f} s (limits' least)",
                ratios[platform],
                "",
                None,
            )
        )
    result.rows.append(
        Row(
            label,
            "drain rate / limits' rate (worse platform)",
            f"{ratio:.2f}",
            "",
            None,
            "≥ 0.9",
            ratio >= 0.9,
        )
    )
    result.rows.append(
        Row(
            label,
            "HTTP 429 answers",
            str(tg.count_429 + slack.count_429),
            "",
            None,
            "0",
            tg.count_429 + slack.count_429 == 0,
        )
    )
