"""Tests of the fake Slack itself, driven by the real slack_sdk / slack-bolt libraries."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import pytest
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.sandbox.fakes.slack import FakeSlack, SlackAckTimeout
from adapters.sandbox.fakes.slack_spec import load_spec, validate_call

pytestmark = pytest.mark.filterwarnings("error::ResourceWarning")


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def button(action_id: str, value: str, text: str = "Approve") -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": action_id,
        "value": value,
        "text": {"type": "plain_text", "text": text},
    }


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack(
        bot_token="xoxb-test", app_token="xapp-test", signing_secret="s3cr3t", team_id="T0001"
    ) as fake:
        fake.add_user("U1", name="ann", team_id="T0001", real_name="Ann Example", tz="Europe/Paris")
        fake.add_channel("C1", name="ops-fr", team_id="T0001")
        yield fake


@pytest.fixture
def client(slack: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)


def make_app(slack: FakeSlack) -> AsyncApp:
    return AsyncApp(
        client=AsyncWebClient(token=slack.bot_token, base_url=slack.api_url),
        signing_secret=slack.signing_secret,
    )


@asynccontextmanager
async def socket_mode(slack: FakeSlack, app: AsyncApp) -> AsyncIterator[AsyncSocketModeHandler]:
    handler = AsyncSocketModeHandler(app, slack.app_token)
    try:
        await handler.connect_async()  # type: ignore[no-untyped-call]
        await slack.wait_socket_connected(timeout=5)
        yield handler
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]
        await asyncio.sleep(0)


def bolt_request(headers: dict[str, str], body: str) -> AsyncBoltRequest:
    """An HTTP-mode bolt request, as bolt's web adapters build them."""
    bolt_headers: dict[str, str | Sequence[str]] = dict(headers)
    return AsyncBoltRequest(body=body, headers=bolt_headers)


