"""Private stays private in Telegram groups: codes, whoami and errors go to the private chat,
or, when the person has none, the group is told only to open one and nothing runs."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.sandbox.fakes.telegram import FakeTelegram
from adapters.telegram.adapter import TelegramAdapter
from operations.audit.models import AuditEvent
from operations.member.models import Invite, LinkCode
from tests.adapters.telegram.conftest import TgUser, console_invites, invite_code
from tests.conftest import Chat, Person

ANNA, BEN, EVE = 1, 2, 666  # user ids, which are also their private chats' ids
HQ = -1001
ANSWERED = "I answered you in private."
OPEN_ONE = (
    "I answer this in private only.\nOpen a private chat with me (https://t.me/JointOpsBot),"
    " press Start, then send the command there."
)
VOID = (
    "⚠️ That code was posted in a group chat, so it is now void; ask for a new one and send it"
    " to me in private."
)
CODE = re.compile(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}")


async def _rows(sessions: async_sessionmaker[AsyncSession], model: type[object]) -> int:
    async with sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


def _codes_in(tg: FakeTelegram, chat_id: int) -> list[str]:
    return [c for m in tg.sent_messages(chat_id) for c in CODE.findall(m.plain_text or "")]


async def _admin_anna(tg: FakeTelegram, admin: Person) -> TgUser:
    """Anna, a Telegram admin with a private chat with the bot."""
    await admin.says('agency add FR-OCLCTIC "OCLCTIC" --country FR --tz Europe/Paris')
    anna = TgUser(tg, ANNA, "Anna")
    await anna.says(ANNA, f"/join {await console_invites(admin, 'FR-OCLCTIC', 'admin')}")
    return anna


async def _admin_without_private_chat(chat: Chat, admin: Person, tg: FakeTelegram) -> TgUser:
    """Anna, a Telegram admin who joined elsewhere and never opened a chat with the bot."""
    await admin.says('agency add FR-OCLCTIC "OCLCTIC" --country FR --tz Europe/Paris')
    anna = chat.person(str(ANNA), "Anna", platform="telegram", workspace="telegram")
    await anna.joins_with_invite_from(admin, "FR-OCLCTIC", "admin")
    return TgUser(tg, ANNA, "Anna")


async def test_connect_in_a_group_sends_the_code_to_the_private_chat_only(
    telegram: TelegramAdapter, tg: FakeTelegram, admin: Person
) -> None:
    anna = await _admin_anna(tg, admin)
    said, answer = await anna.asks_in_group(HQ, "/connect@JointOpsBot")
    assert said.plain_text == ANSWERED
    assert said.message["reply_to_message"]["text"] == "/connect@JointOpsBot"
    assert "From the other account, send this to the bot" in (answer.plain_text or "")
    assert _codes_in(tg, ANNA) and not _codes_in(tg, HQ)


async def test_invite_in_a_group_sends_the_code_to_the_private_chat_only(
    telegram: TelegramAdapter, tg: FakeTelegram, admin: Person
) -> None:
    anna = await _admin_anna(tg, admin)
    said, answer = await anna.asks_in_group(HQ, "/invite@JointOpsBot FR-OCLCTIC --role liaison")
    assert said.plain_text == ANSWERED
    assert not _codes_in(tg, HQ)
    welcome = await TgUser(tg, BEN, "Ben").says(BEN, f"join {invite_code(answer.plain_text)}")
    assert "You joined FR-OCLCTIC" in (welcome.plain_text or "")


async def test_without_a_private_chat_the_group_is_told_to_open_one_and_nothing_runs(
    telegram: TelegramAdapter,
    tg: FakeTelegram,
    chat: Chat,
    admin: Person,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    anna = await _admin_without_private_chat(chat, admin, tg)
    invites, links = await _rows(sessions, Invite), await _rows(sessions, LinkCode)
    for command in ("/invite@JointOpsBot FR-OCLCTIC --role liaison", "/connect@JointOpsBot"):
        told = await anna.says(HQ, command, title="HQ")
        assert told.plain_text == OPEN_ONE
    assert [m.chat_id for m in tg.sent_messages()] == [HQ, HQ]  # nothing else was sent
    assert not _codes_in(tg, HQ)
    assert (await _rows(sessions, Invite), await _rows(sessions, LinkCode)) == (invites, links)
    probes = tg.calls_to("sendChatAction")
    assert [(c.params["chat_id"], c.status) for c in probes] == [(ANNA, 403), (ANNA, 403)]


async def test_whoami_in_a_group_goes_to_the_private_chat(
    telegram: TelegramAdapter, tg: FakeTelegram, admin: Person
) -> None:
    anna = await _admin_anna(tg, admin)
    said, answer = await anna.asks_in_group(HQ, "/whoami@JointOpsBot")
    assert said.plain_text == ANSWERED
    assert "Role: admin" in (answer.plain_text or "")
    assert "Role" not in "".join(m.plain_text or "" for m in tg.sent_messages(HQ))


async def test_a_personal_list_in_a_group_goes_to_the_private_chat(
    telegram: TelegramAdapter, tg: FakeTelegram, admin: Person
) -> None:
    anna = await _admin_anna(tg, admin)
    await admin.says('op new PANGEA-18 "Pharmacies" --lead FR-OCLCTIC')
    said, answer = await anna.asks_in_group(HQ, "/task@JointOpsBot list PANGEA-18 —mine")
    assert said.plain_text == ANSWERED
    assert "PANGEA-18" in (answer.plain_text or "")


async def test_an_error_goes_to_the_private_chat_or_else_to_the_group(
    telegram: TelegramAdapter, tg: FakeTelegram, admin: Person
) -> None:
    anna = await _admin_anna(tg, admin)
    said, answer = await anna.asks_in_group(HQ, "/op@JointOpsBot show NOPE-1")
    assert said.plain_text == ANSWERED
    assert (answer.plain_text or "").startswith("⚠️")
    # a stranger without a private chat: the error answers the command where it was typed
    refused = await TgUser(tg, EVE, "Eve").says(HQ, "/op show NOPE-1", title="HQ")
    assert (refused.plain_text or "").startswith("⚠️ You are not a member of jointops yet.")


async def test_join_in_a_group_voids_the_code(
    telegram: TelegramAdapter,
    tg: FakeTelegram,
    admin: Person,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await admin.says('agency add FR-OCLCTIC "OCLCTIC" --country FR --tz Europe/Paris')
    code = await console_invites(admin, "FR-OCLCTIC", "liaison")
    ben = TgUser(tg, BEN, "Ben")
    voided = await ben.says(HQ, f"/join@JointOpsBot {code}", title="HQ")
    assert voided.plain_text == VOID
    eve = TgUser(tg, EVE, "Eve")  # read it in the group, and is quicker than Ben
    stolen = await eve.says(EVE, f"join {code}")
    assert "has already been used" in (stolen.plain_text or "")
    again = await ben.says(BEN, f"/start {code}")
    assert "has already been used" in (again.plain_text or "")
    async with sessions() as s:
        invite = await s.scalar(select(Invite))
        actions = list(await s.scalars(select(AuditEvent.action)))
    assert invite is not None and invite.used_at is not None and invite.used_by_id is None
    assert "invite.void" in actions and "invite.redeem" not in actions


async def test_a_link_code_posted_in_a_group_is_void(
    telegram: TelegramAdapter, tg: FakeTelegram, admin: Person
) -> None:
    anna = await _admin_anna(tg, admin)
    _, answer = await anna.asks_in_group(HQ, "/connect@JointOpsBot")
    code = invite_code(answer.plain_text)
    voided = await TgUser(tg, EVE, "Eve").says(HQ, f"/join {code}", title="HQ")
    assert voided.plain_text == VOID
    stolen = await TgUser(tg, EVE, "Eve").says(EVE, f"join {code}")
    assert "has already been used" in (stolen.plain_text or "")


async def test_a_button_answered_in_private_goes_to_the_private_chat(
    telegram: TelegramAdapter, tg: FakeTelegram, admin: Person
) -> None:
    anna = await _admin_anna(tg, admin)
    await admin.says('op new PANGEA-18 "Pharmacies" --lead FR-OCLCTIC')
    added = await anna.says(HQ, '/task add PANGEA-18 "Raid" --to FR-OCLCTIC', title="HQ")
    before = len(tg.sent_messages(ANNA))
    pressed = await anna.presses_data(added, "whoami")
    assert pressed["text"] == ANSWERED and not pressed.get("show_alert")
    answer = (await tg.wait_for_messages(before + 1, chat_id=ANNA))[before]
    assert "Role: admin" in (answer.plain_text or "")
    assert len(tg.sent_messages(HQ)) == 1


async def test_a_button_answered_in_private_without_a_private_chat_runs_nothing(
    telegram: TelegramAdapter,
    tg: FakeTelegram,
    chat: Chat,
    admin: Person,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    anna = await _admin_without_private_chat(chat, admin, tg)
    await admin.says('op new PANGEA-18 "Pharmacies" --lead FR-OCLCTIC')
    added = await anna.says(HQ, '/task add PANGEA-18 "Raid" --to FR-OCLCTIC', title="HQ")
    links = await _rows(sessions, LinkCode)
    pressed = await anna.presses_data(added, "connect")
    assert pressed["show_alert"] is True
    assert str(pressed["text"]).startswith("I answer this in private only. Open a private chat")
    assert await _rows(sessions, LinkCode) == links
    assert [m.chat_id for m in tg.sent_messages()] == [HQ]
