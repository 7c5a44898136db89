"""agency add, agency list and link."""

from __future__ import annotations

from sqlalchemy import select

from operations.delivery.models import Delivery
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
    liaison = await world.member("liaison", "FR-OCLCTIC", reads="en")
    await ok(liaison, "link FR-OCLCTIC")
    reply = await ok(liaison, "agency list")
    assert reply.title == "4 agencies"
    items = [item.text for item in reply.items]
    assert [i.split(" ")[0] for i in items] == ["AE-DXB", "ES-UCO", "FR-OCLCTIC", "US-FDA"]
    [fr] = [i for i in items if i.startswith("FR-OCLCTIC")]
    assert "(FR, Europe/Paris, fr)" in fr


async def test_agency_list_counts_members_and_chats(world: World) -> None:
    liaison = await world.member("liaison", "FR-OCLCTIC", reads="en")
    await ok(liaison, "link FR-OCLCTIC")
    await world.member("observer", "ES-UCO", reads="en")
    await world.member("liaison", "ES-UCO", reads="en")
    items = {i.text.split(" ")[0]: i.text for i in (await ok(liaison, "agency list")).items}
    assert items["ES-UCO"].endswith(": 2 members, 0 chats")
    assert items["US-FDA"].endswith(": 0 members, 0 chats")
    # one of each is singular in English
    assert items["FR-OCLCTIC"].endswith(": 1 member, 1 chat"), items["FR-OCLCTIC"]


async def test_agency_list_when_there_is_none(admin: Person) -> None:
    reply = await ok(admin, "agency list", "No agency yet", "agency add")
    assert reply.title == "0 agencies"


async def test_link_binds_the_chat_to_the_agency(world: World) -> None:
    liaison = await world.member("liaison", "ES-UCO", reads="en")
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
        member = await world.member(role, "FR-OCLCTIC", reads="en")
        member.chat_id = f"{role}-room"
        await refused(member, "link ES-UCO", "own agency", command="link")
        await ok(member, "link FR-OCLCTIC", "FR-OCLCTIC")


async def test_supervisors_and_observers_do_not_link(world: World) -> None:
    for role, agency in (("supervisor", "ES-UCO"), ("observer", "FR-OCLCTIC")):
        member = await world.member(role, agency, reads="en")
        await refused(member, f"link {agency}", "link", "liaison", command="link")


# --- agency edit -------------------------------------------------------------------------------


async def test_agency_edit_changes_what_is_given(world: World) -> None:
    reply = await ok(
        world.admin,
        'agency edit es-uco --name "Guardia Civil (UCO)" --tz atlantic/canary',
        "Agency ES-UCO updated.",
    )
    assert {f.label: f.value for f in reply.fields} == {
        "Name": "Guardia Civil UCO → Guardia Civil (UCO)",
        "Timezone": "Europe/Madrid → Atlantic/Canary",
    }
    [es] = [i.text for i in (await ok(world.admin, "agency list")).items if "ES-UCO" in i.text]
    assert "(ES, Atlantic/Canary, es)" in es


async def test_agency_edit_refusals(world: World) -> None:
    coordinator = await world.member("coordinator", "ES-UCO")
    await refused(coordinator, "agency edit ES-UCO --lang en", "admin", command="agency edit")
    await refused(
        world.admin, "agency edit ES-UCO", "--name, --tz or --lang", command="agency edit"
    )
    await refused(world.admin, "agency edit ES-UCO --tz Mars/Base", "Mars/Base", "IANA")
    await refused(world.admin, "agency edit ES-UCO --lang de", "de", command="agency edit")
    await refused(world.admin, "agency edit ES-UCO --lang es", "nothing changed")
    await refused(world.admin, "agency edit XX-NONE --lang en", "XX-NONE")
    await refused(world.admin, f'agency edit ES-UCO --name "{"n" * 121}"', "121", "120")


# --- unlink ------------------------------------------------------------------------------------


async def test_unlink_stops_the_chats_deliveries_queued_ones_included(world: World) -> None:
    liaison = await world.member("liaison", "ES-UCO", reads="en")
    liaison.chat_id = "room-ES"
    await ok(liaison, "link ES-UCO")
    await ok(world.admin, 'status PANGEA-18 "Phase 1"', "Sent to 1 agency, 1 chat.")
    reply = await ok(liaison, "unlink", "This chat no longer receives the updates of ES-UCO.")
    assert reply.lines == ["1 queued message will not be sent."]
    sessions = world.chat.dispatcher.sessions
    async with sessions() as session:
        rows = list(await session.execute(select(Delivery.chat_id, Delivery.state)))
    assert rows == [("room-ES", "cancelled")]
    await ok(world.admin, 'status PANGEA-18 "Phase 2"', "No linked chat to tell")
    after = await db_state(sessions)
    assert after.counts["delivery"] == 1 and after.counts["channel"] == 0
    await refused(liaison, "unlink", "This chat is not linked")


async def test_unlink_is_for_that_agencys_people(world: World) -> None:
    liaison = await world.member("liaison", "ES-UCO", reads="en")
    liaison.chat_id = "room-ES"
    await ok(liaison, "link ES-UCO")
    outsider = await world.member("liaison", "FR-OCLCTIC", reads="en")
    outsider.chat_id = "room-ES"
    await refused(outsider, "unlink", "Only", "their own agency only")
    await refused(world.admin, "unlink", "This chat is not linked")  # the console is never linked
