"""Reminder sweep scaling: one `ReminderSweeper.sweep()` over a database of N open tasks, of
which the same number are due now, for a small and a large N (10,000 and 1,000,000; quick:
10,000 and 100,000). The other tasks are due between two days and a year from now, beyond the
reminders' 24 h horizon, so both sweeps have exactly the same work to do.

Every agency has a linked chat, so each reminder also writes its delivery. Before each timing
the reminder log and the outbox are emptied and the due tasks re-armed (their next reminder
instant set back to now), so every timed sweep fires the same reminders.

`starvation`: 6,000 open tasks overdue and already reminded today, then 124 tasks fall due;
`sweep_starved` counts those the first sweep leaves unreminded.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, insert, select, update

from benchmarks.common import (
    Result,
    Row,
    Sizes,
    Stack,
    bulk_tasks,
    link_channels,
    median,
    open_stack,
    say,
    seed_operation,
    sqlite_url,
    temp_dir,
    utc,
)
from benchmarks.summary import label
from bot.clock import FakeClock
from bot.reminders import CHUNK, CHUNK_PAUSE, DEFAULT_OFFSETS, ReminderSweeper
from operations.delivery.models import Delivery
from operations.enums import TaskStatus
from operations.reminder.models import ReminderLog, TaskReminderSchedule
from operations.reminder.service import SWEEP_LIMIT
from operations.task.models import Task

NOW = utc(2026, 11, 26, 10, 0)
AGENCIES = 158
YEAR_HOURS = 365 * 24


async def sweep_once(stack: Stack, sweeper: ReminderSweeper) -> tuple[float, int]:
    """Forget what fired, then time one sweep; (seconds, reminders fired)."""
    async with stack.sessions() as session, session.begin():
        await session.execute(delete(ReminderLog))
        await session.execute(delete(Delivery))
        # and re-arm the tasks due now (a sweep moved them to their next stage)
        due_now = select(Task.id).where(Task.due_at <= NOW)
        await session.execute(
            update(TaskReminderSchedule)
            .where(TaskReminderSchedule.task_id.in_(due_now))
            .values(next_at=NOW)
        )
    started = time.perf_counter()
    fired = await sweeper.sweep()
    return time.perf_counter() - started, fired


async def prepare(stack: Stack, sizes: Sizes, clock: FakeClock, total: int) -> ReminderSweeper:
    """`total` open tasks, `sizes.sweep_due` of them due now, one linked chat per agency."""
    due_now = sizes.sweep_due

    def due(n: int) -> datetime:
        if n < due_now:  # at the due time, or up to a day overdue: the "due" stage
            return NOW - timedelta(minutes=1 + n)
        return NOW + timedelta(hours=48 + (n * 7919) % YEAR_HOURS)

    seeded = await seed_operation(stack, "SWEEP-1", AGENCIES)
    await link_channels(
        stack,
        [(a, "telegram", "telegram", str(-2_000_000 - i)) for i, a in enumerate(seeded.agency_ids)],
    )
    await bulk_tasks(stack, seeded, total, due=due, status=lambda n: TaskStatus.OPEN)
    return ReminderSweeper(stack.sessions, clock, offsets=DEFAULT_OFFSETS)


async def first_sweep(stack: Stack, sweeper: ReminderSweeper, expected: int) -> float:
    """The first sweep after loading (cold caches), checking what it fired and wrote."""
    seconds, fired = await sweep_once(stack, sweeper)
    async with stack.sessions() as session:
        written = await session.scalar(select(func.count()).select_from(Delivery))
    if fired != expected or written != expected:
        raise RuntimeError(f"the sweep fired {fired} and wrote {written}, expected {expected}")
    return seconds


async def measure(sizes: Sizes, tmp: Path) -> tuple[list[float], list[float], float, float]:
    """Sweep timings on the small and the large database, taken in turns (ABBA), and the
    first sweep on each."""
    small, large = sizes.sweep_tasks
    clock = FakeClock(NOW)
    async with (
        open_stack(sqlite_url(tmp / "sweep-small.db"), clock=clock) as small_stack,
        open_stack(sqlite_url(tmp / "sweep-large.db"), clock=clock) as large_stack,
    ):
        small_sweeper = await prepare(small_stack, sizes, clock, small)
        large_sweeper = await prepare(large_stack, sizes, clock, large)
        small_first = await first_sweep(small_stack, small_sweeper, sizes.sweep_due)
        large_first = await first_sweep(large_stack, large_sweeper, sizes.sweep_due)
        times: dict[int, list[float]] = {small: [], large: []}
        pairs = ((small, small_stack, small_sweeper), (large, large_stack, large_sweeper))
        for repeat in range(sizes.sweep_repeats):
            for total, stack, sweeper in pairs if repeat % 2 == 0 else pairs[::-1]:
                times[total].append((await sweep_once(stack, sweeper))[0])
    return times[small], times[large], small_first, large_first


ARRIVALS = 8  # commands typed during a backlog sweep


async def backlog(sizes: Sizes, tmp: Path) -> tuple[int, float, float, float, float]:
    """A sweep with a backlog of due reminders (after downtime, or an overdue-heavy operation)
    commits in chunks; while a chunk runs, the event loop serves nothing else, so a command
    that arrives then waits for the chunk. Commands "arrive" at set moments during the sweep
    (every 130 ms from 50 ms on, one at a time) and each wait runs from that moment, not from
    when the loop got to it, to the answer; a monitor records the longest stretch the loop
    could not run anything. Returns (reminders, sweep s, the longest task add from arrival,
    task add s idle, longest stall s)."""
    clock = FakeClock(NOW)
    due_now = sizes.sweep_backlog

    def due(n: int) -> datetime:
        if n < due_now:
            return NOW - timedelta(minutes=1 + n % 1000)
        return NOW + timedelta(hours=48 + (n * 7919) % YEAR_HOURS)

    async with open_stack(sqlite_url(tmp / "backlog.db"), clock=clock) as stack:
        seeded = await seed_operation(stack, "SWEEP-2", AGENCIES)
        await link_channels(
            stack,
            [
                (a, "telegram", "telegram", str(-2_000_000 - i))
                for i, a in enumerate(seeded.agency_ids)
            ],
        )
        await bulk_tasks(
            stack, seeded, sizes.sweep_tasks[0], due=due, status=lambda n: TaskStatus.OPEN
        )
        sweeper = ReminderSweeper(stack.sessions, clock, offsets=DEFAULT_OFFSETS)
        command = f'task add {seeded.code} "Typed during the sweep" --to AG002'
        started = time.perf_counter()
        await say(stack, command)
        idle = time.perf_counter() - started
        stalls: list[float] = []

        async def monitor() -> None:
            while True:
                before = time.perf_counter()
                await asyncio.sleep(0.001)
                stalls.append(time.perf_counter() - before - 0.001)

        async def typed(arrival: float) -> float:
            await asyncio.sleep(max(0.0, arrival - time.perf_counter()))
            await say(stack, command)
            return time.perf_counter() - arrival

        swept = time.perf_counter()
        watching = asyncio.create_task(monitor())
        sweeping = asyncio.create_task(sweeper.sweep())
        waits = []
        for n in range(ARRIVALS):
            waits.append(await typed(swept + 0.05 + 0.13 * n))
        during = max(waits)
        fired = await sweeping
        sweep_s = time.perf_counter() - swept
        watching.cancel()
    return fired, sweep_s, during, idle, max(stalls, default=0.0)


STARVE_BACKLOG = 6_000  # open tasks overdue and already reminded today
STARVE_DUE = 124  # tasks reaching their due time just before the sweep


async def starvation(tmp: Path) -> tuple[int, float, float]:
    """A backlog of overdue tasks already reminded today, then a few tasks fall due: how many
    of those the first sweep leaves unreminded (`sweep_starved`), how long it takes, and how
    long a sweep takes when nothing is due. Returns (starved, sweep s, idle sweep s)."""
    clock = FakeClock(NOW)
    async with open_stack(sqlite_url(tmp / "starve.db"), clock=clock) as stack:
        seeded = await seed_operation(stack, "SWEEP-3", AGENCIES)
        await link_channels(
            stack,
            [
                (a, "telegram", "telegram", str(-2_000_000 - i))
                for i, a in enumerate(seeded.agency_ids)
            ],
        )
        await bulk_tasks(
            stack,
            seeded,
            STARVE_BACKLOG,
            due=lambda n: NOW - timedelta(days=2, minutes=n % 600),
            status=lambda n: TaskStatus.OPEN,
        )
        async with stack.sessions() as session, session.begin():
            rows = await session.execute(
                select(Task.id, Task.due_at).where(Task.operation_id == seeded.operation_id)
            )
            keys = [
                {"key": f"task:{i}:{due.isoformat()}:overdue:2", "fired_at": NOW} for i, due in rows
            ]
            await session.execute(insert(ReminderLog), keys)  # reminded today
        sweeper = ReminderSweeper(stack.sessions, clock, offsets=DEFAULT_OFFSETS)
        await sweeper.sweep()  # the sweeps of the morning
        await sweeper.sweep()
        clock.set(NOW + timedelta(hours=1))
        await bulk_tasks(
            stack,
            seeded,
            STARVE_DUE,
            due=lambda n: NOW + timedelta(hours=1, minutes=-1 - n % 30),
            status=lambda n: TaskStatus.OPEN,
        )
        started = time.perf_counter()
        await sweeper.sweep()
        sweep_s = time.perf_counter() - started
        async with stack.sessions() as session:
            fired = await session.scalar(
                select(func.count()).select_from(ReminderLog).where(ReminderLog.key.like("%:due"))
            )
        clock.set(NOW + timedelta(hours=1, minutes=1))
        started = time.perf_counter()
        await sweeper.sweep()
        idle_s = time.perf_counter() - started
    return STARVE_DUE - int(fired or 0), sweep_s, idle_s


async def run(sizes: Sizes) -> Result:
    result = Result("sweep")
    small, large = sizes.sweep_tasks
    with temp_dir("sweep") as tmp:
        small_times, large_times, small_first, large_first = await measure(sizes, tmp)
        for path in tmp.glob("sweep-*"):
            path.unlink()
        backlog_n, backlog_s, during, idle, stall = await backlog(sizes, tmp)
        starved, starve_s, starve_idle_s = await starvation(tmp)
    small_s, large_s, fired = median(small_times), median(large_times), sizes.sweep_due
    ratio = large_s / small_s
    result.figures.update(
        sweep_10k_ms=round(small_s * 1000, 2),
        sweep_1m_ms=round(large_s * 1000, 2),
        sweep_1m_first_ms=round(large_first * 1000, 2),
        sweep_10k_first_ms=round(small_first * 1000, 2),
        sweep_ratio=round(ratio, 2),
        sweep_small_tasks=small,
        sweep_large_tasks=large,
        sweep_due=fired,
    )
    result.rows.append(
        Row(
            "Reminder sweep (SQLite)",
            f"{fired} due among {large:,} vs {small:,} open tasks",
            f"{large_s * 1000:.1f} ms",
            f"{small_s * 1000:.1f} ms ({label(small)})",
            ratio,
            "≤ 2x",
            ratio <= 2,
        )
    )
    result.rows.append(
        Row(
            "Reminder sweep (SQLite)",
            "first sweep after loading (cold)",
            f"{large_first * 1000:.1f} ms",
            f"{small_first * 1000:.1f} ms",
            large_first / small_first,
            "",
            None,
        )
    )
    per_limit = backlog_s / backlog_n * SWEEP_LIMIT
    result.figures.update(
        sweep_backlog_reminders=backlog_n,
        sweep_backlog_s=round(backlog_s, 2),
        sweep_backlog_cmd_wait_s=round(during, 2),
        sweep_backlog_cmd_idle_ms=round(idle * 1000, 2),
        sweep_backlog_longest_stall_ms=round(stall * 1000, 1),
        sweep_limit_projected_s=round(per_limit, 1),
    )
    result.rows.append(
        Row(
            "Reminder sweep (SQLite)",
            f"backlog: {backlog_n:,} due at once; slowest of {ARRIVALS} task adds arriving during it",
            f"{during * 1000:.0f} ms",
            f"{idle * 1000:.1f} ms (idle)",
            during / idle,
            "",
            None,
        )
    )
    result.rows.append(
        Row(
            "Reminder sweep (SQLite)",
            "backlog: longest event-loop stall during the sweep",
            f"{stall * 1000:.0f} ms",
            "",
            None,
            "",
            None,
        )
    )
    result.notes.append(
        f"A sweep with {backlog_n:,} due reminders took {backlog_s:.1f} s, committed in chunks "
        f"of {CHUNK} with {CHUNK_PAUSE:g} s between them (bot/reminders.py); of {ARRIVALS} "
        f"commands arriving meanwhile the slowest was answered {during * 1000:.0f} ms after it "
        f"arrived, and the event loop never stood "
        f"still for more than {stall * 1000:.0f} ms."
    )
    result.figures.update(
        sweep_starved=starved,
        sweep_starve_backlog=STARVE_BACKLOG,
        sweep_starve_due=STARVE_DUE,
        sweep_starve_ms=round(starve_s * 1000, 1),
        sweep_starve_idle_ms=round(starve_idle_s * 1000, 1),
    )
    result.rows.append(
        Row(
            "Reminder sweep (SQLite)",
            f"{STARVE_DUE} due now behind {STARVE_BACKLOG:,} overdue tasks reminded today: "
            "not reminded by the first sweep",
            str(starved),
            f"{starve_s * 1000:.0f} ms sweep, {starve_idle_s * 1000:.0f} ms with nothing due",
            None,
            "0",
            starved == 0,
        )
    )
    return result
