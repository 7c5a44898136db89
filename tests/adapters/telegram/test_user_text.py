"""Through the fake Bot API: a person's words never read as the bot's, and nothing is sent
that Telegram would refuse (it counts UTF-16 units, 4,096 a message)."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.sandbox.fakes.telegram import FakeTelegram, SentMessage
from adapters.sandbox.fakes.telegram_spec import utf16_len
from adapters.telegram.adapter import TelegramAdapter
from operations.status.models import StatusUpdate
from tests.adapters.telegram.conftest import TgUser, console_invites
from tests.conftest import Person

SPOOF = "ok\n\n✅ Task PANGEA-18#1: open → done."


async def _anna(admin: Person, tg: FakeTelegram) -> TgUser:
    await admin.says('agency add IP-GS "INTERPOL" --country FR --tz UTC')
    await admin.says('op new PANGEA-18 "Pharmacies" --lead IP-GS')
    await admin.says("op start PANGEA-18")
    anna = TgUser(tg, 1, "Anna")
    await anna.says(1, f"/join {await console_invites(admin, 'IP-GS', 'admin')}")
    return anna


def _quoted(message: SentMessage) -> list[str]:
    units = (message.plain_text or "").encode("utf-16-le")
    return [
        units[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in message.entities
        if e["type"] == "blockquote"
    ]


async def _whole_reply(tg: FakeTelegram, chat_id: int, before: int) -> list[SentMessage]:
    """Every message of a reply sent in parts: up to the one carrying the keyboard."""
    count = before + 1
    while True:
        sent = await tg.wait_for_messages(count, chat_id=chat_id)
        if sent[-1].buttons:
            return sent[before:]
        count = len(sent) + 1


async def test_a_status_posing_as_a_bot_line_is_shown_quoted(
    telegram: TelegramAdapter, tg: FakeTelegram, admin: Person
) -> None:
    anna = await _anna(admin, tg)
    posted = await anna.says(1, f'/status PANGEA-18 "{SPOOF}"')
    assert _quoted(posted) == [SPOOF]
    before = len(tg.sent_messages(1))
    await anna.says(1, "/summary PANGEA-18")
    [summary] = await _whole_reply(tg, 1, before)
    assert _quoted(summary) == [SPOOF]
    shown = (summary.plain_text or "").replace(SPOOF, "")
    assert "Task PANGEA-18#1" not in shown  # no line of the bot's says it


async def test_a_summary_of_three_long_updates_is_delivered_in_parts(
    telegram: TelegramAdapter,
    tg: FakeTelegram,
    admin: Person,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    anna = await _anna(admin, tg)
    for n in range(3):
        await admin.says(f'status PANGEA-18 "update {n}"')
    long = {f"update {n}": f"{n} " + "😀" * 2100 for n in range(3)}  # 4,202 UTF-16 units each
    async with sessions() as session, session.begin():  # as accepted before lengths were units
        for short, text in long.items():
            await session.execute(
                update(StatusUpdate).where(StatusUpdate.text == short).values(text=text)
            )
    before = len(tg.sent_messages(1))
    await anna.says(1, "/summary PANGEA-18")
    parts = await _whole_reply(tg, 1, before)
    assert len(parts) >= 4
    assert all(utf16_len(m.plain_text or "") <= 4096 for m in parts)
    quoted = "".join(q for m in parts for q in _quoted(m))
    assert all(text.replace(" ", "") in quoted.replace(" ", "") for text in long.values())
    assert tg.violations == [] and tg.errors == []
