"""task show, note and edit; task add --details. A RED task's record and notes reach only
who the knowing policy lets read them.

PANGEA-18 is led by FR-OCLCTIC with ES-UCO: #1 "Raid warehouse 4" is FR-OCLCTIC's, due
tomorrow 06:00 UTC; #2 "Trace payment processor" is ES-UCO's. SECRET-9 is US-FDA's alone.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.context import Reader
from bot.reply import Reply, UserText, from_json
from operations.delivery.models import Delivery
from tests.bot.conftest import World
from tests.bot.helpers import db_state, ok, refused
from tests.conftest import Person

SECRET = "Informant Kilo meets at pier 9"


def fields(reply: Reply) -> dict[str, str]:
    return {f.label: f.value for f in reply.fields}


def sections(reply: Reply) -> dict[str, list[str]]:
    return {s.heading: [str(line) for line in s.lines] for s in reply.sections}


def everything(reply: Reply) -> str:
    return "\n".join([*reply.text_lines(), *(b.label for b in reply.buttons)])


async def english(world: World, role: str, agency: str) -> Person:
    return await world.member(role, agency, reads="en")


async def group_of(world: World, agency: str) -> Person:
    """A liaison of `agency` typing in their agency's group chat, linked to it."""
    person = await english(world, "liaison", agency)
    person.chat_id, person.private_chat = f"group-{agency}", False
    await ok(person, f"link {agency}")
    return person


async def deliveries(world: World, since: int = 0) -> list[Delivery]:
    async with world.chat.dispatcher.sessions() as session:
        rows = await session.scalars(select(Delivery).where(Delivery.id > since))
        return list(rows)


# --- task show ---------------------------------------------------------------------------------


async def test_show_gives_the_fields_details_notes_and_history(world: World) -> None:
    lead = await english(world, "coordinator", "FR-OCLCTIC")
    await ok(
        lead,
        'task add PANGEA-18 "Seize parcels" --to ES-UCO --priority high --details "Hub at Roissy\nBay 4"',
    )
    spain = await english(world, "liaison", "ES-UCO")
    world.clock.advance(timedelta(minutes=5))
    await ok(spain, 'task note PANGEA-18#3 "Customs agreed"')
    await ok(spain, 'task block PANGEA-18#3 "Waiting for a warrant"')
    world.clock.advance(timedelta(minutes=5))
    await ok(lead, "task edit PANGEA-18#3 --priority urgent --title Seize")
    await ok(lead, 'task due PANGEA-18#3 "in 2d"')
    reply = await ok(spain, "task show PANGEA-18#3")
    assert reply.title == "Task PANGEA-18#3"
    assert reply.tlp == "AMBER"
    assert fields(reply) == {
        "Title": "Seize",
        "Assigned to": "ES-UCO (Guardia Civil UCO)",
        "Status": "blocked",
        "Due": fields(reply)["Due"],
        "Priority": "urgent",
        "Blocked because": "Waiting for a warrant",
        "Marking": "TLP:AMBER",
    }
    assert fields(reply)["Due"] != "none"
    found = sections(reply)
    assert found["Details"] == ["Hub at Roissy\nBay 4"]
    [details] = [s for s in reply.sections if s.heading == "Details"]
    assert isinstance(details.lines[0], UserText)  # the author's words, quoted
    assert found["1 note"][1] == "Customs agreed"
    assert found["1 note"][0].endswith(" Liaison of ES-UCO:")
    history = found["History"]
    assert [line.split(" — ", 1)[1] for line in history] == [
        "Coordinator of FR-OCLCTIC (FR-OCLCTIC): added it for ES-UCO",
        "Liaison of ES-UCO (ES-UCO): added a note",
        "Liaison of ES-UCO (ES-UCO): open → blocked: Waiting for a warrant",
        "Coordinator of FR-OCLCTIC (FR-OCLCTIC): edited it: priority high → urgent, title",
        "Coordinator of FR-OCLCTIC (FR-OCLCTIC): set the due time to "
        + history[4].split(" set the due time to ", 1)[1],
    ]


async def test_history_times_are_in_the_readers_timezone(world: World) -> None:
    madrid = await world.member("coordinator", "ES-UCO")  # reads Spanish, in Europe/Madrid
    reply = await ok(madrid, "task show PANGEA-18#2")
    [added] = next(s for s in reply.sections if s.heading == "Historial").lines
    reader = Reader(timezone="Europe/Madrid", language="es", now=world.clock.now())
    assert added.startswith(f"{reader.when(world.clock.now())} — ")


