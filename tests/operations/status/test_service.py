"""Status updates on operations."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from operations.actor import Actor
from operations.enums import TLP
from operations.errors import Invalid, NotFound, NotPermitted
from operations.status import service
from operations.status.models import StatusUpdate
from operations.status.queries import latest
from tests.conftest import START
from tests.operations.factories import Cast, make_operation


async def post(
    session: AsyncSession,
    actor: Actor,
    text: str,
    *,
    code: str = "PANGEA-18",
    tlp: TLP | None = None,
    now: datetime = START,
) -> StatusUpdate:
    async with session.begin():
        _, update = await service.post_status(
            session, actor=actor, code=code, text=text, tlp=tlp, now=now
        )
    return update


async def stored(session: AsyncSession) -> list[StatusUpdate]:
    async with session.begin():
        return list(await session.scalars(select(StatusUpdate).order_by(StatusUpdate.id)))


async def test_a_status_update_stores_trimmed_text_author_time_and_the_operations_tlp(
    session: AsyncSession, cast: Cast
) -> None:
    await make_operation(session, cast.fr_coord, "RED-1", tlp=TLP.RED)
    update = await post(
        session, cast.fr_coord, "  Suspect located.\nTeam 2 en route.\t ", code="red-1"
    )
    assert (update.text, update.tlp, update.author_id, update.created_at) == (
        "Suspect located.\nTeam 2 en route.",
        TLP.RED,
        cast.fr_coord.member_id,
        START,
    )
    [row] = await stored(session)
    assert (row.text, row.tlp) == ("Suspect located.\nTeam 2 en route.", TLP.RED)


async def test_an_explicit_tlp_overrides_the_operations(session: AsyncSession, cast: Cast) -> None:
    update = await post(session, cast.us_coord, "All clear", tlp=TLP.GREEN)
    assert update.tlp == TLP.GREEN


async def test_updates_come_back_newest_first_with_their_authors(
    session: AsyncSession, cast: Cast
) -> None:
    for minutes, who, text in [
        (0, "fr_coord", "one"),
        (5, "us_coord", "two"),
        (9, "admin", "three"),
    ]:
        await post(session, getattr(cast, who), text, now=START + timedelta(minutes=minutes))
    async with session.begin():
        rows = await latest(session, cast.op.id, limit=2)
    assert [(u.text, name) for u, name in rows] == [
        ("three", "Admin"),
        ("two", "coordinator of US-FBI"),
    ]


async def test_text_of_3000_characters_is_accepted_and_longer_is_too_long(
    session: AsyncSession, cast: Cast
) -> None:
    await post(session, cast.fr_coord, "x" * 3000)
    with pytest.raises(Invalid) as caught:
        await post(session, cast.fr_coord, "x" * 3001)
    assert (caught.value.field, caught.value.reason) == ("text", "too_long")
    assert caught.value.detail == {"max": "3000", "length": "3001"}
    assert len(await stored(session)) == 1


@pytest.mark.parametrize(
    "text", ["ring \x07 bell", "esc \x1b[31m red", "nul\x00", "del\x7f", "\u202ereversed"]
)
async def test_control_and_bidi_override_characters_are_invalid(
    session: AsyncSession, cast: Cast, text: str
) -> None:
    with pytest.raises(Invalid) as caught:
        await post(session, cast.fr_coord, text)
    assert (caught.value.field, caught.value.reason) == ("text", "control_character")
    assert await stored(session) == []


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
async def test_empty_text_is_invalid(session: AsyncSession, cast: Cast, text: str) -> None:
    with pytest.raises(Invalid) as caught:
        await post(session, cast.fr_coord, text)
    assert caught.value.reason == "empty"


async def test_arabic_text_is_kept_as_written(session: AsyncSession, cast: Cast) -> None:
    update = await post(session, cast.fr_coord, "تم تحديد موقع المشتبه به")
    assert update.text == "تم تحديد موقع المشتبه به"


@pytest.mark.parametrize("who", ["us_liaison", "fr_observer", "supervisor"])
async def test_only_admins_and_coordinators_post_updates(
    session: AsyncSession, cast: Cast, who: str
) -> None:
    with pytest.raises(NotPermitted) as caught:
        await post(session, getattr(cast, who), "hello")
    assert caught.value.action == "status"


async def test_an_outsider_coordinator_gets_not_found(session: AsyncSession, cast: Cast) -> None:
    with pytest.raises(NotFound):
        await post(session, cast.de_coord, "hello")
    assert await stored(session) == []