async def api_error(coro: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as info:
        await coro
    return info.value


# --------------------------------------------------------------------------- validator


def test_spec_loads_and_knows_methods() -> None:
    spec = load_spec()
    post = spec.method("chat.postMessage")
    assert post is not None and post.params["channel"].required and post.accepts_json
    assert spec.method("apps.connections.open") is not None


def test_validate_call_accepts_json_and_form_encoded_blocks() -> None:
    blocks = [
        section("hello"),
        {"type": "divider"},
        {"type": "actions", "elements": [button("a", "1")]},
    ]
    assert validate_call("chat.postMessage", {"channel": "C1", "blocks": blocks}) == []
    form = {"channel": "C1", "blocks": json.dumps(blocks), "unfurl_links": "false"}
    assert validate_call("chat.postMessage", form, encoding="form") == []
    assert validate_call("users.info", {"user": "U1"}, encoding="query") == []


@pytest.mark.parametrize(
    ("method", "params", "expected"),
    [
        ("chat.nope", {}, "unknown method"),
        ("chat.postMessage", {"channel": "C1", "text": "x", "colour": "red"}, "unknown parameter"),
        ("chat.postMessage", {"text": "x"}, "missing required parameter 'channel'"),
        ("chat.postMessage", {"channel": "C1"}, "one of text, blocks or attachments"),
        ("chat.postEphemeral", {"channel": "C1", "text": "x"}, "missing required parameter 'user'"),
        ("chat.postMessage", {"channel": "C1", "text": "x" * 40_001}, "at most 40000"),
        ("chat.postMessage", {"channel": "C1", "blocks": "[not json"}, "not valid JSON"),
        ("chat.postMessage", {"channel": "C1", "blocks": [section("x")] * 51}, "at most 50 blocks"),
        ("chat.postMessage", {"channel": "C1", "blocks": [section("x" * 3001)]}, "at most 3000"),
        (
            "chat.postMessage",
            {"channel": "C1", "blocks": [{"type": "table"}]},
            "unknown block type",
        ),
        (
            "chat.postMessage",
            {
                "channel": "C1",
                "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}],
            },
            "at most 150",
        ),
        (
            "chat.postMessage",
            {
                "channel": "C1",
                "blocks": [{"type": "header", "text": {"type": "mrkdwn", "text": "*h*"}}],
            },
            "must be plain_text",
        ),
        (
            "chat.postMessage",
            {
                "channel": "C1",
                "blocks": [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}],
            },
            "at most 10 fields",
        ),
        (
            "chat.postMessage",
            {
                "channel": "C1",
                "blocks": [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}],
            },
            "at most 2000",
        ),
        (
            "chat.postMessage",
            {
                "channel": "C1",
                "blocks": [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}],
            },
            "at most 10 elements",
        ),
        (
            "chat.postMessage",
            {"channel": "C1", "blocks": [{"type": "actions", "elements": [button("a", "v")] * 26}]},
            "at most 25 elements",
        ),
        (
            "chat.postMessage",
            {
                "channel": "C1",
                "blocks": [{"type": "actions", "elements": [button("a", "v", "t" * 76)]}],
            },
            "at most 75",
        ),
        (
            "chat.postMessage",
            {
                "channel": "C1",
                "blocks": [{"type": "actions", "elements": [button("a" * 256, "v")]}],
            },
            "action_id: must be at most 255",
        ),
        (
            "chat.postMessage",
            {
                "channel": "C1",
                "blocks": [{"type": "actions", "elements": [button("a", "v" * 2001)]}],
            },
            "value: must be at most 2000",
        ),
        (
            "chat.postMessage",
            {"channel": "C1", "blocks": [{**section("x"), "block_id": "b" * 256}]},
            "block_id: must be at most 255",
        ),
        (
            "chat.postMessage",
            {
                "channel": "C1",
                "blocks": [{"type": "section", "text": {"type": "markdown", "text": "x"}}],
            },
            "must be plain_text or mrkdwn",
        ),
        (
            "chat.postMessage",
            {
                "channel": "C1",
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": ""}}],
            },
            "non-empty",
        ),
        (
            "chat.postMessage",
            {"channel": "C1", "text": "x", "attachments": [{"blocks": [{"type": "bogus"}]}]},
            "attachments[0].blocks[0].type",
        ),
        ("users.info", {"user": "U1"}, None),
        ("chat.postMessage", {"channel": "C1", "text": "x", "unfurl_links": "maybe"}, "boolean"),
    ],
)
def test_validate_call_reports_problems(
    method: str, params: dict[str, Any], expected: str | None
) -> None:
    problems = validate_call(method, params)
    if expected is None:
        assert problems == []
    else:
        assert any(expected in p for p in problems), problems


def test_validate_call_flags_json_body_for_form_only_method() -> None:
    assert validate_call("users.info", {"user": "U1"}, encoding="json")


# --------------------------------------------------------------------------- Web API


async def test_web_api_happy_path(slack: FakeSlack, client: AsyncWebClient) -> None:
    auth = await client.auth_test()
    assert auth["user_id"] == "UBOT" and auth["team_id"] == "T0001" and auth["bot_id"]

    blocks = [section("*Hello*"), {"type": "actions", "elements": [button("ok", "1")]}]
    first = await client.chat_postMessage(channel="C1", text="hello", blocks=blocks)
    second = await client.chat_postMessage(channel="C1", text="again", thread_ts=first["ts"])
    assert first["ok"] and first["channel"] == "C1" and first["message"]["text"] == "hello"
    assert first["ts"] != second["ts"] and first["ts"].startswith("1700000000.")

    eph = await client.chat_postEphemeral(channel="C1", user="U1", text="psst")
    assert eph["message_ts"]
    upd = await client.chat_update(channel="C1", ts=first["ts"], text="edited")
    assert upd["text"] == "edited"

    user = (await client.users_info(user="U1"))["user"]
    assert (user["tz"], user["real_name"], user["team_id"]) == (
        "Europe/Paris",
        "Ann Example",
        "T0001",
    )
    assert user["tz_offset"] in (3600, 7200)
    channel = (await client.conversations_info(channel="C1"))["channel"]
    assert channel["name"] == "ops-fr"

    msgs = slack.messages(channel="C1")
    assert [m.kind for m in msgs] == ["message", "message", "ephemeral", "update"]
    assert msgs[0].blocks == blocks and msgs[1].thread_ts == first["ts"]
    assert msgs[2].user == "U1" and msgs[3].text == "edited"
    assert slack.get_message("C1", first["ts"])["text"] == "edited"  # type: ignore[index]
    assert [c.method for c in slack.calls][:2] == ["auth.test", "chat.postMessage"]
    assert slack.calls[1].encoding == "json" and slack.calls[1].params["blocks"] == blocks
    assert slack.calls_to("users.info")[0].http_method == "GET"
    slack.assert_no_violations()


