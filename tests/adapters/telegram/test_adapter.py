"""End to end in Telegram: the real python-telegram-bot polling a fake Bot API server."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.sandbox.fakes.telegram import FakeTelegram
from adapters.telegram.adapter import TelegramAdapter
from bot.clock import FakeClock
from bot.commands import REGISTRY
from bot.i18n import Translator
from bot.worker import DeliveryWorker
from operations.audit.models import AuditEvent
from operations.channel.models import Channel
from operations.enums import TaskStatus
from operations.task.models import Task
from tests.adapters.telegram.conftest import TgUser, console_invites, invite_code
from tests.bot.helpers import table_counts
from tests.conftest import Person

ADMIN_DM, COORD_DM, LIAISON_DM = 1, 2, 3  # a private chat's id is its user's id
HQ_GROUP, FIELD_GROUP = -1001, -1002
RLM, FSI, PDI = "\u200f", "\u2068", "\u2069"  # right-to-left mark, isolate, end of isolate
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def unmarked(text: str | None) -> list[str]:
    """The lines of a message's visible text that do not start with a right-to-left mark."""
    return [line for line in (text or "").split("\n") if line and not line.startswith(RLM)]


async def _counts(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    """Rows per table; the inbox's records of updates received are not changes."""
    return await table_counts(sessions, leave_out=frozenset({"inbound_event"}))


async def test_menu_is_the_registry(telegram: TelegramAdapter, tg: FakeTelegram) -> None:
    names = [c["command"] for c in tg.commands]
    assert {"help", "join", "task", "op", "summary", "status", "invite", "link"} <= set(names)
    assert all(0 < len(c["description"]) <= 256 for c in tg.commands)


@pytest.mark.parametrize("language", ["fr", "es", "ar"])
async def test_the_menu_is_published_in_each_language(
    telegram: TelegramAdapter, tg: FakeTelegram, language: str
) -> None:
    english = {c["command"]: c["description"] for c in tg.commands_by_scope[("default", "en")]}
    menu = {c["command"]: c["description"] for c in tg.commands_by_scope[("default", language)]}
    assert menu.keys() == english.keys()  # command words stay English
    summary = next(c.summary for c in REGISTRY.group("summary"))
    assert menu["summary"] == Translator(language).gettext(summary) != english["summary"]
    assert all(0 < len(d) <= 256 for d in menu.values())


async def test_three_users_two_groups_run_an_operation(
    telegram: TelegramAdapter,
    tg: FakeTelegram,
    admin: Person,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await admin.says(
        'agency add IP-GS "INTERPOL General Secretariat" --country FR --tz Europe/Paris'
    )
    await admin.says('agency add FR-OCLCTIC "OCLCTIC" --country FR --tz Europe/Paris --lang fr')
    await admin.says(
        'agency add AR-PFA "Policía Federal Argentina" --country AR '
        "--tz America/Argentina/Buenos_Aires --lang es"
    )
    anna = TgUser(tg, 1, "Anna")  # will be the Telegram admin
    carl = TgUser(tg, 2, "Carl")  # coordinator, FR-OCLCTIC
    lucia = TgUser(tg, 3, "Lucía")  # liaison, AR-PFA

    welcome = await anna.says(ADMIN_DM, f"/join {await console_invites(admin, 'IP-GS', 'admin')}")
    assert "Welcome, Anna." in (welcome.plain_text or "")

    _, invite = await anna.asks_in_group(HQ_GROUP, "/invite FR-OCLCTIC --role coordinator")
    joined = await carl.says(COORD_DM, f"/start {invite_code(invite.plain_text)}")
    assert "Vous avez rejoint FR-OCLCTIC" in (joined.plain_text or "")
    _, invite = await anna.asks_in_group(HQ_GROUP, "/invite@JointOpsBot AR-PFA --role liaison")
    joined = await lucia.says(
        LIAISON_DM, f"join {invite_code(invite.plain_text)}"
    )  # plain text, DM
    assert "Se ha unido a AR-PFA (Policía Federal Argentina) como oficial de enlace." in (
        joined.plain_text or ""
    )

    made = await carl.says(
        HQ_GROUP, '/op new PANGEA-18 "Illicit pharmacies" --tlp AMBER', title="HQ"
    )
    # Carl reads French (FR-OCLCTIC's language), Lucía Spanish (AR-PFA's)
    assert (made.plain_text or "").startswith("TLP:AMBER\nOpération PANGEA-18 créée.")
    assert not BIDI_CONTROLS.search(made.text or "")  # left to right: no direction control
    await carl.says(HQ_GROUP, "/op join PANGEA-18 AR-PFA", title="HQ")
    added = await carl.says(
        HQ_GROUP,
        '/task add PANGEA-18 "Raid <warehouse> 4 & co" --to AR-PFA --due "tomorrow 06:00"',
        title="HQ",
    )
    assert "Tâche PANGEA-18#1 ajoutée." in (added.plain_text or "")
    assert "Raid &lt;warehouse&gt; 4 &amp; co" in (added.text or "")  # escaped in the HTML sent
    assert "Échéance: 27 nov. 2026 06:00 CET" in (added.plain_text or "")  # Carl reads Paris time

    linked = await lucia.says(FIELD_GROUP, "/link AR-PFA", title="Field AR")
    assert "Este chat recibe ahora las notificaciones de AR-PFA." in (linked.plain_text or "")
    assert not BIDI_CONTROLS.search(linked.text or "")
    _, mine = await lucia.asks_in_group(FIELD_GROUP, "/task list PANGEA-18 --mine")
    assert "vence 27 nov 2026, 02:00 -03" in (
        mine.plain_text or ""
    )  # Lucía reads Buenos Aires time
    posted = len(tg.sent_messages(LIAISON_DM))
    answer = await lucia.presses(mine, "Terminar #1")
    assert answer["text"] == "Tarea PANGEA-18#1: abierta → terminada."
    done = await tg.wait_for_messages(posted + 1, chat_id=LIAISON_DM)
    assert "Tarea PANGEA-18#1: abierta → terminada." in (done[-1].plain_text or "")

    summary = await carl.says(HQ_GROUP, "/summary PANGEA-18", title="HQ")
    text = summary.plain_text or ""
    counts = "0 ouverte, 0 en cours, 0 bloquée, 1 terminée, 0 en retard"
    assert f"Tâches: {counts}" in text
    assert f"AR-PFA (participant): {counts}" in text

    async with sessions() as s:
        task = await s.scalar(select(Task).where(Task.number == 1))
        assert task is not None and task.status == TaskStatus.DONE
        channel = await s.scalar(select(Channel))
        assert channel is not None
        assert (channel.platform, channel.external_id, channel.title) == (
            "telegram",
            str(FIELD_GROUP),
            "Field AR",
        )
        actors = set(
            await s.scalars(select(AuditEvent.actor).where(AuditEvent.platform == "telegram"))
        )
    assert {"Anna (IP-GS)", "Carl (FR-OCLCTIC)", "Lucía (AR-PFA)"} <= actors


async def test_an_arabic_reader_and_an_arabic_agencys_chat_read_right_to_left(
    telegram: TelegramAdapter,
    tg: FakeTelegram,
    admin: Person,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    await admin.says('agency add AE-DXB "Dubai Police" --country AE --tz Asia/Dubai --lang ar')
    await admin.says('op new PANGEA-18 "Pharmacies" --lead AE-DXB')
    nadia = TgUser(tg, 4, "Nadia")  # a coordinator of AE-DXB: she reads Arabic
    await nadia.says(4, f"/join {await console_invites(admin, 'AE-DXB', 'coordinator')}")
    added = await nadia.says(
        4, '/task add PANGEA-18 "Raid warehouse 4" --to AE-DXB --due 2026-11-27T06:00Z'
    )
    text = added.plain_text or ""
    assert unmarked(text) == [], text  # every line starts right to left
    assert f"{FSI}PANGEA-18#1{PDI}" in text  # the reference isolated
    assert f"{FSI}27 نوفمبر 2026، 10:00 +04{PDI}" in text  # the due time (a field's value) isolated
    await nadia.says(FIELD_GROUP, "/link AE-DXB", title="Field AE")

    before = len(tg.sent_messages(FIELD_GROUP))
    await admin.says('status PANGEA-18 "Phase 2 started"')  # the admin reads English
    await DeliveryWorker(sessions, {"telegram": telegram.sender}, clock).run_once()
    [delivered] = tg.sent_messages(FIELD_GROUP)[before:]
    text = delivered.plain_text or ""
    assert unmarked(text) == [], text
    assert f"{FSI}PANGEA-18{PDI}" in text.split("\n")[1]  # the title's code isolated
    assert f"{RLM}{FSI}Phase 2 started{PDI}" in text  # the person's words: one isolate
    assert f"{FSI}26 نوفمبر 2026، 14:00 +04{PDI}" in text  # the time it was posted, in Dubai


async def test_a_stranger_changes_nothing(
    telegram: TelegramAdapter,
    tg: FakeTelegram,
    admin: Person,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await admin.says('agency add FR-OCLCTIC "OCLCTIC" --country FR --tz Europe/Paris')
    before = await _counts(sessions)
    eve = TgUser(tg, 666, "Eve")
    for command in (
        '/agency add EVIL "Evil" --country FR --tz UTC',
        '/op new X-1 "x"',
        "/link FR-OCLCTIC",
        "/join AAAA-BBBB-CCCC",
    ):
        reply = await eve.says(HQ_GROUP, command, title="HQ")
        assert "⚠️" in (reply.plain_text or "")
    helped = await eve.says(666, "/help")
    assert "join CODE" in (helped.plain_text or "")
    assert "agency add" not in (helped.plain_text or "")
    assert await _counts(sessions) == before


REFUSAL = (
    "Only admins, coordinators of the lead agency FR-OCLCTIC and coordinators and liaisons"
    " of the agency the task is assigned to may run task done on PANGEA-18."
)


async def test_liaison_cannot_touch_another_agencys_task(
    telegram: TelegramAdapter,
    tg: FakeTelegram,
    admin: Person,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await admin.says('agency add FR-OCLCTIC "OCLCTIC" --country FR --tz Europe/Paris')
    await admin.says('agency add AR-PFA "PFA" --country AR --tz America/Argentina/Buenos_Aires')
    await admin.says('op new PANGEA-18 "Pharmacies" --lead FR-OCLCTIC')
    await admin.says("op join PANGEA-18 AR-PFA")
    await admin.says('task add PANGEA-18 "French task" --to FR-OCLCTIC')
    await admin.says('task add PANGEA-18 "Argentine task" --to AR-PFA')
    lucia = TgUser(tg, 3, "Lucía")
    await lucia.says(LIAISON_DM, f"/join {await console_invites(admin, 'AR-PFA', 'liaison')}")
    before = await _counts(sessions)

    refused = await lucia.says(LIAISON_DM, "/task done PANGEA-18#1")
    assert REFUSAL in (refused.plain_text or "")
    listing = await lucia.says(LIAISON_DM, "/task list PANGEA-18 --mine")
    forged = await lucia.presses_data(listing, "task done PANGEA-18#1")  # not one of her buttons
    assert forged["text"] == REFUSAL
    assert forged["show_alert"] is True
    garbage = await lucia.presses_data(listing, "rm -rf / --no-preserve-root")
    assert "Unknown command rm" in str(garbage["text"])
    assert await _counts(sessions) == before
    async with sessions() as s:
        statuses = list(await s.scalars(select(Task.status).order_by(Task.number)))
    assert statuses == [TaskStatus.OPEN, TaskStatus.OPEN]


async def test_stale_button_says_so_and_changes_nothing(
    telegram: TelegramAdapter,
    tg: FakeTelegram,
    admin: Person,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await admin.says('agency add FR-OCLCTIC "OCLCTIC" --country FR --tz Europe/Paris')
    await admin.says('op new PANGEA-18 "Pharmacies" --lead FR-OCLCTIC')
    carl = TgUser(tg, 2, "Carl")
    await carl.says(COORD_DM, f"/join {await console_invites(admin, 'FR-OCLCTIC', 'coordinator')}")
    added = await carl.says(COORD_DM, '/task add PANGEA-18 "Raid" --to FR-OCLCTIC')
    first = await carl.presses(added, "Done")
    assert first["text"] == "Task PANGEA-18#1: open → done."
    before = await _counts(sessions)
    again = await carl.presses(added, "Done")
    assert again["text"] == "Task PANGEA-18#1 is already done."
    assert await _counts(sessions) == before


async def test_command_for_another_bot_is_ignored(
    telegram: TelegramAdapter, tg: FakeTelegram
) -> None:
    zoe = TgUser(tg, 5, "Zoe")
    await zoe.opens_private_chat()  # help is answered in private
    tg.push_command(HQ_GROUP, 5, "/help@SomeOtherBot", chat_type="group", title="HQ")
    _, reply = await zoe.asks_in_group(HQ_GROUP, "/help@JointOpsBot")
    assert "jointops commands" in (reply.plain_text or "")
    assert len(tg.sent_messages(HQ_GROUP)) == 1
