"""Shared pieces of the benchmarks: sizes, result rows, a database with a seeded operation,
bulk inserts, timing statistics and the machine description."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import math
import os
import platform
import socket
import sqlite3
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import func, insert, make_url, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from adapters.sandbox.fakes.slack_spec import load_spec as load_slack_spec
from adapters.sandbox.fakes.telegram_spec import load_spec as load_telegram_spec
from bot.clock import Clock, SystemClock
from bot.commands import REGISTRY
from bot.context import Invocation
from bot.dispatcher import Defaults, Dispatcher
from bot.reminders import DEFAULT_OFFSETS
from bot.reply import Reply, Tone
from bot.runtime import LOCAL_ADMIN, LOCAL_ADMIN_NAME
from operations import db, migrate
from operations.agency.models import Agency
from operations.audit.models import AuditEvent
from operations.channel.models import Channel
from operations.enums import OPEN_TASK_STATUSES, TLP, ParticipationRole, Priority, TaskStatus
from operations.member import service as member_service
from operations.operation.models import Operation, Participation
from operations.reminder.models import TaskReminderSchedule
from operations.task.models import Task

DEFAULT_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
TELEGRAM_TOKEN = "123456:BENCH-TOKEN"
SLACK_TEAM = "T0001"
# (timezone, language) of the seeded agencies, in turn: fan-out renders once per pair
LOOKS = (
    ("Europe/Paris", "fr"),
    ("America/Argentina/Buenos_Aires", "es"),
    ("Asia/Dubai", "ar"),
    ("America/New_York", "en"),
    ("Asia/Tokyo", "en"),
    ("UTC", "en"),
)


# ------------------------------------------------------------------------------------ sizes


@dataclass(frozen=True)
class Sizes:
    """How big each benchmark runs (full or --quick)."""

    quick: bool
    round_trips: int  # commands per system in the Telegram and Slack round trips
    fanout_agencies: int
    summary_tasks: tuple[int, ...]
    sweep_tasks: tuple[int, int]  # (small, large) open tasks
    sweep_due: int
    sweep_backlog: int
    sweep_repeats: int
    summary_repeats: int
    memory_tasks: int
    memory_agencies: int
    load_rates: tuple[float, ...]  # commands/s offered, in turn, to one process
    load_seconds: float  # of load at each rate
    load_wait: float  # longest wait for the answers after the last command of a rate
    drain_chats: tuple[int, int, int]  # Telegram groups, Slack channels, messages per chat
    drain_timeout: float
    replicas_chats: int  # Telegram groups one status fans out to, from 3 replicas
    kill_burst: int  # commands sent to the replica that is killed part-way
    faults_chats: tuple[int, int]  # Telegram groups, Slack channels of the faults fan-out
    export_tasks: tuple[int, ...]  # tasks of the operations exported

    @classmethod
    def make(cls, quick: bool) -> Sizes:
        if quick:
            return cls(
                quick=True,
                round_trips=100,
                fanout_agencies=30,
                summary_tasks=(1_000, 10_000),
                sweep_tasks=(10_000, 100_000),
                sweep_due=100,
                sweep_backlog=500,
                sweep_repeats=3,
                summary_repeats=5,
                memory_tasks=10_000,
                memory_agencies=30,
                load_rates=(25, 50, 100),
                load_seconds=4,
                load_wait=10,
                drain_chats=(60, 20, 3),
                drain_timeout=60,
                replicas_chats=120,
                kill_burst=40,
                faults_chats=(30, 10),
                export_tasks=(200,),
            )
        return cls(
            quick=False,
            round_trips=2_000,
            fanout_agencies=158,
            summary_tasks=(1_000, 10_000, 100_000),
            sweep_tasks=(10_000, 1_000_000),
            sweep_due=100,
            sweep_backlog=1_000,
            sweep_repeats=5,
            summary_repeats=7,
            memory_tasks=100_000,
            memory_agencies=158,
            load_rates=(25, 50, 100),
            load_seconds=30,
            load_wait=60,
            drain_chats=(90, 30, 5),
            drain_timeout=120,
            replicas_chats=236,
            kill_burst=120,
            faults_chats=(99, 50),
            export_tasks=(200, 2_000),
        )


# ----------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Row:
    """One line of the results table."""

    bench: str
    measure: str
    value: str
    baseline: str
    ratio: float | None
    target: str
    met: bool | None


@dataclass
class Result:
    """What one benchmark reports: table rows, named figures, notes (hotspots, caveats)."""

    name: str
    rows: list[Row] = field(default_factory=list)
    figures: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(pct / 100 * len(ordered))))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


# ------------------------------------------------------------------------------ round trips

WARMUP = 10  # commands each system runs before timing starts
BLOCK = 25  # commands per turn when two systems take turns


class RoundTrips(Protocol):
    """One system under test in a round-trip benchmark: `one(n)` sends command n and waits
    for its reply, appending push->reply latency and adding to the wall time when recording."""

    name: str
    latencies: list[float]
    wall: float

    async def one(self, n: int, *, record: bool = True) -> None: ...


async def interleave(lanes: tuple[RoundTrips, RoundTrips], count: int, block: int = BLOCK) -> None:
    """Warm both up, then run `count` commands each in ABBA blocks."""
    for lane in lanes:
        for n in range(WARMUP):
            await lane.one(-1 - n, record=False)
    done = 0
    turn = 0
    while done < count:
        size = min(block, count - done)
        order = lanes if turn % 2 == 0 else (lanes[1], lanes[0])
        for lane in order:
            for n in range(done, done + size):
                await lane.one(n)
        done += size
        turn += 1


class DispatchTimer:
    """Times every `Dispatcher.dispatch` (identity, permission, the command's transaction),
    to tell the core's share of a round trip from the adapter's and the transport's."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.durations: list[float] = []
        inner = dispatcher.dispatch

        async def dispatch(invocation: Invocation) -> Reply:
            started = time.perf_counter()
            try:
                return await inner(invocation)
            finally:
                self.durations.append(time.perf_counter() - started)

        dispatcher.dispatch = dispatch  # type: ignore[method-assign]


def summarise(
    result: Result,
    lanes: tuple[RoundTrips, RoundTrips],
    prefix: str,
    label: str,
    dispatch: Sequence[float] = (),
) -> None:
    """Rows and figures for a (jointops, bare) pair of lanes."""
    ours, bare = lanes
    rate = {lane.name: len(lane.latencies) / lane.wall for lane in lanes}
    ratio = ours.wall / bare.wall
    for lane in lanes:
        result.figures[f"{prefix}_{lane.name}_cmds_per_s"] = round(rate[lane.name], 1)
        result.figures[f"{prefix}_{lane.name}_p50_ms"] = round(
            percentile(lane.latencies, 50) * 1000, 2
        )
        result.figures[f"{prefix}_{lane.name}_p99_ms"] = round(
            percentile(lane.latencies, 99) * 1000, 2
        )
    result.figures[f"{prefix}_ratio"] = round(ratio, 2)
    if prefix == "telegram":
        result.figures["telegram_cmds_per_s"] = round(rate["jointops"], 1)
    n = len(ours.latencies)
    result.rows.append(
        Row(
            label,
            f"{n} cmds one at a time: cmds/s",
            f"{rate['jointops']:.0f}",
            f"{rate['bare']:.0f}",
            ratio,
            "≤ 1.3x bare",
            ratio <= 1.3,
        )
    )
    if dispatch:
        core = percentile(dispatch, 50)
        result.figures[f"{prefix}_dispatch_p50_ms"] = round(core * 1000, 2)
        result.rows.append(
            Row(
                label,
                "p50 of which in the dispatcher",
                f"{core * 1000:.1f} ms",
                "",
                None,
                "",
                None,
            )
        )
    for pct in (50, 99):
        a, b = percentile(ours.latencies, pct), percentile(bare.latencies, pct)
        result.rows.append(
            Row(
                label,
                f"p{pct} latency",
                f"{a * 1000:.1f} ms",
                f"{b * 1000:.1f} ms",
                a / b,
                "",
                None,
            )
        )


# ------------------------------------------------------------------------------ environment


def machine() -> str:
    """CPU model, cores, RAM, Python and SQLite versions, in one line."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f", {int(line.split()[1]) / 1024 / 1024:.1f} GiB RAM"
                break
    return (
        f"{cpu}, {os.cpu_count()} cores{ram}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )


def steady() -> None:
    """Keep what this process holds so far (the platforms' API descriptions the fakes check
    every call against, an earlier benchmark's or phase's records) out of the garbage
    collector's full passes. The fakes stand for Telegram's and Slack's servers, which do not
    pause when this process does: a full pass over those descriptions stopped the fakes for 90 ms, and the
    requests queued meanwhile were stamped together, 31 in one second that the bot had sent
    over 1.09 s (one 429 in two replicas runs)."""
    load_telegram_spec()
    load_slack_spec()
    gc.collect()
    gc.freeze()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def temp_dir(prefix: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix=f"jointops-bench-{prefix}-") as path:
        yield Path(path)


async def wait_until(
    predicate: Callable[[], bool],
    timeout: float,  # noqa: ASYNC109
    what: str,
    poll: float = 0.002,
) -> None:
    """Poll `predicate` until true; TimeoutError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached within {timeout:g}s")
        await asyncio.sleep(poll)


async def postgres_reachable(url: str) -> bool:
    """Whether PostgreSQL answers at `url` (a 3-second attempt)."""
    if not url:
        return False
    try:
        import asyncpg
    except ImportError:
        return False
    dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
    try:
        conn = await asyncio.wait_for(asyncpg.connect(dsn), 3)
    except (OSError, TimeoutError, asyncpg.PostgresError):
        return False
    await conn.close()
    return True


# ------------------------------------------------------------------------------- the stack


@dataclass
class Stack:
    """A migrated database, its session factory and the real dispatcher on it."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    dispatcher: Dispatcher
    schema: str | None = None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


_SCHEMAS = itertools.count(1)


@contextlib.asynccontextmanager
async def pg_database(url: str, name: str) -> AsyncIterator[str]:
    """A new, empty PostgreSQL database beside the one `url` names (dropped afterwards), for
    `jointops run` processes, which use a database's default schema; yields its URL."""
    database = f"{name}_{os.getpid()}_{next(_SCHEMAS)}"
    admin_engine = db.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with admin_engine.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            await conn.execute(text(f'CREATE DATABASE "{database}"'))
        try:
            yield str(make_url(url).set(database=database).render_as_string(hide_password=False))
        finally:
            async with admin_engine.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    finally:
        await admin_engine.dispose()


@contextlib.asynccontextmanager
async def open_stack(
    url: str, *, clock: Clock | None = None, schema: str | None = None, own_schema: bool = True
) -> AsyncIterator[Stack]:
    """Migrate a database (on PostgreSQL in a schema of its own, dropped afterwards, unless
    `own_schema` is False: then in the database's default schema, kept) and build the
    dispatcher with the local administrator on it."""
    if url.startswith("postgresql") and own_schema:
        schema = schema or f"bench_{os.getpid()}_{next(_SCHEMAS)}"
        admin_engine = db.create_engine(url)
        async with admin_engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        await admin_engine.dispose()
        engine = db.create_engine(url, connect_args={"server_settings": {"search_path": schema}})
    else:
        schema = None
        engine = db.create_engine(url)
    try:
        await migrate.upgrade(engine)
        sessions = db.create_session_factory(engine)
        dispatcher = Dispatcher(
            sessions, REGISTRY, clock=clock or SystemClock(), defaults=Defaults()
        )
        platform_, workspace, user = LOCAL_ADMIN
        async with sessions() as session, session.begin():
            await member_service.ensure_admin(
                session,
                platform=platform_,
                workspace=workspace,
                external_id=user,
                display_name=LOCAL_ADMIN_NAME,
                now=dispatcher.clock.now(),
            )
        yield Stack(engine, sessions, dispatcher, schema)
    finally:
        await engine.dispose()
        if schema is not None:
            admin_engine = db.create_engine(url)
            async with admin_engine.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            await admin_engine.dispose()


ADMIN = Invocation(
    platform=LOCAL_ADMIN[0],
    workspace=LOCAL_ADMIN[1],
    chat_id="console",
    user_id=LOCAL_ADMIN[2],
    user_name=LOCAL_ADMIN_NAME,
    text="",
)


def as_user(
    base: Invocation, text_: str, *, chat_id: str | None = None, private: bool | None = None
) -> Invocation:
    return Invocation(
        platform=base.platform,
        workspace=base.workspace,
        chat_id=chat_id or base.chat_id,
        user_id=base.user_id,
        user_name=base.user_name,
        text=text_,
        chat_title=chat_id or base.chat_id,
        private_chat=base.private_chat if private is None else private,
    )


async def say(stack: Stack, text_: str, who: Invocation = ADMIN) -> Reply:
    """Run a command through the dispatcher; a refused command stops the benchmark."""
    reply = await stack.dispatcher.dispatch(as_user(who, text_))
    if reply.tone == Tone.ERROR:
        raise RuntimeError(f"{text_!r} was refused: {reply.title} {reply.lines}")
    return reply


async def check_tasks_added(stack: Stack, seeded: Seeded, expected: int) -> None:
    """Every command was a real transaction: its task and its audit event are there."""
    async with stack.sessions() as session:
        tasks = await session.scalar(
            select(func.count()).select_from(Task).where(Task.operation_id == seeded.operation_id)
        )
        events = await session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "task.add")
        )
    if tasks != expected or events != expected:
        raise RuntimeError(f"{tasks} tasks and {events} audit events, expected {expected}")


