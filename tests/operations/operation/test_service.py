"""Creating operations, need-to-know, bringing agencies in and the operation's life."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from operations.actor import Actor
from operations.delivery import service as delivery_service
from operations.delivery.models import Delivery
from operations.delivery.service import Outgoing
from operations.enums import TLP, OperationStatus, ParticipationRole, Role
from operations.errors import Conflict, Invalid, InvalidTransition, NotFound, NotPermitted
from operations.operation import queries as operation_queries
from operations.operation import service
from operations.operation.models import Operation, Participation
from operations.status import service as status_service
from operations.summary import service as summary_service
from operations.task import service as task_service
from operations.task.service import TaskAction
from tests.conftest import START
from tests.operations.factories import (
    Cast,
    audit_actions,
    make_member,
    make_operation,
    make_task,
)


async def create(session: AsyncSession, actor: Actor, code: str = "ZEUS-1", **kw: Any) -> Operation:
    async with session.begin():
        return await service.create_operation(
            session, actor=actor, code=code, name="Operation Zeus", now=START, **kw
        )


async def participants(session: AsyncSession, actor: Actor, code: str) -> list[tuple[str, str]]:
    async with session.begin():
        operation = await service.get_operation(session, actor=actor, code=code)
        rows = await service.participants(session, operation=operation)
    return [(p.agency.code, p.role.value) for p in rows]


async def act(session: AsyncSession, actor: Actor, code: str, action: str) -> Operation:
    async with session.begin():
        operation, _ = await service.change_status(
            session, actor=actor, code=code, action=action, now=START
        )
    return operation


async def status_of(session: AsyncSession, actor: Actor, code: str) -> OperationStatus:
    async with session.begin():
        return (await service.get_operation(session, actor=actor, code=code)).status


# -- creation ------------------------------------------------------------------------------


async def test_a_coordinator_creates_a_planned_operation_led_by_their_agency(
    session: AsyncSession, cast: Cast
) -> None:
    operation = await create(session, cast.fr_coord, " zeus-1 ", objective="Find them\nall")
    assert (operation.code, operation.name, operation.status) == (
        "ZEUS-1",
        "Operation Zeus",
        OperationStatus.PLANNED,
    )
    assert (operation.lead_agency_id, operation.lead_agency.code) == (cast.fr.id, "FR-PN")
    assert (operation.tlp, operation.next_task_number, operation.created_by_id) == (
        TLP.AMBER,
        1,
        cast.fr_coord.member_id,
    )
    assert operation.objective == "Find them\nall"
    assert (operation.starts_at, operation.ends_at, operation.created_at) == (None, None, START)
    assert await participants(session, cast.fr_coord, "ZEUS-1") == [("FR-PN", "lead")]


async def test_a_coordinators_agency_joins_when_another_agency_leads(
    session: AsyncSession, cast: Cast
) -> None:
    operation = await create(session, cast.fr_coord, lead_code="us-fbi", tlp=TLP.RED)
    assert operation.lead_agency.code == "US-FBI"
    assert operation.tlp == TLP.RED
    assert await participants(session, cast.fr_coord, "ZEUS-1") == [
        ("US-FBI", "lead"),
        ("FR-PN", "participant"),
    ]


async def test_an_admin_without_agency_must_name_the_lead(
    session: AsyncSession, cast: Cast
) -> None:
    with pytest.raises(Invalid) as caught:
        await create(session, cast.admin)
    assert (caught.value.field, caught.value.reason) == ("lead", "required")


async def test_a_taken_code_is_a_conflict_even_before_the_lead_is_known(
    session: AsyncSession, cast: Cast
) -> None:
    await create(session, cast.admin, lead_code="DE-BKA")
    with pytest.raises(Conflict) as caught:
        await create(session, cast.admin)
    assert (caught.value.kind, caught.value.key) == ("operation", "ZEUS-1")


async def test_an_admin_creates_an_operation_led_by_the_agency_named(
    session: AsyncSession, cast: Cast
) -> None:
    await create(session, cast.admin, lead_code="DE-BKA")
    assert await participants(session, cast.admin, "ZEUS-1") == [("DE-BKA", "lead")]


async def test_the_lead_must_exist(session: AsyncSession, cast: Cast) -> None:
    with pytest.raises(NotFound) as caught:
        await create(session, cast.admin, lead_code="XX-NONE")
    assert (caught.value.kind, caught.value.key) == ("agency", "XX-NONE")


@pytest.mark.parametrize("offset", [timedelta(0), timedelta(seconds=-1), timedelta(days=-3)])
async def test_an_end_not_in_the_future_is_invalid(
    session: AsyncSession, cast: Cast, offset: timedelta
) -> None:
    with pytest.raises(Invalid) as caught:
        await create(session, cast.fr_coord, ends_at=START + offset)
    assert (caught.value.field, caught.value.reason) == ("ends", "past")


async def test_an_end_in_the_future_is_kept(session: AsyncSession, cast: Cast) -> None:
    operation = await create(session, cast.fr_coord, ends_at=START + timedelta(days=30))
    assert operation.ends_at == START + timedelta(days=30)


async def test_a_duplicate_code_is_a_conflict(session: AsyncSession, cast: Cast) -> None:
    with pytest.raises(Conflict) as caught:
        await create(session, cast.us_coord, "pangea-18")
    assert (caught.value.kind, caught.value.key) == ("operation", "PANGEA-18")


@pytest.mark.parametrize("code", ["Z", "-ZEUS", "ZEUS 1", "ZEUS_1", "Z" * 25])
async def test_a_malformed_code_is_invalid(session: AsyncSession, cast: Cast, code: str) -> None:
    with pytest.raises(Invalid) as caught:
        await create(session, cast.fr_coord, code)
    assert caught.value.field == "operation_code"


@pytest.mark.parametrize("who", ["fr_liaison", "fr_observer", "supervisor"])
async def test_only_admins_and_coordinators_create_operations(
    session: AsyncSession, cast: Cast, who: str
) -> None:
    with pytest.raises(NotPermitted) as caught:
        await create(session, getattr(cast, who), lead_code="FR-PN")
    assert caught.value.action == "op new"


# -- need-to-know ---------------------------------------------------------------------------


def _reads(session: AsyncSession) -> dict[str, Callable[[Actor, str], Awaitable[object]]]:
    return {
        "get": lambda actor, code: service.get_operation(session, actor=actor, code=code),
        "summary": lambda actor, code: summary_service.summarize_operation(
            session, actor=actor, code=code, now=START
        ),
        "task list": lambda actor, code: task_service.list_tasks(
            session, actor=actor, code=code, now=START
        ),
        "task get": lambda actor, code: task_service.get_task(
            session, actor=actor, code=code, number=1
        ),
    }


@pytest.mark.parametrize("read", ["get", "summary", "task list", "task get"])
async def test_outsiders_get_not_found_never_not_permitted(
    session: AsyncSession, cast: Cast, read: str
) -> None:
    await make_task(session, cast.fr_coord, "PANGEA-18", "US-FBI")
    call = _reads(session)[read]
    for role in (Role.OBSERVER, Role.LIAISON, Role.COORDINATOR):
        outsider = await make_member(session, cast.admin, "DE-BKA", role)
        with pytest.raises(NotFound) as hidden:
            async with session.begin():
                await call(outsider, "PANGEA-18")
        with pytest.raises(NotFound) as missing:
            async with session.begin():
                await call(outsider, "NOSUCH-1")
        assert (hidden.value.kind, hidden.value.key) == ("operation", "PANGEA-18"), role
        assert (missing.value.kind, missing.value.key) == ("operation", "NOSUCH-1"), role


@pytest.mark.parametrize(
    "change",
    ["join", "start", "suspend", "close", "status", "task add", "task start", "task assign"],
)
async def test_outsider_coordinators_cannot_change_what_they_cannot_see(
    session: AsyncSession, cast: Cast, change: str
) -> None:
    await make_task(session, cast.fr_coord, "PANGEA-18", "US-FBI")
    de = cast.de_coord
    calls: dict[str, Callable[[], Awaitable[object]]] = {
        "join": lambda: service.add_participant(
            session, actor=de, code="PANGEA-18", agency_code="DE-BKA", now=START
        ),
        "start": lambda: service.change_status(
            session, actor=de, code="PANGEA-18", action="start", now=START
        ),
        "suspend": lambda: service.change_status(
            session, actor=de, code="PANGEA-18", action="suspend", now=START
        ),
        "close": lambda: service.change_status(
            session, actor=de, code="PANGEA-18", action="close", now=START
        ),
        "status": lambda: status_service.post_status(
            session, actor=de, code="PANGEA-18", text="hello", now=START
        ),
        "task add": lambda: task_service.add_task(
            session, actor=de, code="PANGEA-18", title="x", assignee_code="US-FBI", now=START
        ),
        "task start": lambda: task_service.transition_task(
            session, actor=de, code="PANGEA-18", number=1, action=TaskAction.START, now=START
        ),
        "task assign": lambda: task_service.assign_task(
            session, actor=de, code="PANGEA-18", number=1, agency_code="FR-PN", now=START
        ),
    }
    with pytest.raises(NotFound) as caught:
        async with session.begin():
            await calls[change]()
    assert (caught.value.kind, caught.value.key) == ("operation", "PANGEA-18")


@pytest.mark.parametrize("who", ["admin", "supervisor", "fr_coord", "fr_observer", "us_liaison"])
async def test_admins_supervisors_and_participants_see_the_operation(
    session: AsyncSession, cast: Cast, who: str
) -> None:
    async with session.begin():
        operation = await service.get_operation(session, actor=getattr(cast, who), code="pangea-18")
    assert operation.code == "PANGEA-18"
    assert operation.lead_agency.code == "FR-PN"


async def test_operation_lists_show_only_what_the_reader_may_know(
    session: AsyncSession, cast: Cast
) -> None:
    await make_operation(session, cast.de_coord, "BKA-7")
    await make_operation(session, cast.us_coord, "FBI-3", participants=["DE-BKA"])
    await make_task(session, cast.fr_coord, "PANGEA-18", "US-FBI")
    await make_task(session, cast.fr_coord, "PANGEA-18", "FR-PN")

    async def listed(actor: Actor) -> list[tuple[str, int, int]]:
        async with session.begin():
            rows = await service.list_operations(session, actor=actor)
        return [(op.code, agencies, open_tasks) for op, agencies, open_tasks in rows]

    everything = [("BKA-7", 1, 0), ("FBI-3", 2, 0), ("PANGEA-18", 2, 2)]
    assert await listed(cast.admin) == everything
    assert await listed(cast.supervisor) == everything
    assert await listed(cast.fr_observer) == [("PANGEA-18", 2, 2)]
    assert await listed(cast.us_liaison) == [("FBI-3", 2, 0), ("PANGEA-18", 2, 2)]
    assert await listed(cast.de_coord) == [("BKA-7", 1, 0), ("FBI-3", 2, 0)]


async def test_closed_operations_are_listed_only_when_asked(
    session: AsyncSession, cast: Cast
) -> None:
    await make_operation(session, cast.fr_coord, "OLD-1")
    await act(session, cast.fr_coord, "OLD-1", "close")
    async with session.begin():
        live = await service.list_operations(session, actor=cast.fr_coord)
        every = await service.list_operations(session, actor=cast.fr_coord, include_closed=True)
    assert [op.code for op, _, _ in live] == ["PANGEA-18"]
    assert [op.code for op, _, _ in every] == ["OLD-1", "PANGEA-18"]


# -- participants ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", [ParticipationRole.PARTICIPANT, ParticipationRole.OBSERVER])
async def test_a_coordinator_brings_an_agency_in_and_its_members_then_see_it(
    session: AsyncSession, cast: Cast, role: ParticipationRole
) -> None:
    async with session.begin():
        operation, participation = await service.add_participant(
            session,
            actor=cast.fr_coord,
            code="pangea-18",
            agency_code="de-bka",
            role=role,
            now=START,
        )
    assert (operation.code, participation.agency.code, participation.role) == (
        "PANGEA-18",
        "DE-BKA",
        role,
    )
    assert sorted(await participants(session, cast.de_coord, "PANGEA-18")) == [
        ("DE-BKA", role.value),
        ("FR-PN", "lead"),
        ("US-FBI", "participant"),
    ]


async def test_participants_are_listed_lead_first_then_participants_then_observers(
    session: AsyncSession, cast: Cast
) -> None:
    async with session.begin():
        await service.add_participant(
            session,
            actor=cast.fr_coord,
            code="PANGEA-18",
            agency_code="DE-BKA",
            role=ParticipationRole.OBSERVER,
            now=START,
        )
    await make_operation(session, cast.admin, "ZEUS-1", lead="US-FBI", participants=["FR-PN"])
    async with session.begin():
        await service.add_participant(
            session,
            actor=cast.admin,
            code="ZEUS-1",
            agency_code="DE-BKA",
            now=START,
        )
    assert await participants(session, cast.admin, "PANGEA-18") == [
        ("FR-PN", "lead"),
        ("US-FBI", "participant"),
        ("DE-BKA", "observer"),
    ]
    assert await participants(session, cast.admin, "ZEUS-1") == [
        ("US-FBI", "lead"),
        ("DE-BKA", "participant"),
        ("FR-PN", "participant"),
    ]


@pytest.mark.parametrize("agency", ["US-FBI", "FR-PN"])
async def test_an_agency_joins_only_once(session: AsyncSession, cast: Cast, agency: str) -> None:
    with pytest.raises(Conflict) as caught:
        async with session.begin():
            await service.add_participant(
                session, actor=cast.fr_coord, code="PANGEA-18", agency_code=agency, now=START
            )
    assert (caught.value.kind, caught.value.key) == ("participation", f"{agency}@PANGEA-18")


async def test_the_lead_role_cannot_be_given_by_joining(session: AsyncSession, cast: Cast) -> None:
    with pytest.raises(Invalid) as caught:
        async with session.begin():
            await service.add_participant(
                session,
                actor=cast.fr_coord,
                code="PANGEA-18",
                agency_code="DE-BKA",
                role=ParticipationRole.LEAD,
                now=START,
            )
    assert (caught.value.field, caught.value.reason) == ("role", "lead_is_set")
    assert [a for a, _ in await participants(session, cast.admin, "PANGEA-18")] == [
        "FR-PN",
        "US-FBI",
    ]


@pytest.mark.parametrize("who", ["us_liaison", "fr_observer", "supervisor"])
async def test_only_admins_and_coordinators_bring_agencies_in(
    session: AsyncSession, cast: Cast, who: str
) -> None:
    with pytest.raises(NotPermitted):
        async with session.begin():
            await service.add_participant(
                session, actor=getattr(cast, who), code="PANGEA-18", agency_code="DE-BKA", now=START
            )


# -- life cycle ----------------------------------------------------------------------------

PATH_TO = {
    OperationStatus.PLANNED: [],
    OperationStatus.ACTIVE: ["start"],
    OperationStatus.SUSPENDED: ["start", "suspend"],
    OperationStatus.CLOSED: ["close"],
}
EXPECTED = {
    ("start", OperationStatus.PLANNED): OperationStatus.ACTIVE,
    ("suspend", OperationStatus.ACTIVE): OperationStatus.SUSPENDED,
    ("resume", OperationStatus.SUSPENDED): OperationStatus.ACTIVE,
    ("close", OperationStatus.PLANNED): OperationStatus.CLOSED,
    ("close", OperationStatus.ACTIVE): OperationStatus.CLOSED,
    ("close", OperationStatus.SUSPENDED): OperationStatus.CLOSED,
}


def test_the_actions_table_is_the_documented_life_cycle() -> None:
    table = {
        (action, source): target
        for action, (sources, target) in service.ACTIONS.items()
        for source in sources
    }
    assert table == EXPECTED


@pytest.mark.parametrize("action", ["start", "suspend", "resume", "close"])
async def test_status_actions_apply_only_from_their_states(
    session: AsyncSession, cast: Cast, action: str
) -> None:
    """One operation per starting state, named after it."""
    for current in OperationStatus:
        code = f"OP-{current.value.upper()}"
        await make_operation(session, cast.fr_coord, code)
        for step in PATH_TO[current]:
            await act(session, cast.fr_coord, code, step)
    for current in OperationStatus:
        code = f"OP-{current.value.upper()}"
        target = EXPECTED.get((action, current))
        if target is None:
            with pytest.raises(InvalidTransition) as caught:
                await act(session, cast.fr_coord, code, action)
            assert (caught.value.kind, caught.value.key, caught.value.current) == (
                "operation",
                code,
                current,
            )
            assert await status_of(session, cast.fr_coord, code) == current
        else:
            async with session.begin():
                operation, former = await service.change_status(
                    session, actor=cast.fr_coord, code=code, action=action, now=START
                )
            assert (former, operation.status) == (current, target)
            assert await status_of(session, cast.fr_coord, code) == target


async def test_starting_sets_the_start_and_closing_sets_the_end(
    session: AsyncSession, cast: Cast
) -> None:
    await make_operation(session, cast.fr_coord, "ZEUS-1")
    async with session.begin():
        started, _ = await service.change_status(
            session, actor=cast.fr_coord, code="ZEUS-1", action="start", now=START
        )
    assert started.starts_at == START
    later = START + timedelta(days=2)
    for action in ("suspend", "resume"):
        async with session.begin():
            await service.change_status(
                session, actor=cast.fr_coord, code="ZEUS-1", action=action, now=later
            )
    async with session.begin():
        closed, former = await service.change_status(
            session, actor=cast.fr_coord, code="ZEUS-1", action="close", now=later
        )
    assert former == OperationStatus.ACTIVE
    assert (closed.starts_at, closed.ends_at) == (START, later)


@pytest.mark.parametrize("who", ["us_liaison", "fr_observer", "supervisor"])
async def test_only_admins_and_coordinators_change_an_operations_status(
    session: AsyncSession, cast: Cast, who: str
) -> None:
    with pytest.raises(NotPermitted):
        await act(session, getattr(cast, who), "PANGEA-18", "suspend")
    assert await status_of(session, cast.admin, "PANGEA-18") == OperationStatus.ACTIVE


async def test_a_suspended_operation_still_takes_tasks_and_updates(
    session: AsyncSession, cast: Cast
) -> None:
    await act(session, cast.fr_coord, "PANGEA-18", "suspend")
    task = await make_task(session, cast.fr_coord, "PANGEA-18", "US-FBI")
    async with session.begin():
        await status_service.post_status(
            session, actor=cast.fr_coord, code="PANGEA-18", text="paused", now=START
        )
    assert task.number == 1


@pytest.mark.parametrize(
    "change", ["task add", "status", "task start", "task assign", "task due", "join", "close"]
)
async def test_a_closed_operation_refuses_every_change(
    session: AsyncSession, cast: Cast, change: str
) -> None:
    await make_task(session, cast.fr_coord, "PANGEA-18", "US-FBI")
    await act(session, cast.fr_coord, "PANGEA-18", "close")
    fr = cast.fr_coord
    calls: dict[str, Callable[[], Awaitable[object]]] = {
        "task add": lambda: task_service.add_task(
            session, actor=fr, code="PANGEA-18", title="late", assignee_code="US-FBI", now=START
        ),
        "status": lambda: status_service.post_status(
            session, actor=fr, code="PANGEA-18", text="late", now=START
        ),
        "task start": lambda: task_service.transition_task(
            session, actor=fr, code="PANGEA-18", number=1, action=TaskAction.START, now=START
        ),
        "task assign": lambda: task_service.assign_task(
            session, actor=fr, code="PANGEA-18", number=1, agency_code="FR-PN", now=START
        ),
        "task due": lambda: task_service.reschedule_task(
            session,
            actor=fr,
            code="PANGEA-18",
            number=1,
            due_at=START + timedelta(days=1),
            now=START,
        ),
        "join": lambda: service.add_participant(
            session, actor=fr, code="PANGEA-18", agency_code="DE-BKA", now=START
        ),
        "close": lambda: service.change_status(
            session, actor=fr, code="PANGEA-18", action="close", now=START
        ),
    }
    with pytest.raises(InvalidTransition) as caught:
        async with session.begin():
            await calls[change]()
    assert (caught.value.kind, caught.value.key, caught.value.current) == (
        "operation",
        "PANGEA-18",
        OperationStatus.CLOSED,
    )


async def test_a_closed_operation_can_still_be_read(session: AsyncSession, cast: Cast) -> None:
    await make_task(session, cast.fr_coord, "PANGEA-18", "US-FBI")
    await act(session, cast.fr_coord, "PANGEA-18", "close")
    async with session.begin():
        _, tasks = await task_service.list_tasks(
            session, actor=cast.us_liaison, code="PANGEA-18", now=START
        )
        summary = await summary_service.summarize_operation(
            session, actor=cast.us_liaison, code="PANGEA-18", now=START
        )
    assert [t.number for t in tasks] == [1]
    assert summary.operation.status == OperationStatus.CLOSED


async def test_an_admin_without_agency_runs_any_operation(
    session: AsyncSession, cast: Cast
) -> None:
    assert cast.admin.role == Role.ADMIN and cast.admin.agency_id is None
    await act(session, cast.admin, "PANGEA-18", "suspend")
    assert await status_of(session, cast.fr_observer, "PANGEA-18") == OperationStatus.SUSPENDED


# --- op remove ---------------------------------------------------------------------------------


async def remove(
    session: AsyncSession, actor: Actor, agency: str, code: str = "PANGEA-18"
) -> tuple[Operation, Participation, int]:
    async with session.begin():
        return await service.remove_participant(
            session, actor=actor, code=code, agency_code=agency, now=START
        )


async def join(session: AsyncSession, actor: Actor, agency: str, code: str = "PANGEA-18") -> None:
    async with session.begin():
        await service.add_participant(
            session, actor=actor, code=code, agency_code=agency, now=START
        )


async def queue(session: AsyncSession, key: str, agency_id: int, operation_id: int | None) -> None:
    item = Outgoing(key, "telegram", "", f"chat-{key}", "status", "{}", agency_id, operation_id)
    async with session.begin():
        await delivery_service.enqueue(session, items=[item], now=START)


async def delivery_states(session: AsyncSession) -> dict[str, str]:
    async with session.begin():
        rows = await session.execute(select(Delivery.dedupe_key, Delivery.state))
        return {str(key): str(state) for key, state in rows}


@pytest.mark.parametrize("who", ["admin", "fr_coord"])
async def test_removing_an_agency_ends_its_part_and_its_queued_messages(
    session: AsyncSession, cast: Cast, who: str
) -> None:
    de_id = cast.de.id  # read before a refusal below rolls back (and expires) the session
    await join(session, cast.fr_coord, "DE-BKA")
    other = await make_operation(session, cast.de_coord, "ZEUS-1")
    await queue(session, "de-pangea", cast.de.id, cast.op.id)
    await queue(session, "us-pangea", cast.us.id, cast.op.id)
    await queue(session, "de-zeus", cast.de.id, other.id)
    _, participation, cancelled = await remove(session, getattr(cast, who), "de-bka")
    assert (participation.agency.code, participation.role, cancelled) == (
        "DE-BKA",
        ParticipationRole.PARTICIPANT,
        1,
    )
    assert await delivery_states(session) == {
        "de-pangea": "cancelled",
        "us-pangea": "pending",
        "de-zeus": "pending",
    }
    assert await participants(session, cast.admin, "PANGEA-18") == [
        ("FR-PN", "lead"),
        ("US-FBI", "participant"),
    ]
    with pytest.raises(NotFound):  # its members no longer know of the operation
        await participants(session, cast.de_coord, "PANGEA-18")
    async with session.begin():
        operation = await service.get_operation(session, actor=cast.admin, code="PANGEA-18")
        roles = await operation_queries.participant_roles(session, operation.id)
        actions = await audit_actions(session)
    assert de_id not in roles  # nor hear of it: broadcasts go to those taking part
    assert actions[-1] == "operation.remove"
    await join(session, cast.fr_coord, "DE-BKA")  # and it may come back


async def test_the_lead_agency_cannot_be_removed(session: AsyncSession, cast: Cast) -> None:
    with pytest.raises(Invalid) as caught:
        await remove(session, cast.admin, "FR-PN")
    assert (caught.value.reason, caught.value.detail) == (
        "is_lead",
        {"agency": "FR-PN", "operation": "PANGEA-18"},
    )


async def test_an_agency_not_in_the_operation_cannot_be_removed(
    session: AsyncSession, cast: Cast
) -> None:
    with pytest.raises(Invalid) as caught:
        await remove(session, cast.admin, "DE-BKA")
    assert caught.value.reason == "not_participating"
    with pytest.raises(NotFound):
        await remove(session, cast.admin, "XX-NONE")


async def test_an_agency_with_open_tasks_stays_until_they_are_closed(
    session: AsyncSession, cast: Cast
) -> None:
    first = (await make_task(session, cast.fr_coord, "PANGEA-18", "US-FBI")).number
    second = (await make_task(session, cast.fr_coord, "PANGEA-18", "US-FBI")).number
    with pytest.raises(Invalid) as caught:
        await remove(session, cast.fr_coord, "US-FBI")
    assert (caught.value.reason, caught.value.detail["count"]) == ("has_open_tasks", "2")
    async with session.begin():
        for number, action in ((first, TaskAction.CANCEL), (second, TaskAction.DONE)):
            await task_service.transition_task(
                session,
                actor=cast.fr_coord,
                code="PANGEA-18",
                number=number,
                action=action,
                now=START,
            )
    await remove(session, cast.fr_coord, "US-FBI")


@pytest.mark.parametrize("who", ["us_coord", "fr_liaison"])
async def test_only_admins_and_lead_coordinators_remove_agencies(
    session: AsyncSession, cast: Cast, who: str
) -> None:
    with pytest.raises(NotPermitted) as caught:
        await remove(session, getattr(cast, who), "US-FBI")
    assert (caught.value.action, caught.value.lead) == ("op remove", "FR-PN")


async def test_a_closed_operation_keeps_its_agencies(session: AsyncSession, cast: Cast) -> None:
    await act(session, cast.fr_coord, "PANGEA-18", "close")
    with pytest.raises(InvalidTransition):
        await remove(session, cast.fr_coord, "US-FBI")
