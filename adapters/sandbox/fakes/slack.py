"""A fake Slack (Web API + Socket Mode + response_url) served by aiohttp on 127.0.0.1.

It lets end-to-end tests and benchmarks drive the *real* slack-bolt ``AsyncApp``, slack_sdk's
``AsyncWebClient`` and the aiohttp ``SocketModeClient`` without network access::

    async with FakeSlack() as slack:
        client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
        app = AsyncApp(client=client, signing_secret=slack.signing_secret)
        handler = AsyncSocketModeHandler(app, slack.app_token)
        await handler.connect_async()
        await slack.wait_socket_connected()
        ack = await slack.send_slash_command("U1", "C1", "/ops", "task add X")
        ...
        await handler.close_async()

Every Web API call is recorded (``slack.calls``) and validated against Slack's OpenAPI spec
and Block Kit limits (``adapters.sandbox.fakes.slack_spec``); problems land in ``slack.violations`` and
the call is answered ``{"ok": false, "error": "invalid_arguments"}``.

Only the standard library and aiohttp are used here.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import math
import random
import secrets
import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import WSCloseCode, WSMsgType, web

from adapters.sandbox.fakes.slack_files import SlackFiles
from adapters.sandbox.fakes.slack_spec import Encoding, validate_call, validate_response_payload

__all__ = [
    "FAULT_KINDS",
    "AckRecord",
    "ApiCall",
    "Envelope",
    "FakeSlack",
    "Fault",
    "MessageRecord",
    "SlackAckTimeout",
    "SocketConnection",
]

JsonDict = dict[str, Any]

#: Fault kinds accepted by ``inject_fault`` / ``set_random_faults``.
#: ``error`` answers HTTP 200 ``{"ok": false, "error": <error>}`` with any error code.
FAULT_KINDS = frozenset(
    {
        "rate_limited",
        "server_error",
        "slow",
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "account_inactive",
        "error",
    }
)
_ERROR_FAULTS = frozenset(
    {"channel_not_found", "not_in_channel", "is_archived", "account_inactive"}
)
_MESSAGE_POSTING = ("chat.postMessage", "chat.postEphemeral", "chat.update")
_TS_BASE = 1_700_000_000
RESPONSE_URL_MAX_USES = 5


class SlackAckTimeout(AssertionError):
    """A Socket Mode envelope was not acknowledged in time (Slack allows 3 seconds)."""


@dataclass
class ApiCall:
    """One Web API request received by the fake."""

    method: str
    params: JsonDict
    #: HTTP status answered
    status: int
    ok: bool
    error: str | None
    #: ``time.monotonic()`` when the request arrived
    time: float
    http_method: str = "POST"
    #: "json", "form" or "query"
    encoding: str = "query"
    token: str | None = None
    #: the fault kind applied to this call, if any
    fault: str | None = None
    response: JsonDict = field(default_factory=dict)


@dataclass
class MessageRecord:
    """A message the bot made visible: chat.postMessage/postEphemeral/update or response_url."""

    #: "message" | "ephemeral" | "update" | "response_url"
    kind: str
    channel: str | None
    text: str | None
    blocks: list[JsonDict] | None
    ts: str | None
    #: recipient of an ephemeral message (chat.postEphemeral, ephemeral response_url post)
    user: str | None = None
    attachments: list[JsonDict] | None = None
    thread_ts: str | None = None
    #: response_url posts only: the id of the response_url (the last part of its path)
    response_url: str | None = None
    #: response_url posts only
    response_type: str | None = None
    replace_original: bool = False
    delete_original: bool = False
    params: JsonDict = field(default_factory=dict)
    #: ``time.monotonic()`` when recorded
    time: float = 0.0


@dataclass
class Envelope:
    """A Socket Mode envelope sent to a client."""

    envelope_id: str
    type: str
    payload: JsonDict
    sent_at: float
    accepts_response_payload: bool = False
    retry_attempt: int | None = None
    retry_reason: str | None = None
    connection_id: int | None = None

    def to_json(self) -> JsonDict:
        data: JsonDict = {
            "envelope_id": self.envelope_id,
            "type": self.type,
            "payload": self.payload,
            "accepts_response_payload": self.accepts_response_payload,
        }
        if self.retry_attempt is not None:
            data["retry_attempt"] = self.retry_attempt
            data["retry_reason"] = self.retry_reason or ""
        return data


@dataclass
class AckRecord:
    """A client's acknowledgement of an envelope."""

    envelope_id: str
    type: str
    payload: JsonDict | None
    #: ``time.monotonic()`` timestamps
    sent_at: float
    acked_at: float

    @property
    def latency(self) -> float:
        """Seconds from sending the envelope to receiving its ack."""
        return self.acked_at - self.sent_at


@dataclass
class Fault:
    """An injected failure; ``remaining is None`` means it never runs out."""

    method: str | None
    kind: str
    retry_after: int = 1
    remaining: int | None = 1
    channel: str | None = None
    delay: float = 1.0
    status: int | None = None
    error: str | None = None
    triggered: int = 0

    def matches(self, method: str, params: Mapping[str, Any]) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.method is not None and self.method != method:
            return False
        return self.channel is None or params.get("channel") == self.channel


@dataclass
class SocketConnection:
    """One Socket Mode WebSocket client connected to the fake."""

    id: int
    ws: web.WebSocketResponse
    connected_at: float
    closed_at: float | None = None

    @property
    def open(self) -> bool:
        return self.closed_at is None and not self.ws.closed


@dataclass
class _ResponseUrl:
    id: str
    channel: str | None
    user: str | None
    origin: str
    message_ts: str | None = None
    uses: int = 0


@dataclass
class _Bucket:
    tokens: float
    updated: float