async def test_show_without_notes_and_due_time(world: World) -> None:
    reply = await ok(world.admin, "task show PANGEA-18#2")
    assert fields(reply)["Due"] == "none"
    assert sections(reply)["0 notes"] == []
    assert "Details" not in sections(reply)


async def test_show_of_a_task_one_may_not_know(world: World) -> None:
    outsider = await english(world, "coordinator", "FR-OCLCTIC")
    await refused(outsider, "task show SECRET-9#1", "No operation SECRET-9")
    await refused(outsider, "task show PANGEA-18#9", "No task PANGEA-18#9")
    await refused(outsider, "task show PANGEA-18", "not a task reference", command="task show")


# --- task note ---------------------------------------------------------------------------------


async def test_a_note_goes_to_the_assignee_and_the_lead(world: World) -> None:
    await group_of(world, "FR-OCLCTIC")
    await group_of(world, "ES-UCO")
    spain = await english(world, "coordinator", "ES-UCO")  # in private
    before = await db_state(world.chat.dispatcher.sessions)
    first = len(await deliveries(world))
    reply = await ok(spain, 'task note PANGEA-18#2 "Bank replied"')
    assert reply.title == "Note added to task PANGEA-18#2."
    assert reply.lines[-1] == "Sent to 2 agencies, 2 chats."
    after = await db_state(world.chat.dispatcher.sessions)
    assert after.counts["task_note"] == before.counts["task_note"] + 1
    assert after.audit_chain == before.audit_chain + 1
    sent = (await deliveries(world))[first:]
    assert {d.chat_id for d in sent} == {"group-FR-OCLCTIC", "group-ES-UCO"}
    assert {d.kind for d in sent} == {"task.note"}
    message = from_json(sent[0].payload)
    assert message.lines[1] == "Bank replied"
    assert isinstance(message.lines[1], UserText)


async def test_who_may_not_add_a_note(world: World) -> None:
    observer = await english(world, "observer", "ES-UCO")
    await refused(observer, 'task note PANGEA-18#2 "x"', "Only ")
    lead_liaison = await english(world, "liaison", "FR-OCLCTIC")  # not the assignee's liaison
    await refused(lead_liaison, 'task note PANGEA-18#2 "x"', "Only ")
    spain = await english(world, "coordinator", "ES-UCO")  # a participant, on the lead's task
    await refused(spain, 'task note PANGEA-18#1 "x"', "Only ")
    await refused(spain, "task note PANGEA-18#2", "text", command="task note")
    await refused(spain, 'task note PANGEA-18#2 " "', "text", command="task note")


async def test_a_red_tasks_notes_and_title_reach_no_one_the_policy_denies(world: World) -> None:
    fr_group, es_group = await group_of(world, "FR-OCLCTIC"), await group_of(world, "ES-UCO")
    await ok(world.admin, 'agency add GB-NCA "NCA" --country GB --tz Europe/London')
    await ok(world.admin, "op join PANGEA-18 GB-NCA --role observer")
    gb_group = await group_of(world, "GB-NCA")
    lead = await english(world, "coordinator", "FR-OCLCTIC")
    await ok(lead, 'task add PANGEA-18 "Codename Nightjar" --to ES-UCO --tlp RED')
    first = len(await deliveries(world))
    spain = await english(world, "coordinator", "ES-UCO")  # the assignee's, in private
    await ok(spain, f'task note PANGEA-18#3 "{SECRET}"')
    # the chats: the lead's group gets nothing, the assignee's a notice without content
    sent = (await deliveries(world))[first:]
    assert [(d.chat_id, d.kind) for d in sent] == [("group-ES-UCO", "notice")]
    assert SECRET not in sent[0].payload and "Nightjar" not in sent[0].payload
    # the record: in private to the assignee's coordinator and the lead's members
    assert SECRET in everything(await ok(spain, "task show PANGEA-18#3"))
    assert SECRET in everything(await ok(lead, "task show PANGEA-18#3"))
    # withheld from every group chat, observers, other agencies' members and participants
    attackers = [
        fr_group,
        es_group,
        gb_group,
        await english(world, "observer", "GB-NCA"),
        await english(world, "coordinator", "GB-NCA"),
        await english(world, "observer", "ES-UCO"),  # the assignee's observer
    ]
    for attacker in attackers:
        reply = await ok(attacker, "task show PANGEA-18#3")
        text = everything(reply)
        assert SECRET not in text and "Nightjar" not in text, attacker.user_id
        assert reply.lines == ["1 task withheld by its TLP marking."]
        assert reply.tlp is None and not reply.sections
    outsider = await english(world, "coordinator", "US-FDA")
    await refused(outsider, "task show PANGEA-18#3", "No operation")
    await refused(outsider, f'task note PANGEA-18#3 "{SECRET}"', "No operation")
    # what a withheld reader writes is stored, but the reply does not echo the task back
    reply = await refused(gb_group, 'task note PANGEA-18#3 "probe"', "Only ")
    assert "Nightjar" not in everything(reply)


