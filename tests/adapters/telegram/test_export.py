"""export end to end in Telegram: the real python-telegram-bot against the fake Bot API; the
file arrives by sendDocument in the asker's private chat, never in a group."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.sandbox.fakes.telegram import FakeTelegram, SentMessage
from adapters.telegram.adapter import TelegramAdapter
from tests.adapters.telegram.conftest import TgUser
from tests.adapters.telegram.test_records import CARL_DM, OLGA_DM, _operation
from tests.conftest import Person
from tests.export_helpers import anchor_in, read_csv, read_pdf, verifies

GROUP = -100


def document(tg: FakeTelegram, chat_id: int) -> SentMessage:
    """The last document sent to a chat."""
    sent = [m for m in tg.sent_messages(chat_id) if m.method == "sendDocument"]
    assert sent, [m.method for m in tg.sent_messages(chat_id)]
    return sent[-1]


async def _marked(carl: TgUser) -> None:
    await carl.says(CARL_DM, '/task add PANGEA-18 "Raid warehouse 4" --to AR-PFA')
    await carl.says(
        CARL_DM, '/task add PANGEA-18 "Seize the servers" --to AR-PFA --tlp AMBER+STRICT'
    )
    await carl.says(CARL_DM, '/task add PANGEA-18 "Arrest the kingpin" --to FR-OCLCTIC --tlp RED')
    await carl.says(CARL_DM, '/result PANGEA-18 arrests 12 "Lyon"')


async def test_a_pdf_export_arrives_as_a_document_in_french(
    telegram: TelegramAdapter,
    tg: FakeTelegram,
    admin: Person,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    carl, _lucia, _olga = await _operation(admin, tg)
    await _marked(carl)
    before = len(tg.sent_messages(CARL_DM))
    await carl.says(CARL_DM, "/export PANGEA-18")
    await tg.wait_for_messages(before + 2, chat_id=CARL_DM)  # the text, then the file
    text, sent = tg.sent_messages(CARL_DM)[before : before + 2]
    assert "PANGEA-18" in (text.plain_text or "") and sent.method == "sendDocument"
    assert sent.file is not None and sent.file.filename is not None
    assert sent.file.filename.endswith(".pdf")
    pdf = read_pdf(sent.file.data)
    assert pdf.pages >= 2 and pdf.first_page_images == 2
    assert "Arrest the kingpin" in pdf.text  # the lead reads RED in private
    assert "Tâches" in pdf.text  # French
    assert await verifies(sessions, anchor_in(pdf.last_line))


async def test_an_observer_gets_a_redacted_csv(
    telegram: TelegramAdapter,
    tg: FakeTelegram,
    admin: Person,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    carl, _lucia, olga = await _operation(admin, tg)
    await _marked(carl)
    before = len(tg.sent_messages(OLGA_DM))
    await olga.says(OLGA_DM, "/export PANGEA-18 --format csv")
    await tg.wait_for_messages(before + 2, chat_id=OLGA_DM)
    sent = document(tg, OLGA_DM)
    assert sent.file is not None
    sections, last = read_csv(sent.file.data)
    rows = sections["Tasks"][1:]
    assert [r[1] for r in rows[:-1]] == ["Raid warehouse 4"]
    assert rows[-1] == ["2 tasks withheld by their TLP marking."]
    assert "Seize the servers" not in sent.file.data.decode("utf-8-sig")
    assert sections["Results"][1][3] == "arrests: 12"
    assert await verifies(sessions, anchor_in(last[-1]))


async def test_asked_in_a_group_the_file_goes_to_the_private_chat_only(
    telegram: TelegramAdapter, tg: FakeTelegram, admin: Person
) -> None:
    carl, _lucia, _olga = await _operation(admin, tg)
    await _marked(carl)
    before = len(tg.sent_messages(CARL_DM))
    said = await carl.says(GROUP, "/export PANGEA-18 --format md", title="HQ")
    assert said.method == "sendMessage" and "private" in (said.plain_text or "")
    assert "PANGEA-18" not in (said.plain_text or "")  # the group learns nothing of it
    assert not [m for m in tg.sent_messages(GROUP) if m.method == "sendDocument"]
    answered = tg.sent_messages(CARL_DM)[before:]
    assert [m.method for m in answered] == ["sendMessage", "sendDocument"]
    assert answered[1].file is not None
    text = answered[1].file.data.decode()
    assert "Arrest the kingpin" in text  # read as Carl in private, not as the group