class _ApiError(Exception):
    def __init__(self, error: str, status: int = 200, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.extra = extra


class FakeSlack:
    """Fake Slack server; see the module docstring.  Use as an async context manager."""

    #: methods subject to ``enforce_rate_limits`` (per channel token bucket)
    rate_limited_methods: frozenset[str] = frozenset({"chat.postMessage", "chat.postEphemeral"})

    def __init__(
        self,
        bot_token: str = "xoxb-test",
        app_token: str = "xapp-test",
        signing_secret: str = "s3cr3t",
        team_id: str = "T0001",
        *,
        team_domain: str = "jointops-fake",
        team_name: str = "JointOps Fake",
        bot_user_id: str = "UBOT",
        bot_id: str = "B0BOT",
        bot_name: str = "jointops",
        api_app_id: str = "A0APP",
        host: str = "127.0.0.1",
        port: int = 0,
        strict_channels: bool = False,
        socket_heartbeat: float | None = None,
    ) -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        self.signing_secret = signing_secret
        self.team_id = team_id
        self.team_domain = team_domain
        self.team_name = team_name
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.bot_name = bot_name
        self.api_app_id = api_app_id
        self.verification_token = "fake-verification-token"
        self.host = host
        self.port = port
        #: when True, chat.* calls to channels not added with ``add_channel`` fail
        #: with ``channel_not_found``
        self.strict_channels = strict_channels
        #: when set, the server pings Socket Mode clients every N seconds and drops those
        #: that do not answer (slack_sdk answers pings itself)
        self.socket_heartbeat = socket_heartbeat

        self.calls: list[ApiCall] = []
        self.violations: list[str] = []
        self.acks: list[AckRecord] = []
        self.envelopes: list[Envelope] = []
        self.sockets: list[SocketConnection] = []
        self.users: dict[str, JsonDict] = {}
        self.channels: dict[str, JsonDict] = {}
        self.faults: list[Fault] = []
        self.count_429 = 0

        self.enforce_rate_limits = False
        self.rate_limit_per_second = 1.0
        self.rate_limit_burst = 3

        self._messages: list[MessageRecord] = []
        self._live: dict[tuple[str, str], JsonDict] = {}
        self._ephemeral_ts: dict[str, str] = {}
        self._response_urls: dict[str, _ResponseUrl] = {}
        self._events: dict[str, JsonDict] = {}
        self._pending_acks: dict[str, tuple[asyncio.Future[JsonDict | None], Envelope]] = {}
        self._acked: set[str] = set()
        self._tickets: set[str] = set()
        self._buckets: dict[str, _Bucket] = {}
        self._stubs: dict[str, JsonDict] = {}
        self._waiters: list[asyncio.Future[None]] = []
        self._random_rate = 0.0
        self._random: random.Random = random.Random(0)
        self._random_kinds: tuple[str, ...] = ()
        self._random_methods: frozenset[str] = frozenset()
        self._random_retry_after = 1
        self._random_delay = 0.2
        self._random_max_delay: float | None = None
        self._ts_counter = itertools.count(1)
        self._ids = itertools.count(1)
        self._socket_rr = itertools.count()
        self._runner: web.AppRunner | None = None
        self.files = SlackFiles(self)  # conversations.open and the external file upload

        self.add_user(bot_user_id, name=bot_name, team_id=team_id, real_name=bot_name, is_bot=True)

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> FakeSlack:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_get("/socket", self._handle_socket)
        app.router.add_post("/response/{rid}", self._handle_response_url)
        self.files.add_routes(app)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        self.port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        await self.close_sockets()
        for fut, _env in self._pending_acks.values():
            if not fut.done():
                fut.cancel()
        self._pending_acks.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    @property
    def api_url(self) -> str:
        """Base URL for ``AsyncWebClient(base_url=...)`` (ends with a slash)."""
        return f"{self.base_url}api/"

    # ------------------------------------------------------------------ directory

    def add_user(
        self,
        user_id: str,
        name: str | None = None,
        team_id: str | None = None,
        real_name: str | None = None,
        tz: str = "UTC",
        *,
        locale: str = "en-US",
        email: str | None = None,
        is_bot: bool = False,
        deleted: bool = False,
    ) -> JsonDict:
        """Register a user served by ``users.info``; returns the stored user object."""
        name = name or user_id.lower()
        real = real_name or name
        label, offset = _tz_info(tz)
        profile: JsonDict = {"real_name": real, "display_name": name, "team": team_id}
        if email:
            profile["email"] = email
        user: JsonDict = {
            "id": user_id,
            "team_id": team_id or self.team_id,
            "name": name,
            "deleted": deleted,
            "real_name": real,
            "tz": tz,
            "tz_label": label,
            "tz_offset": offset,
            "is_bot": is_bot,
            "is_app_user": False,
            "profile": profile,
            "locale": locale,
            "updated": _TS_BASE,
        }
        self.users[user_id] = user
        return user

    def add_channel(
        self,
        channel_id: str,
        name: str | None = None,
        team_id: str | None = None,
        *,
        is_private: bool = False,
        is_archived: bool = False,
        is_member: bool = True,
        is_im: bool = False,
        locale: str = "en-US",
    ) -> JsonDict:
        """Register a conversation served by ``conversations.info``."""
        channel: JsonDict = {
            "id": channel_id,
            "name": name or channel_id.lower(),
            "is_channel": not is_private and not is_im,
            "is_group": is_private,
            "is_im": is_im,
            "is_private": is_private,
            "is_archived": is_archived,
            "is_member": is_member,
            "is_general": False,
            "created": _TS_BASE,
            "creator": self.bot_user_id,
            "context_team_id": team_id or self.team_id,
            "shared_team_ids": [team_id or self.team_id],
            "locale": locale,
        }
        self.channels[channel_id] = channel
        return channel

    def stub_method(self, method: str, response: JsonDict) -> None:
        """Answer ``method`` (which must exist in the spec) with a fixed JSON response."""
        self._stubs[method] = response

    # ------------------------------------------------------------------ records

    def messages(self, channel: str | None = None, kind: str | None = None) -> list[MessageRecord]:
        """Messages made visible, oldest first, optionally filtered by channel/kind."""
        return [
            m
            for m in self._messages
            if (channel is None or m.channel == channel) and (kind is None or m.kind == kind)
        ]

    def get_message(self, channel: str, ts: str) -> JsonDict | None:
        """Current state (after updates) of a non-ephemeral message, Slack-shaped."""
        return self._live.get((channel, ts))

    def calls_to(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method == method]

    async def wait_for_messages(
        self,
        count: int,
        channel: str | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
        *,
        kind: str | None = None,
    ) -> list[MessageRecord]:
        """Wait until at least ``count`` matching messages exist; returns them all."""
        await self._wait_until(
            lambda: len(self.messages(channel, kind)) >= count,
            timeout,
            lambda: (
                f"expected {count} message(s) (channel={channel!r}, kind={kind!r}), "
                f"got {len(self.messages(channel, kind))}: "
                f"{[m.text for m in self.messages(channel, kind)]!r}"
            ),
        )
        return self.messages(channel, kind)

    async def wait_for_calls(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[ApiCall]:
        await self._wait_until(
            lambda: len(self.calls_to(method)) >= count,
            timeout,
            lambda: f"expected {count} call(s) to {method}, got {len(self.calls_to(method))}",
        )
        return self.calls_to(method)

    def assert_no_violations(self) -> None:
        if self.violations:
            listing = "\n  ".join(self.violations)
            raise AssertionError(f"{len(self.violations)} Slack API violation(s):\n  {listing}")

    def clear_records(self) -> None:
        """Forget calls, messages, acks, envelopes, violations and the 429 counter."""
        self.calls.clear()
        self._messages.clear()
        self.acks.clear()
        self.envelopes.clear()
        self.violations.clear()
        self.count_429 = 0

    # ------------------------------------------------------------------ faults

    def inject_fault(
        self,
        method: str | None = "chat.postMessage",
        kind: str = "rate_limited",
        retry_after: int = 1,
        times: int | None = 1,
        channel: str | None = None,
        *,
        delay: float = 1.0,
        status: int | None = None,
        error: str | None = None,
    ) -> Fault:
        """Make the next ``times`` matching calls fail (``times=None``: forever).

        ``method=None`` matches every method; ``channel`` restricts to calls with that
        ``channel`` argument.  Kinds: ``rate_limited`` (429 + Retry-After),
        ``server_error`` (``status`` 500 or 503), ``slow`` (sleeps ``delay`` s, then answers
        normally), ``channel_not_found``/``not_in_channel``/``is_archived``/
        ``account_inactive`` (HTTP 200 ok=false) and ``error`` (HTTP 200 with ``error``).
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(FAULT_KINDS)}")
        if kind == "error" and not error:
            raise ValueError("kind='error' needs error='<slack error code>'")
        fault = Fault(
            method=method,
            kind=kind,
            retry_after=retry_after,
            remaining=times,
            channel=channel,
            delay=delay,
            status=status,
            error=error,
        )
        self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        self.faults.clear()
        self._random_rate = 0.0

    def set_random_faults(
        self,
        rate: float = 0.3,
        seed: int | None = 1,
        kinds: Iterable[str] = ("rate_limited", "server_error"),
        *,
        methods: Iterable[str] = _MESSAGE_POSTING,
        retry_after: int = 1,
        delay: float = 0.2,
        max_delay: float | None = None,
    ) -> None:
        """Fail a random ``rate`` of calls to ``methods`` (deterministic for a seed); a
        ``slow`` answer waits ``delay`` seconds, or a seeded random time between ``delay``
        and ``max_delay`` when that is given."""
        if max_delay is not None and max_delay < delay:
            raise ValueError("max_delay must not be less than delay")
        kinds_t = tuple(kinds)
        for kind in kinds_t:
            if kind not in FAULT_KINDS or kind == "error":
                raise ValueError(f"unsupported random fault kind {kind!r}")
        self._random_rate = rate
        self._random = random.Random(seed)
        self._random_kinds = kinds_t
        self._random_methods = frozenset(methods)
        self._random_retry_after = retry_after
        self._random_delay = delay
        self._random_max_delay = max_delay

    # ------------------------------------------------------------------ Socket Mode

    @property
    def open_sockets(self) -> list[SocketConnection]:
        return [c for c in self.sockets if c.open]

    async def wait_socket_connected(
        self,
        timeout: float = 5.0,  # noqa: ASYNC109
        count: int = 1,
    ) -> SocketConnection:
        """Wait until ``count`` Socket Mode clients are connected; returns the newest."""
        await self._wait_until(
            lambda: len(self.open_sockets) >= count,
            timeout,
            lambda: f"expected {count} Socket Mode connection(s), got {len(self.open_sockets)}",
        )
        return self.open_sockets[-1]

    async def send_disconnect(self, reason: str = "refresh_requested") -> None:
        """Send Slack's ``disconnect`` message to every client (they should reconnect)."""
        msg = {"type": "disconnect", "reason": reason, "debug_info": {"host": "fake-slack"}}
        for conn in self.open_sockets:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await conn.ws.send_str(json.dumps(msg))

    async def close_sockets(self, code: int = WSCloseCode.GOING_AWAY) -> None:
        """Close every Socket Mode connection from the server side."""
        for conn in self.open_sockets:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.ws.close(code=code, message=b"fake slack closing"), 2)

    async def send_envelope(
        self,
        type: str,
        payload: JsonDict,
        *,
        accepts_response_payload: bool = False,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
        wait_ack: bool = True,
        ack_timeout: float = 3.0,
    ) -> JsonDict:
        """Send an envelope to one connected client (round robin) and wait for its ack.

        Returns the ack's payload (``{}`` when the ack carried none, or when
        ``wait_ack=False``).  Without an ack within ``ack_timeout`` seconds a violation is
        recorded and :class:`SlackAckTimeout` raised.
        """
        if not self.open_sockets:
            await self.wait_socket_connected(timeout=ack_timeout)
        conns = self.open_sockets
        conn = conns[next(self._socket_rr) % len(conns)]
        env = Envelope(
            envelope_id=f"{secrets.token_hex(4)}-{next(self._ids):06d}-fake-envelope",
            type=type,
            payload=payload,
            sent_at=time.monotonic(),
            accepts_response_payload=accepts_response_payload,
            retry_attempt=retry_attempt,
            retry_reason=retry_reason,
            connection_id=conn.id,
        )
        fut: asyncio.Future[JsonDict | None] = asyncio.get_running_loop().create_future()
        self._pending_acks[env.envelope_id] = (fut, env)
        self.envelopes.append(env)
        await conn.ws.send_str(json.dumps(env.to_json()))
        if not wait_ack:
            return {}
        try:
            result = await asyncio.wait_for(asyncio.shield(fut), ack_timeout)
        except TimeoutError:
            msg = f"no ack within {ack_timeout:g}s for {type} envelope {env.envelope_id}"
            self._violation("socket_mode", msg)
            raise SlackAckTimeout(msg) from None
        return result or {}

    async def wait_for_ack(
        self,
        envelope_id: str,
        timeout: float = 3.0,  # noqa: ASYNC109
    ) -> AckRecord:
        def find() -> AckRecord | None:
            return next((a for a in self.acks if a.envelope_id == envelope_id), None)

        await self._wait_until(
            lambda: find() is not None, timeout, lambda: f"no ack for {envelope_id}"
        )
        record = find()
        assert record is not None
        return record

    async def send_slash_command(
        self,
        user_id: str,
        channel_id: str,
        command: str,
        text: str = "",
        team_id: str | None = None,
        *,
        wait_ack: bool = True,
        ack_timeout: float = 3.0,
    ) -> JsonDict:
        """Deliver a ``slash_commands`` envelope; returns the ack payload."""
        payload = self.slash_command_payload(user_id, channel_id, command, text, team_id)
        return await self.send_envelope(
            "slash_commands",
            payload,
            accepts_response_payload=True,
            wait_ack=wait_ack,
            ack_timeout=ack_timeout,
        )

    async def send_block_action(
        self,
        user_id: str,
        channel_id: str,
        action_id: str,
        value: str | None = None,
        message_ts: str | None = None,
        *,
        block_id: str | None = None,
        team_id: str | None = None,
        wait_ack: bool = True,
        ack_timeout: float = 3.0,
    ) -> JsonDict:
        """Deliver an ``interactive`` envelope with a ``block_actions`` payload.

        With ``message_ts`` (or, when omitted, the latest message in the channel holding an
        element with ``action_id``) the payload carries that message as Slack would.
        """
        payload = self.block_action_payload(
            user_id, channel_id, action_id, value, message_ts, block_id=block_id, team_id=team_id
        )
        return await self.send_envelope(
            "interactive", payload, wait_ack=wait_ack, ack_timeout=ack_timeout
        )

    async def send_event(
        self,
        event: JsonDict,
        event_id: str | None = None,
        *,
        team_id: str | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
        wait_ack: bool = True,
        ack_timeout: float = 3.0,
    ) -> JsonDict:
        """Deliver an ``events_api`` envelope (``event_callback``); returns the ack payload.

        Sending again with the same ``event_id`` (e.g. ``retry_attempt=1``) reuses the
        original payload, like Slack's retries.
        """
        payload = self.event_callback_payload(event, event_id, team_id=team_id)
        return await self.send_envelope(
            "events_api",
            payload,
            retry_attempt=retry_attempt,
            retry_reason=retry_reason,
            wait_ack=wait_ack,
            ack_timeout=ack_timeout,
        )

    async def retry_event(
        self,
        event_id: str,
        *,
        retry_attempt: int = 1,
        retry_reason: str = "timeout",
        wait_ack: bool = True,
        ack_timeout: float = 3.0,
    ) -> JsonDict:
        """Re-deliver a previously sent event (same payload and ``event_id``)."""
        payload = self._events.get(event_id)
        if payload is None:
            raise KeyError(f"event {event_id!r} was never sent")
        return await self.send_envelope(
            "events_api",
            payload,
            retry_attempt=retry_attempt,
            retry_reason=retry_reason,
            wait_ack=wait_ack,
            ack_timeout=ack_timeout,
        )

    # ------------------------------------------------------------------ payload builders

    def slash_command_payload(
        self,
        user_id: str,
        channel_id: str,
        command: str,
        text: str = "",
        team_id: str | None = None,
    ) -> dict[str, str]:
        """Slash command fields as Slack sends them (form fields; all strings)."""
        team = team_id or self.team_id
        rid = self._new_response_url(channel_id, user_id, "slash_command")
        return {
            "token": self.verification_token,
            "team_id": team,
            "team_domain": self.team_domain,
            "channel_id": channel_id,
            "channel_name": self._channel_name(channel_id),
            "user_id": user_id,
            "user_name": self._user_name(user_id),
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": rid,
            "trigger_id": self._trigger_id(team),
        }

    def block_action_payload(
        self,
        user_id: str,
        channel_id: str,
        action_id: str,
        value: str | None = None,
        message_ts: str | None = None,
        *,
        block_id: str | None = None,
        team_id: str | None = None,
    ) -> JsonDict:
        team = team_id or self.team_id
        now = f"{time.time():.6f}"
        message: JsonDict | None = None
        is_ephemeral = False
        if message_ts is None:
            message = self._latest_message_with_action(channel_id, action_id)
            if message is not None:
                message_ts = str(message["ts"])
        elif (channel_id, message_ts) in self._live:
            message = self._live[(channel_id, message_ts)]
        elif message_ts in self._ephemeral_ts:
            is_ephemeral = True
        if message is None and not is_ephemeral:
            message_ts = message_ts or self._next_ts()
            message = {
                "type": "message",
                "user": self.bot_user_id,
                "bot_id": self.bot_id,
                "team": team,
                "ts": message_ts,
                "text": "",
                "blocks": [],
            }
        element, found_block_id = _find_element(message, action_id) if message else (None, None)
        action: JsonDict = {
            "action_id": action_id,
            "block_id": block_id or found_block_id or "fake-block",
            "type": (element or {}).get("type", "button"),
            "action_ts": now,
        }
        if action["type"] == "button":
            if value is not None:
                action["value"] = value
            action["text"] = (element or {}).get(
                "text", {"type": "plain_text", "text": action_id, "emoji": True}
            )
        else:
            action["selected_option"] = {
                "text": {"type": "plain_text", "text": value or ""},
                "value": value,
            }
        rid = self._new_response_url(
            channel_id, user_id, "block_actions", message_ts=None if is_ephemeral else message_ts
        )
        payload: JsonDict = {
            "type": "block_actions",
            "user": {
                "id": user_id,
                "username": self._user_name(user_id),
                "name": self._user_name(user_id),
                "team_id": team,
            },
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "container": {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel_id,
                "is_ephemeral": is_ephemeral,
            },
            "trigger_id": self._trigger_id(team),
            "team": {"id": team, "domain": self.team_domain},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel_id, "name": self._channel_name(channel_id)},
            "state": {"values": {}},
            "response_url": rid,
            "actions": [action],
        }
        if message is not None:
            payload["message"] = message
        return payload

    def event_callback_payload(
        self, event: JsonDict, event_id: str | None = None, *, team_id: str | None = None
    ) -> JsonDict:
        """An ``event_callback`` body; a known ``event_id`` returns the stored payload."""
        if event_id is not None and event_id in self._events:
            return self._events[event_id]
        team = team_id or self.team_id
        event = dict(event)
        if event.get("type") in ("message", "app_mention") and "ts" not in event:
            event["ts"] = self._next_ts()
        event.setdefault("event_ts", event.get("ts") or self._next_ts())
        event_id = event_id or f"Ev{next(self._ids):010d}"
        payload: JsonDict = {
            "token": self.verification_token,
            "team_id": team,
            "context_team_id": team,
            "api_app_id": self.api_app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": team,
                    "user_id": self.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-fake-{event_id}",
        }
        self._events[event_id] = payload
        return payload

    # ------------------------------------------------------------------ HTTP mode signing

    def sign(
        self, body: str | bytes, *, timestamp: int | None = None, secret: str | None = None
    ) -> dict[str, str]:
        """Slack v0 request-signature headers for ``body``."""
        ts = int(time.time()) if timestamp is None else timestamp
        raw = body.encode() if isinstance(body, str) else body
        key = (self.signing_secret if secret is None else secret).encode()
        digest = hmac.new(key, f"v0:{ts}:".encode() + raw, hashlib.sha256).hexdigest()
        return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": f"v0={digest}"}

    def signed_slash_command(
        self,
        user_id: str,
        channel_id: str,
        command: str,
        text: str = "",
        team_id: str | None = None,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
    ) -> tuple[dict[str, str], str]:
        """(headers, form-encoded body) of a signed slash command request."""
        body = urllib.parse.urlencode(
            self.slash_command_payload(user_id, channel_id, command, text, team_id)
        )
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        headers.update(self.sign(body, timestamp=timestamp, secret=secret))
        return headers, body

    def signed_block_action(
        self,
        user_id: str,
        channel_id: str,
        action_id: str,
        value: str | None = None,
        message_ts: str | None = None,
        *,
        block_id: str | None = None,
        team_id: str | None = None,
        timestamp: int | None = None,
        secret: str | None = None,
    ) -> tuple[dict[str, str], str]:
        """(headers, ``payload=<json>`` form body) of a signed block_actions request."""
        payload = self.block_action_payload(
            user_id, channel_id, action_id, value, message_ts, block_id=block_id, team_id=team_id
        )
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        headers.update(self.sign(body, timestamp=timestamp, secret=secret))
        return headers, body

    def signed_event(
        self,
        event: JsonDict,
        event_id: str | None = None,
        *,
        team_id: str | None = None,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
        timestamp: int | None = None,
        secret: str | None = None,
    ) -> tuple[dict[str, str], str]:
        """(headers, JSON body) of a signed Events API request (with retry headers)."""
        body = json.dumps(self.event_callback_payload(event, event_id, team_id=team_id))
        headers = {"Content-Type": "application/json"}
        if retry_attempt:
            headers["X-Slack-Retry-Num"] = str(retry_attempt)
            headers["X-Slack-Retry-Reason"] = retry_reason or "timeout"
        headers.update(self.sign(body, timestamp=timestamp, secret=secret))
        return headers, body

    # ------------------------------------------------------------------ internals: misc

    def _violation(self, source: str, message: str) -> None:
        self.violations.append(f"{source}: {message}")
        self._notify()

    #: called after every change (the sandbox's page follows the fake live); add with
    #: ``fake.listeners = (*fake.listeners, callback)``
    listeners: tuple[Callable[[], None], ...] = ()

    def _notify(self) -> None:
        for fut in self._waiters:
            if not fut.done():
                fut.set_result(None)
        for listener in self.listeners:
            listener()

    async def _wait_until(
        self, predicate: Callable[[], bool], limit: float, describe: Callable[[], str]
    ) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"FakeSlack: {describe()} after {limit:g}s")
            fut: asyncio.Future[None] = loop.create_future()
            self._waiters.append(fut)
            try:
                await asyncio.wait_for(fut, remaining)
            except TimeoutError:
                pass
            finally:
                self._waiters.remove(fut)

    def _next_ts(self) -> str:
        n = next(self._ts_counter)
        return f"{_TS_BASE + n // 10_000}.{(n % 10_000) * 100:06d}"

    def _trigger_id(self, team: str) -> str:
        return f"{next(self._ids)}.{team}.{secrets.token_hex(8)}"

    def _user_name(self, user_id: str) -> str:
        user = self.users.get(user_id)
        return str(user["name"]) if user else user_id.lower()

    def _channel_name(self, channel_id: str) -> str:
        channel = self.channels.get(channel_id)
        return str(channel["name"]) if channel else channel_id.lower()

    def _new_response_url(
        self, channel: str | None, user: str | None, origin: str, message_ts: str | None = None
    ) -> str:
        rid = f"{next(self._ids)}-{secrets.token_hex(6)}"
        self._response_urls[rid] = _ResponseUrl(rid, channel, user, origin, message_ts)
        return f"{self.base_url}response/{rid}"

    def _latest_message_with_action(self, channel: str, action_id: str) -> JsonDict | None:
        for (ch, _ts), msg in reversed(self._live.items()):
            if ch == channel and _find_element(msg, action_id)[0] is not None:
                return msg
        return None

    def _record_message(self, record: MessageRecord) -> None:
        record.time = time.monotonic()
        self._messages.append(record)
        self._notify()

    def _bot_message(self, params: Mapping[str, Any], ts: str) -> JsonDict:
        msg: JsonDict = {
            "type": "message",
            "subtype": "bot_message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.api_app_id,
            "team": self.team_id,
            "text": params.get("text") or "",
            "ts": ts,
        }
        blocks = _decode_list(params.get("blocks"))
        if blocks is not None:
            msg["blocks"] = blocks
        attachments = _decode_list(params.get("attachments"))
        if attachments is not None:
            msg["attachments"] = attachments
        if params.get("thread_ts"):
            msg["thread_ts"] = str(params["thread_ts"])
        return msg

    # ------------------------------------------------------------------ internals: HTTP

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        arrived = time.monotonic()
        params, encoding, decode_error = await _read_params(request)
        token = _bearer(request.headers.get("Authorization"))
        body_token = params.pop("token", None)
        if token is None and isinstance(body_token, str):
            token = body_token
        call = ApiCall(
            method=method,
            params=params,
            status=200,
            ok=False,
            error=None,
            time=arrived,
            http_method=request.method,
            encoding=encoding,
            token=token,
        )
        headers: dict[str, str] = {}
        try:
            if decode_error:
                self._violation(method, decode_error)
                raise _ApiError("invalid_arguments", messages=[f"[ERROR] {decode_error}"])
            body = await self._dispatch(call, encoding, headers)
        except _ApiError as exc:
            call.status = exc.status
            body = {"ok": False, "error": exc.error}
            if "messages" in exc.extra:
                body["response_metadata"] = {"messages": exc.extra["messages"]}
            if exc.status == 429:
                self.count_429 += 1
        call.ok = bool(body.get("ok"))
        call.error = None if call.ok else str(body.get("error"))
        call.response = body
        self.calls.append(call)
        self._notify()
        return web.json_response(body, status=call.status, headers=headers)

    async def _dispatch(
        self, call: ApiCall, encoding: Encoding, headers: dict[str, str]
    ) -> JsonDict:
        method, params = call.method, call.params
        problems = validate_call(method, params, encoding=encoding)
        if problems and problems[0].startswith("unknown method"):
            self._violation(method, problems[0])
            raise _ApiError("unknown_method", status=404)

        self._check_auth(method, call.token)

        if problems:
            for problem in problems:
                self._violation(method, problem)
            raise _ApiError("invalid_arguments", messages=[f"[ERROR] {p}" for p in problems])

        await self._apply_faults(call, headers)

        if self.enforce_rate_limits and method in self.rate_limited_methods:
            wait = self._take_token(str(params.get("channel")))
            if wait is not None:
                headers["Retry-After"] = str(wait)
                call.fault = call.fault or "rate_limit_enforced"
                raise _ApiError("ratelimited", status=429)

        if method in self._stubs:
            return dict(self._stubs[method])
        handler = self._handlers().get(method)
        if handler is None:
            self._violation(method, "method not implemented by FakeSlack (use stub_method)")
            raise _ApiError("not_implemented")
        return handler(params)

    def _check_auth(self, method: str, token: str | None) -> None:
        if not token:
            raise _ApiError("not_authed")
        if method == "apps.connections.open":
            if token == self.app_token:
                return
            raise _ApiError("not_allowed_token_type" if token == self.bot_token else "invalid_auth")
        if token == self.bot_token:
            return
        raise _ApiError("not_allowed_token_type" if token == self.app_token else "invalid_auth")

    async def _apply_faults(self, call: ApiCall, headers: dict[str, str]) -> None:
        for fault in self.faults:
            if fault.matches(call.method, call.params):
                if fault.remaining is not None:
                    fault.remaining -= 1
                fault.triggered += 1
                await self._raise_fault(
                    call,
                    headers,
                    fault.kind,
                    retry_after=fault.retry_after,
                    delay=fault.delay,
                    status=fault.status,
                    error=fault.error,
                )
                return
        if (
            self._random_rate > 0
            and call.method in self._random_methods
            and self._random.random() < self._random_rate
        ):
            kind = self._random.choice(self._random_kinds)
            delay = self._random_delay
            if kind == "slow" and self._random_max_delay is not None:
                delay = self._random.uniform(delay, self._random_max_delay)
            await self._raise_fault(
                call,
                headers,
                kind,
                retry_after=self._random_retry_after,
                delay=delay,
                status=None,
                error=None,
            )

    async def _raise_fault(
        self,
        call: ApiCall,
        headers: dict[str, str],
        kind: str,
        *,
        retry_after: int,
        delay: float,
        status: int | None,
        error: str | None,
    ) -> None:
        call.fault = kind
        if kind == "slow":
            await asyncio.sleep(delay)
            return
        if kind == "rate_limited":
            headers["Retry-After"] = str(retry_after)
            raise _ApiError("ratelimited", status=429)
        if kind == "server_error":
            code = status or 500
            raise _ApiError("internal_error" if code == 500 else "service_unavailable", code)
        if kind in _ERROR_FAULTS:
            raise _ApiError(kind, status=status or 200)
        raise _ApiError(error or "unknown_error", status=status or 200)

    def _take_token(self, key: str) -> int | None:
        """Token bucket per channel; returns seconds to wait when empty."""
        now = time.monotonic()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(float(self.rate_limit_burst), now)
        bucket.tokens = min(
            float(self.rate_limit_burst),
            bucket.tokens + (now - bucket.updated) * self.rate_limit_per_second,
        )
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        return max(1, math.ceil((1.0 - bucket.tokens) / self.rate_limit_per_second))

    # ------------------------------------------------------------------ Web API methods

    def _handlers(self) -> dict[str, Callable[[JsonDict], JsonDict]]:
        return {
            "auth.test": self._m_auth_test,
            "chat.postMessage": self._m_post_message,
            "chat.postEphemeral": self._m_post_ephemeral,
            "chat.update": self._m_update,
            "users.info": self._m_users_info,
            "conversations.info": self._m_conversations_info,
            "apps.connections.open": self._m_connections_open,
            **self.files.handlers(),
        }

    def _m_auth_test(self, params: JsonDict) -> JsonDict:
        return {
            "ok": True,
            "url": f"https://{self.team_domain}.slack.com/",
            "team": self.team_name,
            "user": self.bot_name,
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _check_channel(self, channel: str) -> None:
        info = self.channels.get(channel)
        if info is None:
            if self.strict_channels and not channel.startswith(("U", "W", "D")):
                raise _ApiError("channel_not_found")
            return
        if info["is_archived"]:
            raise _ApiError("is_archived")
        if not info["is_member"] and info["is_private"]:
            raise _ApiError("channel_not_found")
        if not info["is_member"]:
            raise _ApiError("not_in_channel")

    def _m_post_message(self, params: JsonDict) -> JsonDict:
        channel = str(params["channel"])
        self._check_channel(channel)
        ts = self._next_ts()
        msg = self._bot_message(params, ts)
        self._live[(channel, ts)] = msg
        self._record_message(
            MessageRecord(
                kind="message",
                channel=channel,
                text=params.get("text"),
                blocks=_decode_list(params.get("blocks")),
                attachments=_decode_list(params.get("attachments")),
                ts=ts,
                thread_ts=_opt_str(params.get("thread_ts")),
                params=params,
            )
        )
        return {"ok": True, "channel": channel, "ts": ts, "message": msg}

    def _m_post_ephemeral(self, params: JsonDict) -> JsonDict:
        channel = str(params["channel"])
        self._check_channel(channel)
        user = str(params["user"])
        if user not in self.users and self.strict_channels:
            raise _ApiError("user_not_in_channel")
        ts = self._next_ts()
        self._ephemeral_ts[ts] = channel
        self._record_message(
            MessageRecord(
                kind="ephemeral",
                channel=channel,
                text=params.get("text"),
                blocks=_decode_list(params.get("blocks")),
                attachments=_decode_list(params.get("attachments")),
                ts=ts,
                user=user,
                thread_ts=_opt_str(params.get("thread_ts")),
                params=params,
            )
        )
        return {"ok": True, "message_ts": ts}

    def _m_update(self, params: JsonDict) -> JsonDict:
        channel, ts = str(params["channel"]), str(params["ts"])
        current = self._live.get((channel, ts))
        if current is None:
            raise _ApiError("message_not_found")
        self._check_channel(channel)
        updated = dict(current)
        for key in ("text", "blocks", "attachments"):
            if key in params:
                updated[key] = _decode_list(params[key]) if key != "text" else params[key]
        updated["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        self._live[(channel, ts)] = updated
        self._record_message(
            MessageRecord(
                kind="update",
                channel=channel,
                text=updated.get("text"),
                blocks=updated.get("blocks"),
                attachments=updated.get("attachments"),
                ts=ts,
                thread_ts=_opt_str(updated.get("thread_ts")),
                params=params,
            )
        )
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": updated.get("text", ""),
            "message": updated,
        }

    def _m_users_info(self, params: JsonDict) -> JsonDict:
        user = self.users.get(str(params.get("user")))
        if user is None:
            raise _ApiError("user_not_found")
        data = dict(user)
        if not _truthy(params.get("include_locale")):
            data.pop("locale", None)
        return {"ok": True, "user": data}

    def _m_conversations_info(self, params: JsonDict) -> JsonDict:
        channel = self.channels.get(str(params.get("channel")))
        if channel is None:
            raise _ApiError("channel_not_found")
        data = dict(channel)
        if not _truthy(params.get("include_locale")):
            data.pop("locale", None)
        return {"ok": True, "channel": data}

    def _m_connections_open(self, params: JsonDict) -> JsonDict:
        ticket = secrets.token_hex(12)
        self._tickets.add(ticket)
        url = f"ws://{self.host}:{self.port}/socket?ticket={ticket}&app_id={self.api_app_id}"
        return {"ok": True, "url": url}

    # ------------------------------------------------------------------ response_url

    async def _handle_response_url(self, request: web.Request) -> web.StreamResponse:
        rid = request.match_info["rid"]
        source = f"response_url[{rid}]"
        entry = self._response_urls.get(rid)
        if entry is None:
            self._violation(source, "post to an unknown response_url")
            return web.Response(status=404, text="no_service")
        try:
            raw = await request.text()
            body = json.loads(raw) if raw else {}
        except ValueError:
            self._violation(source, "body is not JSON")
            return web.Response(status=400, text="invalid_payload")
        if not isinstance(body, dict):
            self._violation(source, "body must be a JSON object")
            return web.Response(status=400, text="invalid_payload")
        entry.uses += 1
        if entry.uses > RESPONSE_URL_MAX_USES:
            self._violation(source, f"response_url used more than {RESPONSE_URL_MAX_USES} times")
            return web.Response(status=404, text="used_url")
        problems = validate_response_payload(body)
        if problems:
            for problem in problems:
                self._violation(source, problem)
            return web.Response(status=400, text="invalid_blocks")

        response_type = str(body.get("response_type") or "ephemeral")
        replace = _truthy(body.get("replace_original"))
        delete = _truthy(body.get("delete_original"))
        channel = entry.channel
        ts: str | None
        if (replace or delete) and entry.message_ts and channel:
            ts = entry.message_ts
            key = (channel, ts)
            if delete:
                self._live.pop(key, None)
            elif key in self._live:
                merged = dict(self._live[key])
                merged.update(self._bot_message(body, ts))
                self._live[key] = merged
        else:
            ts = self._next_ts()
            if response_type == "in_channel" and channel:
                self._live[(channel, ts)] = self._bot_message(body, ts)
            else:
                self._ephemeral_ts[ts] = channel or ""
        self._record_message(
            MessageRecord(
                kind="response_url",
                channel=channel,
                text=body.get("text"),
                blocks=_decode_list(body.get("blocks")),
                attachments=_decode_list(body.get("attachments")),
                ts=ts,
                user=entry.user if response_type == "ephemeral" else None,
                thread_ts=_opt_str(body.get("thread_ts")),
                response_url=rid,
                response_type=response_type,
                replace_original=replace,
                delete_original=delete,
                params=body,
            )
        )
        return web.Response(text="ok")

    # ------------------------------------------------------------------ Socket Mode server

    async def _handle_socket(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket")
        if ticket not in self._tickets:
            self._violation("socket_mode", "connection with an unknown ticket")
            return web.Response(status=401, text="invalid ticket")
        ws = web.WebSocketResponse(autoping=True, heartbeat=self.socket_heartbeat)
        await ws.prepare(request)
        conn = SocketConnection(id=next(self._ids), ws=ws, connected_at=time.monotonic())
        hello = {
            "type": "hello",
            "num_connections": len(self.open_sockets) + 1,
            "debug_info": {
                "host": "fake-slack",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": self.api_app_id},
        }
        try:
            await ws.send_str(json.dumps(hello))
            self.sockets.append(conn)  # only now may envelopes be sent to it
            self._notify()
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    self._on_socket_text(str(msg.data))
                elif msg.type == WSMsgType.ERROR:
                    break
        finally:
            conn.closed_at = time.monotonic()
            self._notify()
        return ws

    def _on_socket_text(self, data: str) -> None:
        try:
            message = json.loads(data)
        except ValueError:
            self._violation("socket_mode", f"non-JSON message from client: {data[:200]!r}")
            return
        if not isinstance(message, dict) or not isinstance(message.get("envelope_id"), str):
            self._violation("socket_mode", f"unexpected client message: {data[:200]!r}")
            return
        envelope_id = message["envelope_id"]
        pending = self._pending_acks.pop(envelope_id, None)
        if pending is None:
            if envelope_id in self._acked:
                self._violation("socket_mode", f"duplicate ack for envelope {envelope_id}")
            else:
                self._violation("socket_mode", f"ack for unknown envelope {envelope_id}")
            return
        fut, env = pending
        self._acked.add(envelope_id)
        payload = message.get("payload")
        if payload is not None and not isinstance(payload, dict):
            self._violation("socket_mode", f"ack payload must be an object: {payload!r}")
            payload = None
        if payload and env.type in ("slash_commands", "interactive"):
            if any(k in payload for k in ("text", "blocks", "attachments")):
                for problem in validate_response_payload(payload):
                    self._violation(f"ack[{env.type}]", problem)
            if env.type == "interactive" and not env.accepts_response_payload:
                self._violation(
                    f"ack[{env.type}]", "ack carries a payload but the envelope does not accept one"
                )
        self.acks.append(
            AckRecord(
                envelope_id=envelope_id,
                type=env.type,
                payload=payload,
                sent_at=env.sent_at,
                acked_at=time.monotonic(),
            )
        )
        if not fut.done():
            fut.set_result(payload)
        self._notify()


# ---------------------------------------------------------------------- module helpers


async def _read_params(request: web.Request) -> tuple[JsonDict, Encoding, str | None]:
    params: JsonDict = dict(request.query.items())
    if not request.body_exists:
        return params, "query", None
    ctype = request.content_type
    if ctype == "application/json":
        try:
            body = await request.json()
        except ValueError as exc:
            return params, "json", f"body is not valid JSON ({exc})"
        if not isinstance(body, dict):
            return params, "json", "JSON body must be an object"
        params.update(body)
        return params, "json", None
    if ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key, value in form.items():
            params[key] = (
                value if isinstance(value, str) else f"<file {getattr(value, 'filename', '')}>"
            )
        return params, "form", None
    raw = await request.text()
    if raw:
        params.update(urllib.parse.parse_qsl(raw, keep_blank_values=True))
    return params, "form", None


def _bearer(header: str | None) -> str | None:
    if header and header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in ("true", "1")
    return bool(value)


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _decode_list(value: Any) -> list[JsonDict] | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, list) else None


def _find_element(message: JsonDict | None, action_id: str) -> tuple[JsonDict | None, str | None]:
    """The interactive element with ``action_id`` in a message's blocks, and its block_id."""
    for block in (message or {}).get("blocks") or []:
        if not isinstance(block, dict):
            continue
        candidates = list(block.get("elements") or [])
        for key in ("accessory", "element"):
            if key in block:
                candidates.append(block[key])
        for element in candidates:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return element, block.get("block_id")
    return None, None


def _tz_info(tz: str) -> tuple[str, int]:
    try:
        now = datetime.now(ZoneInfo(tz))
    except (KeyError, ValueError):
        return tz, 0
    offset = now.utcoffset()
    return now.tzname() or tz, int(offset.total_seconds()) if offset else 0
