"""Reminders on a fake clock: each kind fires at its instant, once, and re-arms on a new due time."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FakeClock
from bot.dispatcher import Dispatcher
from bot.reminders import ReminderSweeper
from bot.reply import Tone, from_json
from bot.when import format_day
from operations.delivery.models import Delivery
from tests.conftest import Chat, Person

H = timedelta(hours=1)
D = timedelta(days=1)


async def deliveries(sessions: async_sessionmaker[AsyncSession], kind: str) -> list[Delivery]:
    async with sessions() as s:
        rows = await s.scalars(select(Delivery).where(Delivery.kind == kind).order_by(Delivery.id))
        return list(rows)


async def titles(sessions: async_sessionmaker[AsyncSession], kind: str) -> list[str]:
    return [from_json(d.payload).title for d in await deliveries(sessions, kind)]


async def says_ok(person: Person, line: str) -> str:
    out = await person.says(line)
    assert person.reply.tone != Tone.ERROR, out
    return out


@pytest.fixture
async def world(chat: Chat, admin: Person) -> dict[str, Person]:
    """FR (Paris) leads OP-1 with AR (Buenos Aires) and SG (Singapore); each has a Telegram chat."""
    for line in (
        'agency add FR "France" --country FR --tz Europe/Paris --lang fr',
        'agency add AR "Argentina" --country AR --tz America/Argentina/Buenos_Aires --lang es',
        'agency add SG "Singapore" --country SG --tz Asia/Singapore',
        'op new OP-1 "Operation" --lead FR',
        "op join OP-1 AR",
        "op join OP-1 SG",
        "op start OP-1",
    ):
        await says_ok(admin, line)
    tina = chat.person("tina", "Tina", platform="telegram", workspace="telegram", chat_id="100")
    await tina.joins_with_invite_from(admin, "FR", "admin")
    for chat_id, agency in (("-1001", "FR"), ("-1002", "AR"), ("-1003", "SG")):
        tina.chat_id = chat_id
        await says_ok(tina, f"link {agency}")
    tina.chat_id = "100"
    return {"admin": admin, "tina": tina}


def sweeper(sessions: async_sessionmaker[AsyncSession], clock: FakeClock) -> ReminderSweeper:
    return ReminderSweeper(sessions, clock, offsets=(24 * H, H))


async def test_each_task_reminder_fires_at_its_instant_and_once(
    world: dict[str, Person], sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    due = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)  # START is 26 Nov 2026, 10:00 UTC
    await says_ok(world["admin"], 'task add OP-1 "Raid" --to AR --due 2026-11-28T12:00Z')
    sweep = sweeper(sessions, clock)
    expected = [
        (due - 24 * H - timedelta(minutes=1), 0),
        (due - 24 * H, 1),  # 24 h before
        (due - 24 * H + timedelta(minutes=5), 0),
        (due - H, 1),  # 1 h before
        (due - timedelta(minutes=30), 0),
        (due, 1),  # at the due time
        (due + 23 * H, 0),
        (due + D, 1),  # overdue, day 1
        (due + D + 12 * H, 0),
        (due + 2 * D, 1),  # overdue, day 2
    ]
    for moment, fired in expected:
        clock.set(moment)
        assert await sweep.sweep() == fired, moment
        assert await sweep.sweep() == 0, f"fired twice at {moment}"
    sent = await titles(sessions, "reminder")
    assert sent == [  # AR reads Spanish: "Reminder: OP-1#1 due in 1 day" ...
        "Recordatorio: OP-1#1 vence en 1 día",
        "Recordatorio: OP-1#1 vence en 1 h",
        "Recordatorio: OP-1#1 vence ahora",
        "Recordatorio: OP-1#1 vencida hace 1 día",
        "Recordatorio: OP-1#1 vencida hace 2 días",
    ]
    rows = await deliveries(sessions, "reminder")
    assert {r.chat_id for r in rows} == {"-1002"}  # the assignee agency's chat only
    reply = from_json(rows[0].payload)
    assert "vence 28 nov 2026, 09:00 -03" in reply.lines[0]  # rendered in Buenos Aires time
    assert [b.command for b in reply.buttons] == [
        "task done OP-1#1",
        "snooze OP-1#1 1h",
        "snooze OP-1#1 1d",
    ]


async def test_after_downtime_only_the_latest_stage_is_sent(
    world: dict[str, Person], sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await says_ok(world["admin"], 'task add OP-1 "Raid" --to AR --due 2026-11-28T12:00Z')
    clock.set(datetime(2026, 11, 28, 11, 30, tzinfo=UTC))  # the bot was down for two days
    assert await sweeper(sessions, clock).sweep() == 1
    assert await titles(sessions, "reminder") == ["Recordatorio: OP-1#1 vence en 30 min"]


async def test_done_tasks_are_not_chased(
    world: dict[str, Person], sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await says_ok(world["admin"], 'task add OP-1 "Raid" --to AR --due 2026-11-28T12:00Z')
    await says_ok(world["admin"], "task done OP-1#1")
    clock.set(datetime(2026, 11, 28, 12, 0, tzinfo=UTC))
    assert await sweeper(sessions, clock).sweep() == 0


async def test_a_new_due_time_re_arms_the_reminders(
    world: dict[str, Person], sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await says_ok(world["admin"], 'task add OP-1 "Raid" --to AR --due 2026-11-27T12:00Z')
    sweep = sweeper(sessions, clock)
    clock.set(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    assert await sweep.sweep() == 1  # 24 h before the first due time
    await says_ok(world["admin"], "task due OP-1#1 2026-11-29T12:00Z")
    assert await sweep.sweep() == 0
    clock.set(datetime(2026, 11, 28, 12, 0, tzinfo=UTC))
    assert await sweep.sweep() == 1  # 24 h before the new one
    assert len(await titles(sessions, "reminder")) == 2


async def test_snooze_and_custom_reminders_fire_once(
    world: dict[str, Person], sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await says_ok(world["admin"], 'task add OP-1 "Raid" --to SG')
    out = await says_ok(world["tina"], "remind OP-1#1 in 1h")
    assert "Rappel programmé sur OP-1#1 pour 26 nov. 2026 12:00 CET" in out  # Tina reads French
    await says_ok(world["tina"], 'remind OP-1#1 tomorrow 09:00 "Call the prosecutor"')
    sweep = sweeper(sessions, clock)
    clock.advance(59 * timedelta(minutes=1))
    assert await sweep.sweep() == 0
    clock.advance(timedelta(minutes=1))
    assert await sweep.sweep() == 1
    assert await sweep.sweep() == 0
    clock.set(datetime(2026, 11, 27, 8, 0, tzinfo=UTC))  # 09:00 in Paris, Tina's timezone
    assert await sweep.sweep() == 1
    rows = await deliveries(sessions, "reminder")
    assert [r.chat_id for r in rows] == ["-1003", "-1003"]
    assert from_json(rows[1].payload).lines[-1] == "Note: Call the prosecutor"


async def test_reminders_in_the_past_are_refused(world: dict[str, Person]) -> None:
    await says_ok(world["admin"], 'task add OP-1 "Raid" --to SG')
    out = await world["tina"].says("remind OP-1#1 2026-11-26T09:00Z")
    assert "L'heure du rappel doit se situer dans le futur." in out


async def test_cadence_reminds_the_lead_agency_once_per_period(
    world: dict[str, Person], sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    out = await says_ok(world["admin"], "op cadence OP-1 4h")
    assert "Status cadence on OP-1: every 4h" in out
    sweep = sweeper(sessions, clock)
    await says_ok(world["admin"], 'status OP-1 "Phase 1"')
    clock.advance(3 * H)
    assert await sweep.sweep() == 0
    clock.advance(H)
    assert await sweep.sweep() == 1
    assert await sweep.sweep() == 0
    clock.advance(4 * H)
    assert await sweep.sweep() == 1  # still silent: reminded again
    await says_ok(world["admin"], 'status OP-1 "Phase 2"')
    clock.advance(3 * H)
    assert await sweep.sweep() == 0
    rows = await deliveries(sessions, "cadence")
    assert {r.chat_id for r in rows} == {"-1001"}
    assert from_json(rows[0].payload).title == "Aucun point de situation sur OP-1 depuis 4h"
    too_short = await world["admin"].says("op cadence OP-1 5m")
    assert "at least 10 minutes" in too_short


@pytest.mark.parametrize(
    ("zone", "local_days", "utc_hours"),
    [
        # Paris changes to summer time on 2027-03-28: 08:00 is 07:00 UTC, then 06:00 UTC
        ("Europe/Paris", ("2027-03-27", "2027-03-28", "2027-03-29"), (7, 6, 6)),
        # Buenos Aires: no DST, UTC-3
        ("America/Argentina/Buenos_Aires", ("2027-03-27", "2027-03-28"), (11, 11)),
        # Singapore: UTC+8, 08:00 is midnight UTC
        ("Asia/Singapore", ("2027-03-27", "2027-03-28"), (0, 0)),
    ],
)
async def test_digest_arrives_at_0800_local_across_dst(
    chat: Chat,
    admin: Person,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    zone: str,
    local_days: tuple[str, ...],
    utc_hours: tuple[int, ...],
) -> None:
    await says_ok(admin, f'agency add XX "Agency" --country FR --tz {zone}')
    sam = chat.person("sam", "Sam", platform="slack", workspace="T1", chat_id="C1")
    await sam.joins_with_invite_from(admin, "XX", "supervisor")
    out = await says_ok(sam, "digest on")
    assert f"every day at 08:00 ({zone})" in out
    sweep = sweeper(sessions, clock)
    for day, hour in zip(local_days, utc_hours, strict=True):
        at = datetime.fromisoformat(f"{day}T{hour:02d}:00:00+00:00")
        clock.set(at - timedelta(minutes=1))
        assert await sweep.sweep() == 0, f"early on {day}"
        clock.set(at)
        assert await sweep.sweep() == 1, f"not at 08:00 local on {day}"
        clock.set(at + 2 * H)
        assert await sweep.sweep() == 0, f"twice on {day}"
    rows = await deliveries(sessions, "digest")
    assert len(rows) == len(local_days)
    assert {(r.platform, r.workspace, r.chat_id) for r in rows} == {("slack", "T1", "sam")}
    first = format_day(date.fromisoformat(local_days[0]), "en_GB")  # "Sat, 27 Mar 2027"
    assert from_json(rows[0].payload).title == f"Daily digest — {first}"


async def test_digest_off_stops_it(
    chat: Chat, admin: Person, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await says_ok(admin, 'agency add XX "Agency" --country FR --tz UTC')
    sam = chat.person("sam", "Sam", platform="slack", workspace="T1", chat_id="C1")
    await sam.joins_with_invite_from(admin, "XX", "supervisor")
    await says_ok(sam, "digest on --at 09:30")
    await says_ok(sam, "digest off")
    clock.set(datetime(2026, 11, 27, 9, 30, tzinfo=UTC))
    assert await sweeper(sessions, clock).sweep() == 0


async def test_two_sweepers_on_one_database_fire_each_reminder_once(
    world: dict[str, Person],
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    database_url: str,
) -> None:
    from operations import db
    from tests.conftest import make_engine

    for n in range(6):
        await says_ok(world["admin"], f'task add OP-1 "Raid {n}" --to AR --due 2026-11-27T09:00Z')
    await says_ok(world["admin"], 'task add OP-1 "Watch" --to AR')  # no due time
    await says_ok(world["tina"], "remind OP-1#7 in 2h")
    clock.set(datetime(2026, 11, 27, 9, 0, tzinfo=UTC))  # every task is due now
    other_engine = make_engine(database_url)
    try:
        other = db.create_session_factory(other_engine)
        one, two = sweeper(sessions, clock), sweeper(other, clock)
        fired = await asyncio.gather(one.sweep(), two.sweep(), one.sweep(), two.sweep())
    finally:
        await other_engine.dispose()
    assert sum(fired) == 7  # six "due now" and the custom reminder, whoever sent them
    assert len(await deliveries(sessions, "reminder")) == 7


async def test_digest_needs_a_chat_account(
    admin: Person, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    out = await admin.says("digest on")  # the local administrator has only the console
    assert "link an account first (connect)" in out
    clock.set(datetime(2026, 11, 27, 8, 0, tzinfo=UTC))
    assert await sweeper(sessions, clock).sweep() == 0


async def test_the_sweep_forgets_platform_event_ids_after_two_days(
    dispatcher: Dispatcher, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    assert await dispatcher.accept_once("telegram", "bot:1")
    clock.advance(D)
    await sweeper(sessions, clock).sweep()
    assert not await dispatcher.accept_once("telegram", "bot:1")  # still remembered a day later
    clock.advance(2 * D + H)
    await sweeper(sessions, clock).sweep()
    assert await dispatcher.accept_once("telegram", "bot:1")  # long past any redelivery
