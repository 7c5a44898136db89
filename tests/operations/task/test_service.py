"""Tasks: numbering, assignment, the state machine, who may change what, listing."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from operations.actor import Actor
from operations.enums import TLP, Priority, TaskStatus
from operations.errors import Invalid, InvalidTransition, NotFound, NotPermitted
from operations.task import service
from operations.task.models import Task
from operations.task.service import TaskAction
from tests.conftest import START
from tests.operations.factories import Cast, make_operation, make_task

OP = "PANGEA-18"
LATER = START + timedelta(days=1)


async def transition(
    session: AsyncSession,
    actor: Actor,
    number: int,
    action: TaskAction,
    reason: str | None = None,
    *,
    code: str = OP,
    now: datetime = START,
) -> tuple[Task, TaskStatus]:
    async with session.begin():
        return await service.transition_task(
            session, actor=actor, code=code, number=number, action=action, reason=reason, now=now
        )


async def fetch(session: AsyncSession, actor: Actor, number: int, code: str = OP) -> Task:
    async with session.begin():
        return await service.get_task(session, actor=actor, code=code, number=number)


async def listed(session: AsyncSession, actor: Actor, **filters: object) -> list[int]:
    now = filters.pop("now", START)
    async with session.begin():
        _, tasks = await service.list_tasks(session, actor=actor, code=OP, now=now, **filters)  # type: ignore[arg-type]
    return [task.number for task in tasks]


# -- adding ---------------------------------------------------------------------------------


async def test_a_new_task_is_open_numbered_and_inherits_the_operations_tlp(
    session: AsyncSession, cast: Cast
) -> None:
    async with session.begin():
        task = await service.add_task(
            session,
            actor=cast.fr_coord,
            code="pangea-18",
            title="  Seize the server  ",
            assignee_code="us-fbi",
            due_at=LATER,
            details="Rack 4\nBuilding B",
            now=START,
        )
    assert (task.ref, task.title, task.details) == (
        "PANGEA-18#1",
        "Seize the server",
        "Rack 4\nBuilding B",
    )
    assert (task.status, task.priority, task.tlp) == (TaskStatus.OPEN, Priority.NORMAL, TLP.AMBER)
    assert (task.assignee_agency.code, task.assignee_member_id, task.due_at) == (
        "US-FBI",
        None,
        LATER,
    )
    assert (task.created_by_id, task.created_at, task.updated_at) == (
        cast.fr_coord.member_id,
        START,
        START,
    )
    stored = await fetch(session, cast.us_liaison, 1)
    assert (stored.title, stored.due_at, stored.blocked_reason) == ("Seize the server", LATER, None)


async def test_priority_and_tlp_can_be_given(session: AsyncSession, cast: Cast) -> None:
    task = await make_task(
        session, cast.fr_coord, OP, "FR-PN", priority=Priority.URGENT, tlp=TLP.RED
    )
    assert (task.priority, task.tlp) == (Priority.URGENT, TLP.RED)


async def test_numbers_are_sequential_per_operation_and_independent_across_operations(
    session: AsyncSession, cast: Cast
) -> None:
    await make_operation(session, cast.us_coord, "FBI-3", participants=["FR-PN"])
    refs = []
    for code, to in [
        (OP, "US-FBI"),
        (OP, "FR-PN"),
        ("FBI-3", "FR-PN"),
        (OP, "US-FBI"),
        ("FBI-3", "US-FBI"),
    ]:
        refs.append((await make_task(session, cast.admin, code, to)).ref)
    assert refs == ["PANGEA-18#1", "PANGEA-18#2", "FBI-3#1", "PANGEA-18#3", "FBI-3#2"]


async def test_tasks_added_at_once_get_distinct_sequential_numbers(
    sessions: async_sessionmaker[AsyncSession], cast: Cast
) -> None:
    async def add(n: int) -> int:
        async with sessions() as s, s.begin():
            task = await service.add_task(
                s, actor=cast.fr_coord, code=OP, title=f"t{n}", assignee_code="US-FBI", now=START
            )
            return task.number

    outcomes = await asyncio.gather(*(add(n) for n in range(5)), return_exceptions=True)
    assert sorted(outcomes) == [1, 2, 3, 4, 5], outcomes  # type: ignore[type-var]


async def test_a_refused_task_does_not_use_up_a_number(session: AsyncSession, cast: Cast) -> None:
    with pytest.raises(Invalid):
        await make_task(session, cast.fr_coord, OP, "US-FBI", due_at=START - timedelta(hours=1))
    assert (await make_task(session, cast.fr_coord, OP, "US-FBI")).number == 1


async def test_the_assignee_must_take_part_in_the_operation(
    session: AsyncSession, cast: Cast
) -> None:
    with pytest.raises(Invalid) as caught:
        await make_task(session, cast.fr_coord, OP, "DE-BKA")
    assert (caught.value.field, caught.value.reason) == ("assignee", "not_participating")
    assert caught.value.detail == {"agency": "DE-BKA", "operation": OP}


async def test_the_assignee_must_exist(session: AsyncSession, cast: Cast) -> None:
    with pytest.raises(NotFound) as caught:
        await make_task(session, cast.fr_coord, OP, "XX-NONE")
    assert (caught.value.kind, caught.value.key) == ("agency", "XX-NONE")


@pytest.mark.parametrize("offset", [timedelta(0), timedelta(minutes=-1)])
async def test_a_due_time_not_in_the_future_is_invalid(
    session: AsyncSession, cast: Cast, offset: timedelta
) -> None:
    with pytest.raises(Invalid) as caught:
        await make_task(session, cast.fr_coord, OP, "US-FBI", due_at=START + offset)
    assert (caught.value.field, caught.value.reason) == ("due", "past")


@pytest.mark.parametrize(
    ("title", "reason"),
    [("", "empty"), ("   ", "empty"), ("x" * 201, "too_long"), ("a\x00b", "control_character")],
)
async def test_a_bad_title_is_invalid(
    session: AsyncSession, cast: Cast, title: str, reason: str
) -> None:
    with pytest.raises(Invalid) as caught:
        await make_task(session, cast.fr_coord, OP, "US-FBI", title=title)
    assert (caught.value.field, caught.value.reason) == ("title", reason)


@pytest.mark.parametrize("who", ["fr_liaison", "us_liaison", "fr_observer", "supervisor"])
async def test_only_admins_and_coordinators_add_tasks(
    session: AsyncSession, cast: Cast, who: str
) -> None:
    with pytest.raises(NotPermitted) as caught:
        await make_task(session, getattr(cast, who), OP, "US-FBI")
    assert caught.value.action == "task add"


async def test_an_unknown_task_is_not_found(session: AsyncSession, cast: Cast) -> None:
    with pytest.raises(NotFound) as caught:
        await fetch(session, cast.fr_coord, 99)
    assert (caught.value.kind, caught.value.key) == ("task", "PANGEA-18#99")


# -- the state machine ----------------------------------------------------------------------

# how to bring a fresh (open) task to each state
PATH_TO: dict[TaskStatus, list[TaskAction]] = {
    TaskStatus.OPEN: [],
    TaskStatus.IN_PROGRESS: [TaskAction.START],
    TaskStatus.BLOCKED: [TaskAction.BLOCK],
    TaskStatus.DONE: [TaskAction.DONE],
    TaskStatus.CANCELLED: [TaskAction.CANCEL],
}
LIFE_CYCLE = {
    (TaskAction.START, TaskStatus.OPEN): TaskStatus.IN_PROGRESS,
    (TaskAction.START, TaskStatus.BLOCKED): TaskStatus.IN_PROGRESS,
    (TaskAction.DONE, TaskStatus.OPEN): TaskStatus.DONE,
    (TaskAction.DONE, TaskStatus.IN_PROGRESS): TaskStatus.DONE,
    (TaskAction.DONE, TaskStatus.BLOCKED): TaskStatus.DONE,
    (TaskAction.BLOCK, TaskStatus.OPEN): TaskStatus.BLOCKED,
    (TaskAction.BLOCK, TaskStatus.IN_PROGRESS): TaskStatus.BLOCKED,
    (TaskAction.REOPEN, TaskStatus.DONE): TaskStatus.OPEN,
    (TaskAction.REOPEN, TaskStatus.CANCELLED): TaskStatus.OPEN,
    (TaskAction.CANCEL, TaskStatus.OPEN): TaskStatus.CANCELLED,
    (TaskAction.CANCEL, TaskStatus.IN_PROGRESS): TaskStatus.CANCELLED,
    (TaskAction.CANCEL, TaskStatus.BLOCKED): TaskStatus.CANCELLED,
}


def allowed() -> dict[tuple[TaskAction, TaskStatus], TaskStatus]:
    return {
        (action, source): target
        for action, (sources, target) in service.TRANSITIONS.items()
        for source in sources
    }


def test_the_transitions_table_is_the_documented_life_cycle() -> None:
    assert allowed() == LIFE_CYCLE


@pytest.mark.parametrize("action", list(TaskAction))
async def test_every_transition_of_the_table_is_allowed_and_every_other_refused(
    session: AsyncSession, cast: Cast, action: TaskAction
) -> None:
    """One task per starting state (task n+1 starts in the n-th state of TaskStatus)."""
    states = list(TaskStatus)
    for number, current in enumerate(states, start=1):
        await make_task(session, cast.fr_coord, OP, "US-FBI")
        for step in PATH_TO[current]:
            await transition(session, cast.fr_coord, number, step, "waiting for a warrant")
    later = START + timedelta(minutes=5)
    for number, current in enumerate(states, start=1):
        target = allowed().get((action, current))
        if target is None:
            with pytest.raises(InvalidTransition) as caught:
                await transition(session, cast.fr_coord, number, action, "again", now=later)
            assert (caught.value.kind, caught.value.key, caught.value.current) == (
                "task",
                f"PANGEA-18#{number}",
                current,
            ), current
            assert (await fetch(session, cast.fr_coord, number)).status == current
        else:
            task, former = await transition(
                session, cast.fr_coord, number, action, "waiting", now=later
            )
            assert (former, task.status, task.updated_at) == (current, target, later)
            assert (await fetch(session, cast.fr_coord, number)).status == target


@pytest.mark.parametrize("reason", [None, "", "   "])
async def test_blocking_needs_a_reason(
    session: AsyncSession, cast: Cast, reason: str | None
) -> None:
    await make_task(session, cast.fr_coord, OP, "US-FBI")
    with pytest.raises(Invalid) as caught:
        await transition(session, cast.fr_coord, 1, TaskAction.BLOCK, reason)
    assert (caught.value.field, caught.value.reason) == ("reason", "empty")
    assert (await fetch(session, cast.fr_coord, 1)).status == TaskStatus.OPEN


async def test_a_block_reason_is_checked_like_any_text(session: AsyncSession, cast: Cast) -> None:
    await make_task(session, cast.fr_coord, OP, "US-FBI")
    with pytest.raises(Invalid) as caught:
        await transition(session, cast.fr_coord, 1, TaskAction.BLOCK, "evil \u202e txt")
    assert (caught.value.field, caught.value.reason) == ("reason", "control_character")


@pytest.mark.parametrize("leave", [TaskAction.START, TaskAction.DONE, TaskAction.CANCEL])
async def test_the_block_reason_is_stored_and_cleared_on_leaving_blocked(
    session: AsyncSession, cast: Cast, leave: TaskAction
) -> None:
    await make_task(session, cast.fr_coord, OP, "US-FBI")
    blocked, _ = await transition(
        session, cast.us_liaison, 1, TaskAction.BLOCK, "  waiting for a warrant "
    )
    assert blocked.blocked_reason == "waiting for a warrant"
    assert (await fetch(session, cast.fr_coord, 1)).blocked_reason == "waiting for a warrant"
    await transition(session, cast.fr_coord, 1, leave)
    stored = await fetch(session, cast.fr_coord, 1)
    assert stored.blocked_reason is None


async def test_a_reason_given_to_another_action_is_not_stored(
    session: AsyncSession, cast: Cast
) -> None:
    await make_task(session, cast.fr_coord, OP, "US-FBI")
    task, _ = await transition(session, cast.fr_coord, 1, TaskAction.START, "ignored")
    assert task.blocked_reason is None


# -- who may change what --------------------------------------------------------------------


@pytest.mark.parametrize("action", [TaskAction.START, TaskAction.BLOCK, TaskAction.DONE])
async def test_a_liaison_updates_their_own_agencys_tasks(
    session: AsyncSession, cast: Cast, action: TaskAction
) -> None:
    await make_task(session, cast.fr_coord, OP, "US-FBI")
    task, _ = await transition(session, cast.us_liaison, 1, action, "no warrant yet")
    assert task.status == LIFE_CYCLE[(action, TaskStatus.OPEN)]


async def test_a_liaison_reopens_their_own_agencys_done_task(
    session: AsyncSession, cast: Cast
) -> None:
    await make_task(session, cast.fr_coord, OP, "US-FBI")
    await transition(session, cast.us_liaison, 1, TaskAction.DONE)
    task, _ = await transition(session, cast.us_liaison, 1, TaskAction.REOPEN)
    assert task.status == TaskStatus.OPEN


@pytest.mark.parametrize(
    "action", [TaskAction.START, TaskAction.BLOCK, TaskAction.DONE, TaskAction.REOPEN]
)
async def test_a_liaison_may_not_update_another_agencys_task(
    session: AsyncSession, cast: Cast, action: TaskAction
) -> None:
    await make_task(session, cast.fr_coord, OP, "FR-PN")
    with pytest.raises(NotPermitted) as caught:
        await transition(session, cast.us_liaison, 1, action, "because")
    assert caught.value.reason == "policy"
    assert (await fetch(session, cast.fr_coord, 1)).status == TaskStatus.OPEN


async def test_a_liaison_may_not_cancel_even_their_own_agencys_task(
    session: AsyncSession, cast: Cast
) -> None:
    await make_task(session, cast.fr_coord, OP, "US-FBI")
    with pytest.raises(NotPermitted) as caught:
        await transition(session, cast.us_liaison, 1, TaskAction.CANCEL)
    assert (caught.value.action, caught.value.reason) == ("task cancel", "policy")


async def test_a_liaison_may_not_assign_or_reschedule_even_their_own_agencys_task(
    session: AsyncSession, cast: Cast
) -> None:
    await make_task(session, cast.fr_coord, OP, "US-FBI")
    with pytest.raises(NotPermitted):
        async with session.begin():
            await service.assign_task(
                session, actor=cast.us_liaison, code=OP, number=1, agency_code="FR-PN", now=START
            )
    with pytest.raises(NotPermitted):
        async with session.begin():
            await service.reschedule_task(
                session, actor=cast.us_liaison, code=OP, number=1, due_at=LATER, now=START
            )


@pytest.mark.parametrize("who", ["fr_observer", "supervisor"])
async def test_observers_and_supervisors_may_not_update_tasks(
    session: AsyncSession, cast: Cast, who: str
) -> None:
    await make_task(session, cast.fr_coord, OP, "FR-PN")
    for action in TaskAction:
        with pytest.raises(NotPermitted):
            await transition(session, getattr(cast, who), 1, action, "because")
    for change in ("assign", "due"):
        with pytest.raises(NotPermitted):
            async with session.begin():
                if change == "assign":
                    await service.assign_task(
                        session,
                        actor=getattr(cast, who),
                        code=OP,
                        number=1,
                        agency_code="US-FBI",
                        now=START,
                    )
                else:
                    await service.reschedule_task(
                        session,
                        actor=getattr(cast, who),
                        code=OP,
                        number=1,
                        due_at=LATER,
                        now=START,
                    )
    assert (await fetch(session, cast.fr_coord, 1)).status == TaskStatus.OPEN


async def test_lead_coordinators_update_any_task_participant_coordinators_only_their_own(
    session: AsyncSession, cast: Cast
) -> None:
    """A participant's coordinator closing another agency's task was a leak of control."""
    await make_task(session, cast.fr_coord, OP, "FR-PN")
    await make_task(session, cast.fr_coord, OP, "US-FBI")
    with pytest.raises(NotPermitted) as caught:
        await transition(session, cast.us_coord, 1, TaskAction.CANCEL)
    assert (caught.value.reason, caught.value.operation, caught.value.lead) == (
        "policy",
        OP,
        "FR-PN",
    )
    own, _ = await transition(session, cast.us_coord, 2, TaskAction.DONE)
    assert own.status == TaskStatus.DONE
    led, _ = await transition(session, cast.fr_coord, 2, TaskAction.REOPEN)
    assert led.status == TaskStatus.OPEN


# -- assignment and due times --------------------------------------------------------------


async def test_assigning_moves_the_task_and_returns_the_former_agency(
    session: AsyncSession, cast: Cast
) -> None:
    await make_task(session, cast.fr_coord, OP, "US-FBI")
    async with session.begin():
        task, previous = await service.assign_task(
            session, actor=cast.fr_coord, code=OP, number=1, agency_code="fr-pn", now=LATER
        )
    assert (previous.code, task.assignee_agency.code, task.updated_at) == ("US-FBI", "FR-PN", LATER)
    stored = await fetch(session, cast.fr_liaison, 1)
    assert (stored.assignee_agency_id, stored.assignee_member_id) == (cast.fr.id, None)


async def test_assigning_to_the_same_agency_is_invalid(session: AsyncSession, cast: Cast) -> None:
    await make_task(session, cast.fr_coord, OP, "US-FBI")
    with pytest.raises(Invalid) as caught:
        async with session.begin():
            await service.assign_task(
                session, actor=cast.fr_coord, code=OP, number=1, agency_code="US-FBI", now=START
            )
    assert (caught.value.field, caught.value.reason) == ("assignee", "unchanged")


async def test_assigning_to_an_agency_outside_the_operation_is_invalid(
    session: AsyncSession, cast: Cast
) -> None:
    await make_task(session, cast.fr_coord, OP, "US-FBI")
    with pytest.raises(Invalid) as caught:
        async with session.begin():
            await service.assign_task(
                session, actor=cast.fr_coord, code=OP, number=1, agency_code="DE-BKA", now=START
            )
    assert caught.value.reason == "not_participating"


async def test_rescheduling_returns_the_former_due_time(session: AsyncSession, cast: Cast) -> None:
    await make_task(session, cast.fr_coord, OP, "US-FBI", due_at=LATER)
    new_due = START + timedelta(days=3)
    async with session.begin():
        task, previous = await service.reschedule_task(
            session, actor=cast.us_coord, code=OP, number=1, due_at=new_due, now=START
        )
    assert (previous, task.due_at) == (LATER, new_due)
    assert (await fetch(session, cast.fr_coord, 1)).due_at == new_due


async def test_rescheduling_into_the_past_is_invalid(session: AsyncSession, cast: Cast) -> None:
    await make_task(session, cast.fr_coord, OP, "US-FBI", due_at=LATER)
    with pytest.raises(Invalid) as caught:
        async with session.begin():
            await service.reschedule_task(
                session, actor=cast.fr_coord, code=OP, number=1, due_at=START, now=START
            )
    assert (caught.value.field, caught.value.reason) == ("due", "past")
    assert (await fetch(session, cast.fr_coord, 1)).due_at == LATER


@pytest.mark.parametrize("finish", [TaskAction.DONE, TaskAction.CANCEL])
async def test_a_finished_task_cannot_be_rescheduled(
    session: AsyncSession, cast: Cast, finish: TaskAction
) -> None:
    await make_task(session, cast.fr_coord, OP, "US-FBI")
    await transition(session, cast.fr_coord, 1, finish)
    with pytest.raises(InvalidTransition) as caught:
        async with session.begin():
            await service.reschedule_task(
                session, actor=cast.fr_coord, code=OP, number=1, due_at=LATER, now=START
            )
    assert caught.value.current == LIFE_CYCLE[(finish, TaskStatus.OPEN)]


# -- listing --------------------------------------------------------------------------------


@pytest.fixture
async def several(session: AsyncSession, cast: Cast) -> Cast:
    """#1 US due in 1h, #2 FR due in 2d, #3 US no due, #4 FR due in 1h then done, #5 US in 1h blocked."""
    for to, due in [
        ("US-FBI", timedelta(hours=1)),
        ("FR-PN", timedelta(days=2)),
        ("US-FBI", None),
        ("FR-PN", timedelta(hours=1)),
        ("US-FBI", timedelta(hours=1)),
    ]:
        await make_task(session, cast.fr_coord, OP, to, due_at=START + due if due else None)
    await transition(session, cast.fr_coord, 4, TaskAction.DONE)
    await transition(session, cast.fr_coord, 5, TaskAction.BLOCK, "no warrant")
    return cast


