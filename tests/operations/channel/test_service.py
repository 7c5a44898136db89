"""Binding chats to agencies."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from operations.actor import Actor
from operations.channel import service
from operations.channel.models import Channel
from operations.delivery import service as delivery_service
from operations.delivery.models import Delivery
from operations.delivery.service import Outgoing
from operations.errors import Conflict, NotFound, NotPermitted
from tests.conftest import START
from tests.operations.factories import Cast, audit_actions


async def link(
    session: AsyncSession,
    actor: Actor,
    agency: str,
    *,
    platform: str = "telegram",
    chat: str = "-100123",
    title: str | None = "Ops room",
) -> service.Linked:
    async with session.begin():
        return await service.link_channel(
            session,
            actor=actor,
            agency_code=agency,
            platform=platform,
            workspace="",
            external_id=chat,
            title=title,
            now=START,
        )


async def channels(session: AsyncSession) -> list[tuple[str, str, int]]:
    async with session.begin():
        rows = await session.execute(
            select(Channel.platform, Channel.external_id, Channel.agency_id).order_by(Channel.id)
        )
        return [(str(platform), str(chat), int(agency)) for platform, chat, agency in rows]


@pytest.mark.parametrize("agency", ["FR-PN", "us-fbi", "DE-BKA"])
async def test_admins_link_a_chat_to_any_agency(
    session: AsyncSession, cast: Cast, agency: str
) -> None:
    linked = await link(session, cast.admin, agency)
    assert linked.agency.code == agency.upper()
    assert linked.previous_agency_id is None
    assert (linked.channel.platform, linked.channel.external_id, linked.channel.title) == (
        "telegram",
        "-100123",
        "Ops room",
    )
    assert await channels(session) == [("telegram", "-100123", linked.agency.id)]


@pytest.mark.parametrize("who", ["fr_coord", "fr_liaison"])
async def test_coordinators_and_liaisons_link_chats_to_their_own_agency(
    session: AsyncSession, cast: Cast, who: str
) -> None:
    linked = await link(session, getattr(cast, who), "FR-PN")
    assert linked.channel.agency_id == cast.fr.id


@pytest.mark.parametrize("who", ["fr_coord", "fr_liaison"])
async def test_coordinators_and_liaisons_may_not_link_another_agency(
    session: AsyncSession, cast: Cast, who: str
) -> None:
    with pytest.raises(NotPermitted) as caught:
        await link(session, getattr(cast, who), "US-FBI")
    assert (caught.value.action, caught.value.reason) == ("link", "policy")
    assert await channels(session) == []


@pytest.mark.parametrize("who", ["fr_observer", "supervisor"])
async def test_observers_and_supervisors_may_not_link(
    session: AsyncSession, cast: Cast, who: str
) -> None:
    actor: Actor = getattr(cast, who)
    with pytest.raises(NotPermitted) as caught:
        await link(session, actor, str(actor.agency_code))
    assert caught.value.reason == "policy"


async def test_linking_again_to_the_same_agency_is_a_conflict(
    session: AsyncSession, cast: Cast
) -> None:
    await link(session, cast.fr_liaison, "FR-PN")
    with pytest.raises(Conflict) as caught:
        await link(session, cast.fr_coord, "fr-pn")
    assert (caught.value.kind, caught.value.key, caught.value.reason) == (
        "channel",
        "FR-PN",
        "already_linked",
    )


async def test_linking_to_another_agency_moves_the_chat_and_names_the_previous_one(
    session: AsyncSession, cast: Cast
) -> None:
    first = await link(session, cast.fr_liaison, "FR-PN")
    moved = await link(session, cast.admin, "US-FBI")
    assert moved.previous_agency_id == cast.fr.id
    assert moved.channel.id == first.channel.id
    assert await channels(session) == [("telegram", "-100123", cast.us.id)]


async def test_a_liaison_cannot_take_over_a_chat_linked_to_another_agency(
    session: AsyncSession, cast: Cast
) -> None:
    await link(session, cast.fr_liaison, "FR-PN")
    fr_id = cast.fr.id  # read before the refused attempt rolls back (and expires) the session
    with pytest.raises(NotPermitted) as refused:
        await link(session, cast.us_liaison, "US-FBI")
    assert (refused.value.reason, refused.value.roles) == ("linked_elsewhere", ("admin",))
    assert await channels(session) == [("telegram", "-100123", fr_id)]


async def test_the_same_chat_id_on_another_platform_is_another_channel(
    session: AsyncSession, cast: Cast
) -> None:
    await link(session, cast.admin, "FR-PN", platform="telegram", chat="C1")
    await link(session, cast.admin, "US-FBI", platform="slack", chat="C1")
    await link(session, cast.admin, "FR-PN", platform="slack", chat="C2")
    assert await channels(session) == [
        ("telegram", "C1", cast.fr.id),
        ("slack", "C1", cast.us.id),
        ("slack", "C2", cast.fr.id),
    ]


async def test_long_titles_are_cut_and_missing_titles_stay_empty(
    session: AsyncSession, cast: Cast
) -> None:
    long = await link(session, cast.admin, "FR-PN", chat="A", title="t" * 500)
    none = await link(session, cast.admin, "FR-PN", chat="B", title=None)
    assert long.channel.title == "t" * 200
    assert none.channel.title is None


async def test_linking_to_an_unknown_agency_is_not_found(session: AsyncSession, cast: Cast) -> None:
    with pytest.raises(NotFound):
        await link(session, cast.admin, "XX-NONE")
    async with session.begin():
        assert await session.scalar(select(func.count(Channel.id))) == 0


# --- unlink ------------------------------------------------------------------------------------


async def unlink(
    session: AsyncSession, actor: Actor, *, platform: str = "telegram", chat: str = "-100123"
) -> service.Unlinked:
    async with session.begin():
        return await service.unlink_channel(
            session, actor=actor, platform=platform, workspace="", external_id=chat, now=START
        )


async def queued(session: AsyncSession, key: str, chat: str, agency_id: int) -> None:
    item = Outgoing(key, "telegram", "", chat, "status", "{}", agency_id=agency_id)
    async with session.begin():
        await delivery_service.enqueue(session, items=[item], now=START)


async def states(session: AsyncSession) -> dict[str, str]:
    async with session.begin():
        rows = await session.execute(select(Delivery.dedupe_key, Delivery.state))
        return {str(key): str(state) for key, state in rows}


@pytest.mark.parametrize("who", ["admin", "fr_coord", "fr_liaison"])
async def test_unlink_unbinds_the_chat_and_cancels_what_is_queued_for_it(
    session: AsyncSession, cast: Cast, who: str
) -> None:
    await link(session, cast.fr_liaison, "FR-PN")
    await link(session, cast.fr_liaison, "FR-PN", chat="-100999")
    await queued(session, "here", "-100123", cast.fr.id)
    await queued(session, "elsewhere", "-100999", cast.fr.id)
    unlinked = await unlink(session, getattr(cast, who))
    assert (unlinked.agency.code, unlinked.cancelled) == ("FR-PN", 1)
    assert await channels(session) == [("telegram", "-100999", cast.fr.id)]
    assert await states(session) == {"here": "cancelled", "elsewhere": "pending"}
    async with session.begin():
        reached = await service.destinations(session, agency_ids=[cast.fr.id])
    assert [d.chat_id for d in reached] == ["-100999"]  # new broadcasts do not reach it
    assert (await audit_actions(session))[-1] == "channel.unlink"


async def test_an_unlinked_chat_can_be_linked_again(session: AsyncSession, cast: Cast) -> None:
    await link(session, cast.fr_liaison, "FR-PN")
    await unlink(session, cast.fr_liaison)
    await link(session, cast.us_liaison, "US-FBI")
    assert await channels(session) == [("telegram", "-100123", cast.us.id)]


async def test_unlinking_a_chat_that_is_not_linked_is_refused(
    session: AsyncSession, cast: Cast
) -> None:
    with pytest.raises(Conflict) as caught:
        await unlink(session, cast.admin)
    assert (caught.value.kind, caught.value.reason) == ("channel", "not_linked")


@pytest.mark.parametrize("who", ["us_liaison", "us_coord", "fr_observer", "supervisor"])
async def test_only_that_agencys_coordinators_and_liaisons_unlink(
    session: AsyncSession, cast: Cast, who: str
) -> None:
    await link(session, cast.fr_liaison, "FR-PN")
    fr_id = cast.fr.id
    with pytest.raises(NotPermitted) as caught:
        await unlink(session, getattr(cast, who))
    assert (caught.value.action, caught.value.reason) == ("unlink", "policy")
    assert await channels(session) == [("telegram", "-100123", fr_id)]
