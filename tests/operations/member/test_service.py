"""Invites, the members they make, the bootstrap administrator and identity resolution."""

from __future__ import annotations

import asyncio
import hashlib
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import String, Text, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from operations.actor import Actor
from operations.agency.models import Agency
from operations.enums import Role
from operations.errors import Conflict, Invalid, NotFound, NotPermitted
from operations.member import service
from operations.member.models import Identity, Invite, Member
from operations.models import Base
from tests.conftest import START
from tests.operations.factories import Cast, audit_actions, make_agency

CODE_FORMAT = re.compile(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}")


async def invite(
    session: AsyncSession, actor: Actor, agency: str, role: Role, *, now: datetime = START
) -> service.IssuedInvite:
    async with session.begin():
        return await service.create_invite(
            session, actor=actor, agency_code=agency, role=role, now=now
        )


async def redeem(
    session: AsyncSession, code: str, user: str = "newcomer", *, now: datetime = START
) -> tuple[Member, Agency]:
    async with session.begin():
        return await service.redeem_invite(
            session,
            code=code,
            platform="telegram",
            workspace="",
            external_id=user,
            display_name=f"Person {user}",
            now=now,
        )


async def all_stored_text(session: AsyncSession) -> list[str]:
    """Every string value in every table of the database."""
    values: list[str] = []
    async with session.begin():
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text)]
            if columns:
                rows = await session.execute(select(*columns))
                values.extend(str(v) for row in rows for v in row if v is not None)
    return values


async def test_invite_code_is_returned_once_and_stored_only_hashed(
    session: AsyncSession, cast: Cast
) -> None:
    issued = await invite(session, cast.admin, "US-FBI", Role.LIAISON)
    assert CODE_FORMAT.fullmatch(issued.code), issued.code
    assert issued.agency.code == "US-FBI"
    assert issued.invite.expires_at == START + timedelta(hours=72)
    plain = issued.code.replace("-", "")
    assert issued.invite.code_hash == hashlib.sha256(plain.encode()).hexdigest()
    stored = await all_stored_text(session)
    assert stored, "the scan found nothing: it would prove nothing"
    leaks = [v for v in stored if issued.code in v or plain in v or plain.lower() in v.lower()]
    assert leaks == []


async def test_two_invites_get_different_codes(session: AsyncSession, cast: Cast) -> None:
    first = await invite(session, cast.admin, "US-FBI", Role.LIAISON)
    second = await invite(session, cast.admin, "US-FBI", Role.LIAISON)
    assert first.code != second.code


async def test_redeeming_makes_a_member_of_the_invites_agency_and_role(
    session: AsyncSession, cast: Cast
) -> None:
    issued = await invite(session, cast.admin, "US-FBI", Role.COORDINATOR)
    member, agency = await redeem(session, issued.code, "tg-42", now=START + timedelta(hours=1))
    assert (member.role, member.agency_id, agency.code) == (Role.COORDINATOR, cast.us.id, "US-FBI")
    assert member.display_name == "Person tg-42"
    async with session.begin():
        identities = await service.identities(session, member_id=member.id)
        resolved = await service.resolve(
            session, platform="telegram", workspace="", external_id="tg-42"
        )
        used = await session.get_one(Invite, issued.invite.id)
    assert [(i.platform, i.workspace, i.external_id) for i in identities] == [
        ("telegram", "", "tg-42")
    ]
    assert resolved is not None
    actor = resolved[0]
    assert (actor.member_id, actor.role, actor.agency_id, actor.agency_code, actor.platform) == (
        member.id,
        Role.COORDINATOR,
        cast.us.id,
        "US-FBI",
        "telegram",
    )
    assert (used.used_at, used.used_by_id) == (START + timedelta(hours=1), member.id)


@pytest.mark.parametrize("typed", ["lower", "no_dashes", "spaces"])
async def test_codes_are_read_case_insensitively_ignoring_dashes_and_spaces(
    session: AsyncSession, cast: Cast, typed: str
) -> None:
    code = (await invite(session, cast.admin, "US-FBI", Role.OBSERVER)).code
    variant = {
        "lower": code.lower(),
        "no_dashes": code.replace("-", ""),
        "spaces": f" {code.replace('-', ' ')} ",
    }[typed]
    member, _ = await redeem(session, variant)
    assert member.role == Role.OBSERVER


