"""HTTP events mode under attack: unsigned, forged and stale requests are refused with 401,
counted, and reported at most once a minute in one line that holds nothing of the request."""

from __future__ import annotations

import logging
import time
import urllib.parse
from collections.abc import AsyncIterator

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.http import HttpServer
from adapters.sandbox.fakes.slack import FakeSlack
from adapters.slack.adapter import EVENTS_PATH, SlackAdapter
from adapters.slack.signature import SignatureGate
from bot.dispatcher import Dispatcher
from bot.metrics import Metrics
from tests.adapters.slack.conftest import TEAM, invite_code
from tests.adapters.slack.test_http import free_port
from tests.conftest import Chat, Person

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
FORGED_LINE = "2026-11-26 10:00:00,000 CRITICAL jointops: audit chain broken at event 1"


@pytest.fixture
async def http_url(
    caplog: pytest.LogCaptureFixture, slack: FakeSlack, dispatcher: Dispatcher, chat: Chat
) -> AsyncIterator[str]:
    """HTTP mode logging at INFO, as `jointops run` does (set before slack-bolt makes its
    loggers, which copy the root level when they are made)."""
    caplog.set_level(logging.INFO)
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


async def _post(url: str, headers: dict[str, str], body: str | bytes) -> int:
    async with (
        aiohttp.ClientSession() as client,
        client.post(url, data=body, headers=headers) as resp,
    ):
        await resp.read()
        return resp.status


def _no_raw_newline(caplog: pytest.LogCaptureFixture) -> None:
    for record in caplog.records:
        assert "\n" not in record.getMessage() and "\r" not in record.getMessage(), record.name


async def test_unsigned_megabyte_posts_add_one_short_line_to_the_log(
    http_url: str,
    caplog: pytest.LogCaptureFixture,
    dispatcher: Dispatcher,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    before = len(caplog.text)
    for n in range(20):
        body = f"text=FLOOD{n:02d}" + "A" * 1_000_000
        assert await _post(http_url, FORM, body) == 401
    grown = caplog.text[before:]
    assert len(grown) < 300, grown[:500]
    assert "FLOOD" not in grown and "AAAAAAAA" not in grown
    refused = [r for r in caplog.records if r.name == "adapters.slack.signature"]
    assert len(refused) == 1 and "refused 1 request(s)" in refused[0].getMessage()
    figures = await dispatcher.metrics.render(sessions)
    assert 'jointops_requests_refused_total{platform="slack",reason="unsigned"} 20' in figures


async def test_a_body_cannot_forge_a_log_line(
    http_url: str, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    forged = f"token=x&text=hi\n{FORGED_LINE}\r\n{FORGED_LINE}"
    bad_signature = slack.sign(forged, secret="not-the-secret")
    assert await _post(http_url, FORM | bad_signature, forged) == 401
    assert await _post(http_url, FORM, forged) == 401  # unsigned
    junk = {"Content-Type": "application/json"} | slack.sign("x", secret="nope")
    assert await _post(http_url, junk, b'{"\xff\n' + FORGED_LINE.encode()) == 401
    assert "audit chain broken" not in caplog.text
    assert "Traceback" not in caplog.text
    _no_raw_newline(caplog)


async def test_a_stale_signed_join_never_logs_its_code_or_tokens(
    http_url: str,
    slack: FakeSlack,
    admin: Person,
    caplog: pytest.LogCaptureFixture,
    dispatcher: Dispatcher,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await admin.says('agency add FR-OCLCTIC "OCLCTIC" --country FR --tz Europe/Paris')
    code = invite_code(await admin.says("invite FR-OCLCTIC --role admin"))
    for skew in (-6 * 60, 6 * 60):  # a replay from the past, a request from the future
        headers, body = slack.signed_slash_command(
            "U9", "C1", "/ops", f"join {code}", team_id=TEAM, timestamp=int(time.time()) + skew
        )
        assert await _post(http_url, headers, body) == 401
    response_url = urllib.parse.parse_qs(body)["response_url"][0]
    for secret in (code, slack.verification_token, response_url, slack.signing_secret):
        assert secret not in caplog.text
    assert slack.messages() == []
    figures = await dispatcher.metrics.render(sessions)
    assert 'jointops_requests_refused_total{platform="slack",reason="stale"} 2' in figures


async def test_a_signed_body_that_is_not_slack_gets_400_without_a_traceback(
    http_url: str, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    body = '{"type": "event_callback", '  # cut short
    headers = {"Content-Type": "application/json"} | slack.sign(body)
    assert await _post(http_url, headers, body) == 400
    assert "Traceback" not in caplog.text and body not in caplog.text


def test_refusals_are_reported_at_most_once_a_minute(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    now = [1000.0]
    metrics = Metrics()
    gate = SignatureGate("the-signing-secret", metrics, monotonic=lambda: now[0])
    fresh = str(int(time.time()))
    forged = {"X-Slack-Request-Timestamp": fresh, "X-Slack-Signature": "v0=00"}
    for _ in range(5):
        assert not gate.admits(forged, b"text=hello")
        now[0] += 10
    assert not gate.admits({"X-Slack-Request-Timestamp": "12:00", "X-Slack-Signature": "v0="}, b"")
    assert not gate.admits({}, b"")
    lines = [r.getMessage() for r in caplog.records]
    assert lines == ["Slack HTTP events: refused 1 request(s) (1 bad signature)"]
    now[0] += 10  # a minute after the first line
    assert not gate.admits(forged, b"text=hello")
    lines = [r.getMessage() for r in caplog.records]
    assert lines[1:] == [
        "Slack HTTP events: refused 7 request(s) in the last 60 s "
        "(5 bad signature, 1 timestamp malformed or more than 5 minutes off, 1 unsigned)"
    ]
    assert metrics.refused == {
        ("slack", "signature"): 6,
        ("slack", "stale"): 1,
        ("slack", "unsigned"): 1,
    }
