"""Acknowledgements end to end in Telegram: the real python-telegram-bot against the fake Bot
API. A `status --ack` reaches three agencies' groups with an Acknowledge button; one agency
acknowledges by its button, another's member cannot acknowledge for it, the third is chased,
and the lead agency is told who is still missing, at their times (fake clock)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.sandbox.fakes.telegram import FakeTelegram, SentMessage
from adapters.telegram.adapter import TelegramAdapter
from bot.clock import FakeClock
from bot.reminders import ReminderSweeper
from bot.worker import DeliveryWorker
from tests.adapters.telegram.conftest import TgUser, console_invites
from tests.conftest import Person

CARL_DM, LUCIA_DM, OLGA_DM = 2, 3, 4  # a private chat's id is its user's id
FR_GROUP, AR_GROUP, US_GROUP = -1001, -1002, -1003


async def _deliver(
    telegram: TelegramAdapter,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    await DeliveryWorker(sessions, {"telegram": telegram.sender}, clock).run_once()


def _last(tg: FakeTelegram, chat_id: int) -> SentMessage:
    return tg.sent_messages(chat_id)[-1]


async def test_a_status_acknowledged_by_one_agencys_button_chased_and_reported(
    telegram: TelegramAdapter,
    tg: FakeTelegram,
    admin: Person,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    await admin.says('agency add FR-OCLCTIC "OCLCTIC" --country FR --tz Europe/Paris')
    await admin.says('agency add AR-PFA "PFA" --country AR --tz America/Argentina/Buenos_Aires')
    await admin.says('agency add US-FDA "FDA OCI" --country US --tz America/New_York')
    await admin.says('op new PANGEA-18 "Illicit pharmacies" --lead FR-OCLCTIC')
    await admin.says("op join PANGEA-18 AR-PFA")
    await admin.says("op join PANGEA-18 US-FDA --role observer")
    await admin.says("op start PANGEA-18")
    carl, lucia = TgUser(tg, CARL_DM, "Carl"), TgUser(tg, LUCIA_DM, "Lucía")
    olga = TgUser(tg, OLGA_DM, "Olga")
    for user, agency, role, group in (
        (carl, "FR-OCLCTIC", "coordinator", FR_GROUP),
        (lucia, "AR-PFA", "liaison", AR_GROUP),
        (olga, "US-FDA", "coordinator", US_GROUP),
    ):
        await user.says(user.user_id, f"/join {await console_invites(admin, agency, role)}")
        await user.says(group, f"/link {agency}", title=agency)

    posted = await admin.says('status PANGEA-18 "Phase 2 started" --ack')
    assert "acks PANGEA-18 1" in posted
    await _deliver(telegram, sessions, clock)
    for group in (FR_GROUP, AR_GROUP, US_GROUP):
        message = _last(tg, group)
        assert "Phase 2 started" in (message.plain_text or "")
        assert [b["text"] for b in message.buttons] == ["Acknowledge", "Summary"]

    # Lucía (AR-PFA) presses the button in FR-OCLCTIC's group: it acknowledges for her own
    # agency, never for FR-OCLCTIC
    message = _last(tg, FR_GROUP)
    button = str(next(b["callback_data"] for b in message.buttons if b["text"] == "Acknowledge"))
    answer = await lucia.presses_data(message, button)
    assert answer["text"] == "Status update #1 on PANGEA-18 acknowledged for AR-PFA."
    answer = await carl.presses_data(message, button)
    assert answer["text"] == "Status update #1 on PANGEA-18 acknowledged for FR-OCLCTIC."
    again = await carl.presses_data(message, button)
    assert "already been acknowledged" in str(again["text"])

    acks = (await carl.says(CARL_DM, "/acks PANGEA-18")).plain_text or ""
    assert "#1 acknowledged 2/3" in acks
    assert "acknowledged by Carl" in acks and "acknowledged by Lucía" in acks
    us_line = next(line for line in acks.splitlines() if "US-FDA" in line)
    assert "delivered" in us_line and "not acknowledged" in us_line

    # the chase: US-FDA reminded once after 30 min, the lead told after an hour
    sweeper = ReminderSweeper(sessions, clock)
    clock.advance(timedelta(minutes=31))
    await sweeper.sweep()
    await _deliver(telegram, sessions, clock)
    chase = _last(tg, US_GROUP)
    assert "Please acknowledge status update #1 on PANGEA-18" in (chase.plain_text or "")
    assert [b["text"] for b in chase.buttons] == ["Acknowledge"]
    fr_before = len(tg.sent_messages(FR_GROUP))
    clock.advance(timedelta(minutes=30))
    await sweeper.sweep()
    await _deliver(telegram, sessions, clock)
    [told] = tg.sent_messages(FR_GROUP)[fr_before:]
    assert "1 agency has not acknowledged it: US-FDA." in (told.plain_text or "")
    answer = await olga.presses(chase, "Acknowledge")  # late, but still counted
    assert answer["text"] == "Status update #1 on PANGEA-18 acknowledged for US-FDA."
    summary = (await carl.says(CARL_DM, "/summary PANGEA-18")).plain_text or ""
    assert "#1 acknowledged 3/3" in summary