async def add_admin(stack: Stack, platform_: str, workspace: str, user_id: str, name: str) -> None:
    """Make a chat account an administrator (as `jointops` does for the local one)."""
    async with stack.sessions() as session, session.begin():
        await member_service.ensure_admin(
            session,
            platform=platform_,
            workspace=workspace,
            external_id=user_id,
            display_name=name,
            now=stack.dispatcher.clock.now(),
        )


@dataclass(frozen=True)
class Seeded:
    """An active operation and its agencies (the lead first)."""

    code: str
    operation_id: int
    agency_ids: list[int]
    admin_member_id: int


async def seed_operation(stack: Stack, code: str, agencies: int, *, prefix: str = "AG") -> Seeded:
    """An active operation with `agencies` participating agencies.

    The operation goes through the dispatcher (`op new`, `op start`); the agencies and their
    participations are bulk-inserted (setup, not measured).
    """
    now = stack.dispatcher.clock.now()
    rows: list[dict[str, Any]] = [
        {
            "code": f"{prefix}{i:03d}",
            "name": f"Agency {i}",
            "country": "FR",
            "timezone": LOOKS[i % len(LOOKS)][0],
            "language": LOOKS[i % len(LOOKS)][1],
            "created_at": now,
        }
        for i in range(1, agencies + 1)
    ]
    async with stack.sessions() as session, session.begin():
        await session.execute(insert(Agency), rows)
    await say(stack, f'op new {code} "Benchmark operation" --lead {prefix}001 --tlp GREEN')
    await say(stack, f"op start {code}")
    async with stack.sessions() as session, session.begin():
        operation = await session.scalar(select(Operation).where(Operation.code == code))
        assert operation is not None
        ids = {
            c: i
            for c, i in await session.execute(
                select(Agency.code, Agency.id).where(Agency.code.startswith(prefix))
            )
        }
        ordered = [ids[r["code"]] for r in rows]
        await session.execute(
            insert(Participation),
            [
                {
                    "operation_id": operation.id,
                    "agency_id": agency_id,
                    "role": ParticipationRole.PARTICIPANT,
                    "created_at": now,
                }
                for agency_id in ordered[1:]
            ],
        )
        admin = await session.scalar(
            select(Operation.created_by_id).where(Operation.id == operation.id)
        )
        assert admin is not None
        return Seeded(code, operation.id, ordered, admin)


