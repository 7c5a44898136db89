"""Who may know of an operation and who may change what."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from operations import access
from operations.actor import Actor
from operations.enums import Role
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
