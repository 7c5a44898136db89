"""One person, two chat platforms: the same member, the same need-to-know."""

from __future__ import annotations

import re

from adapters.sandbox.fakes.slack import FakeSlack
from adapters.sandbox.fakes.telegram import FakeTelegram
from adapters.slack.adapter import SlackAdapter
from adapters.telegram.adapter import TelegramAdapter
from tests.adapters.slack.conftest import SlackUser, slack, socket_mode, visible
from tests.adapters.telegram.conftest import TgUser, console_invites, telegram, tg
from tests.conftest import Person

__all__ = ["slack", "socket_mode", "telegram", "tg"]  # both platforms' fixtures, used below


async def test_telegram_and_slack_accounts_of_one_liaison_see_the_same_operation(
    telegram: TelegramAdapter,
    tg: FakeTelegram,
    socket_mode: SlackAdapter,
    slack: FakeSlack,
    admin: Person,
) -> None:
    await admin.says('agency add FR-OCLCTIC "OCLCTIC" --country FR --tz Europe/Paris')
    await admin.says('agency add AR-PFA "PFA" --country AR --tz America/Argentina/Buenos_Aires')
    await admin.says('op new PANGEA-18 "Pharmacies" --lead FR-OCLCTIC')
    await admin.says('op new SECRET-1 "Not for AR" --lead FR-OCLCTIC')
    await admin.says("op join PANGEA-18 AR-PFA")

    lucia_tg = TgUser(tg, 3, "Lucía")
    await lucia_tg.says(3, f"/join {await console_invites(admin, 'AR-PFA', 'liaison')}")
    link = await lucia_tg.says(3, "/connect")
    code = re.search(r"join ([A-Z0-9-]{14})", link.plain_text or "")
    assert code, link.plain_text

    lucia_slack = SlackUser(slack, "U3")
    linked = await lucia_slack.says(lucia_slack.dm, f"join {code[1]}")
    assert "This slack account is now linked to Lucía." in visible(linked)

    from_slack = await lucia_slack.says("C2", "op list")
    from_telegram = await lucia_tg.says(3, "/op list")
    assert "PANGEA-18" in visible(from_slack) and "SECRET-1" not in visible(from_slack)
    assert "PANGEA-18" in (from_telegram.plain_text or "")
    assert "SECRET-1" not in (from_telegram.plain_text or "")
    who = await lucia_slack.says("C2", "whoami")
    assert "telegram:Lucía" in visible(who) and "slack:Lucía Liaison" in visible(who)
    reused = await SlackUser(slack, "U9").says("D9", f"join {code[1]}")
    assert "has already been used" in visible(reused)
