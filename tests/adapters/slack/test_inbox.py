"""Nothing Slack was acknowledged for is lost: a command is recorded before the ack, and one
that did not run before its process stopped is answered after the restart, through its
response_url while it is valid, else in the channel."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.http import HttpServer
from adapters.sandbox.fakes.slack import FakeSlack
from adapters.slack.adapter import EVENTS_PATH, SlackAdapter
from bot.clock import FakeClock
from bot.dispatcher import Dispatcher
from tests.adapters.slack.conftest import TEAM, visible
from tests.conftest import Chat, Person
from tests.inbox_helpers import HoldingDispatcher, states, wait_until_held


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def http_adapter(slack: FakeSlack, dispatcher: Dispatcher) -> AsyncIterator[str]:
    port = _free_port()
    http = HttpServer(port, host="127.0.0.1")
    adapter = SlackAdapter(
        dispatcher,
        bot_token=slack.bot_token,
        api_base_url=slack.api_url,
        signing_secret=slack.signing_secret,
        http=http,
        grace=0.1,
    )
    await http.start()
    await adapter.start()
    try:
        yield f"http://127.0.0.1:{port}{EVENTS_PATH}"
    finally:
        await adapter.stop()
        await http.stop()


@asynccontextmanager
async def socket_adapter(slack: FakeSlack, dispatcher: Dispatcher) -> AsyncIterator[None]:
    adapter = SlackAdapter(
        dispatcher,
        bot_token=slack.bot_token,
        api_base_url=slack.api_url,
        app_token=slack.app_token,
        grace=0.1,
    )
    await adapter.start()
    await slack.wait_socket_connected()
    try:
        yield
    finally:
        await adapter.stop()


async def _post(url: str, request: tuple[dict[str, str], str]) -> int:
    headers, body = request
    async with aiohttp.ClientSession() as client, client.post(url, data=body, headers=headers) as r:
        await r.read()
        return r.status


async def test_an_acknowledged_command_is_answered_after_a_restart_through_its_response_url(
    slack: FakeSlack,
    dispatcher: Dispatcher,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    chat: Chat,
) -> None:
    held = HoldingDispatcher(sessions, clock)
    held.hold("help")
    request = slack.signed_slash_command("U9", "C1", "/ops", "help", team_id=TEAM)
    async with http_adapter(slack, held) as url:
        assert await _post(url, request) == 200  # acknowledged
        await wait_until_held(held)
    assert slack.messages() == []
    assert await states(sessions) == ["received"]
    async with http_adapter(slack, dispatcher) as url:
        [answer] = await slack.wait_for_messages(1, channel="C1")
        assert await _post(url, request) == 200  # replayed: acknowledged, runs nothing
        follow = slack.signed_slash_command("U9", "C1", "/ops", "whoami", team_id=TEAM)
        assert await _post(url, follow) == 200
        await slack.wait_for_messages(2, channel="C1")
    assert answer.kind == "response_url" and answer.response_type == "ephemeral"
    assert "jointops commands" in (answer.text or "")
    assert len(slack.messages("C1")) == 2
    assert await states(sessions) == ["answered", "answered"]


async def test_past_the_response_urls_validity_the_answer_goes_to_the_channel(
    slack: FakeSlack,
    dispatcher: Dispatcher,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    chat: Chat,
    admin: Person,
) -> None:
    await admin.says('agency add FR-OCLCTIC "OCLCTIC" --country FR --tz Europe/Paris')
    carl = chat.person("U2", "Carl", platform="slack", workspace=TEAM)
    await carl.joins_with_invite_from(admin, "FR-OCLCTIC", "coordinator")
    held = HoldingDispatcher(sessions, clock)
    created = 'op new PANGEA-18 "Pharmacies"'
    held.hold(created)
    async with http_adapter(slack, held) as url:
        assert await _post(url, slack.signed_slash_command("U2", "C1", "/ops", created)) == 200
        assert await _post(url, slack.signed_slash_command("U9", "C1", "/ops", "help")) == 200
        await wait_until_held(held)
    clock.advance(timedelta(minutes=31))  # Slack takes a response_url for 30 minutes
    async with http_adapter(slack, dispatcher):
        posted, private = await slack.wait_for_messages(2, channel="C1")
    assert posted.kind == "message"  # chat.postMessage, for the channel
    assert "Operation PANGEA-18 created." in visible(posted)
    assert private.kind == "ephemeral" and private.user == "U9"  # help is for the asker alone
    assert "jointops commands" in (private.text or "")
    assert not slack.messages(kind="response_url")


async def test_socket_mode_a_command_acknowledged_then_stopped_is_answered_after_restart(
    slack: FakeSlack,
    dispatcher: Dispatcher,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    chat: Chat,
) -> None:
    held = HoldingDispatcher(sessions, clock)
    held.hold("help")
    async with socket_adapter(slack, held):
        await slack.send_slash_command("U9", "C2", "/ops", "help", team_id=TEAM)  # acked
        await wait_until_held(held)
    assert await states(sessions) == ["received"]
    async with socket_adapter(slack, dispatcher):
        [answer] = await slack.wait_for_messages(1, channel="C2")
    assert answer.kind == "response_url" and "jointops commands" in (answer.text or "")
    assert await states(sessions) == ["answered"]
