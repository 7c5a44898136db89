"""A code seen in a group chat is void: invites and link codes, audited, nothing revealed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from operations.actor import Actor
from operations.enums import Role
from operations.errors import Conflict
from operations.member import service
from tests.conftest import START
from tests.operations.factories import audit_actions, make_agency, tx


async def _void(session: AsyncSession, code: str, *, later: timedelta = timedelta()) -> bool:
    async with tx(session):
        return await service.void_code(
            session, code=code, platform="telegram", actor=None, now=START + later
        )


async def _redeem(session: AsyncSession, code: str) -> None:
    async with tx(session):
        await service.redeem_code(
            session,
            code=code,
            platform="telegram",
            workspace="telegram",
            external_id="42",
            display_name="Eve",
            now=START,
        )


async def test_a_voided_invite_cannot_be_redeemed(
    session: AsyncSession, admin_actor: Actor
) -> None:
    await make_agency(session, admin_actor, "FR-PN")
    async with tx(session):
        issued = await service.create_invite(
            session, actor=admin_actor, agency_code="FR-PN", role=Role.LIAISON, now=START
        )
    assert await _void(session, issued.code.lower().replace("-", " "))  # read as redeemed
    assert issued.invite.used_at == START and issued.invite.used_by_id is None
    with pytest.raises(Conflict):
        await _redeem(session, issued.code)
    assert not await _void(session, issued.code)  # already void: nothing more happens
    assert (await audit_actions(session)).count("invite.void") == 1


async def test_a_voided_link_code_cannot_be_redeemed(
    session: AsyncSession, admin_actor: Actor
) -> None:
    async with tx(session):
        code, _ = await service.create_link_code(session, actor=admin_actor, now=START)
    assert await _void(session, code)
    with pytest.raises(Conflict):
        await _redeem(session, code)
    assert "link_code.void" in await audit_actions(session)


async def test_unknown_and_expired_codes_change_nothing(
    session: AsyncSession, admin_actor: Actor
) -> None:
    async with tx(session):
        code, _ = await service.create_link_code(session, actor=admin_actor, now=START)
    before = await audit_actions(session)
    assert not await _void(session, "AAAA-BBBB-CCCC")
    assert not await _void(session, "short")
    assert not await _void(session, code, later=timedelta(hours=2))
    assert await audit_actions(session) == before
