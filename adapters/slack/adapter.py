"""Slack: one slash command (`/ops task add ...`), @mentions, Block Kit buttons; Socket Mode or
HTTP events with verified signatures.

Every command, mention and button press is recorded in the inbox (bot.inbox) before Slack is
acknowledged: a listener middleware records it and answers the request itself (its response is
the ack, in HTTP and in Socket Mode), so a replay is acknowledged and runs nothing. The command
runs in its channel's lane and is answered from the record: through `response_url` while it is
valid, else in the channel (ephemeral to the person when the answer is theirs alone).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import replace
from datetime import timedelta
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.http import HttpServer
from adapters.slack.render import ACTION_PREFIX, messages
from adapters.slack.sender import SlackSender, classify
from adapters.slack.signature import SignatureGate
from bot.context import Invocation
from bot.delivery import FailureKind, SendFailure
from bot.dispatcher import Dispatcher
from bot.inbox import GRACE_S, LEASE, Accepted, Entry, Inbox
from bot.parser import unmarked
from bot.reply import Reply, Tone

log = logging.getLogger(__name__)
PLATFORM = "slack"
EVENTS_PATH = "/slack/events"
_MENTION = re.compile(r"^\s*<@[A-Z0-9]+>\s*")
RESPONSE_URL_VALID = timedelta(minutes=30)  # Slack's: after that, answers go to the channel
ACKNOWLEDGED = 200


def is_direct(channel_id: str, *, name: object = None, kind: object = None) -> bool:
    """Whether a conversation is a direct message (read by one person, not a channel): an id
    starting with D, the name Slack gives direct messages in slash commands and actions, or
    an event's channel type."""
    return channel_id.startswith("D") or name == "directmessage" or kind == "im"


def command_key(body: dict[str, Any]) -> str | None:
    """What makes a slash command request unique (None: nothing to tell a replay by)."""
    trigger = body.get("trigger_id")
    return f"{body.get('team_id') or ''}:command:{trigger}" if trigger else None


def body_key(body: dict[str, Any]) -> str:
    """A request's own digest: the same request replayed has the same one."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def event_key(key: str | None, body: dict[str, Any]) -> str:
    """The inbox key of a request: its own id (hashed when too long), else its digest."""
    if key is None:
        return body_key(body)
    return key if len(key) <= 128 else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def action_key(body: dict[str, Any], action: dict[str, Any]) -> str | None:
    """What makes a button press unique: its trigger id, else the user and the action's time."""
    user = body.get("user") or {}
    team = (body.get("team") or {}).get("id") or user.get("team_id") or ""
    if body.get("trigger_id"):
        return f"{team}:action:{body['trigger_id']}"
    if action.get("action_ts"):
        return f"{team}:action:{user.get('id')}:{action['action_ts']}"
    return None


