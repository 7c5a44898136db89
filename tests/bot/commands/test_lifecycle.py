"""reminders, remind cancel, snooze, task due off, and an operation's life as its
coordinators see it (issue 15): a suspended operation says so on every message, op close
refuses open tasks unless forced, then every agency hears once and gets the final summary."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.reply import Reply, from_json
from operations.audit.models import AuditEvent
from operations.delivery.models import Delivery
from operations.enums import TaskStatus
from operations.reminder.models import Reminder
from operations.task.models import Task
from tests.bot.helpers import db_state, ok, refused
from tests.conftest import Chat, Person


@pytest.fixture
async def people(chat: Chat, admin: Person) -> dict[str, Person]:
    """LD (Paris) leads OP-1 with AG (Buenos Aires) and OB (observer); each has a Telegram
    group. #1 "Raid" to AG due in 5 h; #2 "Trace" to AG, RED; #3 "Report" to LD. A
    coordinator of LD (Lea), a liaison and a coordinator of AG (Ana, Abe), in private."""
    for line in (
        'agency add LD "Lead" --country FR --tz Europe/Paris',
        'agency add AG "Agency" --country AR --tz America/Argentina/Buenos_Aires',
        'agency add OB "Observer" --country SG --tz Asia/Singapore',
        'op new OP-1 "Operation" --lead LD',
        "op join OP-1 AG",
        "op join OP-1 OB --role observer",
        "op start OP-1",
        'task add OP-1 "Raid" --to AG --due "in 5h"',
        'task add OP-1 "Trace" --to AG --tlp RED',
        'task add OP-1 "Report" --to LD',
    ):
        await ok(admin, line)
    people = {"admin": admin}
    for name, agency, role in (("lea", "LD", "coordinator"), ("ana", "AG", "liaison")):
        person = chat.person(name, name.title(), platform="telegram", workspace="tg", chat_id=name)
        await person.joins_with_invite_from(admin, agency, role)
        people[name] = person
    abe = chat.person("abe", "Abe", platform="telegram", workspace="tg", chat_id="abe")
    await abe.joins_with_invite_from(admin, "AG", "coordinator")
    people["abe"] = abe
    for chat_id, agency in (("-1", "LD"), ("-2", "AG"), ("-3", "OB")):
        linker = chat.person(
            f"l{chat_id}", "Linker", platform="telegram", workspace="tg", chat_id=f"l{chat_id}"
        )
        await linker.joins_with_invite_from(admin, agency, "coordinator")
        linker.chat_id, linker.private_chat = chat_id, False
        await ok(linker, f"link {agency}")
    return people


async def deliveries(sessions: async_sessionmaker[AsyncSession], kind: str) -> list[Delivery]:
    async with sessions() as s:
        rows = await s.scalars(select(Delivery).where(Delivery.kind == kind).order_by(Delivery.id))
        return list(rows)


def by_chat(rows: list[Delivery]) -> dict[str, Reply]:
    return {d.chat_id: from_json(d.payload) for d in rows}


# --- reminders, remind cancel ------------------------------------------------------------------


async def test_reminders_lists_the_next_stage_and_the_reminders_people_set(
    people: dict[str, Person],
) -> None:
    await ok(people["ana"], 'remind OP-1#1 in 2h "Check the van"')
    await ok(people["ana"], "snooze OP-1#1 1h")
    reply = await ok(people["ana"], "reminders OP-1#1")
    assert reply.title == "3 reminders to come"
    [stages, asked] = reply.sections
    [stage] = stages.items
    # Ana reads in Buenos Aires time: due 15:00 UTC, its 1 h stage at 14:00 UTC
    assert stage.text == (
        "OP-1#1 Raid → AG, due in 5 h: next 26 Nov 2026, 11:00 -03 (1 h before the due time)"
    )
    assert [i.text for i in asked.items] == [
        "#2 26 Nov 2026, 08:00 -03 — OP-1#1 Raid: snooze of AG",
        "#1 26 Nov 2026, 09:00 -03 — OP-1#1 Raid: reminder — Check the van",
    ]
    assert [b.command for b in asked.items[1].buttons] == ["remind cancel 1"]


async def test_reminders_shows_a_stage_a_snooze_holds(people: dict[str, Person]) -> None:
    await ok(people["ana"], "snooze OP-1#1 6h")  # past the 1 h stage and the due time
    reply = await ok(people["ana"], "reminders OP-1#1")
    assert reply.sections[0].items[0].text == (
        "OP-1#1 Raid → AG, due in 5 h: next 26 Nov 2026, 13:00 -03 (snoozed by AG)"
    )


async def test_reminders_of_an_operation_withhold_what_the_reader_may_not_read(
    people: dict[str, Person],
) -> None:
    await ok(people["admin"], "task due OP-1#2 tomorrow 09:00")  # the RED task
    reply = await ok(people["lea"], "reminders OP-1")
    assert [i.text.split(" ")[0] for i in reply.sections[0].items] == ["OP-1#1", "OP-1#2"]
    # in a group chat (read as LD), the RED task is counted, not shown
    lea = people["lea"]
    lea.chat_id, lea.private_chat = "-1", False
    reply = await ok(lea, "reminders OP-1")
    assert [i.text.split(" ")[0] for i in reply.sections[0].items] == ["OP-1#1"]
    assert "1 reminder withheld by its task's TLP marking." in reply.lines


async def test_reminders_without_an_argument_covers_every_operation_one_may_know(
    people: dict[str, Person],
) -> None:
    await ok(people["admin"], 'op new OP-2 "Other" --lead LD')
    await ok(people["admin"], 'task add OP-2 "Elsewhere" --to LD --due "in 2h"')
    reply = await ok(people["lea"], "reminders")
    assert [i.text.split(" ")[0] for i in reply.sections[0].items] == ["OP-2#1", "OP-1#1"]
    reply = await ok(people["ana"], "reminders")  # AG does not take part in OP-2
    assert [i.text.split(" ")[0] for i in reply.sections[0].items] == ["OP-1#1"]
    await refused(people["ana"], "reminders OP-2", "No operation OP-2", command="reminders")


async def test_remind_cancel_cancels_ones_own_reminder(
    people: dict[str, Person], sessions: async_sessionmaker[AsyncSession]
) -> None:
    await ok(people["ana"], "remind OP-1#1 in 2h", "To cancel it: remind cancel 1")
    await ok(people["ana"], "remind cancel 1", "Reminder 1 on OP-1#1 cancelled.")
    async with sessions() as s:
        assert list(await s.scalars(select(Reminder))) == []
        actions = list(await s.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))
    assert actions[-2:] == ["task.remind", "task.remind.cancel"]
    reply = await ok(people["ana"], "reminders OP-1#1")
    assert len(reply.sections) == 1  # only the stage is left


async def test_remind_cancel_of_someone_elses_or_of_no_reminder(
    people: dict[str, Person],
) -> None:
    await ok(people["ana"], "remind OP-1#1 in 2h")
    await refused(people["abe"], "remind cancel 1", "set by someone else", command="remind cancel")
    await refused(people["ana"], "remind cancel 99", "No reminder 99", command="remind cancel")
    await refused(people["ana"], "remind cancel x1", "not a reminder number")
    await ok(people["admin"], 'op new OP-2 "Other" --lead LD')
    await ok(people["admin"], 'task add OP-2 "Elsewhere" --to LD')
    await ok(people["admin"], "remind OP-2#1 in 1h")  # reminder 2, where AG cannot see
    await refused(people["ana"], "remind cancel 2", "No reminder 2", command="remind cancel")


# --- task due off --------------------------------------------------------------------------------


async def test_task_due_off_clears_the_due_time(
    people: dict[str, Person], sessions: async_sessionmaker[AsyncSession]
) -> None:
    await ok(
        people["admin"],
        "task due OP-1#1 off",
        "Task OP-1#1 no longer has a due time; its reminders stop.",
    )
    async with sessions() as s:
        assert await s.scalar(select(Task.due_at).where(Task.number == 1)) is None
    [told] = await deliveries(sessions, "task.due")
    assert from_json(told.payload).title == "Task OP-1#1 no longer has a due time"
    reply = await ok(people["ana"], "reminders OP-1#1")
    assert reply.lines == ["No reminder to come."]
    await refused(
        people["admin"], "task due OP-1#1 off", "OP-1#1 has no due time", command="task due"
    )
    await refused(people["admin"], "task due OP-1#1 offf", "Cannot read the time offf")


# --- suspended --------------------------------------------------------------------------------


async def test_a_suspended_operation_says_so_on_every_reply_and_delivery(
    people: dict[str, Person], sessions: async_sessionmaker[AsyncSession]
) -> None:
    admin = people["admin"]
    reply = await ok(admin, "op suspend OP-1")
    assert reply.title == "SUSPENDED — Operation OP-1: active → suspended."
    suspended = "OP-1 is suspended: changes are recorded, no reminder goes out until it resumes."
    for line in (
        'task add OP-1 "Later" --to AG',
        "task start OP-1#1",
        'status OP-1 "Paused"',
        "remind OP-1#1 in 1h",
        "task due OP-1#1 in 3h",
        "summary OP-1",
        "task list OP-1",
        "op show OP-1",
    ):
        reply = await ok(admin, line)  # writes stay allowed: the lead decides
        assert reply.title.startswith("SUSPENDED — "), line
        assert reply.lines[0] == suspended, line
    for kind in ("task.assigned", "status", "task.due"):
        for delivery in await deliveries(sessions, kind):
            assert from_json(delivery.payload).title.startswith("SUSPENDED — "), kind
    reply = await ok(admin, "op resume OP-1")
    assert reply.title == "Operation OP-1: suspended → active."
    assert "Reminders that came due meanwhile go out once, the latest only." in reply.lines
    reply = await ok(admin, "task list OP-1")
    assert not reply.title.startswith("SUSPENDED")


# --- op close ---------------------------------------------------------------------------------


async def test_op_close_with_open_tasks_lists_them_and_changes_nothing(
    people: dict[str, Person],
) -> None:
    reply = await refused(people["lea"], "op close OP-1", "3 open tasks: nothing was closed")
    assert [i.key for i in reply.items] == ["#1", "#2", "#3"]  # Lea reads in private: RED too
    assert "op close OP-1 --force" in reply.lines[0]
    assert [b.command for b in reply.buttons] == ["op close OP-1 --force"]


async def test_op_close_force_cancels_the_open_tasks_tells_each_agency_once_then_sums_up(
    people: dict[str, Person], sessions: async_sessionmaker[AsyncSession]
) -> None:
    await ok(people["admin"], "task done OP-1#3")
    await ok(people["ana"], 'remind OP-1#1 in 1h "Call"')
    before = await db_state(sessions)
    reply = await ok(people["lea"], "op close OP-1 --force", "Operation OP-1: active → closed.")
    assert "2 open tasks cancelled; each agency concerned is told once." in reply.lines
    after = await db_state(sessions)
    async with sessions() as s:
        statuses = dict((await s.execute(select(Task.number, Task.status))).all())
        actions = list(
            await s.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.seq > before.audit_chain)
                .order_by(AuditEvent.seq)
            )
        )
        assert list(await s.scalars(select(Reminder))) == []  # dropped with its task
    assert {n: statuses[n] for n in (1, 2, 3)} == {
        1: TaskStatus.CANCELLED,
        2: TaskStatus.CANCELLED,
        3: TaskStatus.DONE,
    }
    assert actions == ["task.cancel", "task.cancel", "operation.close"]  # audited each
    assert after.audit_chain == before.audit_chain + 3
    notices = by_chat(await deliveries(sessions, "op.tasks_cancelled"))
    assert sorted(notices) == ["-1", "-2"]  # the lead and the assignee, once each; not OB
    assert notices["-2"].title == "OP-1 closed: 2 open tasks cancelled"
    assert [i.key for i in notices["-2"].items] == ["#1"]
    assert notices["-2"].lines == [
        "Marked for individuals only: OP-1#2; open a private chat with me to read them."
    ]  # AG's group may not read its RED task: the reference only
    assert [i.key for i in notices["-1"].items] == ["#1"]
    assert notices["-1"].lines == ["1 task withheld by its TLP marking."]  # RED: no group
    assert await deliveries(sessions, "task.cancel") == []  # not one message per task
    summaries = by_chat(await deliveries(sessions, "operation.closed"))
    assert sorted(summaries) == ["-1", "-2", "-3"]  # every agency taking part (AMBER)
    summary = summaries["-3"]
    assert summary.title == "Operation OP-1 closed — final summary"
    assert summary.lines[0] == "3 tasks: 1 done, 2 cancelled (2 at closing)."
    assert summary.tlp == "AMBER"


async def test_op_close_without_open_tasks_needs_no_force(
    people: dict[str, Person], sessions: async_sessionmaker[AsyncSession]
) -> None:
    for n in (1, 2, 3):
        await ok(people["admin"], f"task done OP-1#{n}")
    await ok(people["lea"], "op close OP-1", "Operation OP-1: active → closed.")
    assert await deliveries(sessions, "op.tasks_cancelled") == []
    assert len(await deliveries(sessions, "operation.closed")) == 3


async def test_op_close_force_needs_the_role(people: dict[str, Person]) -> None:
    await refused(
        people["abe"],
        "op close OP-1 --force",
        "Only admins and coordinators of the lead agency LD may run op close on OP-1.",
        command="op close",
    )


async def test_the_final_summary_of_a_red_operation_reaches_no_group(
    people: dict[str, Person], sessions: async_sessionmaker[AsyncSession]
) -> None:
    await ok(people["admin"], 'op new OP-R "Red" --lead LD --tlp RED')
    await ok(people["admin"], "op close OP-R")
    assert await deliveries(sessions, "operation.closed") == []


async def test_op_close_of_a_closed_operation(people: dict[str, Person]) -> None:
    await ok(people["admin"], "op close OP-1 --force")
    await refused(people["admin"], "op close OP-1 --force", "OP-1 is already closed")