async def test_form_encoded_call_with_blocks_string(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    blocks = [section("from a form")]
    resp = await client.api_call(
        "chat.postMessage", data={"channel": "C1", "text": "t", "blocks": json.dumps(blocks)}
    )
    assert resp["ok"]
    assert slack.calls[-1].encoding == "form"
    assert slack.messages()[-1].blocks == blocks
    slack.assert_no_violations()


async def test_unknown_user_and_channel(slack: FakeSlack, client: AsyncWebClient) -> None:
    assert (await api_error(client.users_info(user="U404"))).response["error"] == "user_not_found"
    err = await api_error(client.conversations_info(channel="C404"))
    assert err.response["error"] == "channel_not_found"
    err = await api_error(client.chat_update(channel="C1", ts="1.2", text="x"))
    assert err.response["error"] == "message_not_found"


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"channel": "C1", "text": "hi", "colour": "red"}, "unknown parameter 'colour'"),
        ({"channel": "C1", "text": "t", "blocks": [section("x")] * 51}, "at most 50 blocks"),
        ({"channel": "C1", "text": "t", "blocks": [section("x" * 3001)]}, "at most 3000"),
        ({"channel": "C1", "text": "t", "blocks": [{"type": "carousel"}]}, "unknown block type"),
    ],
)
async def test_invalid_calls_are_rejected_and_recorded(
    slack: FakeSlack, client: AsyncWebClient, kwargs: dict[str, Any], expected: str
) -> None:
    err = await api_error(client.chat_postMessage(**kwargs))
    assert err.response["error"] == "invalid_arguments"
    assert any(expected in m for m in err.response["response_metadata"]["messages"])
    assert any(expected in v for v in slack.violations), slack.violations
    assert slack.messages() == []
    with pytest.raises(AssertionError, match="violation"):
        slack.assert_no_violations()


async def test_missing_channel_and_unknown_method(slack: FakeSlack, client: AsyncWebClient) -> None:
    err = await api_error(client.api_call("chat.postMessage", json={"text": "hi"}))
    assert err.response["error"] == "invalid_arguments"
    err = await api_error(client.api_call("chat.postMessagez", json={"channel": "C1"}))
    assert err.response["error"] == "unknown_method"
    assert any("missing required parameter 'channel'" in v for v in slack.violations)
    assert any("unknown method" in v for v in slack.violations)


async def test_auth_is_checked(slack: FakeSlack) -> None:
    bad = AsyncWebClient(token="xoxb-wrong", base_url=slack.api_url)
    assert (await api_error(bad.auth_test())).response["error"] == "invalid_auth"
    bot = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    err = await api_error(bot.apps_connections_open(app_token=slack.bot_token))
    assert err.response["error"] == "not_allowed_token_type"
    url = (await bot.apps_connections_open(app_token=slack.app_token))["url"]
    assert url.startswith(f"ws://127.0.0.1:{slack.port}/socket?")
    assert [c.ok for c in slack.calls] == [False, False, True]


# --------------------------------------------------------------------------- faults


