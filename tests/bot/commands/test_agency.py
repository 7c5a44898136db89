"""agency add, agency list and link."""

from __future__ import annotations

from tests.bot.conftest import World
from tests.bot.helpers import db_state, ok, refused
from tests.conftest import Person


async def test_agency_add_registers_it_with_canonical_values(world: World) -> None:
    before = await db_state(world.chat.dispatcher.sessions)
    reply = await ok(
        world.admin,
        'agency add it-gdf "Guardia di Finanza" --country it --tz europe/rome --lang ES',
        "Agency IT-GDF added.",
        "invite IT-GDF --role liaison",
    )
    assert {f.label: f.value for f in reply.fields} == {
        "Name": "Guardia di Finanza",
        "Country": "IT",
        "Timezone": "Europe/Rome",
        "Language": "es",
    }
    after = await db_state(world.chat.dispatcher.sessions)
    assert after.counts["agency"] == before.counts["agency"] + 1
    assert after.audit_chain == before.audit_chain + 1


async def test_agency_language_defaults_to_english(world: World) -> None:
    reply = await ok(
        world.admin, 'agency add SG-SPF "Singapore Police" --country SG --tz Asia/Singapore'
    )
    assert {f.label: f.value for f in reply.fields}["Language"] == "en"


async def test_agency_name_over_120_characters(world: World) -> None:
    await refused(
        world.admin,
        f'agency add SG-SPF "{"n" * 121}" --country SG --tz Asia/Singapore',
        "name",
        "121",
        "120",
        command="agency add",
    )


async def test_only_admins_add_agencies(world: World) -> None:
    coordinator = await world.member("coordinator", "FR-OCLCTIC")
    await refused(
        coordinator,
        'agency add SG-SPF "Singapore Police" --country SG --tz Asia/Singapore',
        "admin",
        command="agency add",
    )


async def test_agency_list_shows_every_agency_with_members_and_chats(world: World) -> None:
    liaison = await world.member("liaison", "FR-OCLCTIC")
    await ok(liaison, "link FR-OCLCTIC")
    reply = await ok(liaison, "agency list")
    assert reply.title == "4 agencies"
    items = [item.text for item in reply.items]
    assert [i.split(" ")[0] for i in items] == ["AE-DXB", "ES-UCO", "FR-OCLCTIC", "US-FDA"]
    [fr] = [i for i in items if i.startswith("FR-OCLCTIC")]
    assert "(FR, Europe/Paris, fr)" in fr


async def test_agency_list_counts_members_and_chats(world: World) -> None:
    liaison = await world.member("liaison", "FR-OCLCTIC")
    await ok(liaison, "link FR-OCLCTIC")
    await world.member("observer", "ES-UCO")
    await world.member("liaison", "ES-UCO")
    items = {i.text.split(" ")[0]: i.text for i in (await ok(liaison, "agency list")).items}
    assert items["ES-UCO"].endswith(": 2 members, 0 chats")
    assert items["US-FDA"].endswith(": 0 members, 0 chats")
    # one of each is singular in English
    assert items["FR-OCLCTIC"].endswith(": 1 member, 1 chat"), items["FR-OCLCTIC"]


async def test_agency_list_when_there_is_none(admin: Person) -> None:
    reply = await ok(admin, "agency list", "No agency yet", "agency add")
    assert reply.title == "0 agencies"


async def test_link_binds_the_chat_to_the_agency(world: World) -> None:
    liaison = await world.member("liaison", "ES-UCO")
    liaison.chat_id = "es-room"
    before = await db_state(world.chat.dispatcher.sessions)
    await ok(liaison, "link es-uco", "receives the updates of ES-UCO")
    after = await db_state(world.chat.dispatcher.sessions)
    assert after.counts["channel"] == before.counts["channel"] + 1
    assert after.audit_chain == before.audit_chain + 1


async def test_the_console_cannot_be_linked(world: World) -> None:
    await refused(world.admin, "link FR-OCLCTIC", "console", command="link")


async def test_an_admin_moves_a_chat_to_another_agency(world: World) -> None:
    admin = await world.admin_on_telegram()
    admin.chat_id = "shared-room"
    await ok(admin, "link FR-OCLCTIC")
    before = await db_state(world.chat.dispatcher.sessions)
    reply = await ok(admin, "link ES-UCO", "ES-UCO", "no longer")
    assert reply.lines
    after = await db_state(world.chat.dispatcher.sessions)
    assert after.counts["channel"] == before.counts["channel"]


async def test_only_an_admin_moves_a_chat_that_serves_another_agency(world: World) -> None:
    admin = await world.admin_on_telegram()
    admin.chat_id = "shared-room"
    await ok(admin, "link ES-UCO")
    liaison = await world.member("liaison", "FR-OCLCTIC")
    liaison.chat_id = "shared-room"
    await refused(liaison, "link FR-OCLCTIC", "admin", command="link")


async def test_linking_twice_to_the_same_agency(world: World) -> None:
    admin = await world.admin_on_telegram()
    await ok(admin, "link FR-OCLCTIC")
    await refused(admin, "link fr-oclctic", "already linked", "FR-OCLCTIC", command="link")


async def test_link_to_an_unknown_agency(world: World) -> None:
    admin = await world.admin_on_telegram()
    await refused(admin, "link XX-NOPE", "XX-NOPE", command="link")


async def test_liaisons_and_coordinators_link_only_their_own_agency(world: World) -> None:
    for role in ("liaison", "coordinator"):
        member = await world.member(role, "FR-OCLCTIC")
        member.chat_id = f"{role}-room"
        await refused(member, "link ES-UCO", "own agency", command="link")
        await ok(member, "link FR-OCLCTIC", "FR-OCLCTIC")


async def test_supervisors_and_observers_do_not_link(world: World) -> None:
    for role, agency in (("supervisor", "ES-UCO"), ("observer", "FR-OCLCTIC")):
        member = await world.member(role, agency)
        await refused(member, f"link {agency}", "link", "liaison", command="link")
