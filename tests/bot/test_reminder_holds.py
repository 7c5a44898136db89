"""What holds reminders (issue 15), on a fake clock: a snooze until it ends, then one reminder;
nothing for a done or cancelled task, nor in a suspended or closed operation, and after
`op resume` what came due goes out once; the wording says the real time left; the planned end
passing tells the lead once; the sweep and APScheduler stay quiet unless something was sent."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FakeClock
from bot.config import Settings
from bot.reminders import ReminderSweeper, stage_offsets
from bot.reply import Tone, from_json
from bot.runtime import Background, Runtime
from operations.delivery.models import Delivery
from operations.operation.models import Operation
from operations.reminder.models import Reminder
from tests.bot.helpers import refused
from tests.conftest import START, Chat, Person

H = timedelta(hours=1)
D = timedelta(days=1)
M = timedelta(minutes=1)
DUE = START + 3 * H  # 26 Nov 2026, 13:00 UTC


async def sent(
    sessions: async_sessionmaker[AsyncSession], kind: str = "reminder"
) -> list[Delivery]:
    async with sessions() as s:
        rows = await s.scalars(select(Delivery).where(Delivery.kind == kind).order_by(Delivery.id))
        return list(rows)


async def titles(sessions: async_sessionmaker[AsyncSession], kind: str = "reminder") -> list[str]:
    return [from_json(d.payload).title for d in await sent(sessions, kind)]


async def ok(person: Person, line: str) -> str:
    out = await person.says(line)
    assert person.reply.tone != Tone.ERROR, out
    return out


@pytest.fixture
async def world(chat: Chat, admin: Person) -> dict[str, Person]:
    """LD (Paris) leads OP-1 with AG (Buenos Aires); both have a Telegram group; OP-1#1 is
    AG's, due at 13:00 UTC; Ana is a liaison of AG, typing in AG's group."""
    for line in (
        'agency add LD "Lead" --country FR --tz Europe/Paris',
        'agency add AG "Agency" --country AR --tz America/Argentina/Buenos_Aires',
        'op new OP-1 "Operation" --lead LD',
        "op join OP-1 AG",
        "op start OP-1",
        f'task add OP-1 "Raid" --to AG --due {DUE.isoformat()}',
    ):
        await ok(admin, line)
    ana = chat.person("ana", "Ana", platform="telegram", workspace="tg", chat_id="200")
    await ana.joins_with_invite_from(admin, "AG", "liaison")
    lea = chat.person("lea", "Lea", platform="telegram", workspace="tg", chat_id="300")
    await lea.joins_with_invite_from(admin, "LD", "coordinator")
    ana.chat_id, ana.private_chat = "-200", False
    await ok(ana, "link AG")
    lea.chat_id, lea.private_chat = "-300", False
    await ok(lea, "link LD")
    return {"admin": admin, "ana": ana, "lea": lea}


def sweeper(sessions: async_sessionmaker[AsyncSession], clock: FakeClock) -> ReminderSweeper:
    return ReminderSweeper(sessions, clock, offsets=(24 * H, H))


async def fired_at(sweep: ReminderSweeper, clock: FakeClock, moment: datetime) -> int:
    clock.set(moment)
    fired = await sweep.sweep()
    assert await sweep.sweep() == 0, f"fired twice at {moment}"
    return fired


# --- snooze -----------------------------------------------------------------------------------


async def test_a_snoozed_task_is_silent_until_the_snooze_ends_then_reminded_once(
    world: dict[str, Person], sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    sweep = sweeper(sessions, clock)
    assert await fired_at(sweep, clock, START) == 1  # the 24 h stage, reached at once
    assert await fired_at(sweep, clock, DUE - H) == 1  # the 1 h stage
    first = (await sent(sessions))[-1]
    snooze = [b.command for b in from_json(first.payload).buttons if "snooze" in b.command]
    assert snooze == ["snooze OP-1#1 1h", "snooze OP-1#1 1d"]
    clock.set(DUE - 50 * M)
    out = await ok(world["ana"], "snooze OP-1#1 2h")  # pressed in AG's group
    # the reply says until when, in the reader's timezone (Ana's agency: Buenos Aires)
    assert "Reminders of OP-1#1 snoozed until 26 Nov 2026, 11:10 -03." in out
    for moment in (DUE, DUE + 30 * M, DUE + H + 9 * M):  # the due stage comes and goes
        assert await fired_at(sweep, clock, moment) == 0, moment
    assert await fired_at(sweep, clock, DUE + H + 10 * M) == 1  # the snooze ends: one reminder
    assert await fired_at(sweep, clock, DUE + 20 * H) == 0  # the due stage is not sent late
    assert await fired_at(sweep, clock, DUE + D) == 1  # the next stage, as usual
    assert await titles(sessions) == [
        "Reminder: OP-1#1 due in 3 h",
        "Reminder: OP-1#1 due in 1 h",
        "Reminder: OP-1#1 overdue by 1 h 10 min",
        "Reminder: OP-1#1 overdue by 1 day",
    ]
    assert {d.chat_id for d in await sent(sessions)} == {"-200"}


async def test_snoozing_again_replaces_the_snooze_and_cancelling_it_lets_the_stages_through(
    world: dict[str, Person], sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    sweep = sweeper(sessions, clock)
    await ok(world["ana"], "snooze OP-1#1 1d")
    await ok(world["ana"], "snooze OP-1#1 3h")  # replaces the day
    async with sessions() as s:
        [snooze] = list(await s.scalars(select(Reminder)))
    assert snooze.fire_at == DUE
    assert await fired_at(sweep, clock, START) == 0  # held: the 24 h stage
    assert await fired_at(sweep, clock, DUE - H) == 0  # held: the 1 h stage
    await ok(world["ana"], f"remind cancel {snooze.id}")
    assert await fired_at(sweep, clock, DUE - H + M) == 1  # the stage reached, now sent
    assert await titles(sessions) == ["Reminder: OP-1#1 due in 59 min"]


async def test_a_snooze_holds_only_for_the_agency_whose_chat_it_came_from(
    world: dict[str, Person],
) -> None:
    await refused(
        world["lea"], "snooze OP-1#1 1h", "go to the chats of AG", command="snooze"
    )  # LD's group: AG is the agency reminded


# --- done, cancelled, suspended, closed ---------------------------------------------------------


async def test_reminders_people_set_are_dropped_when_the_task_is_done(
    world: dict[str, Person], sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await ok(world["ana"], 'remind OP-1#1 in 1h "Call"')
    await ok(world["ana"], "snooze OP-1#1 1d")
    await ok(world["admin"], "task done OP-1#1")
    async with sessions() as s:
        assert list(await s.scalars(select(Reminder))) == []
    await ok(world["admin"], "task reopen OP-1#1")
    sweep = sweeper(sessions, clock)
    assert await fired_at(sweep, clock, START + H) == 1  # the stage reached: "due in 2 h"
    assert await fired_at(sweep, clock, START + D) == 1  # the snooze would have ended here
    await ok(world["admin"], "task cancel OP-1#1")
    assert await fired_at(sweep, clock, DUE + 2 * D) == 0
    assert await titles(sessions) == [
        "Reminder: OP-1#1 due in 2 h",
        "Reminder: OP-1#1 overdue by 21 h",
    ]
    assert all("Note: Call" not in from_json(d.payload).lines for d in await sent(sessions))


async def test_reminders_people_set_are_dropped_when_the_task_is_cancelled(
    world: dict[str, Person], sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await ok(world["ana"], 'remind OP-1#1 in 1h "Call"')
    await ok(world["ana"], "snooze OP-1#1 1d")
    await ok(world["admin"], "task cancel OP-1#1")
    async with sessions() as s:
        assert list(await s.scalars(select(Reminder))) == []
    sweep = sweeper(sessions, clock)
    for moment in (START + H, DUE - H, DUE, START + D, DUE + 2 * D):
        assert await fired_at(sweep, clock, moment) == 0, moment
    await ok(world["admin"], "task reopen OP-1#1")  # its stages come back, not what was dropped
    assert await fired_at(sweep, clock, DUE + 2 * D + M) == 1
    [reply] = [from_json(d.payload) for d in await sent(sessions)]
    assert reply.title == "Reminder: OP-1#1 overdue by 2 days"
    assert "Note: Call" not in reply.lines


async def test_remind_on_a_done_or_cancelled_task_says_why(world: dict[str, Person]) -> None:
    await ok(world["admin"], "task done OP-1#1")
    await refused(world["admin"], "remind OP-1#1 in 1h", "OP-1#1 is done", command="remind")
    await refused(world["admin"], "snooze OP-1#1 1h", "OP-1#1 is done", command="snooze")
    await ok(world["admin"], 'task add OP-1 "Other" --to AG')
    await ok(world["admin"], "task cancel OP-1#2")
    await refused(world["admin"], "remind OP-1#2 in 1h", "OP-1#2 is cancelled", command="remind")


@pytest.mark.parametrize(
    ("language", "done", "closed"),
    [
        (
            "fr",
            "Tâche OP-1#1 : à l'état « terminée », remind est impossible.",
            "Opération OP-1 : à l'état « clôturée », remind est impossible.",
        ),
        (
            "es",
            "Tarea OP-1#1: en estado «terminada», no es posible remind.",
            "Operación OP-1: en estado «cerrada», no es posible remind.",
        ),
        (
            "ar",
            # codes and the command word isolated (FSI ... PDI) in the right-to-left line
            "مهمة \u2068OP-1#1\u2069 في حالة «منجزة»، لذا لا يمكن تنفيذ \u2068remind\u2069.",
            "عملية \u2068OP-1\u2069 في حالة «مغلقة»، لذا لا يمكن تنفيذ \u2068remind\u2069.",
        ),
    ],
)
async def test_remind_refused_says_why_in_the_readers_language(
    world: dict[str, Person], language: str, done: str, closed: str
) -> None:
    await ok(world["admin"], f"agency edit AG --lang {language}")  # Ana reads her agency's
    await ok(world["admin"], "task done OP-1#1")
    reply = await refused(world["ana"], "remind OP-1#1 in 1h", command="remind")
    assert reply.title == done
    await ok(world["admin"], "op close OP-1")  # no task open: no --force needed
    reply = await refused(world["ana"], "remind OP-1#1 in 1h", command="remind")
    assert reply.title == closed


async def test_nothing_fires_while_suspended_and_what_came_due_goes_out_once_on_resume(
    world: dict[str, Person], sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    sweep = sweeper(sessions, clock)
    await ok(world["admin"], "op suspend OP-1")
    await ok(world["ana"], 'remind OP-1#1 in 2h "Check the van"')  # set while suspended
    await ok(world["ana"], 'remind OP-1#1 in 150m "Call the prosecutor"')
    for moment in (DUE - H, DUE, DUE + D, DUE + D + 5 * H):
        assert await fired_at(sweep, clock, moment) == 0, moment
    await ok(world["admin"], "op resume OP-1")
    assert await fired_at(sweep, clock, DUE + D + 5 * H + M) == 1  # one message for the task
    [reply] = [from_json(d.payload) for d in await sent(sessions)]
    assert reply.title == "Reminder: OP-1#1 overdue by 1 day 5 h"  # the latest stage only
    assert reply.lines[-2:] == ["Note: Check the van", "Note: Call the prosecutor"]
    assert await fired_at(sweep, clock, DUE + 2 * D) == 1  # then the stages go on


async def test_nothing_fires_once_the_operation_is_closed(
    world: dict[str, Person], sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await ok(world["ana"], 'remind OP-1#1 in 1h "Call"')
    await ok(world["admin"], "op close OP-1 --force")
    sweep = sweeper(sessions, clock)
    for moment in (START + H, DUE - H, DUE, DUE + D):
        assert await fired_at(sweep, clock, moment) == 0, moment
    await refused(world["admin"], "remind OP-1#1 in 1h", "OP-1 is closed", command="remind")


async def test_cadence_is_held_while_suspended_and_goes_out_once_on_resume(
    world: dict[str, Person], sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await ok(world["admin"], "op cadence OP-1 4h")
    await ok(world["admin"], "op suspend OP-1")
    sweep = sweeper(sessions, clock)
    for moment in (START + 4 * H, START + 9 * H):
        clock.set(moment)
        await sweep.sweep()
    assert await sent(sessions, "cadence") == []
    await ok(world["admin"], "op resume OP-1")
    clock.set(START + 9 * H + M)
    await sweep.sweep()
    await sweep.sweep()
    assert await titles(sessions, "cadence") == ["No status update on OP-1 for 9h 1m"]
    clock.set(START + 12 * H)  # the next period, as usual
    await sweep.sweep()
    assert len(await sent(sessions, "cadence")) == 2


async def test_cadence_is_silent_once_the_operation_is_closed(
    world: dict[str, Person], sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await ok(world["admin"], "op cadence OP-1 4h")
    await ok(world["admin"], "op close OP-1 --force")
    sweep = sweeper(sessions, clock)
    for moment in (START + 4 * H, START + 9 * H, START + 3 * D):
        clock.set(moment)
        await sweep.sweep()
    assert await sent(sessions, "cadence") == []


# --- wording ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "title"),
    [
        (DUE - 2 * H - 55 * M, "Reminder: OP-1#1 due in 2 h 55 min"),
        (DUE - 29 * M - 40 * timedelta(seconds=1), "Reminder: OP-1#1 due in 30 min"),
        (DUE - 20 * timedelta(seconds=1), "Reminder: OP-1#1 due now"),
        (DUE + 3 * D + 2 * H, "Reminder: OP-1#1 overdue by 3 days"),
        (DUE + D + 6 * H, "Reminder: OP-1#1 overdue by 1 day 6 h"),
    ],
)
async def test_a_reminder_says_the_real_time_left_or_overdue(
    world: dict[str, Person],
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    moment: datetime,
    title: str,
) -> None:
    await ok(world["ana"], f"remind OP-1#1 {moment.isoformat()}")
    await ok(world["admin"], "task due OP-1#1 off")  # no stage gets in the way
    await ok(world["admin"], f"task due OP-1#1 {DUE.isoformat()}")
    clock.set(moment)
    await sweeper(sessions, clock).sweep()
    assert (await titles(sessions))[-1] == title


@pytest.mark.parametrize(
    ("language", "ahead", "behind"),
    [
        ("fr", "Rappel : OP-1#1 échéance dans 2 h 55 min", "Rappel : OP-1#1 en retard de 3 jours"),
        (
            "es",
            "Recordatorio: OP-1#1 vence en 2 h 55 min",
            "Recordatorio: OP-1#1 vencida hace 3 días",
        ),
        (  # the reference and the numbers isolated (FSI ... PDI) in the right-to-left line
            "ar",
            "تذكير: \u2068OP-1#1\u2069 يحين موعدها خلال \u20682\u2069 س و\u206855\u2069 د",
            "تذكير: \u2068OP-1#1\u2069 متأخرة بمقدار \u20683\u2069 أيام",
        ),
    ],
)
async def test_a_reminder_says_the_time_left_in_the_agencys_language(
    world: dict[str, Person],
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    language: str,
    ahead: str,
    behind: str,
) -> None:
    await ok(world["admin"], f"agency edit AG --lang {language}")
    sweep = sweeper(sessions, clock)
    assert await fired_at(sweep, clock, DUE - 2 * H - 55 * M) == 1  # the 24 h stage
    assert await fired_at(sweep, clock, DUE + 3 * D + 2 * H) == 1  # overdue, day 3
    assert await titles(sessions) == [ahead, behind]


# --- the planned end ----------------------------------------------------------------------------


async def test_the_lead_is_told_once_that_the_planned_end_has_passed(
    world: dict[str, Person], sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    admin = world["admin"]
    await ok(admin, 'op new OP-2 "Second" --lead LD --ends 2026-11-28T18:00Z')
    await ok(admin, "op join OP-2 AG")
    await ok(admin, "op start OP-2")
    await ok(admin, 'task add OP-2 "Open one" --to AG')
    await ok(admin, 'task add OP-2 "Finished" --to AG')
    await ok(admin, "task done OP-2#2")
    sweep = sweeper(sessions, clock)
    clock.set(datetime(2026, 11, 28, 17, 59, tzinfo=UTC))
    await sweep.sweep()
    assert await sent(sessions, "operation.ends_passed") == []
    for moment in (datetime(2026, 11, 28, 18, 0, tzinfo=UTC), START + 10 * D):
        clock.set(moment)
        await sweep.sweep()
    rows = await sent(sessions, "operation.ends_passed")
    assert [r.chat_id for r in rows] == ["-300"]  # the lead agency's chat, once
    reply = from_json(rows[0].payload)
    assert reply.title == "The planned end of OP-2 has passed"
    assert reply.lines[0] == "It was to end 28 Nov 2026, 19:00 CET; 1 task is still open."
    async with sessions() as s:
        told = await s.scalar(select(Operation.ends_told_at).where(Operation.code == "OP-2"))
    assert told == datetime(2026, 11, 28, 18, 0, tzinfo=UTC)
    await ok(admin, "op suspend OP-2")  # a suspension and a resumption do not tell it again
    await ok(admin, "op resume OP-2")
    clock.set(START + 11 * D)
    await sweep.sweep()
    assert len(await sent(sessions, "operation.ends_passed")) == 1


async def test_a_suspended_operation_hears_of_its_end_when_it_resumes(
    world: dict[str, Person], sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    admin = world["admin"]
    await ok(admin, 'op new OP-2 "Second" --lead LD --ends 2026-11-27T18:00Z')
    await ok(admin, "op start OP-2")
    await ok(admin, "op suspend OP-2")
    sweep = sweeper(sessions, clock)
    clock.set(START + 3 * D)
    await sweep.sweep()
    assert await sent(sessions, "operation.ends_passed") == []
    await ok(admin, "op resume OP-2")
    await sweep.sweep()
    assert len(await sent(sessions, "operation.ends_passed")) == 1


# --- quiet logs -------------------------------------------------------------------------------


async def test_the_sweep_logs_a_count_only_when_it_sent_something(
    world: dict[str, Person],
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    sweep = sweeper(sessions, clock)
    assert await fired_at(sweep, clock, START) == 1  # the 24 h stage, at once
    with caplog.at_level(logging.DEBUG, logger="bot.reminders"), caplog.at_level(logging.INFO):
        clock.set(DUE - 2 * H)
        assert await sweep.sweep() == 0
        assert caplog.records == []  # an idle sweep: not a line, from any logger
        clock.set(DUE - H)
        await sweep.sweep()
    [record] = caplog.records
    assert (record.name, record.levelno) == ("bot.reminders", logging.INFO)
    assert record.getMessage() == "reminder sweep: 1 sent"


async def test_apscheduler_says_nothing_below_warning_while_sweeping(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'jointops.db'}",
        reminder_offsets="12h,30m",
    )
    runtime = await Runtime.open(settings, clock=FakeClock(START))
    swept = asyncio.Event()
    try:
        background = Background(runtime, {})
        assert stage_offsets() == (12 * H, 30 * M)  # what `reminders` lists with
        real_sweep = background.sweeper.sweep

        async def sweep() -> int:
            try:
                return await real_sweep()
            finally:
                swept.set()

        background.sweeper.sweep = sweep  # type: ignore[method-assign]
        with caplog.at_level(logging.DEBUG):
            background.scheduler.start()
            await swept.wait()  # the job ran once (its first run is at start)
            background.scheduler.shutdown(wait=False)
    finally:
        await runtime.close()
        from bot.reminders import DEFAULT_OFFSETS, use_offsets

        use_offsets(DEFAULT_OFFSETS)
    assert [r for r in caplog.records if r.name.startswith("apscheduler")] == []


async def test_two_sweepers_tell_the_lead_of_the_end_once(
    world: dict[str, Person],
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    database_url: str,
) -> None:
    from operations import db
    from tests.conftest import make_engine

    await ok(world["admin"], 'op new OP-2 "Second" --lead LD --ends 2026-11-27T18:00Z')
    clock.set(START + 3 * D)
    other_engine = make_engine(database_url)
    try:
        other = db.create_session_factory(other_engine)
        one, two = sweeper(sessions, clock), sweeper(other, clock)
        await asyncio.gather(one.sweep(), two.sweep(), one.sweep(), two.sweep())
    finally:
        await other_engine.dispose()
    assert len(await sent(sessions, "operation.ends_passed")) == 1