async def test_error_faults_map_to_slack_api_error(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    for kind in ("channel_not_found", "not_in_channel", "is_archived", "account_inactive"):
        slack.inject_fault(method="chat.postMessage", kind=kind)
        err = await api_error(client.chat_postMessage(channel="C1", text="x"))
        assert err.response.status_code == 200 and err.response["error"] == kind
    assert (await client.chat_postMessage(channel="C1", text="x"))["ok"]
    assert [c.fault for c in slack.calls] == [
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "account_inactive",
        None,
    ]


async def test_rate_limited_fault_has_retry_after(slack: FakeSlack, client: AsyncWebClient) -> None:
    slack.inject_fault(method="chat.postMessage", kind="rate_limited", retry_after=7, times=1)
    err = await api_error(client.chat_postMessage(channel="C1", text="x"))
    assert err.response.status_code == 429
    assert err.response["error"] == "ratelimited"
    assert err.response.headers["Retry-After"] == "7"
    assert slack.count_429 == 1
    assert (await client.chat_postMessage(channel="C1", text="x"))["ok"]


async def test_slack_sdk_retry_handler_recovers_from_429(slack: FakeSlack) -> None:
    retrying = AsyncWebClient(
        token=slack.bot_token,
        base_url=slack.api_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )
    slack.inject_fault(kind="rate_limited", retry_after=0)
    assert (await retrying.chat_postMessage(channel="C1", text="x"))["ok"]
    assert [c.status for c in slack.calls] == [429, 200]


async def test_server_error_slow_and_channel_filter(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    slack.inject_fault(kind="server_error", status=503, channel="C2")
    assert (await client.chat_postMessage(channel="C1", text="unaffected"))["ok"]
    err = await api_error(client.chat_postMessage(channel="C2", text="x"))
    assert err.response.status_code == 503

    slack.inject_fault(method="users.info", kind="slow", delay=0.2)
    start = time.monotonic()
    assert (await client.users_info(user="U1"))["ok"]
    assert time.monotonic() - start >= 0.2

    slack.inject_fault(method=None, kind="error", error="msg_too_long", times=None)
    for _ in range(2):
        err = await api_error(client.auth_test())
        assert err.response["error"] == "msg_too_long"
    slack.clear_faults()
    assert (await client.auth_test())["ok"]


async def test_random_faults_are_deterministic(slack: FakeSlack, client: AsyncWebClient) -> None:
    async def pattern() -> list[bool]:
        slack.set_random_faults(rate=0.5, seed=42, kinds=("rate_limited", "channel_not_found"))
        outcome = []
        for _ in range(16):
            try:
                await client.chat_postMessage(channel="C1", text="x")
                outcome.append(True)
            except SlackApiError:
                outcome.append(False)
        return outcome

    first = await pattern()
    assert 0 < first.count(False) < 16
    assert await pattern() == first
    slack.set_random_faults(rate=0)
    assert (await client.chat_postMessage(channel="C1", text="x"))["ok"]


async def test_enforced_rate_limits(slack: FakeSlack, client: AsyncWebClient) -> None:
    slack.enforce_rate_limits = True
    results = []
    for _ in range(5):
        try:
            await client.chat_postMessage(channel="C1", text="burst")
            results.append(200)
        except SlackApiError as e:
            assert e.response.headers["Retry-After"] == "1"
            results.append(e.response.status_code)
    assert results == [200, 200, 200, 429, 429]
    assert slack.count_429 == 2
    # other channels have their own bucket
    assert (await client.chat_postMessage(channel="C2", text="elsewhere"))["ok"]
    assert len(slack.messages(channel="C1")) == 3


# --------------------------------------------------------------------------- Socket Mode


async def test_socket_mode_slash_command(slack: FakeSlack) -> None:
    app = make_app(slack)

    @app.command("/ops")
    async def ops(ack: Any, say: Any, respond: Any, command: dict[str, Any]) -> None:
        await ack(f"got: {command['text']}")
        await say(f"Task added by <@{command['user_id']}> in #{command['channel_name']}")
        await respond("only you can see this")

    async with socket_mode(slack, app):
        ack = await slack.send_slash_command(
            user_id="U1", channel_id="C1", command="/ops", text="task add X", team_id="T0001"
        )
        assert ack == {"text": "got: task add X"}
        msgs = await slack.wait_for_messages(2, channel="C1")

    assert msgs[0].kind == "message" and msgs[0].text == "Task added by <@U1> in #ops-fr"
    assert msgs[1].kind == "response_url" and msgs[1].response_type == "ephemeral"
    assert msgs[1].user == "U1" and msgs[1].text == "only you can see this"
    assert len(slack.acks) == 1 and 0 <= slack.acks[0].latency < 3
    assert slack.envelopes[0].payload["user_name"] == "ann"
    assert slack.calls_to("apps.connections.open")[0].ok
    slack.assert_no_violations()


async def test_socket_mode_block_action(slack: FakeSlack, client: AsyncWebClient) -> None:
    app = make_app(slack)
    seen: list[dict[str, Any]] = []

    @app.action("approve")
    async def approve(ack: Any, body: dict[str, Any], respond: Any) -> None:
        await ack()
        seen.append(body)
        await respond(replace_original=True, text=f"approved {body['actions'][0]['value']}")

    posted = await client.chat_postMessage(
        channel="C1",
        text="Approve?",
        blocks=[
            section("Approve task 42?"),
            {"type": "actions", "block_id": "b-approve", "elements": [button("approve", "42")]},
        ],
    )
    async with socket_mode(slack, app):
        ack = await slack.send_block_action("U1", "C1", "approve", "42")
        assert ack == {}
        msgs = await slack.wait_for_messages(1, kind="response_url")

    body = seen[0]
    assert body["type"] == "block_actions" and body["user"]["id"] == "U1"
    assert body["message"]["ts"] == posted["ts"] and body["container"]["message_ts"] == posted["ts"]
    assert body["actions"][0]["block_id"] == "b-approve"
    assert body["actions"][0]["text"]["text"] == "Approve"
    assert msgs[0].replace_original and msgs[0].ts == posted["ts"]
    assert slack.get_message("C1", posted["ts"])["text"] == "approved 42"  # type: ignore[index]
    slack.assert_no_violations()


async def test_socket_mode_events_and_retry(slack: FakeSlack) -> None:
    app = make_app(slack)
    deliveries: list[tuple[str, str | None]] = []

    @app.event("app_mention")
    async def mention(body: dict[str, Any], say: Any, request: AsyncBoltRequest) -> None:
        retry = request.headers.get("x-slack-retry-num", [None])[0]
        deliveries.append((body["event_id"], retry))
        if retry in (None, "0"):  # Slack's first delivery says retry_attempt 0
            await say(f"summary for <@{body['event']['user']}>")

    event = {"type": "app_mention", "user": "U1", "text": "<@UBOT> summary", "channel": "C1"}
    async with socket_mode(slack, app):
        assert await slack.send_event(event=event, event_id="Ev001") == {}
        await slack.wait_for_messages(1, channel="C1")
        await slack.retry_event("Ev001")
        await slack.wait_for_ack(slack.envelopes[-1].envelope_id)
        for _ in range(50):
            if len(deliveries) == 2:
                break
            await asyncio.sleep(0.02)

    assert deliveries == [("Ev001", "0"), ("Ev001", "1")]
    assert [e.retry_attempt for e in slack.envelopes] == [0, 1]
    assert slack.envelopes[0].payload is slack.envelopes[1].payload
    assert slack.envelopes[0].envelope_id != slack.envelopes[1].envelope_id
    assert slack.messages()[0].text == "summary for <@U1>"
    slack.assert_no_violations()


async def test_ping_pong_and_clean_disconnect() -> None:
    heartbeat = FakeSlack(socket_heartbeat=0.05)
    async with heartbeat:
        app = make_app(heartbeat)
        async with socket_mode(heartbeat, app) as handler:
            for _ in range(100):  # the SDK's own ping is answered by the fake
                if handler.client.last_ping_pong_time is not None:
                    break
                await asyncio.sleep(0.01)
            assert handler.client.last_ping_pong_time is not None
            await asyncio.sleep(0.2)  # several server pings answered by the SDK
            assert len(heartbeat.open_sockets) == 1
        for _ in range(100):
            if not heartbeat.open_sockets:
                break
            await asyncio.sleep(0.01)
        assert heartbeat.open_sockets == [] and heartbeat.sockets[0].closed_at is not None
        heartbeat.assert_no_violations()


async def test_unacked_envelope_times_out(slack: FakeSlack) -> None:
    app = make_app(slack)  # no listener: bolt answers 404 and never acks
    async with socket_mode(slack, app):
        with pytest.raises(SlackAckTimeout):
            await slack.send_slash_command("U1", "C1", "/nobody", ack_timeout=0.3)
    assert any("no ack" in v for v in slack.violations)


async def test_disconnect_message_makes_client_reconnect(slack: FakeSlack) -> None:
    app = make_app(slack)

    @app.command("/ops")
    async def ops(ack: Any) -> None:
        await ack()

    async with socket_mode(slack, app):
        await slack.send_disconnect()
        for _ in range(100):
            if len(slack.sockets) == 2 and len(slack.open_sockets) == 1:
                break
            await asyncio.sleep(0.02)
        assert len(slack.sockets) == 2 and slack.open_sockets == [slack.sockets[1]]
        assert await slack.send_slash_command("U1", "C1", "/ops") == {}
    assert len(slack.calls_to("apps.connections.open")) == 2


# --------------------------------------------------------------------------- HTTP mode


async def test_signatures_verified_by_slack_sdk(slack: FakeSlack) -> None:
    verifier = SignatureVerifier(slack.signing_secret)
    headers, body = slack.signed_slash_command("U1", "C1", "/ops", "task add X")
    assert verifier.is_valid_request(body, headers)
    assert "command=%2Fops" in body

    headers, body = slack.signed_slash_command("U1", "C1", "/ops", secret="forged")
    assert not verifier.is_valid_request(body, headers)

    headers, body = slack.signed_event({"type": "app_mention"}, timestamp=int(time.time()) - 600)
    assert not verifier.is_valid_request(body, headers)

    headers, body = slack.signed_block_action("U1", "C1", "approve", "42")
    assert verifier.is_valid_request(body, headers) and body.startswith("payload=")


async def test_signed_requests_dispatch_through_bolt_http_mode(slack: FakeSlack) -> None:
    app = make_app(slack)
    got: list[str] = []

    @app.command("/ops")
    async def ops(ack: Any, command: dict[str, Any]) -> None:
        await ack(f"ok {command['text']}")

    @app.event("app_mention")
    async def mention(event: dict[str, Any]) -> None:
        got.append(event["text"])

    @app.action("approve")
    async def approve(ack: Any, action: dict[str, Any]) -> None:
        await ack()
        got.append(action["value"])

    headers, body = slack.signed_slash_command("U1", "C1", "/ops", "task add X")
    resp = await app.async_dispatch(bolt_request(headers, body))
    assert resp.status == 200 and resp.body == "ok task add X"

    headers, body = slack.signed_slash_command("U1", "C1", "/ops", "x", secret="forged")
    assert (await app.async_dispatch(bolt_request(headers, body))).status == 401

    headers, body = slack.signed_event(
        {"type": "app_mention", "user": "U1", "text": "hi", "channel": "C1"}
    )
    assert (await app.async_dispatch(bolt_request(headers, body))).status == 200

    headers, body = slack.signed_block_action("U1", "C1", "approve", "42")
    assert (await app.async_dispatch(bolt_request(headers, body))).status == 200

    for _ in range(50):
        if len(got) == 2:
            break
        await asyncio.sleep(0.02)
    assert sorted(got) == ["42", "hi"]


async def test_response_url_validation(slack: FakeSlack) -> None:
    url = slack.slash_command_payload("U1", "C1", "/ops")["response_url"]
    hook = AsyncWebhookClient(url)
    ok = await hook.send(text="fine", response_type="in_channel")
    assert ok.status_code == 200 and ok.body == "ok"
    bad = await hook.send(text="x", blocks=[section("y" * 3001)])
    assert bad.status_code == 400
    assert slack.messages()[0].response_type == "in_channel" and slack.messages()[0].user is None
    assert any("response_url" in v and "3000" in v for v in slack.violations)


async def test_a_response_url_post_names_its_response_url(slack: FakeSlack) -> None:
    first = slack.slash_command_payload("U1", "C1", "/ops")["response_url"]
    second = slack.slash_command_payload("U1", "C1", "/ops")["response_url"]
    await AsyncWebhookClient(second).send(text="to the second")
    await AsyncWebhookClient(first).send(text="to the first")
    got = {m.response_url: m.text for m in slack.messages(kind="response_url")}
    assert got == {
        first.rsplit("/", 1)[1]: "to the first",
        second.rsplit("/", 1)[1]: "to the second",
    }


async def test_random_slow_faults_wait_between_delay_and_max_delay(slack: FakeSlack) -> None:
    with pytest.raises(ValueError, match="max_delay"):
        slack.set_random_faults(0.5, kinds=("slow",), delay=2.0, max_delay=1.0)