async def test_tasks_are_listed_by_number(session: AsyncSession, several: Cast) -> None:
    assert await listed(session, several.supervisor) == [1, 2, 3, 4, 5]


async def test_tasks_are_filtered_by_agency(session: AsyncSession, several: Cast) -> None:
    assert await listed(session, several.fr_observer, agency_code="us-fbi") == [1, 3, 5]
    assert await listed(session, several.fr_observer, agency_code="FR-PN") == [2, 4]


async def test_overdue_tasks_are_open_ones_past_their_due_time(
    session: AsyncSession, several: Cast
) -> None:
    assert await listed(session, several.fr_coord, overdue=True) == []
    later = START + timedelta(hours=3)
    assert await listed(session, several.fr_coord, overdue=True, now=later) == [1, 5]
    much_later = START + timedelta(days=5)
    assert await listed(session, several.fr_coord, overdue=True, now=much_later) == [1, 2, 5]


async def test_mine_lists_my_agencys_tasks(session: AsyncSession, several: Cast) -> None:
    assert await listed(session, several.us_liaison, mine=True) == [1, 3, 5]
    assert await listed(session, several.fr_observer, mine=True) == [2, 4]
    later = START + timedelta(hours=3)
    assert await listed(session, several.us_liaison, mine=True, overdue=True, now=later) == [1, 5]