async def test_an_invite_works_only_once(session: AsyncSession, cast: Cast) -> None:
    code = (await invite(session, cast.admin, "US-FBI", Role.LIAISON)).code
    await redeem(session, code, "first")
    with pytest.raises(Conflict) as caught:
        await redeem(session, code, "second")
    assert (caught.value.kind, caught.value.reason) == ("invite", "used")
    async with session.begin():
        assert (
            await service.resolve(session, platform="telegram", workspace="", external_id="second")
            is None
        )


async def test_an_invite_redeemed_by_several_people_at_once_makes_one_member(
    session: AsyncSession, sessions: async_sessionmaker[AsyncSession], cast: Cast
) -> None:
    code = (await invite(session, cast.admin, "US-FBI", Role.LIAISON)).code

    async def attempt(user: str) -> Member:
        async with sessions() as s, s.begin():
            member, _ = await service.redeem_invite(
                s,
                code=code,
                platform="telegram",
                workspace="",
                external_id=user,
                display_name=user,
                now=START,
            )
            return member

    outcomes = await asyncio.gather(
        *(attempt(f"rush-{n}") for n in range(3)), return_exceptions=True
    )
    members = [o for o in outcomes if isinstance(o, Member)]
    refused = [o for o in outcomes if isinstance(o, Conflict) and o.reason == "used"]
    assert (len(members), len(refused)) == (1, 2), outcomes
    async with session.begin():
        made = await session.scalar(
            select(func.count(Member.id)).where(Member.display_name.like("rush-%"))
        )
    assert made == 1


async def test_an_invite_expires_after_72_hours(session: AsyncSession, cast: Cast) -> None:
    just_in_time = (await invite(session, cast.admin, "US-FBI", Role.LIAISON)).code
    too_late = (await invite(session, cast.admin, "US-FBI", Role.LIAISON)).code
    await redeem(session, just_in_time, "a", now=START + timedelta(hours=72) - timedelta(seconds=1))
    with pytest.raises(Invalid) as caught:
        await redeem(session, too_late, "b", now=START + timedelta(hours=72))
    assert (caught.value.field, caught.value.reason) == ("invite_code", "expired")
    assert caught.value.detail["expired_at"].startswith("2026-11-29T10:00:00")


async def test_an_unknown_code_is_not_found(session: AsyncSession, cast: Cast) -> None:
    with pytest.raises(NotFound) as caught:
        await redeem(session, "ABCD-EFGH-JKLM")
    assert caught.value.kind == "invite"


@pytest.mark.parametrize("code", ["", "ABC", "ABCD-EFGH-JKL", "ABCD-EFGH-JKLMN", "----"])
async def test_a_malformed_code_is_invalid(session: AsyncSession, cast: Cast, code: str) -> None:
    with pytest.raises(Invalid) as caught:
        await redeem(session, code)
    assert (caught.value.field, caught.value.reason) == ("invite_code", "format")


async def test_an_identity_that_is_already_a_member_cannot_redeem(
    session: AsyncSession, cast: Cast
) -> None:
    first = (await invite(session, cast.admin, "US-FBI", Role.LIAISON)).code
    second = (await invite(session, cast.admin, "DE-BKA", Role.COORDINATOR)).code
    await redeem(session, first, "same-person")
    with pytest.raises(Conflict) as caught:
        await redeem(session, second, "same-person")
    assert (caught.value.kind, caught.value.reason) == ("identity", "already_member")
    _, agency = await redeem(session, second, "someone-else")
    assert agency.code == "DE-BKA"


async def test_invite_to_an_unknown_agency_is_not_found(session: AsyncSession, cast: Cast) -> None:
    with pytest.raises(NotFound) as caught:
        await invite(session, cast.admin, "XX-NONE", Role.LIAISON)
    assert (caught.value.kind, caught.value.key) == ("agency", "XX-NONE")


