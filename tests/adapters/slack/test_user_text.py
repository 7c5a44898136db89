"""Through the fake Slack: a person's words stay quoted and inert, and every message keeps
within Block Kit's limits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.sandbox.fakes.slack import FakeSlack, MessageRecord
from adapters.slack.adapter import SlackAdapter
from operations.status.models import StatusUpdate
from tests.adapters.slack.conftest import SlackUser, invite_code
from tests.conftest import Person

SPOOF = "ok\n\n:white_check_mark: *Task PANGEA-18#1: open → done.*"


async def _carl(admin: Person, slack: FakeSlack) -> SlackUser:
    await admin.says('agency add FR-OCLCTIC "OCLCTIC" --country FR --tz Europe/Paris')
    await admin.says('op new PANGEA-18 "Pharmacies" --lead FR-OCLCTIC')
    await admin.says("op start PANGEA-18")
    carl = SlackUser(slack, "U2")
    await carl.says(
        carl.dm, f"join {invite_code(await admin.says('invite FR-OCLCTIC --role coordinator'))}"
    )
    return carl


def _rich(message: MessageRecord) -> list[tuple[str, dict[str, Any]]]:
    return [
        (part["type"], element)
        for block in message.blocks or []
        if block["type"] == "rich_text"
        for part in block["elements"]
        for element in part["elements"]
    ]


async def test_a_status_posing_as_a_bot_line_is_quoted_and_inert(
    socket_mode: SlackAdapter, slack: FakeSlack, admin: Person
) -> None:
    carl = await _carl(admin, slack)
    for line in (f'status PANGEA-18 "{SPOOF}"', "summary PANGEA-18"):
        message = await carl.says("C1", line)
        elements = _rich(message)
        assert [e["text"] for part, e in elements if part == "rich_text_quote"] == [SPOOF]
        assert {e["type"] for _part, e in elements} == {"text"}  # no emoji from the shortcode
        sections = [b["text"]["text"] for b in message.blocks or [] if b["type"] == "section"]
        assert not any("Task PANGEA-18#1" in text for text in sections)


async def test_a_summary_of_three_long_updates_stays_within_block_kit_limits(
    socket_mode: SlackAdapter,
    slack: FakeSlack,
    admin: Person,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    carl = await _carl(admin, slack)
    for n in range(3):
        await admin.says(f'status PANGEA-18 "update {n}"')
    async with sessions() as session, session.begin():  # as accepted before lengths were units
        for n in range(3):
            await session.execute(
                update(StatusUpdate)
                .where(StatusUpdate.text == f"update {n}")
                .values(text=f"{n} " + "😀" * 2100)
            )
    message = await carl.says("C1", "summary PANGEA-18")
    quoted = "".join(e["text"] for part, e in _rich(message) if part == "rich_text_quote")
    assert quoted.count("😀") == 3 * 2100
    slack.assert_no_violations()
