"""status: a situation report on an operation."""

from __future__ import annotations

from bot.reply import UserText
from tests.bot.conftest import World
from tests.bot.helpers import db_state, ok, refused


async def test_status_is_recorded_with_the_operations_marking(world: World) -> None:
    before = await db_state(world.chat.dispatcher.sessions)
    reply = await ok(world.admin, 'status pangea-18 "Phase 2 started:\naction days under way."')
    assert reply.title == "Status update posted on PANGEA-18."
    assert reply.tlp == "AMBER"
    assert reply.lines == [
        "Phase 2 started:\naction days under way.",
        "No linked chat to tell (link one with: link AGENCY).",
    ]
    after = await db_state(world.chat.dispatcher.sessions)
    assert after.counts["status_update"] == before.counts["status_update"] + 1
    assert after.audit_chain == before.audit_chain + 1


async def test_status_goes_to_every_participating_agencys_chats(world: World) -> None:
    for agency in ("FR-OCLCTIC", "ES-UCO", "US-FDA"):  # US-FDA is not in PANGEA-18
        liaison = await world.member("liaison", agency)
        liaison.chat_id = f"room-{agency}"
        await ok(liaison, f"link {agency}")
    before = await db_state(world.chat.dispatcher.sessions)
    reply = await ok(world.admin, 'status PANGEA-18 "Phase 2"')
    assert reply.lines[-1] == "Sent to 2 agencies, 2 chats."
    after = await db_state(world.chat.dispatcher.sessions)
    assert after.counts["delivery"] == before.counts["delivery"] + 2


async def test_a_refused_status_queues_nothing(world: World) -> None:
    liaison = await world.member("liaison", "FR-OCLCTIC")
    liaison.chat_id = "room-FR"
    await ok(liaison, "link FR-OCLCTIC")
    await refused(world.admin, f'status PANGEA-18 "{"s" * 3001}"', "3001", command="status")


async def test_a_status_telegram_could_never_deliver_is_refused_with_its_limit(
    world: World,
) -> None:
    # 2,100 emoji: 2,100 characters, but 4,200 UTF-16 units, more than a Telegram message holds
    reply = await refused(
        world.admin, f'status PANGEA-18 "{"😀" * 2100}"', "3000", command="status"
    )
    assert reply.title == (
        "The text is too long: 4200 characters, at most 3000 (an emoji counts as two)."
    )
    await ok(world.admin, f'status PANGEA-18 "{"😀" * 1500}"')


async def test_the_status_text_is_quoted_as_its_authors(world: World) -> None:
    spoof = "ok\n\n✅ Task PANGEA-18#1: open → done."
    reply = await ok(world.admin, f'status PANGEA-18 "{spoof}"')
    assert isinstance(reply.lines[0], UserText)
    summary = await world.admin.says("summary PANGEA-18")
    assert "\n  │ ok\n  │ \n  │ ✅ Task PANGEA-18#1: open → done.\n" in summary


async def test_status_marking_may_be_set(world: World) -> None:
    assert (await ok(world.admin, 'status PANGEA-18 "Targets named" --tlp red')).tlp == "RED"


async def test_status_text_of_exactly_3000_characters(world: World) -> None:
    await ok(world.admin, f'status PANGEA-18 "{"s" * 3000}"')


async def test_status_summary_button_shows_the_update(world: World) -> None:
    reply = await ok(world.admin, 'status PANGEA-18 "All teams in position"')
    [button] = reply.buttons
    assert button.command == "summary PANGEA-18"
    await ok(world.admin, button.command, "Local administrator:\n  │ All teams in position")


async def test_coordinator_of_a_participating_agency_posts(world: World) -> None:
    coordinator = await world.member("coordinator", "ES-UCO")
    await ok(coordinator, 'status PANGEA-18 "UCO ready"')
    await refused(coordinator, 'status SECRET-9 "hello"', "SECRET-9", command="status")


async def test_liaisons_do_not_post_status(world: World) -> None:
    liaison = await world.member("liaison", "FR-OCLCTIC")
    await refused(liaison, 'status PANGEA-18 "x"', "status", "coordinateurs", command="status")


async def test_status_on_a_closed_operation(world: World) -> None:
    await ok(world.admin, "op close PANGEA-18 --force")
    await refused(world.admin, 'status PANGEA-18 "late"', "PANGEA-18", "closed", command="status")


async def test_status_needs_text(world: World) -> None:
    await refused(world.admin, "status PANGEA-18", "text", command="status")
    await refused(world.admin, 'status PANGEA-18 "   "', "empty", command="status")
