"""HTTP events mode: signed requests only; a forged or stale signature gets 401 and does nothing."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.http import HttpServer
from adapters.sandbox.fakes.slack import FakeSlack
from adapters.slack.adapter import EVENTS_PATH, SlackAdapter
from bot.dispatcher import Dispatcher
from operations.audit.models import AuditEvent
from operations.status.models import StatusUpdate
from tests.adapters.slack.conftest import TEAM, invite_code, visible
from tests.conftest import Chat, Person


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def http_mode(slack: FakeSlack, dispatcher: Dispatcher, chat: Chat) -> AsyncIterator[str]:
    port = free_port()
    http = HttpServer(port, host="127.0.0.1")
    adapter = SlackAdapter(
        dispatcher,
        bot_token=slack.bot_token,
        api_base_url=slack.api_url,
        signing_secret=slack.signing_secret,
        http=http,
    )
    await http.start()
    await adapter.start()
    yield f"http://127.0.0.1:{port}{EVENTS_PATH}"
    await adapter.stop()
    await http.stop()


async def _post(url: str, headers: dict[str, str], body: str) -> int:
    async with (
        aiohttp.ClientSession() as client,
        client.post(url, data=body, headers=headers) as resp,
    ):
        await resp.read()
        return resp.status


async def _audit_length(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(AuditEvent)) or 0)


async def test_signed_commands_run_the_core_conversation(
    http_mode: str, slack: FakeSlack, admin: Person
) -> None:
    await admin.says('agency add FR-OCLCTIC "OCLCTIC" --country FR --tz Europe/Paris')
    code = invite_code(await admin.says("invite FR-OCLCTIC --role coordinator"))
    headers, body = slack.signed_slash_command("U2", "D2", "/ops", f"join {code}", team_id=TEAM)
    assert await _post(http_mode, headers, body) == 200  # a code is sent in private
    await slack.wait_for_messages(1, channel="D2")
    steps = [
        'op new PANGEA-18 "Pharmacies"',
        'task add PANGEA-18 "Raid" --to FR-OCLCTIC',
    ]
    for number, text in enumerate(steps, start=1):
        headers, body = slack.signed_slash_command("U2", "C1", "/ops", text, team_id=TEAM)
        assert await _post(http_mode, headers, body) == 200
        await slack.wait_for_messages(number, channel="C1")
    listing = slack.messages("C1")[-1]
    assert "Task PANGEA-18#1 added." in visible(listing)
    action = next(
        e
        for b in listing.blocks or []
        if b["type"] == "actions"
        for e in b["elements"]
        if e["text"]["text"] == "Done"
    )
    headers, body = slack.signed_block_action(
        "U2", "C1", action["action_id"], action["value"], team_id=TEAM
    )
    assert await _post(http_mode, headers, body) == 200
    done = await slack.wait_for_messages(3, channel="C1")
    assert "Task PANGEA-18#1: open → done." in visible(done[-1])


async def test_forged_signature_and_replayed_timestamp_get_401_and_change_nothing(
    http_mode: str, slack: FakeSlack, admin: Person, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await admin.says('agency add FR-OCLCTIC "OCLCTIC" --country FR --tz Europe/Paris')
    code = invite_code(await admin.says("invite FR-OCLCTIC --role admin"))
    before = await _audit_length(sessions)
    forged = slack.signed_slash_command(
        "U9", "C1", "/ops", f"join {code}", team_id=TEAM, secret="not-the-secret"
    )
    old = slack.signed_slash_command(
        "U9", "C1", "/ops", f"join {code}", team_id=TEAM, timestamp=int(time.time()) - 6 * 60
    )
    unsigned = ({"Content-Type": "application/x-www-form-urlencoded"}, forged[1])
    for headers, body in (forged, old, unsigned):
        assert await _post(http_mode, headers, body) == 401
    assert slack.messages() == []
    assert await _audit_length(sessions) == before


async def test_retried_event_is_processed_once(
    http_mode: str, slack: FakeSlack, admin: Person
) -> None:
    await admin.says('agency add FR-OCLCTIC "OCLCTIC" --country FR --tz Europe/Paris')
    code = invite_code(await admin.says("invite FR-OCLCTIC --role admin"))
    headers, body = slack.signed_slash_command("U1", "D1", "/ops", f"join {code}", team_id=TEAM)
    assert await _post(http_mode, headers, body) == 200
    await slack.wait_for_messages(1, channel="D1")
    event = {
        "type": "app_mention",
        "user": "U1",
        "text": "<@UBOT> op list",
        "channel": "C1",
        "ts": "1700000000.000100",
        "team": TEAM,
    }
    headers, body = slack.signed_event(event, event_id="Ev42", team_id=TEAM)
    assert await _post(http_mode, headers, body) == 200
    headers, body = slack.signed_event(
        event, event_id="Ev42", team_id=TEAM, retry_attempt=1, retry_reason="http_timeout"
    )
    assert await _post(http_mode, headers, body) == 200
    headers, body = slack.signed_event(
        {**event, "text": "<@UBOT> agency list"}, event_id="Ev43", team_id=TEAM
    )
    assert await _post(http_mode, headers, body) == 200
    await slack.wait_for_messages(2, channel="C1")
    await asyncio.sleep(0.3)  # room for a wrongly repeated event to show up
    messages = slack.messages("C1")
    assert len(messages) == 2
    # bolt runs event listeners after the ack, concurrently: their order is not fixed
    assert sorted(visible(m).splitlines()[0] for m in messages) == [
        "*0 operations*",
        "*1 agency*",
    ]


async def _count(sessions: async_sessionmaker[AsyncSession], model: type[object]) -> int:
    async with sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


async def _signed_admin(http_mode: str, slack: FakeSlack, admin: Person) -> None:
    """U1 becomes an admin through a signed `join`; FR-OCLCTIC leads PANGEA-18."""
    await admin.says('agency add FR-OCLCTIC "OCLCTIC" --country FR --tz Europe/Paris')
    await admin.says('op new PANGEA-18 "Pharmacies" --lead FR-OCLCTIC')
    code = invite_code(await admin.says("invite FR-OCLCTIC --role admin"))
    headers, body = slack.signed_slash_command("U1", "D1", "/ops", f"join {code}", team_id=TEAM)
    assert await _post(http_mode, headers, body) == 200
    await slack.wait_for_messages(1, channel="D1")


async def test_a_replayed_signed_slash_command_runs_once(
    http_mode: str, slack: FakeSlack, admin: Person, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _signed_admin(http_mode, slack, admin)
    headers, body = slack.signed_slash_command(
        "U1", "C1", "/ops", 'status PANGEA-18 "All teams in position"', team_id=TEAM
    )
    for _ in range(3):  # the same signed request, inside the five-minute window
        assert await _post(http_mode, headers, body) == 200
    await slack.wait_for_messages(1, channel="C1")
    await asyncio.sleep(0.3)  # room for a wrongly repeated command to show up
    assert len(slack.messages("C1")) == 1
    assert await _count(sessions, StatusUpdate) == 1


async def test_a_replayed_signed_button_press_runs_once(
    http_mode: str, slack: FakeSlack, admin: Person, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _signed_admin(http_mode, slack, admin)
    headers, body = slack.signed_slash_command(
        "U1", "C1", "/ops", 'task add PANGEA-18 "Raid" --to FR-OCLCTIC', team_id=TEAM
    )
    assert await _post(http_mode, headers, body) == 200
    (added,) = await slack.wait_for_messages(1, channel="C1")
    start = next(
        e
        for b in added.blocks or []
        if b["type"] == "actions"
        for e in b["elements"]
        if e["text"]["text"] == "Start"
    )
    audit = await _audit_length(sessions)
    headers, body = slack.signed_block_action(
        "U1", "C1", start["action_id"], start["value"], team_id=TEAM
    )
    for _ in range(3):
        assert await _post(http_mode, headers, body) == 200
    await slack.wait_for_messages(2, channel="C1")
    await asyncio.sleep(0.3)
    messages = slack.messages("C1")
    assert len(messages) == 2  # a replay would answer "already in progress"
    assert "open → in progress" in (messages[1].text or "")
    assert await _audit_length(sessions) == audit + 1