# --- task edit ---------------------------------------------------------------------------------


async def test_edit_changes_what_is_given(world: World) -> None:
    lead = await english(world, "coordinator", "FR-OCLCTIC")
    before = await db_state(world.chat.dispatcher.sessions)
    reply = await ok(
        lead, 'task edit PANGEA-18#2 --title "Trace the processor" --priority high --tlp GREEN'
    )
    assert reply.title == "Task PANGEA-18#2 edited: priority, title, TLP marking."
    assert reply.tlp == "GREEN"
    after = await db_state(world.chat.dispatcher.sessions)
    assert after.audit_chain == before.audit_chain + 1
    shown = await ok(lead, "task show PANGEA-18#2")
    assert fields(shown)["Title"] == "Trace the processor"
    assert fields(shown)["Marking"] == "TLP:GREEN"
    await ok(lead, 'task edit PANGEA-18#2 --details "Two accounts"')
    assert sections(await ok(lead, "task show PANGEA-18#2"))["Details"] == ["Two accounts"]


async def test_edit_with_nothing_to_change_is_refused(world: World) -> None:
    await refused(world.admin, "task edit PANGEA-18#2", "Say what to change", "--title")
    await refused(
        world.admin, 'task edit PANGEA-18#2 --title "Trace payment processor"', "nothing changed"
    )
    await refused(world.admin, "task edit PANGEA-18#2 --priority soon", "soon", command="task edit")
    await refused(world.admin, 'task edit PANGEA-18#2 --title ""', "title", command="task edit")


async def test_who_may_not_edit(world: World) -> None:
    for role in ("liaison", "observer"):
        await refused(
            await english(world, role, "ES-UCO"), "task edit PANGEA-18#2 --tlp RED", "Only "
        )
    spain = await english(world, "coordinator", "ES-UCO")
    await refused(spain, "task edit PANGEA-18#1 --tlp RED", "Only ")  # the lead's task
    await ok(spain, "task edit PANGEA-18#2 --tlp RED")  # its own agency's


# --- task add --details ------------------------------------------------------------------------


async def test_task_add_takes_details(world: World) -> None:
    await ok(world.admin, 'task add PANGEA-18 "Check" --to ES-UCO --details "Three sites"')
    assert sections(await ok(world.admin, "task show PANGEA-18#3"))["Details"] == ["Three sites"]
    await refused(
        world.admin,
        f'task add PANGEA-18 "Check" --to ES-UCO --details "{"d" * 3001}"',
        "3001",
        command="task add",
    )


async def test_an_edit_is_announced_to_the_assignee_and_the_lead(world: World) -> None:
    fr_group, es_group = await group_of(world, "FR-OCLCTIC"), await group_of(world, "ES-UCO")
    us_group = await group_of(world, "US-FDA")  # not in PANGEA-18: hears nothing
    mark = max((d.id for d in await deliveries(world)), default=0)
    await ok(world.admin, 'task edit PANGEA-18#2 --title "Trace the processor" --priority high')
    sent = {d.chat_id: from_json(d.payload) for d in await deliveries(world, mark)}
    assert set(sent) == {fr_group.chat_id, es_group.chat_id}
    assert us_group.chat_id not in sent
    english = sent[fr_group.chat_id]  # the liaisons read English, their groups their agency's
    assert "PANGEA-18#2" in english.title
    assert "Trace the processor" in everything(english)


async def test_an_edit_to_red_tells_groups_no_more_than_a_notice(world: World) -> None:
    es_group = await group_of(world, "ES-UCO")
    mark = max((d.id for d in await deliveries(world)), default=0)
    await ok(world.admin, f'task edit PANGEA-18#2 --title "{SECRET}" --tlp RED')
    sent = [from_json(d.payload) for d in await deliveries(world, mark)]
    assert sent, "the assignee's group hears of it"
    assert all(SECRET not in everything(reply) for reply in sent)
    assert any(d.chat_id == es_group.chat_id for d in await deliveries(world, mark))
