"""Registering and looking up agencies."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from operations.actor import Actor
from operations.agency import service
from operations.agency.models import Agency
from operations.enums import Language, Role
from operations.errors import Conflict, Invalid, NotFound, NotPermitted
from tests.conftest import START
from tests.operations.factories import audit_actions, make_agency, make_member

GOOD = {"name": "Police nationale", "country": "FR", "timezone": "Europe/Paris", "language": "fr"}


async def add(session: AsyncSession, actor: Actor, code: str = "FR-PN", **overrides: str) -> None:
    async with session.begin():
        await service.add_agency(
            session, actor=actor, code=code, now=START, **{**GOOD, **overrides}
        )


async def test_admin_adds_an_agency_with_normalised_values(
    session: AsyncSession, admin_actor: Actor
) -> None:
    async with session.begin():
        agency = await service.add_agency(
            session,
            actor=admin_actor,
            code=" fr-oclctic ",
            name="  OCLCTIC  ",
            country="fr",
            timezone="Europe/Paris",
            language="FR",
            now=START,
        )
    assert (agency.code, agency.name, agency.country) == ("FR-OCLCTIC", "OCLCTIC", "FR")
    assert (agency.timezone, agency.language, agency.created_at) == (
        "Europe/Paris",
        Language.FR,
        START,
    )
    async with session.begin():
        found = await service.get_agency(session, code="fr-oclctic")
    assert found.id == agency.id


async def test_language_defaults_to_english(session: AsyncSession, admin_actor: Actor) -> None:
    async with session.begin():
        agency = await service.add_agency(
            session,
            actor=admin_actor,
            code="SG-SPF",
            name="Singapore Police Force",
            country="SG",
            timezone="Asia/Singapore",
            now=START,
        )
    assert agency.language == Language.EN


async def test_duplicate_code_is_a_conflict_whatever_its_case(
    session: AsyncSession, admin_actor: Actor
) -> None:
    await add(session, admin_actor, "FR-PN")
    with pytest.raises(Conflict) as caught:
        await add(session, admin_actor, "fr-pn", name="Another")
    assert (caught.value.kind, caught.value.key, caught.value.reason) == (
        "agency",
        "FR-PN",
        "exists",
    )


@pytest.mark.parametrize(
    ("overrides", "field", "reason"),
    [
        ({"country": "XX"}, "country", "unknown"),
        ({"country": "EU"}, "country", "unknown"),
        ({"country": "FRA"}, "country", "unknown"),
        ({"timezone": "Europe/Atlantis"}, "timezone", "unknown"),
        ({"timezone": "CEST"}, "timezone", "unknown"),
        ({"language": "de"}, "language", "unknown"),
        ({"name": "   "}, "name", "empty"),
        ({"name": "x" * 121}, "name", "too_long"),
        ({"code": "F"}, "agency_code", "format"),
        ({"code": "FR_PN"}, "agency_code", "format"),
        ({"code": "A" * 17}, "agency_code", "format"),
    ],
)
async def test_invalid_values_are_refused_naming_the_field(
    session: AsyncSession,
    admin_actor: Actor,
    overrides: dict[str, str],
    field: str,
    reason: str,
) -> None:
    code = overrides.pop("code", "FR-PN")
    with pytest.raises(Invalid) as caught:
        await add(session, admin_actor, code, **overrides)
    assert (caught.value.field, caught.value.reason) == (field, reason)
    async with session.begin():
        assert await service.list_agencies(session) == []


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.SUPERVISOR, Role.LIAISON, Role.OBSERVER])
async def test_only_admins_add_agencies(
    session: AsyncSession, admin_actor: Actor, role: Role
) -> None:
    await make_agency(session, admin_actor, "US-FBI", country="US", timezone="America/New_York")
    member = await make_member(session, admin_actor, "US-FBI", role)
    with pytest.raises(NotPermitted) as caught:
        await add(session, member, "FR-PN")
    assert caught.value.action == "agency add"
    assert caught.value.roles == (Role.ADMIN,)


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("europe/paris", "Europe/Paris"),
        ("EUROPE/PARIS", "Europe/Paris"),
        (" america/argentina/buenos_aires ", "America/Argentina/Buenos_Aires"),
        ("asia/singapore", "Asia/Singapore"),
        ("utc", "UTC"),
    ],
)
async def test_timezone_names_are_canonicalised_case_insensitively(
    session: AsyncSession, admin_actor: Actor, given: str, canonical: str
) -> None:
    agency = await make_agency(session, admin_actor, "XY-1", timezone=given)
    assert agency.timezone == canonical


async def test_unknown_agency_is_not_found(session: AsyncSession) -> None:
    with pytest.raises(NotFound) as caught:
        async with session.begin():
            await service.get_agency(session, code=" nope ")
    assert (caught.value.kind, caught.value.key) == ("agency", "NOPE")


async def test_list_agencies_by_code_with_member_and_chat_counts(
    session: AsyncSession, admin_actor: Actor
) -> None:
    from operations.channel import service as channel_service

    await make_agency(session, admin_actor, "US-FBI", country="US", timezone="America/New_York")
    await make_agency(session, admin_actor, "AR-PFA", country="AR", timezone="America/Cordoba")
    await make_member(session, admin_actor, "US-FBI", Role.LIAISON)
    await make_member(session, admin_actor, "US-FBI", Role.OBSERVER)
    async with session.begin():
        await channel_service.link_channel(
            session,
            actor=admin_actor,
            agency_code="US-FBI",
            platform="slack",
            workspace="T1",
            external_id="C1",
            title="fbi",
            now=START,
        )
    async with session.begin():
        listed = await service.list_agencies(session)
    assert [(agency.code, members, chats) for agency, members, chats in listed] == [
        ("AR-PFA", 0, 0),
        ("US-FBI", 2, 1),
    ]


# --- agency edit -------------------------------------------------------------------------------


async def edit(
    session: AsyncSession, actor: Actor, code: str = "FR-PN", **changes: str
) -> tuple[Agency, dict[str, tuple[str, str]]]:
    async with session.begin():
        return await service.edit_agency(session, actor=actor, code=code, now=START, **changes)


async def test_admin_edits_name_timezone_and_language_with_normalised_values(
    session: AsyncSession, admin_actor: Actor
) -> None:
    await add(session, admin_actor)
    _, changes = await edit(
        session,
        admin_actor,
        "fr-pn",
        name=" Police nationale (DCPJ) ",
        timezone="europe/brussels",
        language="ES",
    )
    assert changes == {
        "name": ("Police nationale", "Police nationale (DCPJ)"),
        "timezone": ("Europe/Paris", "Europe/Brussels"),
        "language": ("fr", "es"),
    }
    async with session.begin():
        agency = await service.get_agency(session, code="FR-PN")
        actions = await audit_actions(session)
    assert (agency.name, agency.timezone, agency.language) == (
        "Police nationale (DCPJ)",
        "Europe/Brussels",
        Language.ES,
    )
    assert actions[-1] == "agency.edit"


async def test_edit_changes_only_what_is_given(session: AsyncSession, admin_actor: Actor) -> None:
    await add(session, admin_actor)
    _, changes = await edit(session, admin_actor, timezone="Europe/Berlin")
    assert changes == {"timezone": ("Europe/Paris", "Europe/Berlin")}


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone", "unknown"),
        ({"language": "de"}, "language", "unknown"),
        ({"name": "   "}, "name", "empty"),
        ({"name": "n" * 121}, "name", "too_long"),
        ({}, "agency", "nothing_to_change"),
        ({"name": "Police nationale", "language": "fr"}, "agency", "unchanged"),
    ],
)
async def test_edit_refuses_bad_or_empty_changes(
    session: AsyncSession,
    admin_actor: Actor,
    changes: dict[str, str],
    field: str,
    reason: str,
) -> None:
    await add(session, admin_actor)
    with pytest.raises(Invalid) as caught:
        await edit(session, admin_actor, **changes)
    assert (caught.value.field, caught.value.reason) == (field, reason)
    async with session.begin():
        agency = await service.get_agency(session, code="FR-PN")
    assert (agency.name, agency.timezone, agency.language) == (
        "Police nationale",
        "Europe/Paris",
        Language.FR,
    )


async def test_only_admins_edit_agencies(session: AsyncSession, admin_actor: Actor) -> None:
    await add(session, admin_actor)
    coordinator = await make_member(session, admin_actor, "FR-PN", Role.COORDINATOR)
    with pytest.raises(NotPermitted):
        await edit(session, coordinator, name="Mine now")


async def test_editing_an_unknown_agency_is_not_found(
    session: AsyncSession, admin_actor: Actor
) -> None:
    with pytest.raises(NotFound):
        await edit(session, admin_actor, "XX-NONE", name="Nobody")
