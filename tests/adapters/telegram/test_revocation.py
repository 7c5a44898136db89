"""Leaving, end to end in Telegram: `unlink` stops a group's deliveries, queued ones included;
`member remove` ends a person's account at once (their next command is a stranger's)."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.sandbox.fakes.telegram import FakeTelegram
from adapters.telegram.adapter import TelegramAdapter
from operations.delivery.models import Delivery
from tests.adapters.telegram.conftest import TgUser, console_invites
from tests.conftest import Person

FIELD_GROUP = -1002
STRANGER = "You are not a member of jointops yet."


async def _states(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[str, str]]:
    async with sessions() as s:
        return [(c, st) for c, st in await s.execute(select(Delivery.chat_id, Delivery.state))]


async def _setup(admin: Person, tg: FakeTelegram) -> tuple[TgUser, TgUser]:
    """FR-OCLCTIC leads an active PANGEA-18; Anna (admin) and Carl (liaison) joined in private."""
    await admin.says('agency add IP-GS "INTERPOL" --country FR --tz Europe/Paris')
    await admin.says('agency add FR-OCLCTIC "OCLCTIC" --country FR --tz Europe/Paris')
    await admin.says('op new PANGEA-18 "Pharmacies" --lead FR-OCLCTIC')
    await admin.says("op start PANGEA-18")
    anna, carl = TgUser(tg, 1, "Anna"), TgUser(tg, 2, "Carl")
    await anna.says(anna.user_id, f"/join {await console_invites(admin, 'IP-GS', 'admin')}")
    code = await console_invites(admin, "FR-OCLCTIC", "liaison")
    joined = await carl.says(carl.user_id, f"/join {code}")
    assert "You joined FR-OCLCTIC" in (joined.plain_text or "")
    return anna, carl


async def test_unlink_stops_the_groups_deliveries_queued_ones_included(
    telegram: TelegramAdapter,
    tg: FakeTelegram,
    admin: Person,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    _, carl = await _setup(admin, tg)
    linked = await carl.says(FIELD_GROUP, "/link FR-OCLCTIC", title="Field FR")
    assert "This chat now receives the updates of FR-OCLCTIC." in (linked.plain_text or "")
    await admin.says('status PANGEA-18 "Phase 1"')  # queued for the group, not yet sent
    assert await _states(sessions) == [(str(FIELD_GROUP), "pending")]

    unlinked = await carl.says(FIELD_GROUP, "/unlink", title="Field FR")
    text = unlinked.plain_text or ""
    assert "This chat no longer receives the updates of FR-OCLCTIC." in text
    assert "1 queued message will not be sent." in text
    assert await _states(sessions) == [(str(FIELD_GROUP), "cancelled")]

    await admin.says('status PANGEA-18 "Phase 2"')
    assert await _states(sessions) == [(str(FIELD_GROUP), "cancelled")]  # nothing new for it
    private = len(tg.sent_messages(carl.user_id))
    await carl.says(FIELD_GROUP, "/unlink", title="Field FR")  # a refusal is answered in private
    refusal = (await tg.wait_for_messages(private + 1, chat_id=carl.user_id))[private]
    assert "This chat is not linked to any agency." in (refusal.plain_text or "")


async def test_a_removed_member_is_answered_as_a_stranger(
    telegram: TelegramAdapter, tg: FakeTelegram, admin: Person
) -> None:
    anna, carl = await _setup(admin, tg)
    assert "FR-OCLCTIC" in ((await carl.says(carl.user_id, "/whoami")).plain_text or "")

    listing = await anna.says(anna.user_id, "/member list FR-OCLCTIC")
    match = re.search(r"(m[0-9]+) — Carl, liaison of FR-OCLCTIC", listing.plain_text or "")
    assert match, listing.plain_text
    removed = await anna.says(anna.user_id, f"/member remove {match[1]}")
    assert f"Carl ({match[1]}) removed." in (removed.plain_text or "")
    assert "Their account no longer works (telegram)." in (removed.plain_text or "")

    for command in ("/whoami", "/task list PANGEA-18", "/member list"):
        refused = await carl.says(carl.user_id, command)
        assert STRANGER in (refused.plain_text or ""), command
    helped = await carl.says(carl.user_id, "/help")
    assert "join CODE" in (helped.plain_text or "")
    assert "task add" not in (helped.plain_text or "")
