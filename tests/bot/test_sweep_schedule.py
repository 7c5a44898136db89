"""The sweep reads what is due, not what exists: a backlog of overdue tasks already reminded
today is not read again, and tasks due now are reminded first (issue 12, item 7)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FakeClock
from bot.reminders import ReminderSweeper
from operations.enums import TaskStatus
from operations.reminder import queries as reminder_queries
from operations.reminder import service as reminder_service
from operations.reminder.models import ReminderLog, TaskReminderSchedule
from operations.task import queries as task_queries
from operations.task.models import Task
from tests.conftest import START
from tests.operations.factories import Cast, make_cast, make_task

H = timedelta(hours=1)
D = timedelta(days=1)
BACKLOG = 30
LIMIT = 10  # the sweep's limit, made small so that a backlog of 30 outnumbers it


@pytest.fixture
async def cast(sessions: async_sessionmaker[AsyncSession]) -> Cast:
    async with sessions() as session:
        return await make_cast(session)


async def add_tasks(
    sessions: async_sessionmaker[AsyncSession], cast: Cast, dues: list[datetime], now: datetime
) -> list[int]:
    async with sessions() as session, session.begin():
        tasks = [
            await make_task(session, cast.fr_coord, "PANGEA-18", "US-FBI", due_at=due, now=now)
            for due in dues
        ]
        return [t.number for t in tasks]


async def reminded(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        count = await session.scalar(
            select(func.count()).select_from(ReminderLog).where(ReminderLog.key.like("task:%"))
        )
        return int(count or 0)


@pytest.fixture
def small_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reminder_service, "SWEEP_LIMIT", LIMIT)


@pytest.mark.usefixtures("small_limit")
async def test_tasks_due_now_are_not_starved_by_a_reminded_backlog(
    cast: Cast, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    # 30 tasks overdue by 2 days, all reminded today (several sweeps drain them)
    past = START - 10 * D
    await add_tasks(
        sessions, cast, [START - 2 * D - n * timedelta(minutes=1) for n in range(BACKLOG)], past
    )
    sweep = ReminderSweeper(sessions, clock, offsets=(24 * H, H))
    while await sweep.sweep():
        pass
    assert await reminded(sessions) == BACKLOG
    # three tasks reach their due time now: the first sweep reminds them
    clock.set(START + 5 * H)
    await add_tasks(
        sessions, cast, [START + 5 * H - n * timedelta(minutes=1) for n in range(3)], past
    )
    assert await sweep.sweep() == 3
    assert await reminded(sessions) == BACKLOG + 3


@pytest.mark.usefixtures("small_limit")
async def test_a_sweep_reads_only_the_tasks_it_reminds(
    cast: Cast,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    past = START - 10 * D
    await add_tasks(
        sessions, cast, [START - 2 * D - n * timedelta(minutes=1) for n in range(BACKLOG)], past
    )
    sweep = ReminderSweeper(sessions, clock, offsets=(24 * H, H))
    while await sweep.sweep():
        pass
    read: list[int] = []
    real = reminder_queries.scheduled_due

    async def counting(session: AsyncSession, now: datetime, *, limit: int) -> Any:
        rows = await real(session, now, limit=limit)
        read.append(len(rows))
        return rows

    monkeypatch.setattr(reminder_queries, "scheduled_due", counting)
    clock.set(START + 5 * H)  # later the same day: nothing new is due
    assert await sweep.sweep() == 0
    assert read == [0]  # the 30 reminded tasks were not read
    await add_tasks(sessions, cast, [START + 5 * H - timedelta(minutes=1)], past)
    assert await sweep.sweep() == 1
    assert read[-1] == 1
    # the next day every backlog task has its next stage: all are read (3 sweeps of 10)
    clock.set(START + D + 6 * H)
    fired = 0
    while n := await sweep.sweep():
        fired += n
    assert fired == BACKLOG + 1
    # each task's next instant is its next stage, in the future
    async with sessions() as session:
        soonest = await session.scalar(select(func.min(TaskReminderSchedule.next_at)))
    assert soonest is not None and soonest > clock.now()


async def test_a_closed_task_leaves_the_schedule(
    cast: Cast, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await add_tasks(sessions, cast, [START + 2 * D], START)
    async with sessions() as session, session.begin():
        task = await session.scalar(select(Task))
        assert task is not None
        task.status = TaskStatus.DONE
    async with sessions() as session:
        assert await session.scalar(select(TaskReminderSchedule.next_at)) is None


async def plan(session: AsyncSession, run: Callable[[], Awaitable[object]]) -> str:
    """The plans of the statements `run` executes as run (its real parameters), EXPLAINed beside it on the same
    connection; on PostgreSQL with sequential scans discouraged, as a big table would."""
    conn = await session.connection()
    sync = conn.sync_connection
    assert sync is not None
    dialect = sync.dialect.name
    shown: list[str] = []

    def explain(_c: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        raw = cursor.connection.cursor() if dialect == "sqlite" else cursor
        if dialect == "sqlite":
            raw.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
            shown.extend(str(r[-1]) for r in raw.fetchall())
        else:
            raw.execute("SET LOCAL enable_seqscan = off")
            raw.execute(f"EXPLAIN {statement}", parameters)
            shown.extend(str(r[0]) for r in raw.fetchall())

    event.listen(sync, "before_cursor_execute", explain)
    try:
        await run()
    finally:
        event.remove(sync, "before_cursor_execute", explain)
    return "\n".join(shown)


async def test_the_sweep_query_walks_the_schedule_index(
    cast: Cast, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session, session.begin():
        shown = await plan(session, lambda: reminder_queries.scheduled_due(session, START, limit=9))
    assert "ix_task_reminder_schedule_next_at" in shown, shown


async def test_the_overdue_list_uses_a_due_time_index(
    cast: Cast, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session, session.begin():
        shown = await plan(
            session,
            lambda: task_queries.list_for_operation(session, cast.op.id, overdue_at=START),
        )
    # the overdue tasks come from a (status, due_at) index, not a walk of the operation
    assert "status_due" in shown, shown
    assert "uq_task_operation_id_number" not in shown, shown
