"""Need-to-know through the whole bot: what reaches group chats and what each reader is shown.

Each test here is a leak found on main before the knowing policy: RED task titles queued to
group chats (add, reminder, done), observers reading RED and AMBER+STRICT titles, observer
agencies writing, a participant's coordinator closing an operation another agency leads.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FakeClock
from bot.reminders import ReminderSweeper
from bot.reply import Tone, from_json
from operations.delivery.models import Delivery
from operations.operation.models import Operation
from operations.status.models import StatusUpdate
from operations.task.models import Task
from tests.conftest import Chat, Person

SECRET = "Seize the server at 12 Rue Secrète"


async def ok(person: Person, line: str) -> str:
    out = await person.says(line)
    assert person.reply.tone != Tone.ERROR, out
    return out


async def deliveries(sessions: async_sessionmaker[AsyncSession]) -> list[Delivery]:
    async with sessions() as s:
        return list(await s.scalars(select(Delivery).order_by(Delivery.id)))


@pytest.fixture
async def tina(chat: Chat, admin: Person) -> Person:
    """OP-1: FR leads, AR takes part, SG observes; each has a group chat (-1, -2, -3)."""
    for line in (
        'agency add FR "France" --country FR --tz Europe/Paris',
        'agency add AR "Argentina" --country AR --tz America/Argentina/Buenos_Aires',
        'agency add SG "Singapore" --country SG --tz Asia/Singapore',
        'op new OP-1 "Operation" --lead FR',
        "op join OP-1 AR",
        "op join OP-1 SG --role observer",
        "op start OP-1",
    ):
        await ok(admin, line)
    tina = chat.person("tina", "Tina", platform="telegram", workspace="telegram", chat_id="100")
    await tina.joins_with_invite_from(admin, "FR", "admin")
    for chat_id, agency in (("-1", "FR"), ("-2", "AR"), ("-3", "SG")):
        tina.chat_id = chat_id
        await ok(tina, f"link {agency}")
    tina.chat_id = "100"
    return tina


async def member(chat: Chat, admin: Person, agency: str, role: str) -> Person:
    person = chat.person(f"{agency}-{role}", f"{role} of {agency}")
    await person.joins_with_invite_from(admin, agency, role)
    return person


async def test_a_red_task_title_never_reaches_a_group_on_add_reminder_or_done(
    tina: Person,
    chat: Chat,
    admin: Person,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    out = await ok(tina, f'task add OP-1 "{SECRET}" --to AR --tlp RED --due "in 2h"')
    assert SECRET in out  # tina is an admin, reading in private
    assert "1 agency was told only to read it in private." in out
    clock.advance(timedelta(hours=1))
    assert await ReminderSweeper(sessions, clock, offsets=(timedelta(hours=1),)).sweep() == 1
    ar_coordinator = await member(chat, admin, "AR", "coordinator")
    assert SECRET in await ok(ar_coordinator, "task done OP-1#1")
    rows = await deliveries(sessions)
    assert [(r.kind, r.chat_id) for r in rows] == [
        ("notice", "-2"),  # added: the assignee group is told to read it in private
        ("notice", "-2"),  # the reminder
        ("notice", "-2"),  # done: the lead's group hears nothing of a RED task
    ]
    for row in rows:
        assert SECRET not in row.payload
        assert "OP-1#1" in from_json(row.payload).title


async def test_a_red_task_added_in_a_group_is_answered_there_without_its_title(
    tina: Person, sessions: async_sessionmaker[AsyncSession]
) -> None:
    tina.chat_id, tina.private_chat = "-1", False
    out = await ok(tina, f'task add OP-1 "{SECRET}" --to AR --tlp RED')
    assert "Task OP-1#1 added." in out
    assert SECRET not in out
    assert "1 task withheld by its TLP marking." in out
    async with sessions() as s:
        assert await s.scalar(select(Task.title)) == SECRET  # the task itself exists


async def test_an_observer_reads_neither_red_nor_amber_strict_titles(
    tina: Person, chat: Chat, admin: Person
) -> None:
    for title, tlp in (("Red one", "RED"), ("Strict one", "AMBER+STRICT"), ("Amber one", "AMBER")):
        await ok(tina, f'task add OP-1 "{title}" --to AR --tlp {tlp}')
    for number in (1, 2, 3):
        await ok(tina, f'task block OP-1#{number} "waiting"')  # all need attention
    for role in ("coordinator", "liaison", "observer"):
        observer = await member(chat, admin, "SG", role)
        listing = await ok(observer, "task list OP-1")
        summary = await ok(observer, "summary OP-1")
        for out in (listing, summary):
            assert "Amber one" in out
            assert "Red one" not in out and "Strict one" not in out
            assert "2 tasks withheld by their TLP marking." in out


async def test_the_assignee_reads_its_strict_task_a_participant_does_not(
    tina: Person, chat: Chat, admin: Person
) -> None:
    await ok(admin, 'agency add UY "Uruguay" --country UY --tz America/Montevideo')
    await ok(admin, "op join OP-1 UY")
    await ok(tina, 'task add OP-1 "Strict one" --to AR --tlp AMBER+STRICT')
    assert "Strict one" in await ok(await member(chat, admin, "AR", "liaison"), "task list OP-1")
    other = await ok(await member(chat, admin, "UY", "coordinator"), "task list OP-1")
    assert "Strict one" not in other and "1 task withheld by its TLP marking." in other


async def test_a_group_reads_as_its_agency_even_when_an_admin_asks(tina: Person) -> None:
    await ok(tina, 'status OP-1 "Source identity" --tlp RED')
    await ok(tina, 'task add OP-1 "Red one" --to AR --tlp RED')
    await ok(tina, 'task block OP-1#1 "waiting"')
    tina.chat_id, tina.private_chat = "-1", False  # the lead agency's group
    for line in ("summary OP-1", "task list OP-1"):
        out = await ok(tina, line)
        assert "Source identity" not in out and "Red one" not in out
        assert "withheld" in out
    posted = await ok(tina, 'status OP-1 "Second source" --tlp RED')
    assert "Second source" not in posted and "1 update withheld by its TLP marking." in posted
    tina.chat_id, tina.private_chat = "100", True
    assert "Red one" in await ok(tina, "task list OP-1")  # in private, as herself
    assert "Source identity" in await ok(tina, "summary OP-1")


async def _counts(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, ...]:
    async with sessions() as s:
        return tuple(
            [
                await s.scalar(select(func.count()).select_from(model)) or 0
                for model in (Task, StatusUpdate, Delivery)
            ]
            + [len(list(await s.scalars(select(Operation.status))))]
        )


async def test_an_observer_agencys_coordinator_may_not_write(
    tina: Person, chat: Chat, admin: Person, sessions: async_sessionmaker[AsyncSession]
) -> None:
    coordinator = await member(chat, admin, "SG", "coordinator")
    before = await _counts(sessions)
    for line, needed in (
        ('task add OP-1 "Raid" --to AR', "coordinators of the lead agency FR"),
        ('status OP-1 "Plan" --tlp AMBER+STRICT', "coordinators of the lead or a participant"),
        ("op suspend OP-1", "coordinators of the lead agency FR"),
    ):
        out = await coordinator.says(line)
        assert coordinator.reply.tone == Tone.ERROR, out
        assert needed in out and "on OP-1" in out
    assert await _counts(sessions) == before
    async with sessions() as s:
        assert await s.scalar(select(Operation.status)) == "active"


async def test_a_participants_coordinator_may_not_close_an_operation_another_agency_leads(
    tina: Person, chat: Chat, admin: Person, sessions: async_sessionmaker[AsyncSession]
) -> None:
    coordinator = await member(chat, admin, "AR", "coordinator")
    out = await coordinator.says("op close OP-1")
    assert "Only admins and coordinators of the lead agency FR may run op close on OP-1." in out
    async with sessions() as s:
        assert await s.scalar(select(Operation.status)) == "active"