@pytest.mark.parametrize("role", list(Role))
async def test_admins_may_invite_any_role(session: AsyncSession, cast: Cast, role: Role) -> None:
    issued = await invite(session, cast.admin, "US-FBI", role)
    assert issued.invite.role == role


@pytest.mark.parametrize("role", [Role.LIAISON, Role.OBSERVER])
async def test_coordinators_may_invite_liaisons_and_observers(
    session: AsyncSession, cast: Cast, role: Role
) -> None:
    issued = await invite(session, cast.fr_coord, "FR-PN", role)
    member, agency = await redeem(session, issued.code)
    assert (member.role, agency.code) == (role, "FR-PN")


@pytest.mark.parametrize("role", [Role.ADMIN, Role.COORDINATOR, Role.SUPERVISOR])
async def test_coordinators_may_not_invite_higher_roles(
    session: AsyncSession, cast: Cast, role: Role
) -> None:
    with pytest.raises(NotPermitted) as caught:
        await invite(session, cast.fr_coord, "FR-PN", role)
    assert caught.value.reason == "policy"


async def test_coordinators_may_not_invite_into_another_agency(
    session: AsyncSession, cast: Cast
) -> None:
    """A coordinator of FR-PN minting US-FBI liaisons would see and change US-FBI's work."""
    with pytest.raises(NotPermitted) as caught:
        await invite(session, cast.fr_coord, "US-FBI", Role.LIAISON)
    assert caught.value.reason == "policy"


@pytest.mark.parametrize("who", ["fr_liaison", "fr_observer", "supervisor"])
async def test_liaisons_observers_and_supervisors_may_not_invite(
    session: AsyncSession, cast: Cast, who: str
) -> None:
    actor: Actor = getattr(cast, who)
    with pytest.raises(NotPermitted) as caught:
        await invite(session, actor, actor.agency_code or "FR-PN", Role.OBSERVER)
    assert caught.value.reason == "policy"


async def test_ensure_admin_creates_the_administrator_once(session: AsyncSession) -> None:
    for _ in range(3):
        async with session.begin():
            member = await service.ensure_admin(
                session,
                platform="console",
                workspace="local",
                external_id="root",
                display_name="Local admin",
                now=START,
            )
        assert member.role == Role.ADMIN and member.agency_id is None
    async with session.begin():
        assert await session.scalar(select(func.count(Member.id))) == 1
        assert await session.scalar(select(func.count(Identity.id))) == 1
    assert await audit_actions(session) == ["member.bootstrap_admin"]
    async with session.begin():
        resolved = await service.resolve(
            session, platform="console", workspace="local", external_id="root"
        )
    assert resolved is not None
    assert (resolved[0].role, resolved[0].agency_id, resolved[0].label) == (
        Role.ADMIN,
        None,
        "Local admin",
    )


async def test_an_administrator_may_then_create_agencies_and_invites(
    session: AsyncSession,
) -> None:
    async with session.begin():
        await service.ensure_admin(
            session,
            platform="console",
            workspace="local",
            external_id="root",
            display_name="Local admin",
            now=START,
        )
        resolved = await service.resolve(
            session, platform="console", workspace="local", external_id="root"
        )
    assert resolved is not None
    await make_agency(session, resolved[0], "FR-PN")
    issued = await invite(session, resolved[0], "FR-PN", Role.COORDINATOR)
    assert issued.invite.created_by_id == resolved[0].member_id


@pytest.mark.parametrize(
    ("platform", "workspace", "external_id"),
    [
        ("telegram", "", "nobody"),
        ("slack", "", "known"),  # the same user id on another platform is someone else
        ("telegram", "T2", "known"),  # and in another workspace too
    ],
)
async def test_resolve_returns_none_for_strangers(
    session: AsyncSession, cast: Cast, platform: str, workspace: str, external_id: str
) -> None:
    code = (await invite(session, cast.admin, "US-FBI", Role.LIAISON)).code
    await redeem(session, code, "known")
    async with session.begin():
        found = await service.resolve(
            session, platform=platform, workspace=workspace, external_id=external_id
        )
    assert found is None
