"""export end to end in Slack: the real slack-bolt app (Socket Mode) and slack_sdk's external
upload against the fake Slack, which validates every step; the file goes into the asker's
direct message with the bot, the channel sees at most the asker's ephemeral answer."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.sandbox.fakes.slack import FakeSlack
from adapters.sandbox.fakes.slack_files import SharedFile
from adapters.slack.adapter import SlackAdapter
from adapters.slack.manifest import BOT_SCOPES
from adapters.slack.sender import SlackSender
from bot.reply import Attachment, Reply
from tests.adapters.slack.conftest import SlackUser, visible
from tests.adapters.slack.test_records import _operation
from tests.conftest import Person
from tests.export_helpers import anchor_in, read_csv, read_pdf, verifies


async def _marked(carl: SlackUser) -> None:
    for line in (
        'task add PANGEA-18 "Raid warehouse 4" --to AR-PFA',
        'task add PANGEA-18 "Seize the servers" --to AR-PFA --tlp AMBER+STRICT',
        'task add PANGEA-18 "Arrest the kingpin" --to FR-OCLCTIC --tlp RED',
        "result PANGEA-18 seizures 2400",
    ):
        await carl.says(carl.dm, line)


async def _file(slack: FakeSlack, person: SlackUser, count: int) -> SharedFile:
    await slack.wait_for_calls("files.completeUploadExternal", count=count)
    shared = slack.files.files_in(person.dm)
    assert shared, slack.files.shared
    return shared[-1]


async def test_a_csv_export_typed_in_a_channel_arrives_in_the_observers_dm_redacted(
    socket_mode: SlackAdapter,
    slack: FakeSlack,
    admin: Person,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    carl, _lucia, olga = await _operation(admin, slack)
    await _marked(carl)
    answer = await olga.says("C1", "export PANGEA-18 --format csv")
    assert answer.kind in ("ephemeral", "response_url")
    assert answer.response_type in (None, "ephemeral")  # nobody else in C1 sees it
    assert "Export of PANGEA-18 (CSV)." in visible(answer)
    shared = await _file(slack, olga, 1)
    assert shared.filename.endswith(".csv") and shared.channel == "D4"
    assert shared.initial_comment == "Export of PANGEA-18 (CSV)."
    sections, last = read_csv(shared.data)
    assert [r[1] for r in sections["Tasks"][1:-1]] == ["Raid warehouse 4"]
    assert sections["Tasks"][-1] == ["2 tasks withheld by their TLP marking."]
    assert sections["Results"][1][3] == "seizures: 2,400"
    assert await verifies(sessions, anchor_in(last[-1]))
    assert not slack.files.files_in("C1")  # never into the channel


async def test_a_pdf_in_spanish_and_markdown_in_french(
    socket_mode: SlackAdapter,
    slack: FakeSlack,
    admin: Person,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    carl, lucia, _olga = await _operation(admin, slack)
    await _marked(carl)
    answer = await lucia.says(lucia.dm, "export PANGEA-18")
    assert "PANGEA-18" in visible(answer)
    shared = await _file(slack, lucia, 1)
    pdf = read_pdf(shared.data)
    assert pdf.pages >= 2 and pdf.first_page_images == 2
    assert "Tareas" in pdf.text  # Spanish
    assert "Seize the servers" in pdf.text  # AMBER+STRICT: AR-PFA is its assignee
    assert "Arrest the kingpin" not in pdf.text  # RED, FR-OCLCTIC's
    assert await verifies(sessions, anchor_in(pdf.last_line))

    await carl.says("C1", "export PANGEA-18 --format md")
    shared = await _file(slack, carl, 2)
    text = shared.data.decode()
    assert "Arrest the kingpin" in text and "## Tâches" in text
    assert await verifies(sessions, anchor_in(text.splitlines()[-1]))


def test_the_app_asks_for_the_scopes_the_upload_needs() -> None:
    assert {"im:write", "files:write"} <= set(BOT_SCOPES)


async def test_a_reply_with_a_file_sent_by_the_worker_uploads_it_into_that_conversation(
    slack: FakeSlack,
) -> None:
    """The delivery worker's path (sender.send): the text, then the file, in that chat."""
    client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    reply = Reply(
        title="Export of PANGEA-18 (MD).", attachment=Attachment("x.md", "text/markdown", b"# x\n")
    )
    await SlackSender(client).send("U2", reply)
    [shared] = slack.files.files_in("D2")
    assert shared.data == b"# x\n" and shared.initial_comment == "Export of PANGEA-18 (MD)."
    await SlackSender(client).send("C1", reply)
    assert [f.filename for f in slack.files.files_in("C1")] == ["x.md"]
    if client.session is not None:
        await client.session.close()
