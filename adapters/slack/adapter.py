"""Slack: one slash command (`/ops task add ...`), @mentions, Block Kit buttons; Socket Mode or
HTTP events with verified signatures."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.http import HttpServer
from adapters.slack.render import ACTION_PREFIX, messages
from adapters.slack.sender import SlackSender
from adapters.slack.signature import SignatureGate
from bot.context import Invocation
from bot.dispatcher import Dispatcher
from bot.reply import Reply, Tone

log = logging.getLogger(__name__)
PLATFORM = "slack"
EVENTS_PATH = "/slack/events"
_MENTION = re.compile(r"^\s*<@[A-Z0-9]+>\s*")
Respond = Callable[..., Awaitable[Any]]


def is_direct(channel_id: str, *, name: object = None, kind: object = None) -> bool:
    """Whether a conversation is a direct message (read by one person, not a channel): an id
    starting with D, the name Slack gives direct messages in slash commands and actions, or
    an event's channel type."""
    return channel_id.startswith("D") or name == "directmessage" or kind == "im"


def command_key(body: dict[str, Any]) -> str | None:
    """What makes a slash command request unique (None: nothing to tell a replay by)."""
    trigger = body.get("trigger_id")
    return f"{body.get('team_id') or ''}:command:{trigger}" if trigger else None


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
    """A slack-bolt AsyncApp that feeds the dispatcher."""

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
        self._socket: AsyncSocketModeHandler | None = None
        self._register()
        if app_token is None and http is not None:
            http.add_post(EVENTS_PATH, self._on_http)

    def _register(self) -> None:
        app = self.app

        @app.command(self.command)
        async def on_command(ack: Respond, body: dict[str, Any], respond: Respond) -> None:
            await ack()
            if not await self._first_time(command_key(body)):
                return  # a replayed request: acknowledged, run once
            text = str(body.get("text") or "").strip() or "help"
            user_id = str(body.get("user_id", ""))
            name = await self._display_name(user_id, str(body.get("user_name") or user_id), text)
            channel_id = str(body.get("channel_id", ""))
            invocation = Invocation(
                platform=PLATFORM,
                workspace=str(body.get("team_id", "")),
                chat_id=channel_id,
                user_id=user_id,
                user_name=name,
                text=text,
                chat_title=body.get("channel_name"),
                private_chat=is_direct(channel_id, name=body.get("channel_name")),
                text_shown=False,  # Slack never shows a slash command's text to the channel
            )
            reply = await self.dispatcher.dispatch(invocation)
            await self._respond(respond, reply, ephemeral=reply.private)

        @app.event("app_mention")
        async def on_mention(body: dict[str, Any], event: dict[str, Any]) -> None:
            team = str(body.get("team_id") or event.get("team") or "")
            event_id = str(body.get("event_id") or "")
            if event_id and not await self.dispatcher.accept_once(PLATFORM, f"{team}:{event_id}"):
                return
            user_id = str(event.get("user", ""))
            channel = str(event.get("channel", ""))
            text = _MENTION.sub("", str(event.get("text", ""))).strip() or "help"
            invocation = Invocation(
                platform=PLATFORM,
                workspace=team,
                chat_id=channel,
                user_id=user_id,
                user_name=await self._display_name(user_id, user_id, text),
                text=text,
                chat_title=None,
                private_chat=is_direct(channel, kind=event.get("channel_type")),
            )
            reply = await self.dispatcher.dispatch(invocation)
            await self._post(channel, reply, ephemeral_to=user_id if reply.private else None)

        @app.action(re.compile(rf"^{re.escape(ACTION_PREFIX)}\d+$"))
        async def on_action(
            ack: Respond, body: dict[str, Any], action: dict[str, Any], respond: Respond
        ) -> None:
            await ack()
            if not await self._first_time(action_key(body, action)):
                return  # a replayed request: acknowledged, run once
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
            reply = await self.dispatcher.dispatch(invocation)
            await self._respond(respond, reply, ephemeral=reply.tone == Tone.ERROR or reply.private)

    async def start(self) -> None:
        """Check the token (auth.test) and, in Socket Mode, connect."""
        await self.client.auth_test()
        if self.app_token is not None:
            self._socket = AsyncSocketModeHandler(self.app, self.app_token)
            await self._socket.connect_async()  # type: ignore[no-untyped-call]

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
            self._socket = None

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

    async def _first_time(self, key: str | None) -> bool:
        """False for a request already accepted, by this replica or another."""
        if key is None:
            return True
        if len(key) > 128:
            key = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
        return await self.dispatcher.accept_once(PLATFORM, key)

    async def _display_name(self, user_id: str, fallback: str, text: str) -> str:
        """The person's real name, looked up only when it will be stored (join/start)."""
        if not text.lower().startswith(("join", "start")):
            return fallback
        try:
            info = await self.client.users_info(user=user_id)
        except SlackApiError:
            return fallback
        user = info.get("user") or {}
        profile = user.get("profile") or {}
        return str(user.get("real_name") or profile.get("real_name") or fallback)

    @staticmethod
    async def _respond(respond: Respond, reply: Reply, *, ephemeral: bool) -> None:
        for text, blocks in messages(reply):
            await respond(
                text=text,
                blocks=blocks or None,
                response_type="ephemeral" if ephemeral else "in_channel",
                replace_original=False,
            )

    async def _post(self, channel: str, reply: Reply, *, ephemeral_to: str | None) -> None:
        for text, blocks in messages(reply):
            if ephemeral_to:
                await self.client.chat_postEphemeral(
                    channel=channel, user=ephemeral_to, text=text, blocks=blocks or None
                )
            else:
                await self.client.chat_postMessage(
                    channel=channel, text=text, blocks=blocks or None
                )
