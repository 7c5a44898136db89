"""Who may know of an operation and who may change what."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from operations import access
from operations.actor import Actor
from operations.enums import Role
from operations.errors import NotPermitted
from operations.operation.models import Operation
from tests.operations.factories import Cast, make_member, make_operation

FR, US = 1, 2


def actor(role: Role, agency_id: int | None = FR) -> Actor:
    code = {FR: "FR-PN", US: "US-FBI", None: None}[agency_id]
    return Actor(
        member_id=7,
        name="Ana",
        role=role,
        agency_id=agency_id,
        agency_code=code,
        platform="console",
    )


@pytest.mark.parametrize(
    ("role", "reads"),
    [
        (Role.ADMIN, True),
        (Role.SUPERVISOR, True),
        (Role.COORDINATOR, False),
        (Role.LIAISON, False),
        (Role.OBSERVER, False),
    ],
)
def test_only_admins_and_supervisors_read_everything(role: Role, reads: bool) -> None:
    assert actor(role).reads_everything is reads


def test_actors_are_labelled_with_their_agency_when_they_have_one() -> None:
    assert actor(Role.LIAISON).label == "Ana (FR-PN)"
    assert actor(Role.ADMIN, None).label == "Ana"


@pytest.mark.parametrize("role", [Role.ADMIN, Role.COORDINATOR])
def test_admins_and_coordinators_run_operations(role: Role) -> None:
    access.require_runs(actor(role), "op new")


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.LIAISON, Role.OBSERVER])
def test_other_roles_do_not_run_operations(role: Role) -> None:
    with pytest.raises(NotPermitted) as caught:
        access.require_runs(actor(role), "op close")
    error = caught.value
    assert (error.action, error.roles, error.reason) == (
        "op close",
        (Role.ADMIN, Role.COORDINATOR),
        "role",
    )


@pytest.mark.parametrize("role", [Role.ADMIN, Role.COORDINATOR])
@pytest.mark.parametrize("assignee", [FR, US])
def test_admins_and_coordinators_update_any_task(role: Role, assignee: int) -> None:
    access.require_updates_task(actor(role), "task done", assignee_agency_id=assignee)


def test_liaisons_update_their_own_agencys_tasks_only() -> None:
    access.require_updates_task(actor(Role.LIAISON, FR), "task done", assignee_agency_id=FR)
    with pytest.raises(NotPermitted) as caught:
        access.require_updates_task(actor(Role.LIAISON, FR), "task done", assignee_agency_id=US)
    assert (caught.value.action, caught.value.reason) == ("task done", "other_agency")


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.OBSERVER])
def test_supervisors_and_observers_update_no_task(role: Role) -> None:
    with pytest.raises(NotPermitted) as caught:
        access.require_updates_task(actor(role, FR), "task start", assignee_agency_id=FR)
    assert caught.value.reason == "role"
    assert Role.LIAISON in caught.value.roles


async def test_visible_operations_filters_by_participation(
    session: AsyncSession, cast: Cast
) -> None:
    await make_operation(session, cast.de_coord, "BKA-7")
    await make_operation(session, cast.us_coord, "FBI-3", participants=["DE-BKA"])
    de_observer = await make_member(session, cast.admin, "DE-BKA", Role.OBSERVER)

    async def visible(who: Actor) -> list[str]:
        async with session.begin():
            stmt = select(Operation.code).where(access.visible_operations(who))
            return list(await session.scalars(stmt.order_by(Operation.code)))

    everything = ["BKA-7", "FBI-3", "PANGEA-18"]
    assert await visible(cast.admin) == everything
    assert await visible(cast.supervisor) == everything
    assert await visible(cast.fr_liaison) == ["PANGEA-18"]
    assert await visible(cast.us_liaison) == ["FBI-3", "PANGEA-18"]
    assert await visible(de_observer) == ["BKA-7", "FBI-3"]
