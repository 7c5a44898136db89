"""remind, digest and op cadence."""

from __future__ import annotations

from tests.bot.conftest import World
from tests.bot.helpers import db_state, ok, refused

# --- remind ------------------------------------------------------------------------------------


async def test_remind_sets_a_reminder_for_the_tasks_agency(world: World) -> None:
    before = await db_state(world.chat.dispatcher.sessions)
    reply = await ok(world.admin, 'remind pangea-18#1 in 2h "Check the van"')
    assert reply.title == "Reminder set on PANGEA-18#1 for 26 Nov 2026, 12:00 UTC."
    assert reply.lines == [
        "It will go to the chats of FR-OCLCTIC.",
        "To cancel it: remind cancel 1",
    ]
    assert reply.tlp == "AMBER"
    after = await db_state(world.chat.dispatcher.sessions)
    assert after.counts["reminder"] == before.counts["reminder"] + 1
    assert after.audit_chain == before.audit_chain + 1


async def test_remind_reads_the_time_in_the_readers_timezone(world: World) -> None:
    liaison = await world.member("liaison", "FR-OCLCTIC")
    reply = await ok(liaison, "remind PANGEA-18#1 tomorrow 08:00")
    assert reply.title == "Rappel programmé sur PANGEA-18#1 pour 27 nov. 2026 08:00 CET."


async def test_the_snooze_buttons_commands_work(world: World) -> None:
    # the commands the reminder messages' buttons carry (bot/broadcasts.py)
    liaison = await world.member("liaison", "FR-OCLCTIC")
    await ok(liaison, "snooze PANGEA-18#1 1h", "26 nov. 2026 12:00 CET")
    await ok(liaison, "snooze PANGEA-18#1 1d", "27 nov. 2026 11:00 CET")


async def test_remind_in_the_past(world: World) -> None:
    await refused(world.admin, "remind PANGEA-18#1 2026-11-01T10:00Z", "future", command="remind")


async def test_remind_note_over_500_characters(world: World) -> None:
    await refused(
        world.admin, f'remind PANGEA-18#1 in 1h "{"n" * 501}"', "note", "501", command="remind"
    )


async def test_remind_an_unknown_task(world: World) -> None:
    await refused(world.admin, "remind PANGEA-18#42 in 1h", "PANGEA-18#42", command="remind")


async def test_liaisons_remind_only_their_own_agencys_tasks(world: World) -> None:
    liaison = await world.member("liaison", "FR-OCLCTIC")
    await refused(
        liaison,
        "remind PANGEA-18#2 in 1h",
        "du service auquel la tâche est attribuée",  # "of the agency the task is assigned to"
        command="remind",
    )


async def test_remind_on_a_closed_operation_says_it_is_closed(world: World) -> None:
    await ok(world.admin, "op close PANGEA-18 --force")
    reply = await refused(world.admin, "remind PANGEA-18#1 in 1h", "closed", command="remind")
    assert "become remind" not in reply.title, reply.title


# --- digest ------------------------------------------------------------------------------------


async def test_digest_on_at_the_default_local_time_and_off(world: World) -> None:
    liaison = await world.member("liaison", "FR-OCLCTIC")
    reply = await ok(liaison, "digest on")
    assert reply.title == "Bulletin quotidien activé, chaque jour à 08:00 (Europe/Paris)."
    assert reply.private
    [button] = reply.buttons
    assert button.command == "digest off"
    await ok(liaison, button.command, "Bulletin quotidien désactivé.")


async def test_digest_at_a_chosen_time(world: World) -> None:
    supervisor = await world.member("supervisor", "ES-UCO")
    await ok(supervisor, "digest ON --at 7:30", "07:30 (Europe/Madrid)")


async def test_digest_needs_on_or_off(world: World) -> None:
    await refused(world.admin, "digest maybe", "maybe", "on, off", command="digest")


async def test_digest_time_must_be_a_time_of_day(world: World) -> None:
    await refused(world.admin, "digest on --at 25:00", "25:00", command="digest")


# --- op cadence --------------------------------------------------------------------------------


async def test_cadence_is_set_and_removed(world: World) -> None:
    reply = await ok(world.admin, "op cadence pangea-18 4h")
    assert reply.title == "Status cadence on PANGEA-18: every 4h."
    await ok(world.admin, "op cadence PANGEA-18 1h30m", "every 1h 30m")
    await ok(world.admin, "op cadence PANGEA-18 OFF", "No status cadence on PANGEA-18 any more.")


async def test_cadence_under_ten_minutes(world: World) -> None:
    await refused(world.admin, "op cadence PANGEA-18 5m", "10 minutes", command="op cadence")


async def test_cadence_that_is_no_duration(world: World) -> None:
    await refused(world.admin, "op cadence PANGEA-18 soon", "soon", command="op cadence")


async def test_cadence_outside_need_to_know(world: World) -> None:
    coordinator = await world.member("coordinator", "FR-OCLCTIC")
    await refused(coordinator, "op cadence SECRET-9 4h", "SECRET-9", command="op cadence")
