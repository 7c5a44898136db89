"""Four eyes end to end in Telegram: the real python-telegram-bot against the fake Bot API.
A coordinator's status update is held; the lead agency's other coordinator gets it in private
with Approve and Reject buttons; the requester cannot approve it; the approval broadcasts it
and tells the requester."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.sandbox.fakes.telegram import FakeTelegram
from adapters.telegram.adapter import TelegramAdapter
from bot.clock import FakeClock
from bot.worker import DeliveryWorker
from tests.adapters.telegram.conftest import TgUser, console_invites
from tests.conftest import Person

CARL_DM, CHLOE_DM, LUCIA_DM = 2, 3, 4  # a private chat's id is its user's id
AR_GROUP = -1002


async def test_a_held_status_released_by_a_second_coordinators_button(
    telegram: TelegramAdapter,
    tg: FakeTelegram,
    admin: Person,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    await admin.says('agency add FR-OCLCTIC "OCLCTIC" --country FR --tz Europe/Paris --lang en')
    await admin.says('agency add AR-PFA "PFA" --country AR --tz America/Argentina/Buenos_Aires')
    await admin.says('op new PANGEA-18 "Illicit pharmacies" --lead FR-OCLCTIC --four-eyes')
    await admin.says("op start PANGEA-18")
    carl, chloe = TgUser(tg, CARL_DM, "Carl"), TgUser(tg, CHLOE_DM, "Chloé")
    lucia = TgUser(tg, LUCIA_DM, "Lucía")
    for user, agency in ((carl, "FR-OCLCTIC"), (chloe, "FR-OCLCTIC"), (lucia, "AR-PFA")):
        await user.says(
            user.user_id, f"/join {await console_invites(admin, agency, 'coordinator')}"
        )
    joined = await admin.says("op join PANGEA-18 AR-PFA")  # held: four eyes are on
    assert "Held for release as R-1" in joined
    await chloe.says(CHLOE_DM, "/release approve R-1")
    await lucia.says(AR_GROUP, "/link AR-PFA", title="AR-PFA")

    held = (await carl.says(CARL_DM, '/status PANGEA-18 "Phase 2 started"')).plain_text or ""
    assert "Held for release as R-2" in held
    own = (await carl.says(CARL_DM, "/release approve R-2")).plain_text or ""
    assert "yourself" in own  # the requester never approves their own request

    worker = DeliveryWorker(sessions, {"telegram": telegram.sender}, clock)
    await worker.run_once()
    assert not [m for m in tg.sent_messages(AR_GROUP) if "Phase 2" in (m.plain_text or "")]
    ask = tg.sent_messages(CHLOE_DM)[-1]  # in Chloé's private chat, with the two buttons
    assert "R-2" in (ask.plain_text or "") and "Phase 2 started" in (ask.plain_text or "")
    assert [b["text"] for b in ask.buttons] == ["Approve", "Reject"]
    assert not [m for m in tg.sent_messages(CARL_DM) if m.buttons and "R-2" in str(m.buttons)]

    answer = await chloe.presses(ask, "Approve")
    assert "R-2 approved" in str(answer["text"])
    await worker.run_once()
    assert len([m for m in tg.sent_messages(AR_GROUP) if "Phase 2" in (m.plain_text or "")]) == 1
    told = tg.sent_messages(CARL_DM)[-1]
    assert "approved by Chloé" in (told.plain_text or "")
    again = await chloe.presses(ask, "Approve")
    assert "already been approved" in str(again["text"])
    tg.assert_no_violations()
