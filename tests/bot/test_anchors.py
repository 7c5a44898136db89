"""Once a day each admin gets the audit chain's head in private: an anchor outside the database."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FakeClock
from bot.reminders import ReminderSweeper
from bot.reply import from_json
from operations.audit import service as audit_service
from operations.delivery.models import Delivery
from tests.conftest import START, Chat, Person

Sessions = async_sessionmaker[AsyncSession]


async def anchors(sessions: Sessions) -> list[Delivery]:
    async with sessions() as s:
        rows = await s.scalars(select(Delivery).where(Delivery.kind == "anchor"))
        return list(rows.all())


async def on_telegram(chat: Chat, admin: Person) -> Person:
    """The local administrator's Telegram account, linked with `connect`."""
    code = re.search(r"join ([A-Z0-9-]+)", await admin.says("connect"))
    assert code
    tina = chat.person("tina", "Tina", platform="telegram", workspace="tg", chat_id="tina")
    await tina.says(f"join {code[1]}")
    return tina


async def test_each_admin_gets_the_head_once_a_day_in_private(
    chat: Chat, admin: Person, sessions: Sessions, clock: FakeClock
) -> None:
    await on_telegram(chat, admin)
    await admin.says('agency add FR-PN "PN" --country FR --tz Europe/Paris')
    lia = chat.person("lia", "Lia", platform="telegram", workspace="tg", chat_id="lia")
    await lia.joins_with_invite_from(admin, "FR-PN", "liaison")
    sweeper = ReminderSweeper(sessions, clock)
    clock.set(START.replace(hour=7, minute=59))  # UTC, the admin's timezone: not yet
    assert await sweeper.anchors() == 0
    clock.set(START.replace(hour=8))
    async with sessions() as s:
        head = await audit_service.head(s)
    assert await sweeper.anchors() == 1
    assert await sweeper.anchors() == 0  # once a day
    [sent] = await anchors(sessions)
    assert (sent.platform, sent.chat_id, sent.agency_id) == ("telegram", "tina", None)
    reply = from_json(sent.payload)
    assert reply.private and reply.title == "Audit anchor of Thu, 26 Nov 2026"  # START's day
    assert reply.lines[0] == str(head)
    assert f"jointops audit verify --anchor {head}" in reply.lines[1]
    clock.advance(timedelta(days=1))
    assert await sweeper.anchors() == 1
    assert len(await anchors(sessions)) == 2


async def test_an_admin_only_at_the_console_gets_nothing(
    admin: Person, sessions: Sessions, clock: FakeClock
) -> None:
    await admin.says('agency add FR-PN "PN" --country FR --tz Europe/Paris')
    assert await ReminderSweeper(sessions, clock).anchors() == 0
    assert await anchors(sessions) == []
