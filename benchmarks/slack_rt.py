"""Slack round trip: `/ops task add` through slack-bolt into jointops, against a bare AsyncApp
whose handler acks and answers "ok" through the same response_url. Both in HTTP mode (signed
requests posted to adapters.http.HttpServer, as `jointops run` serves them) and in Socket Mode
(envelopes over the fake's WebSocket).

Method as for Telegram: one command at a time, the next only after the fake recorded the
reply on the response_url; the two apps take turns in ABBA blocks. Latency runs from the
moment the request is sent to the moment the fake records the reply.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.http import HttpServer
from adapters.sandbox.fakes.slack import FakeSlack
from adapters.slack.adapter import EVENTS_PATH, SlackAdapter
from benchmarks.common import (
    SLACK_TEAM,
    WARMUP,
    DispatchTimer,
    Result,
    Sizes,
    Stack,
    add_admin,
    check_tasks_added,
    free_port,
    interleave,
    open_stack,
    seed_operation,
    sqlite_url,
    summarise,
    temp_dir,
)

USER, CHANNEL, COMMAND = "U1", "C1", "/ops"
Send = Callable[[FakeSlack, str], Awaitable[None]]


@dataclass
class Lane:
    name: str
    slack: FakeSlack
    send: Send
    command: Callable[[int], str]
    latencies: list[float] = field(default_factory=list)
    wall: float = 0.0

    async def one(self, n: int, *, record: bool = True) -> None:
        before = len(self.slack.messages(CHANNEL))
        pushed = time.monotonic()
        # the request's HTTP answer / Socket Mode ack is awaited after the reply was seen and
        # outside the timed window: slack-bolt polls for the ack every 10 ms, which would cap
        # both apps alike at ~90 commands/s and hide what each costs
        sent = asyncio.ensure_future(self.send(self.slack, self.command(n)))
        got = await self.slack.wait_for_messages(before + 1, channel=CHANNEL, timeout=30)
        done = time.monotonic()
        await sent
        if record:
            self.latencies.append(got[before].time - pushed)
            self.wall += done - pushed


def _fake() -> FakeSlack:
    fake = FakeSlack(team_id=SLACK_TEAM)
    fake.add_user(USER, name="bench", real_name="Bench", tz="UTC")
    fake.add_channel(CHANNEL, name="hq")
    return fake


def _bare_app(slack: FakeSlack, *, http: bool) -> AsyncApp:
    app = AsyncApp(
        client=AsyncWebClient(token=slack.bot_token, base_url=slack.api_url),
        signing_secret=slack.signing_secret if http else None,
        request_verification_enabled=http,
        url_verification_enabled=http,
        ssl_check_enabled=http,
    )

    @app.command(COMMAND)
    async def ok(
        ack: Callable[..., Awaitable[Any]], respond: Callable[..., Awaitable[Any]]
    ) -> None:
        await ack()
        await respond(text="ok", response_type="in_channel", replace_original=False)

    return app


def _poster(session: aiohttp.ClientSession, url: str) -> Send:
    async def send(slack: FakeSlack, text: str) -> None:
        headers, body = slack.signed_slash_command(USER, CHANNEL, COMMAND, text, team_id=SLACK_TEAM)
        async with session.post(url, data=body, headers=headers) as response:
            await response.read()
            if response.status != 200:
                raise RuntimeError(f"slash command answered HTTP {response.status}")

    return send


async def _socket_send(slack: FakeSlack, text: str) -> None:
    await slack.send_slash_command(USER, CHANNEL, COMMAND, text, team_id=SLACK_TEAM)


def _task(code: str) -> Callable[[int], str]:
    return lambda n: f'task add {code} "Task {n}" --to AG002'


async def _http_mode(stack: Stack, code: str, sizes: Sizes, result: Result) -> None:
    timer = DispatchTimer(stack.dispatcher)
    async with _fake() as ours_slack, _fake() as bare_slack, aiohttp.ClientSession() as session:
        ours_port, bare_port = free_port(), free_port()
        ours_http = HttpServer(ours_port, host="127.0.0.1")
        adapter = SlackAdapter(
            stack.dispatcher,
            bot_token=ours_slack.bot_token,
            api_base_url=ours_slack.api_url,
            signing_secret=ours_slack.signing_secret,
            http=ours_http,
        )
        bare = _bare_app(bare_slack, http=True)

        async def bare_route(request: web.Request) -> web.Response:
            return await to_aiohttp_response(
                await bare.async_dispatch(await to_bolt_request(request))
            )

        bare_http = HttpServer(bare_port, host="127.0.0.1")
        bare_http.add_post(EVENTS_PATH, bare_route)
        await ours_http.start()
        await bare_http.start()
        try:
            await adapter.start()
            lanes = (
                Lane(
                    "jointops",
                    ours_slack,
                    _poster(session, f"http://127.0.0.1:{ours_port}{EVENTS_PATH}"),
                    _task(code),
                ),
                Lane(
                    "bare",
                    bare_slack,
                    _poster(session, f"http://127.0.0.1:{bare_port}{EVENTS_PATH}"),
                    _task(code),
                ),
            )
            await interleave(lanes, sizes.round_trips)
        finally:
            await adapter.stop()
            await ours_http.stop()
            await bare_http.stop()
        _check(ours_slack, bare_slack)
    summarise(result, lanes, "slack_http", "Slack round trip (HTTP mode)", timer.durations)


async def _socket_mode(stack: Stack, code: str, sizes: Sizes, result: Result) -> None:
    timer = DispatchTimer(stack.dispatcher)
    async with _fake() as ours_slack, _fake() as bare_slack:
        adapter = SlackAdapter(
            stack.dispatcher,
            bot_token=ours_slack.bot_token,
            api_base_url=ours_slack.api_url,
            app_token=ours_slack.app_token,
        )
        bare = AsyncSocketModeHandler(_bare_app(bare_slack, http=False), bare_slack.app_token)
        await adapter.start()
        await bare.connect_async()  # type: ignore[no-untyped-call]
        try:
            await ours_slack.wait_socket_connected()
            await bare_slack.wait_socket_connected()
            lanes = (
                Lane("jointops", ours_slack, _socket_send, _task(code)),
                Lane("bare", bare_slack, _socket_send, _task(code)),
            )
            await interleave(lanes, sizes.round_trips)
        finally:
            await bare.close_async()  # type: ignore[no-untyped-call]
            await adapter.stop()
        _check(ours_slack, bare_slack)
    summarise(result, lanes, "slack_socket", "Slack round trip (Socket Mode)", timer.durations)


def _check(ours: FakeSlack, bare: FakeSlack) -> None:
    ours.assert_no_violations()
    bare.assert_no_violations()
    if len(ours.acks) != len(ours.envelopes) or len(bare.acks) != len(bare.envelopes):
        raise RuntimeError("a Socket Mode envelope was never acknowledged")


async def run(sizes: Sizes) -> Result:
    result = Result("slack")
    with temp_dir("slack") as tmp:
        await _run(sizes, tmp, result)
    return result


async def _run(sizes: Sizes, tmp: Path, result: Result) -> None:
    async with open_stack(sqlite_url(tmp / "slack.db")) as stack:
        seeded = await seed_operation(stack, "BENCH-SL", 4)
        await add_admin(stack, "slack", SLACK_TEAM, USER, "Bench")
        await _http_mode(stack, seeded.code, sizes, result)
        await _socket_mode(stack, seeded.code, sizes, result)
        await check_tasks_added(stack, seeded, 2 * (WARMUP + sizes.round_trips))