async def link_channels(stack: Stack, chats: Sequence[tuple[int, str, str, str]]) -> None:
    """Bind chats (agency id, platform, workspace, chat id) to agencies (bulk, setup only)."""
    now = stack.dispatcher.clock.now()
    async with stack.sessions() as session, session.begin():
        await session.execute(
            insert(Channel),
            [
                {
                    "platform": p,
                    "workspace": w,
                    "external_id": c,
                    "title": f"{p} {c}",
                    "agency_id": a,
                    "created_at": now,
                }
                for a, p, w, c in chats
            ],
        )


STATUS_CYCLE = (
    TaskStatus.OPEN,
    TaskStatus.IN_PROGRESS,
    TaskStatus.DONE,
    TaskStatus.OPEN,
    TaskStatus.BLOCKED,
    TaskStatus.DONE,
    TaskStatus.CANCELLED,
    TaskStatus.IN_PROGRESS,
)


async def bulk_tasks(
    stack: Stack,
    seeded: Seeded,
    count: int,
    *,
    due: Callable[[int], datetime | None],
    status: Callable[[int], TaskStatus] = lambda n: STATUS_CYCLE[n % len(STATUS_CYCLE)],
    chunk: int = 25_000,
) -> None:
    """Insert `count` tasks (Core executemany, in chunks) spread over the agencies."""
    now = stack.dispatcher.clock.now()
    agencies = seeded.agency_ids
    async with stack.sessions() as session, session.begin():
        first = await session.scalar(
            select(Operation.next_task_number).where(Operation.id == seeded.operation_id)
        )
        assert first is not None
        for start in range(0, count, chunk):
            rows: list[dict[str, Any]] = [
                {
                    "operation_id": seeded.operation_id,
                    "number": first + n,
                    "title": f"Task {first + n}",
                    "details": None,
                    "assignee_agency_id": agencies[n % len(agencies)],
                    "assignee_member_id": None,
                    "status": status(n),
                    "priority": Priority.NORMAL,
                    "due_at": due(n),
                    "tlp": TLP.GREEN,
                    "blocked_reason": "waiting" if status(n) == TaskStatus.BLOCKED else None,
                    "created_by_id": seeded.admin_member_id,
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(start, min(count, start + chunk))
            ]
            await session.execute(insert(Task), rows)
        # each task's next reminder instant, as the sweeps of a running bot left it: the
        # first "before" stage of the default offsets, or now for a task already in reach
        # (what the flush hook of operations.reminder.schedule and the sweep maintain)
        horizon = max(DEFAULT_OFFSETS)
        added = await session.execute(
            select(Task.id, Task.due_at, Task.status).where(
                Task.operation_id == seeded.operation_id, Task.number >= first
            )
        )
        schedule = [
            {
                "task_id": task_id,
                "next_at": None
                if due_at is None or task_status not in OPEN_TASK_STATUSES
                else max(now, due_at - horizon),
            }
            for task_id, due_at, task_status in added
        ]
        for start in range(0, len(schedule), chunk):
            await session.execute(insert(TaskReminderSchedule), schedule[start : start + chunk])
        await session.execute(
            update(Operation)
            .where(Operation.id == seeded.operation_id)
            .values(next_task_number=first + count)
        )
    await settle(stack)


async def settle(stack: Stack) -> None:
    """Leave the database as a restarted bot finds it after a bulk load.

    PostgreSQL: ANALYZE (what autovacuum does soon after a load). SQLite: jointops never runs
    ANALYZE, so neither do we; closing every pooled connection checkpoints the write-ahead log
    the bulk insert grew (hundreds of MB that would otherwise slow every later statement, which
    a live bot, checkpointing every 1,000 pages, never sees).
    """
    if stack.dialect == "postgresql":
        async with stack.engine.connect() as conn:
            await conn.execute(text("ANALYZE"))
            await conn.commit()
    await stack.engine.dispose()


def spread_due(now: datetime, *, past_fraction: float = 0.3) -> Callable[[int], datetime | None]:
    """Due times for summary data: some past (overdue when open), most within a year, some none."""

    def due(n: int) -> datetime | None:
        if n % 10 == 9:
            return None
        hours = (n * 7919) % (365 * 24)
        if (n % 100) < past_fraction * 100:
            return now - timedelta(hours=hours % 720 + 1)
        return now + timedelta(hours=hours + 1)

    return due


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)
