"""Summaries of one operation and the overview of all active ones."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from operations.actor import Actor
from operations.enums import ParticipationRole, TaskStatus
from operations.errors import NotFound
from operations.operation import service as operation_service
from operations.status import service as status_service
from operations.summary import service
from operations.task.service import TaskAction, transition_task
from tests.conftest import START
from tests.operations.factories import (
    Cast,
    StatementCounter,
    make_admin,
    make_agency,
    make_operation,
    make_task,
    tx,
)

OP = "PANGEA-18"
NOW = START + timedelta(hours=2)
ZERO = {"open": 0, "in_progress": 0, "blocked": 0, "done": 0, "cancelled": 0, "overdue": 0}


async def move(
    session: AsyncSession, actor: Actor, number: int, action: TaskAction, code: str = OP
) -> None:
    async with tx(session):
        await transition_task(
            session, actor=actor, code=code, number=number, action=action, reason="stuck", now=START
        )


async def post(session: AsyncSession, actor: Actor, code: str, text: str, minutes: int) -> None:
    async with tx(session):
        await status_service.post_status(
            session, actor=actor, code=code, text=text, now=START + timedelta(minutes=minutes)
        )


async def summarize(
    session: AsyncSession, actor: Actor, code: str = OP
) -> service.OperationSummary:
    async with session.begin():
        return await service.summarize_operation(session, actor=actor, code=code, now=NOW)


async def overview(session: AsyncSession, actor: Actor) -> list[service.OverviewLine]:
    async with session.begin():
        return await service.overview(session, actor=actor, now=NOW)


@pytest.fixture
async def mixed(session: AsyncSession, cast: Cast) -> Cast:
    """PANGEA-18 at START+2h: FR-PN lead, US-FBI participant, DE-BKA observer with no task.

    #1 FR open, due +1h (overdue)         #5 US blocked, due +1h (overdue)
    #2 FR in progress, due +5h             #6 US cancelled, due +1h (not overdue: closed)
    #3 FR blocked, no due                  #7 US in progress, due +30min (overdue)
    #4 FR done, due +1h (not overdue)      #8 US open, no due
    """
    fr = cast.fr_coord
    async with tx(session):
        await operation_service.add_participant(
            session,
            actor=fr,
            code=OP,
            agency_code="DE-BKA",
            role=ParticipationRole.OBSERVER,
            now=START,
        )
        for to, due in [
            ("FR-PN", 60), ("FR-PN", 300), ("FR-PN", None), ("FR-PN", 60),
            ("US-FBI", 60), ("US-FBI", 60), ("US-FBI", 30), ("US-FBI", None),
        ]:  # fmt: skip
            await make_task(
                session,
                fr,
                OP,
                to,
                due_at=None if due is None else START + timedelta(minutes=due),
            )
        for number, action in [
            (2, TaskAction.START), (3, TaskAction.BLOCK), (4, TaskAction.DONE),
            (5, TaskAction.BLOCK), (6, TaskAction.CANCEL), (7, TaskAction.START),
        ]:  # fmt: skip
            await move(session, fr, number, action)
        await post(session, fr, OP, "first", 0)
        await post(session, cast.us_coord, OP, "second", 10)
        await post(session, fr, OP, "third", 20)
        await post(session, cast.admin, OP, "fourth", 30)
    return cast


async def test_per_agency_counts_are_right_for_a_mixed_set_of_tasks(
    session: AsyncSession, mixed: Cast
) -> None:
    summary = await summarize(session, mixed.us_liaison)
    lines = {a.code: (a.role, a.counts) for a in summary.agencies}
    assert lines == {
        "FR-PN": (
            ParticipationRole.LEAD,
            {"open": 1, "in_progress": 1, "blocked": 1, "done": 1, "cancelled": 0, "overdue": 1},
        ),
        "US-FBI": (
            ParticipationRole.PARTICIPANT,
            {"open": 1, "in_progress": 1, "blocked": 1, "done": 0, "cancelled": 1, "overdue": 2},
        ),
        "DE-BKA": (ParticipationRole.OBSERVER, ZERO),
    }
    assert [a.code for a in summary.agencies] == ["FR-PN", "US-FBI", "DE-BKA"]
    assert summary.agencies[0].name == "Agency FR-PN"
    assert summary.totals == {
        "open": 2,
        "in_progress": 2,
        "blocked": 2,
        "done": 1,
        "cancelled": 1,
        "overdue": 3,
    }


async def test_attention_lists_blocked_and_overdue_tasks_most_overdue_first(
    session: AsyncSession, mixed: Cast
) -> None:
    summary = await summarize(session, mixed.fr_observer)
    assert [t.ref for t in summary.attention] == [
        "PANGEA-18#7",
        "PANGEA-18#1",
        "PANGEA-18#5",
        "PANGEA-18#3",
    ]
    assert {t.status for t in summary.attention} <= {
        TaskStatus.OPEN,
        TaskStatus.IN_PROGRESS,
        TaskStatus.BLOCKED,
    }
    assert summary.attention[0].assignee_agency.code == "US-FBI"


async def test_attention_takes_the_most_overdue_across_all_open_statuses(
    session: AsyncSession,
) -> None:
    """More overdue tasks than the list holds, spread over open, in progress and blocked:
    the list is the globally most overdue (ties by number), not the first of each status."""
    admin = await make_admin(session)
    async with tx(session):
        for code in ("AG-01", "AG-02"):
            await make_agency(session, admin, code)
    await _populate(session, admin, "WIDE-1", ["AG-01", "AG-02"], 0)
    due_minutes = {n: 30 + (n * 37) % 80 for n in range(1, 25)}  # all before NOW, with ties
    async with tx(session):
        for n in range(1, 25):
            await make_task(
                session, admin, "WIDE-1", "AG-02", due_at=START + timedelta(minutes=due_minutes[n])
            )
    for n in range(1, 25):
        if n % 3 == 1:
            await move(session, admin, n, TaskAction.START, "WIDE-1")
        elif n % 3 == 2:
            await move(session, admin, n, TaskAction.BLOCK, "WIDE-1")
    summary = await summarize(session, admin, "WIDE-1")
    expected = sorted(due_minutes, key=lambda n: (due_minutes[n], n))[: service.ATTENTION_LIMIT]
    assert [t.number for t in summary.attention] == expected
    assert len({t.status for t in summary.attention}) == 3


async def test_attention_lists_blocked_tasks_after_the_overdue_ones_by_number(
    session: AsyncSession,
) -> None:
    admin = await make_admin(session)
    async with tx(session):
        await make_agency(session, admin, "AG-01")
    await _populate(session, admin, "FEW-1", ["AG-01"], 0)
    later = START + timedelta(hours=5)
    dues = [later, None, START + timedelta(minutes=90), later, START + timedelta(minutes=40)]
    async with tx(session):
        for due in dues:
            await make_task(session, admin, "FEW-1", "AG-01", due_at=due)
    for n in (1, 2, 4):
        await move(session, admin, n, TaskAction.BLOCK, "FEW-1")
    summary = await summarize(session, admin, "FEW-1")
    # #5 and #3 are overdue (most overdue first); #1, #2 and #4 are blocked, not yet due
    assert [t.number for t in summary.attention] == [5, 3, 1, 2, 4]


async def test_the_summary_carries_the_three_latest_updates(
    session: AsyncSession, mixed: Cast
) -> None:
    summary = await summarize(session, mixed.supervisor)
    assert [(u.text, name) for u, name in summary.updates] == [
        ("fourth", "Admin"),
        ("third", "coordinator of FR-PN"),
        ("second", "coordinator of US-FBI"),
    ]


async def test_an_operation_without_tasks_sums_to_zero(session: AsyncSession, cast: Cast) -> None:
    summary = await summarize(session, cast.fr_coord)
    assert [(a.code, a.counts) for a in summary.agencies] == [("FR-PN", ZERO), ("US-FBI", ZERO)]
    assert summary.totals == ZERO
    assert (summary.attention, summary.updates) == ([], [])


async def test_outsiders_cannot_summarize(session: AsyncSession, mixed: Cast) -> None:
    await make_operation(session, mixed.de_coord, "BKA-7")
    with pytest.raises(NotFound):
        await summarize(session, mixed.us_liaison, "BKA-7")


async def test_the_overview_shows_only_active_visible_operations(
    session: AsyncSession, mixed: Cast
) -> None:
    us, de = mixed.us_coord, mixed.de_coord
    await make_operation(session, us, "FBI-3", participants=["FR-PN"], start=True)
    await make_operation(session, de, "BKA-7", start=True)
    await make_operation(session, de, "PLANNED-1")
    await make_operation(session, de, "PAUSED-1", start=True)
    await make_operation(session, de, "OVER-1", start=True)
    async with session.begin():
        await operation_service.change_status(
            session, actor=de, code="PAUSED-1", action="suspend", now=START
        )
        await operation_service.change_status(
            session, actor=de, code="OVER-1", action="close", now=START
        )
    await make_task(session, us, "FBI-3", "FR-PN", due_at=START + timedelta(hours=3))
    await post(session, us, "FBI-3", "go", 45)

    def codes(lines: list[service.OverviewLine]) -> list[str]:
        return [line.operation.code for line in lines]

    assert codes(await overview(session, mixed.supervisor)) == ["BKA-7", "FBI-3", "PANGEA-18"]
    assert codes(await overview(session, mixed.admin)) == ["BKA-7", "FBI-3", "PANGEA-18"]
    assert codes(await overview(session, mixed.fr_observer)) == ["FBI-3", "PANGEA-18"]
    assert codes(await overview(session, mixed.us_liaison)) == ["FBI-3", "PANGEA-18"]
    # DE-BKA observes PANGEA-18 (see `mixed`), and runs BKA-7
    assert codes(await overview(session, mixed.de_coord)) == ["BKA-7", "PANGEA-18"]

    lines = {line.operation.code: line for line in await overview(session, mixed.admin)}
    assert (lines["BKA-7"].agencies, lines["BKA-7"].counts, lines["BKA-7"].last_update) == (
        1,
        ZERO,
        None,
    )
    fbi = lines["FBI-3"]
    assert (fbi.agencies, fbi.counts, fbi.last_update) == (
        2,
        {**ZERO, "open": 1, "overdue": 0},
        START + timedelta(minutes=45),
    )
    pangea = lines["PANGEA-18"]
    assert pangea.agencies == 3
    assert pangea.counts == {
        "open": 2,
        "in_progress": 2,
        "blocked": 2,
        "done": 1,
        "cancelled": 1,
        "overdue": 3,
    }
    assert pangea.last_update == START + timedelta(minutes=30)
    assert pangea.last_update.utcoffset() == timedelta(0)


async def _populate(
    session: AsyncSession, admin: Actor, code: str, agencies: list[str], tasks: int
) -> None:
    """An active operation with these agencies and a mix of task states and due times."""
    async with tx(session):
        await make_operation(
            session, admin, code, lead=agencies[0], participants=agencies[1:], start=True
        )
        for n in range(tasks):
            due = START + timedelta(minutes=30 + 60 * (n % 4)) if n % 3 else None
            await make_task(session, admin, code, agencies[n % len(agencies)], due_at=due)
        for n in range(1, tasks + 1):
            action = [None, TaskAction.START, TaskAction.BLOCK, TaskAction.DONE, TaskAction.CANCEL][
                n % 5
            ]
            if action is not None:
                await move(session, admin, n, action, code)
        await post(session, admin, code, "on it", 5)
        await post(session, admin, code, "still on it", 6)


async def test_summaries_take_a_bounded_number_of_statements(
    session: AsyncSession, sessions: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    admin = await make_admin(session)
    codes = [f"AG-{n:02}" for n in range(1, 13)]
    async with tx(session):
        for code in codes:
            await make_agency(session, admin, code)
    await _populate(session, admin, "SMALL-1", codes[:3], 5)
    await _populate(session, admin, "BIG-1", codes, 60)

    async def counted(code: str) -> tuple[int, service.OperationSummary]:
        async with sessions() as fresh, fresh.begin():
            with StatementCounter(engine) as counter:
                summary = await service.summarize_operation(fresh, actor=admin, code=code, now=NOW)
        return counter.count, summary

    small_count, small = await counted("SMALL-1")
    big_count, big = await counted("BIG-1")
    assert (len(small.agencies), sum(small.totals[s] for s in TaskStatus)) == (3, 5)
    assert (len(big.agencies), sum(big.totals[s] for s in TaskStatus)) == (12, 60)
    assert len(big.attention) == service.ATTENTION_LIMIT
    assert big_count == small_count
    # operation, agencies, 2 counts, 4 attention (overdue per open status, blocked), updates,
    # deliveries
    assert small_count <= 10


async def test_the_overview_takes_a_bounded_number_of_statements(
    session: AsyncSession, sessions: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    admin = await make_admin(session)
    codes = [f"AG-{n:02}" for n in range(1, 5)]
    async with tx(session):
        for code in codes:
            await make_agency(session, admin, code)
    await _populate(session, admin, "ONE-1", codes[:2], 3)

    async def counted() -> tuple[int, int]:
        async with sessions() as fresh, fresh.begin():
            with StatementCounter(engine) as counter:
                lines = await service.overview(fresh, actor=admin, now=NOW)
        return counter.count, len(lines)

    one = await counted()
    for n in range(2, 7):
        await _populate(session, admin, f"MORE-{n}", codes, 8)
    many = await counted()
    assert (one[1], many[1]) == (1, 6)
    assert one[0] == many[0]