async def test_filtering_on_an_unknown_agency_is_not_found(
    session: AsyncSession, several: Cast
) -> None:
    with pytest.raises(NotFound):
        await listed(session, several.fr_coord, agency_code="XX-NONE")


# -- editing --------------------------------------------------------------------------------


async def edit(session: AsyncSession, actor: Actor, number: int, **changes: object) -> list[str]:
    async with session.begin():
        _task, changed = await service.edit_task(
            session,
            actor=actor,
            code=OP,
            number=number,
            now=LATER,
            **changes,  # type: ignore[arg-type]
        )
        return changed


async def test_edit_changes_only_what_differs_and_is_audited(
    session: AsyncSession, cast: Cast
) -> None:
    await make_task(session, cast.fr_coord, OP, "US-FBI", title="Old")
    changed = await edit(
        session, cast.us_coord, 1, title="New", priority=Priority.NORMAL, details="More"
    )
    assert changed == ["details", "title"]  # the priority was already normal
    task = await fetch(session, cast.us_coord, 1)
    assert (task.title, task.details, task.updated_at) == ("New", "More", LATER)
    assert await edit(session, cast.admin, 1, tlp=TLP.RED) == ["tlp"]
    assert (await fetch(session, cast.admin, 1)).tlp == TLP.RED


async def test_edit_with_nothing_to_change(session: AsyncSession, cast: Cast) -> None:
    await make_task(session, cast.fr_coord, OP, "US-FBI", title="Same")
    with pytest.raises(Invalid) as caught:
        await edit(session, cast.fr_coord, 1)
    assert caught.value.reason == "nothing_to_change"
    with pytest.raises(Invalid) as caught:
        await edit(session, cast.fr_coord, 1, title="Same")
    assert caught.value.reason == "unchanged"


async def test_who_may_edit(session: AsyncSession, cast: Cast) -> None:
    await make_task(session, cast.fr_coord, OP, "FR-PN")
    for actor in (cast.us_coord, cast.fr_liaison, cast.fr_observer):  # not a task manager
        with pytest.raises(NotPermitted):
            await edit(session, actor, 1, title="Mine now")
    with pytest.raises(NotFound):
        await edit(session, cast.de_coord, 1, title="Mine now")