class SlackAdapter:
    """A slack-bolt AsyncApp that feeds the dispatcher through the inbox."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        *,
        bot_token: str,
        api_base_url: str,
        command: str = "/ops",
        app_token: str | None = None,
        signing_secret: str | None = None,
        http: HttpServer | None = None,
        lease: timedelta = LEASE,
        grace: float = GRACE_S,
    ) -> None:
        if app_token is None and (signing_secret is None or http is None):
            raise ValueError("HTTP mode needs the signing secret and the HTTP server")
        self.dispatcher = dispatcher
        self.command = command
        self.app_token = app_token
        self.client = AsyncWebClient(token=bot_token, base_url=api_base_url)
        # HTTP mode: the gate checks signatures before bolt reads a request; bolt's own check
        # is off because it logs the whole body of every request it refuses
        self._gate = (
            SignatureGate(signing_secret, dispatcher.metrics)
            if app_token is None and signing_secret is not None
            else None
        )
        self.app = AsyncApp(
            client=self.client,
            signing_secret=signing_secret,
            request_verification_enabled=False,
            url_verification_enabled=app_token is None,
            ssl_check_enabled=app_token is None,
        )
        self.sender = SlackSender(self.client)
        self.inbox = Inbox(dispatcher, PLATFORM, self, lease=lease, grace=grace)
        self._socket: AsyncSocketModeHandler | None = None
        self._web: aiohttp.ClientSession | None = None  # for response_url posts
        self._register()
        if app_token is None and http is not None:
            http.add_post(EVENTS_PATH, self._on_http)

    def _register(self) -> None:
        """Bolt's matching picks the request's kind; its middleware records it, starts it and
        acknowledges it (so the listener itself never runs)."""
        app = self.app
        app.command(self.command, middleware=[self._accept_command])(_acknowledged)
        app.event("app_mention", middleware=[self._accept_mention])(_acknowledged)
        app.action(
            re.compile(rf"^{re.escape(ACTION_PREFIX)}\d+$"), middleware=[self._accept_action]
        )(_acknowledged)

    async def start(self) -> None:
        """Check the token (auth.test), take over the commands an earlier process left
        unanswered, and, in Socket Mode, connect."""
        await self.client.auth_test()
        self._web = aiohttp.ClientSession()
        await self.inbox.open()
        if self.app_token is not None:
            self._socket = AsyncSocketModeHandler(self.app, self.app_token)
            await self._socket.connect_async()  # type: ignore[no-untyped-call]

    async def stop(self) -> None:
        """Take no more requests (Socket Mode); the commands in flight get a moment, the rest
        is handed back (to another replica, or the next start)."""
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
            self._socket = None
        await self.inbox.close()
        if self._web is not None:
            await self._web.close()
            self._web = None

    async def _on_http(self, request: web.Request) -> web.Response:
        body = await request.read()  # beyond the server's size limit: 413
        if self._gate is None or not self._gate.admits(request.headers, body):
            return web.json_response({"error": "invalid request"}, status=401)
        try:
            bolt_request = await to_bolt_request(request)
        except (ValueError, LookupError):  # signed, yet not a body Slack sends
            self.dispatcher.metrics.refuse(PLATFORM, "malformed")
            return web.json_response({"error": "invalid request"}, status=400)
        return await to_aiohttp_response(await self.app.async_dispatch(bolt_request))

    # ---- receiving: requests into the inbox -------------------------------------------

    async def _accept_command(self, body: dict[str, Any]) -> BoltResponse:
        text = str(body.get("text") or "").strip() or "help"
        user_id = str(body.get("user_id", ""))
        channel_id = str(body.get("channel_id", ""))
        invocation = Invocation(
            platform=PLATFORM,
            workspace=str(body.get("team_id", "")),
            chat_id=channel_id,
            user_id=user_id,
            user_name=str(body.get("user_name") or user_id),
            text=text,
            chat_title=body.get("channel_name"),
            private_chat=is_direct(channel_id, name=body.get("channel_name")),
            text_shown=False,  # Slack never shows a slash command's text to the channel
        )
        route = {
            "kind": "command",
            "response_url": body.get("response_url"),
            "channel": channel_id,
            "user": user_id,
        }
        return await self._accept(Accepted(event_key(command_key(body), body), invocation, route))

    async def _accept_mention(self, body: dict[str, Any], event: dict[str, Any]) -> BoltResponse:
        team = str(body.get("team_id") or event.get("team") or "")
        event_id = str(body.get("event_id") or "")
        user_id = str(event.get("user", ""))
        channel = str(event.get("channel", ""))
        invocation = Invocation(
            platform=PLATFORM,
            workspace=team,
            chat_id=channel,
            user_id=user_id,
            user_name=user_id,
            text=_MENTION.sub("", str(event.get("text", ""))).strip() or "help",
            chat_title=None,
            private_chat=is_direct(channel, kind=event.get("channel_type")),
        )
        route = {"kind": "mention", "channel": channel, "user": user_id}
        key = event_key(f"{team}:{event_id}" if event_id else None, body)
        return await self._accept(Accepted(key, invocation, route))

    async def _accept_action(self, body: dict[str, Any], action: dict[str, Any]) -> BoltResponse:
        user = body.get("user") or {}
        user_id = str(user.get("id", ""))
        team = str((body.get("team") or {}).get("id") or user.get("team_id") or "")
        channel_info = body.get("channel") or {}
        channel = str(channel_info.get("id") or "")
        invocation = Invocation(
            platform=PLATFORM,
            workspace=team,
            chat_id=channel,
            user_id=user_id,
            user_name=str(user.get("name") or user.get("username") or user_id),
            text=str(action.get("value") or ""),
            chat_title=channel_info.get("name"),
            private_chat=is_direct(channel, name=channel_info.get("name")),
            via_button=True,
        )
        route = {
            "kind": "action",
            "response_url": body.get("response_url"),
            "channel": channel,
            "user": user_id,
        }
        key = event_key(action_key(body, action), body)
        return await self._accept(Accepted(key, invocation, route))

    async def _accept(self, item: Accepted) -> BoltResponse:
        """Record the request, start it in its channel's lane, then acknowledge it; a request
        recorded before (a replay, here or on another replica) is acknowledged and runs
        nothing. If it cannot be recorded, bolt answers 500 and nothing is acknowledged."""
        for entry in await self.inbox.accept([item]):
            self.inbox.start(entry)
        return BoltResponse(status=ACKNOWLEDGED, body="")

    # ---- answering: the inbox asks ------------------------------------------------------

    async def prepare(self, entry: Entry) -> Invocation | Reply:
        """The invocation, with the person's real name when it will be stored (join/start)."""
        invocation = entry.invocation
        if not unmarked(invocation.text).lower().startswith(("join", "start")):
            return invocation
        try:
            info = await self.client.users_info(user=invocation.user_id)
        except SlackApiError:
            return invocation
        user = info.get("user") or {}
        profile = user.get("profile") or {}
        name = str(user.get("real_name") or profile.get("real_name") or invocation.user_name)
        return replace(invocation, user_name=name)

    async def answer(self, entry: Entry, reply: Reply, *, held: bool) -> None:
        """Through `response_url` while Slack accepts it, else in the channel; ephemeral when
        the answer is the person's alone (a button's error too). Raises SendFailure."""
        route = entry.route
        if reply.attachment is not None:  # a file (an export): into the person's DM, first
            await self.sender.upload(str(route["user"]), reply.attachment, comment=reply.title)
        ephemeral = reply.private or (route["kind"] == "action" and reply.tone == Tone.ERROR)
        url = route.get("response_url")
        fresh = self.dispatcher.clock.now() - entry.received_at < RESPONSE_URL_VALID
        if url and fresh and await self._respond(str(url), reply, ephemeral=ephemeral):
            return
        channel, user = str(route["channel"]), str(route["user"])
        if not ephemeral:
            await self.sender.send(channel, reply)
            return
        for text, blocks in messages(reply):
            try:
                await self.client.chat_postEphemeral(
                    channel=channel, user=user, text=text, blocks=blocks or None
                )
            except SlackApiError as error:
                raise classify(error) from error
            except (aiohttp.ClientError, TimeoutError, OSError) as error:
                raise SendFailure(FailureKind.TRANSIENT, type(error).__name__) from error

    async def _respond(self, url: str, reply: Reply, *, ephemeral: bool) -> bool:
        """Post the reply to a response_url; False when Slack no longer takes it there."""
        hook = AsyncWebhookClient(url, session=self._web)
        for text, blocks in messages(reply):
            try:
                response = await hook.send(
                    text=text,
                    blocks=blocks or None,
                    response_type="ephemeral" if ephemeral else "in_channel",
                    replace_original=False,
                )
            except (aiohttp.ClientError, TimeoutError, OSError) as error:
                raise SendFailure(FailureKind.TRANSIENT, type(error).__name__) from error
            if response.status_code != 200:
                log.info("slack response_url refused (%s): answering in the channel", response.body)
                return False
        return True


async def _acknowledged() -> None:
    """Never runs: the listener's middleware recorded and acknowledged the request."""
