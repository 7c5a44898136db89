"""task add, list, start, done, block, reopen, cancel, assign and due; and their buttons."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.reply import Reply
from tests.bot.conftest import World
from tests.bot.helpers import db_state, ok, refused


def fields(reply: Reply) -> dict[str, str]:
    return {f.label: f.value for f in reply.fields}


def buttons(reply: Reply) -> dict[str, str]:
    return {b.label: b.command for b in reply.buttons}


# --- add ---------------------------------------------------------------------------------------


async def test_task_add_numbers_within_the_operation(world: World) -> None:
    before = await db_state(world.chat.dispatcher.sessions)
    reply = await ok(
        world.admin,
        'task add PANGEA-18 "Seize parcels at Roissy" --to ES-UCO --due in 3d --priority urgent --tlp RED',
        "Task PANGEA-18#3 added.",
    )
    assert reply.tlp == "RED"
    assert fields(reply) == {
        "Title": "Seize parcels at Roissy",
        "Assigned to": "ES-UCO (Guardia Civil UCO)",
        "Status": "open",
        "Due": "29 Nov 2026, 10:00 UTC",
        "Priority": "urgent",
    }
    after = await db_state(world.chat.dispatcher.sessions)
    assert after.counts["task"] == before.counts["task"] + 1
    assert after.audit_chain == before.audit_chain + 1
    # numbering is per operation
    await ok(world.admin, 'task add SECRET-9 "Second" --to US-FDA', "Task SECRET-9#2 added.")


@pytest.mark.parametrize("title", ["\u200b", "\u200b\u200d\u2060", " \u3164 ", "\ufeff\u00ad"])
async def test_a_title_that_shows_nothing_is_refused(world: World, title: str) -> None:
    line = f'task add PANGEA-18 "{title}" --to FR-OCLCTIC'
    await refused(world.admin, line, "title", "no visible character", command="task add")


@pytest.mark.parametrize("separator", ["\u2028", "\u2029"])
async def test_a_title_or_a_reason_cannot_break_the_line(world: World, separator: str) -> None:
    codepoint = f"U+{ord(separator):04X}"
    line = f'task add PANGEA-18 "Raid{separator}✅ Task PANGEA-18#1: open → done." --to FR-OCLCTIC'
    await refused(world.admin, line, "title", codepoint, command="task add")
    line = f'task block PANGEA-18#2 "x{separator}Approved by HQ — proceed"'
    await refused(world.admin, line, "reason", codepoint, command="task block")


async def test_task_add_inherits_the_operations_marking_and_normal_priority(world: World) -> None:
    reply = await ok(world.admin, 'task add PANGEA-18 "Check" --to FR-OCLCTIC')
    assert reply.tlp == "AMBER"
    assert fields(reply)["Priority"] == "normal"
    assert fields(reply)["Due"] == "—"


async def test_due_is_shown_in_the_readers_timezone(world: World) -> None:
    coordinator = await world.member("coordinator", "ES-UCO")
    reply = await ok(coordinator, 'task add PANGEA-18 "Check" --to ES-UCO --due 2026-12-01 18:00')
    assert fields(reply)["Vencimiento"] == "1 dic 2026, 18:00 CET"  # "Due", in Spanish
    # the same task, read from New York
    ny = await world.member("coordinator", "US-FDA")
    await ok(world.admin, "op join PANGEA-18 US-FDA")
    listing = await ok(ny, "task list PANGEA-18")
    assert "due 1 Dec 2026, 12:00 EST" in listing.items[2].text


# --- list --------------------------------------------------------------------------------------


async def test_task_list_shows_every_task_with_its_buttons(world: World) -> None:
    reply = await ok(world.admin, "task list pangea-18")
    assert reply.title == "PANGEA-18: 2 tasks"
    assert reply.tlp == "AMBER"
    assert [i.text for i in reply.items] == [
        "PANGEA-18#1 Raid warehouse 4 → FR-OCLCTIC [open] due 27 Nov 2026, 06:00 UTC",
        "PANGEA-18#2 Trace payment processor → ES-UCO [open]",
    ]
    assert [b.command for b in reply.items[0].buttons] == [
        "task start PANGEA-18#1",
        "task done PANGEA-18#1",
    ]


async def test_task_list_is_marked_with_the_strictest_marking_it_shows(world: World) -> None:
    # a RED task must not be shown under a TLP:AMBER banner
    await ok(world.admin, 'task add PANGEA-18 "Hit the lab" --to FR-OCLCTIC --tlp RED')
    reply = await ok(world.admin, "task list PANGEA-18")
    assert "Hit the lab" in reply.items[2].text
    assert reply.tlp == "RED", reply.tlp


async def test_task_list_filters_by_agency(world: World) -> None:
    reply = await ok(world.admin, "task list PANGEA-18 --agency es-uco")
    assert [i.text.split()[0] for i in reply.items] == ["PANGEA-18#2"]


async def test_task_list_overdue(world: World) -> None:
    assert (await ok(world.admin, "task list PANGEA-18 --overdue")).lines == ["No task matches."]
    world.clock.advance(timedelta(days=1))
    reply = await ok(world.admin, "task list PANGEA-18 --overdue")
    assert [i.text for i in reply.items] == [
        "PANGEA-18#1 Raid warehouse 4 → FR-OCLCTIC [open] OVERDUE since 27 Nov 2026, 06:00 UTC"
    ]


async def test_task_list_mine_is_my_agencys_tasks_in_private(world: World) -> None:
    liaison = await world.member("liaison", "ES-UCO")
    reply = await ok(liaison, "task list PANGEA-18 --mine")
    assert [i.text.split()[0] for i in reply.items] == ["PANGEA-18#2"]
    assert reply.private


async def test_task_list_singular(world: World) -> None:
    assert (await ok(world.admin, "task list SECRET-9")).title == "SECRET-9: 1 task"


async def test_task_list_unknown_agency_filter(world: World) -> None:
    await refused(
        world.admin, "task list PANGEA-18 --agency XX-NOPE", "XX-NOPE", command="task list"
    )


# --- transitions and their buttons -------------------------------------------------------------


async def test_pressing_done_marks_the_task_done(world: World) -> None:
    reply = await ok(world.admin, 'task add PANGEA-18 "Raid" --to FR-OCLCTIC')
    done = buttons(reply)["Done"]
    assert done == "task done PANGEA-18#3"
    reply = await ok(world.admin, done, "Task PANGEA-18#3: open → done.")
    assert buttons(reply) == {"Reopen": "task reopen PANGEA-18#3"}
    listing = await ok(world.admin, "task list PANGEA-18")
    assert "[done]" in listing.items[2].text


async def test_a_liaison_presses_the_buttons_of_its_own_tasks(world: World) -> None:
    liaison = await world.member("liaison", "FR-OCLCTIC")
    listing = await ok(liaison, "task list PANGEA-18")
    start = listing.items[0].buttons[0].command
    # the liaison reads French: open, in progress, done; Start, Done, Reopen
    reply = await ok(liaison, start, "ouverte → en cours")
    assert buttons(reply) == {"Terminer": "task done PANGEA-18#1"}
    reply = await ok(liaison, buttons(reply)["Terminer"], "en cours → terminée")
    reply = await ok(liaison, buttons(reply)["Rouvrir"], "terminée → ouverte")
    assert set(buttons(reply)) == {"Démarrer", "Terminer"}


async def test_every_button_of_every_state_works(world: World) -> None:
    """Walk the task through each state by pressing whatever the reply offers."""
    reply = await ok(world.admin, 'task add PANGEA-18 "Walk" --to FR-OCLCTIC')
    seen: list[str] = []
    for label in ("Start", "Done", "Reopen", "Done", "Reopen", "Start"):
        command = buttons(reply)[label]
        reply = await ok(world.admin, command)
        seen.append(command.split()[1])
    assert seen == ["start", "done", "reopen", "done", "reopen", "start"]
    await ok(world.admin, 'task block PANGEA-18#3 "No warrant"')
    blocked = await ok(world.admin, "task list PANGEA-18 --agency FR-OCLCTIC")
    assert {b.command for b in blocked.items[1].buttons} == {
        "task start PANGEA-18#3",
        "task done PANGEA-18#3",
    }


def offered(reply: Reply) -> dict[str, list[str]]:
    """The task buttons of a listing, by task reference."""
    return {
        item.text.split()[0]: [b.command.split()[1] for b in item.buttons] for item in reply.items
    }


async def test_an_observer_is_offered_no_button_it_may_not_press(world: World) -> None:
    observer = await world.member("observer", "ES-UCO")
    assert offered(await ok(observer, "task list PANGEA-18")) == {
        "PANGEA-18#1": [],
        "PANGEA-18#2": [],
    }
    await ok(world.admin, "op join PANGEA-18 AE-DXB --role observer")
    coordinator = await world.member("coordinator", "AE-DXB", reads="en")  # an observer agency
    listing = await ok(coordinator, "task list PANGEA-18")
    assert [item.buttons for item in listing.items] == [[], []]


async def test_a_liaison_is_offered_buttons_only_on_its_own_agencys_tasks(world: World) -> None:
    liaison = await world.member("liaison", "ES-UCO")
    assert offered(await ok(liaison, "task list PANGEA-18")) == {
        "PANGEA-18#1": [],  # FR-OCLCTIC's
        "PANGEA-18#2": ["start", "done"],
    }
    started = await ok(liaison, "task start PANGEA-18#2")
    assert [b.command for b in started.buttons] == ["task done PANGEA-18#2"]


async def test_a_lead_coordinator_is_offered_the_buttons_of_every_task(world: World) -> None:
    coordinator = await world.member("coordinator", "FR-OCLCTIC")
    assert offered(await ok(coordinator, "task list PANGEA-18")) == {
        "PANGEA-18#1": ["start", "done"],
        "PANGEA-18#2": ["start", "done"],
    }


async def test_a_group_chat_is_offered_what_its_agency_could_press(world: World) -> None:
    liaison = await world.member("liaison", "ES-UCO")
    liaison.chat_id, liaison.private_chat = "-100", False
    await ok(liaison, "link ES-UCO")
    assert offered(await ok(liaison, "task list PANGEA-18")) == {
        "PANGEA-18#1": [],
        "PANGEA-18#2": ["start", "done"],
    }


async def test_block_records_the_reason(world: World) -> None:
    reply = await ok(world.admin, 'task block PANGEA-18#2 "Waiting for the court order"')
    assert reply.title == "Task PANGEA-18#2: open → blocked."
    assert reply.lines[:1] == [
        "PANGEA-18#2 Trace payment processor → ES-UCO [blocked] blocked: Waiting for the court order"
    ]


async def test_block_needs_a_reason(world: World) -> None:
    await refused(world.admin, "task block PANGEA-18#2", "reason", command="task block")


async def test_block_reason_over_3000_characters(world: World) -> None:
    await refused(
        world.admin,
        f'task block PANGEA-18#2 "{"r" * 3001}"',
        "reason",
        "3001",
        command="task block",
    )


async def test_starting_a_blocked_task_clears_the_reason(world: World) -> None:
    await ok(world.admin, 'task block PANGEA-18#2 "Waiting"')
    reply = await ok(world.admin, "task start PANGEA-18#2", "blocked → in progress")
    assert "Waiting" not in reply.lines[0]


async def test_cancel_and_reopen(world: World) -> None:
    await ok(world.admin, "task cancel PANGEA-18#2", "open → cancelled")
    await refused(world.admin, "task start PANGEA-18#2", "cancelled", command="task start")
    await ok(world.admin, "task reopen PANGEA-18#2", "cancelled → open")


@pytest.mark.parametrize(
    ("setup", "line", "state"),
    [
        ([], "task reopen PANGEA-18#1", "open"),
        (["task start PANGEA-18#1"], "task start PANGEA-18#1", "in progress"),
        (["task done PANGEA-18#1"], "task done PANGEA-18#1", "done"),
        (["task done PANGEA-18#1"], "task cancel PANGEA-18#1", "done"),
        (["task cancel PANGEA-18#1"], 'task block PANGEA-18#1 "x"', "cancelled"),
    ],
)
async def test_invalid_transitions_say_the_current_state(
    world: World, setup: list[str], line: str, state: str
) -> None:
    for step in setup:
        await ok(world.admin, step)
    await refused(world.admin, line, "PANGEA-18#1", state, command=" ".join(line.split()[:2]))


async def test_tasks_of_a_closed_operation_cannot_change(world: World) -> None:
    await ok(world.admin, "op close PANGEA-18 --force")
    await refused(world.admin, "task done PANGEA-18#1", "PANGEA-18", "closed", command="task done")


# --- assign and due ----------------------------------------------------------------------------


async def test_assign_moves_the_task_to_another_participating_agency(world: World) -> None:
    reply = await ok(world.admin, "task assign PANGEA-18#1 es-uco")
    assert reply.title == "Task PANGEA-18#1 reassigned: FR-OCLCTIC → ES-UCO."
    assert "→ ES-UCO" in reply.lines[0]


async def test_assign_to_the_same_agency(world: World) -> None:
    await refused(
        world.admin,
        "task assign PANGEA-18#1 FR-OCLCTIC",
        "already assigned",
        "FR-OCLCTIC",
        command="task assign",
    )


async def test_assign_to_an_agency_outside_the_operation(world: World) -> None:
    await refused(
        world.admin, "task assign PANGEA-18#1 US-FDA", "US-FDA", "op join", command="task assign"
    )


async def test_due_reschedules_and_shows_the_former_time(world: World) -> None:
    coordinator = await world.member("coordinator", "FR-OCLCTIC")
    reply = await ok(coordinator, "task due PANGEA-18#1 friday 18:00")
    assert reply.title == "Tâche PANGEA-18#1 : échéance fixée au 27 nov. 2026 18:00 CET."
    assert reply.lines[0] == "Auparavant : 27 nov. 2026 07:00 CET."


async def test_due_of_a_done_task_says_it_is_done(world: World) -> None:
    await ok(world.admin, "task done PANGEA-18#1")
    reply = await refused(
        world.admin, "task due PANGEA-18#1 in 2h", "PANGEA-18#1", "done", command="task due"
    )
    assert "cannot become due" not in reply.title, reply.title


async def test_due_needs_a_time(world: World) -> None:
    await refused(world.admin, "task due PANGEA-18#1", "WHEN", command="task due")


async def test_impossible_due_time(world: World) -> None:
    await refused(
        world.admin, "task due PANGEA-18#1 2026-02-30 10:00", "2026-02-30", command="task due"
    )
