"""A fake Telegram Bot API server for end-to-end tests and benchmarks.

:class:`FakeTelegram` is an aiohttp web server on 127.0.0.1 (random free port) that speaks
the Bot API over HTTP, so the real python-telegram-bot library can be pointed at it with
``base_url=tg.base_url``.  Every call is validated against the official API description
(:mod:`adapters.sandbox.fakes.telegram_spec`); violations are answered with ``400 Bad Request`` like
Telegram would and recorded in :attr:`FakeTelegram.violations`.

Example::

    async with FakeTelegram(token="123:ABC") as tg:
        bot = telegram.Bot("123:ABC", base_url=tg.base_url, base_file_url=tg.base_file_url)
        tg.push_command(chat_id=-1001, user_id=42, text="/task add X", chat_type="group")
        ...
        await tg.wait_for_messages(1, chat_id=-1001)
        tg.assert_no_violations()
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import math
import random
import socket
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Any, Final, TypeVar

import aiohttp
from aiohttp import web

from adapters.sandbox.fakes.telegram_spec import (
    BotApiSpec,
    FormattedText,
    UploadedFile,
    load_spec,
    parse_formatted,
    utf16_len,
)

__all__ = [
    "FAULT_KINDS",
    "Call",
    "FakeTelegram",
    "Fault",
    "RateLimits",
    "SentMessage",
]

FAULT_KINDS: Final = ("retry_after", "server_error", "slow", "chat_not_found", "blocked", "kicked")
SUPERGROUP_ID_BASE: Final = -1_000_000_000_000
_COMMAND_CHARS: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_NGINX_502: Final = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)

JSONDict = dict[str, Any]
T = TypeVar("T")


# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------


@dataclass
class Call:
    """One HTTP request to ``/bot<token>/<method>``."""

    method: str  # canonical API name when known ("sendMessage"), else as requested
    params: dict[str, Any]  # decoded: ints, bools, dicts for JSON objects, UploadedFile
    time: float  # FakeTelegram clock when the request arrived
    http_method: str = "POST"
    status: int = 0  # HTTP status answered (0: in progress, 499: client disconnected)
    response: dict[str, Any] | None = None  # JSON answered (None for non-JSON bodies)
    raw_params: dict[str, Any] = field(default_factory=dict, repr=False)
    violations: list[str] = field(default_factory=list)
    fault: str | None = None  # injected fault kind, if any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def result(self) -> Any:
        return None if self.response is None else self.response.get("result")

    @property
    def description(self) -> str | None:
        return None if self.response is None else self.response.get("description")


@dataclass
class SentMessage:
    """A message the bot sent successfully (sendMessage / sendDocument / sendPhoto)."""

    method: str
    chat_id: int
    message_id: int
    text: str | None  # text (or caption) exactly as sent, markup included
    parse_mode: str | None
    reply_markup: dict[str, Any] | None  # decoded reply_markup as sent
    plain_text: str | None  # what the user sees (markup parsed away)
    entities: list[dict[str, Any]]
    params: dict[str, Any] = field(repr=False)
    time: float = 0.0
    file: UploadedFile | None = None
    file_id: str | None = None
    message: dict[str, Any] = field(default_factory=dict, repr=False)  # current Message
    edits: list[dict[str, Any]] = field(default_factory=list, repr=False)
    deleted: bool = False

    @property
    def current_text(self) -> str | None:
        """Visible text/caption after any edits."""
        value = self.message.get("text", self.message.get("caption"))
        return value if isinstance(value, str) else None

    @property
    def current_reply_markup(self) -> dict[str, Any] | None:
        """Inline keyboard after any edits (None if removed)."""
        value = self.message.get("reply_markup")
        return value if isinstance(value, dict) else None

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """Flat list of the current inline keyboard buttons."""
        markup = self.current_reply_markup or {}
        return [b for row in markup.get("inline_keyboard", []) for b in row]


@dataclass
class Fault:
    """A fault to inject (see :meth:`FakeTelegram.inject_fault`)."""

    kind: str
    method: str | None = "sendMessage"  # None: any method
    chat_id: int | str | None = None  # None: any chat
    times: int | None = 1  # None: forever
    retry_after: int = 1
    delay: float = 1.0
    status: int = 500
    hits: int = 0

    @property
    def active(self) -> bool:
        return self.times is None or self.hits < self.times

    def matches(self, method: str, chat_id: Any) -> bool:
        if not self.active:
            return False
        if self.method is not None and self.method.lower() != method.lower():
            return False
        return self.chat_id is None or self.chat_id == chat_id


@dataclass(frozen=True)
class RateLimits:
    """Telegram's (documented, approximate) flood limits."""

    global_per_second: int = 30
    per_chat_per_second: float = 1.0
    per_chat_burst: int = 3
    group_per_minute: int = 20


class _RateLimiter:
    def __init__(self, limits: RateLimits) -> None:
        self.limits = limits
        self._global: deque[float] = deque()
        self._chat: dict[int | str, tuple[float, float]] = {}
        self._group: dict[int | str, deque[float]] = {}

    def acquire(self, key: int | str | None, is_group: bool, now: float) -> int | None:
        """Consume one message; return None if allowed, else retry_after seconds."""
        lim = self.limits
        waits: list[float] = []
        glob = self._global
        while glob and glob[0] <= now - 1.0:
            glob.popleft()
        if len(glob) >= lim.global_per_second:
            waits.append(glob[0] + 1.0 - now)
        tokens = 0.0
        group: deque[float] | None = None
        if key is not None:
            tokens, last = self._chat.get(key, (float(lim.per_chat_burst), now))
            tokens = min(float(lim.per_chat_burst), tokens + (now - last) * lim.per_chat_per_second)
            if tokens < 1.0:
                waits.append((1.0 - tokens) / lim.per_chat_per_second)
            if is_group:
                group = self._group.setdefault(key, deque())
                while group and group[0] <= now - 60.0:
                    group.popleft()
                if len(group) >= lim.group_per_minute:
                    waits.append(group[0] + 60.0 - now)
        if waits:
            return max(1, math.ceil(max(waits)))
        glob.append(now)
        if key is not None:
            self._chat[key] = (tokens - 1.0, now)
            if group is not None:
                group.append(now)
        return None


class _ApiError(Exception):
    def __init__(
        self, status: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


@dataclass
class _Reply:
    status: int
    payload: dict[str, Any] | None
    text: str | None = None
    delay: float = 0.0

    @classmethod
    def ok(cls, result: Any) -> _Reply:
        return cls(200, {"ok": True, "result": result})

    @classmethod
    def error(
        cls, status: int, description: str, parameters: dict[str, Any] | None = None
    ) -> _Reply:
        payload: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            payload["parameters"] = parameters
        return cls(status, payload)


Handler = Callable[[dict[str, Any]], Awaitable[Any]]


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------


class FakeTelegram:
    """Fake Telegram Bot API server; use as ``async with FakeTelegram(...) as tg``.

    Serves ``/bot<token>/<method>`` (GET or POST; JSON, form or multipart bodies) and
    ``/file/bot<token>/<file_path>``.  Methods: getMe, getUpdates (long polling), setWebhook,
    deleteWebhook, getWebhookInfo, setMyCommands, getMyCommands, deleteMyCommands,
    sendMessage, sendDocument, sendPhoto, editMessageText, editMessageCaption,
    editMessageReplyMarkup, deleteMessage, answerCallbackQuery, sendChatAction, getChat,
    getFile.  Other methods of the API answer 400 and are recorded as violations.

    Like Telegram, the bot cannot write first to a person: a user's private chat (a positive
    chat id) exists once that user sent something there (a pushed update) or the test called
    :meth:`add_chat`; before that every call to it answers 403 "Forbidden: bot can't
    initiate conversation with a user".  Group chats are made on first use.

    Inspection: ``calls`` (every request, as :class:`Call`), ``violations`` (API description
    violations, each answered 400), ``errors`` (other non-2xx answers such as "message is
    not modified" or a wrong token), ``sent_messages()``, ``commands``,
    ``callback_answers``, ``count_429``, ``pending_updates``, ``webhook_deliveries``.

    ``clock`` (default :func:`time.monotonic`) drives rate limiting and ``Call.time``; pass
    a manual clock to test limits without sleeping.  Message ``date`` fields use wall time.
    """

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        *,
        bot_username: str = "JointOpsBot",
        bot_first_name: str = "JointOps",
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] | None = None,
        spec: BotApiSpec | None = None,
        enforce_rate_limits: bool = False,
        rate_limits: RateLimits | None = None,
    ) -> None:
        self.token = token
        self.spec = spec if spec is not None else load_spec()
        self.host = host
        self.port = port
        self._clock: Callable[[], float] = clock if clock is not None else time.monotonic
        head = token.split(":", 1)[0]
        self.bot_id = int(head) if head.isdigit() else 1
        self.bot_user: JSONDict = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        # Records
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.errors: list[str] = []  # non-2xx answers that are neither violations nor faults
        self.commands: list[JSONDict] = []  # setMyCommands, default scope and language
        self.commands_by_scope: dict[tuple[str, str], list[JSONDict]] = {}
        self.callback_answers: dict[str, JSONDict] = {}
        self.webhook_deliveries: list[tuple[JSONDict, int]] = []
        self.allowed_updates: list[str] | None = None  # as last set by getUpdates/setWebhook
        self.dropped_updates: list[JSONDict] = []  # pushed but filtered by allowed_updates
        self.files: dict[str, UploadedFile] = {}
        # Rate limiting
        self.enforce_rate_limits = enforce_rate_limits
        self.rate_limits = rate_limits if rate_limits is not None else RateLimits()
        self.rate_limited_methods: set[str] = {
            m for m in self.spec.methods if m.startswith("send") and m != "sendChatAction"
        }
        self.count_429 = 0
        self._limiter: _RateLimiter | None = None
        # Faults
        self._faults: list[Fault] = []
        self._random_rate = 0.0
        self._random: random.Random = random.Random(0)
        self._random_template = Fault(kind="retry_after")
        self._random_kinds: tuple[str, ...] = ("retry_after", "server_error")
        self._random_methods: set[str] = set(self.rate_limited_methods)
        self._random_max_delay: float | None = None
        # Webhook
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self._webhook_info: JSONDict = {}
        self._session: aiohttp.ClientSession | None = None
        # State
        self._updates: list[JSONDict] = []
        self._last_update_id = 0
        self._poll_generation = 0
        self._chats: dict[int, JSONDict] = {}
        self._next_message_id: dict[int, int] = {}
        self._messages: dict[tuple[int, int], SentMessage] = {}
        self._user_messages: dict[tuple[int, int], JSONDict] = {}
        self._sent: list[SentMessage] = []
        self._callback_queries: dict[str, JSONDict] = {}
        self._next_callback_id = 4_200_000_000_000_000_000
        self._file_counter = 0
        self._changed = asyncio.Event()
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._handlers: dict[str, Handler] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "sendMessage": self._send_message,
            "sendDocument": self._send_document,
            "sendPhoto": self._send_photo,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "sendChatAction": self._send_chat_action,
            "getChat": self._get_chat,
            "getFile": self._get_file,
        }

    # ---- lifecycle ----------------------------------------------------------------------

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        """Start serving on ``host`` and a free port (or ``port`` if given)."""
        if self._runner is not None:
            raise RuntimeError("FakeTelegram is already running")
        self._closing = asyncio.Event()
        self._changed = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
        )
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        site = web.SockSite(runner, sock)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            sock.close()
            raise
        self.port = int(sock.getsockname()[1])
        self._runner = runner

    async def stop(self) -> None:
        """Answer pending long polls, stop the server and close the webhook client."""
        self._closing.set()
        self._notify()
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    @property
    def url(self) -> str:
        """Root URL of the server, e.g. ``http://127.0.0.1:40123``."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """Pass as python-telegram-bot ``base_url`` (PTB appends ``<token>/<method>``)."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """Pass as python-telegram-bot ``base_file_url``."""
        return f"{self.url}/file/bot"

    # ---- chats and updates pushed by tests ----------------------------------------------

    def add_chat(
        self,
        chat_id: int,
        chat_type: str | None = None,
        *,
        title: str | None = None,
        username: str | None = None,
        first_name: str | None = None,
    ) -> JSONDict:
        """Register (or update) a chat; returns the Chat object.  Registering a private chat
        opens it, as if the user had pressed Start."""
        chat = self._chats.get(chat_id)
        kind = chat_type or (chat["type"] if chat else _infer_chat_type(chat_id))
        if kind not in ("private", "group", "supergroup", "channel"):
            raise ValueError(f"invalid chat type {kind!r}")
        if chat is None or chat["type"] != kind:
            chat = {"id": chat_id, "type": kind}
            if kind == "private":
                chat["first_name"] = first_name or f"User {chat_id}"
            else:
                chat["title"] = title or f"Chat {chat_id}"
            self._chats[chat_id] = chat
        if title and kind != "private":
            chat["title"] = title
        if first_name and kind == "private":
            chat["first_name"] = first_name
        if username:
            chat["username"] = username
        return chat

    def push_update(self, update: Mapping[str, Any]) -> JSONDict:
        """Queue a raw Update (``update_id`` is assigned if missing); returns it.

        Raises ValueError if the update is not a valid Update object.
        """
        upd = copy.deepcopy(dict(update))
        if "update_id" not in upd:
            upd["update_id"] = self._last_update_id + 1
        if not isinstance(upd["update_id"], int) or upd["update_id"] <= self._last_update_id:
            raise ValueError(
                f"update_id must increase (last {self._last_update_id}, got {upd['update_id']!r})"
            )
        errors = self.spec.validate_value("Update", upd, "update")
        if errors:
            raise ValueError("invalid Update pushed: " + "; ".join(errors))
        self._last_update_id = upd["update_id"]
        self._register_update(upd)
        self._updates.append(upd)
        self._notify()
        return upd

    def push_command(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        *,
        chat_type: str | None = None,
        first_name: str = "Test",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        title: str | None = None,
    ) -> JSONDict:
        """Queue a Message update whose leading ``/command`` (or ``/cmd@bot``) is an entity."""
        if not text.startswith("/"):
            raise ValueError(f"a command must start with '/': {text!r}")
        end = 1
        while end < len(text) and text[end] in _COMMAND_CHARS:
            end += 1
        if end < len(text) and text[end] == "@":
            at = end + 1
            end = at
            while end < len(text) and text[end] in _COMMAND_CHARS:
                end += 1
            if end == at:
                end = at - 1
        if end == 1:
            raise ValueError(f"no command name after '/': {text!r}")
        entity = {"type": "bot_command", "offset": 0, "length": utf16_len(text[:end])}
        return self._push_message(
            chat_id,
            user_id,
            text,
            [entity],
            chat_type=chat_type,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
            title=title,
        )

    def push_text(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        *,
        chat_type: str | None = None,
        first_name: str = "Test",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        title: str | None = None,
        entities: list[JSONDict] | None = None,
        reply_to_message_id: int | None = None,
    ) -> JSONDict:
        """Queue a plain text Message update (no command entity unless given)."""
        return self._push_message(
            chat_id,
            user_id,
            text,
            entities or [],
            chat_type=chat_type,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
            title=title,
            reply_to_message_id=reply_to_message_id,
        )

    def push_callback(
        self,
        chat_id: int,
        user_id: int,
        message_id: int,
        data: str,
        *,
        first_name: str = "Test",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> JSONDict:
        """Queue a callback_query update for a button on a message the bot sent earlier."""
        sent = self._messages.get((chat_id, message_id))
        if sent is None or sent.deleted:
            raise ValueError(f"the bot has not sent message {message_id} to chat {chat_id}")
        self._next_callback_id += 1
        query = {
            "id": str(self._next_callback_id),
            "from": _user(user_id, first_name, last_name, username, language_code),
            "message": copy.deepcopy(sent.message),
            "chat_instance": str(abs(chat_id) * 1000 + 7),
            "data": data,
        }
        return self.push_update({"callback_query": query})

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates queued and not yet confirmed by getUpdates / delivered by webhook."""
        return list(self._updates)

    # ---- inspection ---------------------------------------------------------------------

    def sent_messages(self, chat_id: int | None = None) -> list[SentMessage]:
        """Messages the bot sent successfully, in order (optionally only to ``chat_id``)."""
        return [m for m in self._sent if chat_id is None or m.chat_id == chat_id]

    def get_message(self, chat_id: int, message_id: int) -> SentMessage:
        """A message the bot sent (current state, including edits)."""
        return self._messages[(chat_id, message_id)]

    def calls_to(self, method: str) -> list[Call]:
        """Recorded calls of one method (case-insensitive)."""
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def assert_no_violations(self) -> None:
        """Fail (AssertionError) if any call violated the Bot API description."""
        if self.violations:
            listing = "\n  ".join(self.violations)
            raise AssertionError(f"{len(self.violations)} Bot API violation(s):\n  {listing}")

    async def wait_for_messages(
        self,
        count: int,
        chat_id: int | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the documented API
    ) -> list[SentMessage]:
        """Wait until at least ``count`` messages were sent (to ``chat_id``); return them."""

        def ready() -> list[SentMessage] | None:
            msgs = self.sent_messages(chat_id)
            return msgs if len(msgs) >= count else None

        def describe() -> str:
            got = [m.plain_text for m in self.sent_messages(chat_id)]
            return (
                f"expected {count} message(s) (chat_id={chat_id}) within {timeout}s, "
                f"got {len(got)}: {got!r}; violations={self.violations!r}; "
                f"errors={self.errors!r}"
            )

        return await self._wait_until(ready, timeout, describe)

    async def wait_for_calls(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the documented API
    ) -> list[Call]:
        """Wait until ``count`` calls of ``method`` were answered; return them."""

        def ready() -> list[Call] | None:
            calls = [c for c in self.calls_to(method) if c.status]
            return calls if len(calls) >= count else None

        def describe() -> str:
            return f"expected {count} {method} call(s) within {timeout}s"

        return await self._wait_until(ready, timeout, describe)

    async def wait_until_consumed(
        self,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the documented API
    ) -> None:
        """Wait until every pushed update was confirmed by the bot (or delivered)."""

        def ready() -> bool | None:
            return True if not self._updates else None

        def describe() -> str:
            return f"{len(self._updates)} update(s) still pending after {timeout}s"

        await self._wait_until(ready, timeout, describe)

    # ---- faults -------------------------------------------------------------------------

    def inject_fault(
        self,
        method: str | None = "sendMessage",
        kind: str = "retry_after",
        *,
        retry_after: int = 1,
        times: int | None = 1,
        chat_id: int | str | None = None,
        delay: float = 1.0,
        status: int = 500,
    ) -> Fault:
        """Make the next ``times`` matching calls fail (``times=None``: until cleared).

        kinds: ``retry_after`` (429 with parameters.retry_after), ``server_error`` (``status``
        500, or 502 answered with nginx's HTML page), ``slow`` (answer after ``delay``
        seconds; the call still takes effect), ``chat_not_found`` (400), ``blocked`` (403
        bot was blocked by the user), ``kicked`` (403 bot was kicked from the group chat).
        ``method=None`` matches every method.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULT_KINDS}")
        fault = Fault(
            kind=kind,
            method=method,
            chat_id=chat_id,
            times=times,
            retry_after=retry_after,
            delay=delay,
            status=status,
        )
        self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        """Remove injected faults and disable random faults."""
        self._faults.clear()
        self._random_rate = 0.0

    def set_random_faults(
        self,
        rate: float,
        seed: int = 0,
        kinds: Iterable[str] = ("retry_after", "server_error"),
        *,
        methods: Iterable[str] | None = None,
        retry_after: int = 1,
        delay: float = 0.5,
        max_delay: float | None = None,
        status: int = 500,
    ) -> None:
        """Fault a seeded random fraction ``rate`` of send calls (``rate=0`` disables).

        A ``slow`` answer waits ``delay`` seconds, or a seeded random time between ``delay``
        and ``max_delay`` when that is given."""
        kinds = tuple(kinds)
        for kind in kinds:
            if kind not in FAULT_KINDS:
                raise ValueError(f"unknown fault kind {kind!r}")
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        self._random_rate = rate
        self._random = random.Random(seed)
        self._random_kinds = kinds or ("retry_after",)
        self._random_methods = (
            set(methods) if methods is not None else set(self.rate_limited_methods)
        )
        if max_delay is not None and max_delay < delay:
            raise ValueError("max_delay must not be less than delay")
        self._random_template = Fault(
            kind="retry_after", retry_after=retry_after, delay=delay, status=status
        )
        self._random_max_delay = max_delay

    # ---- webhook ------------------------------------------------------------------------

    async def deliver_webhook(
        self, update: Mapping[str, Any] | None = None, *, url: str | None = None
    ) -> int:
        """POST one update to the webhook set by the bot; return the HTTP status it answered.

        With ``update=None`` the oldest pending pushed update is delivered and, if the bot
        answered 2xx, removed from the queue.  Otherwise ``update`` is delivered as given
        (``update_id`` assigned if missing).  Sends ``X-Telegram-Bot-Api-Secret-Token`` when
        the webhook was set with a ``secret_token``.  ``url`` posts to another address than
        the one set (one replica of several behind what would be a load balancer).
        """
        if not self.webhook_url:
            raise RuntimeError("no webhook is set (the bot has not called setWebhook)")
        if update is None:
            self._drop_unwanted_updates()
            if not self._updates:
                raise LookupError("no pending update to deliver")
            payload = self._updates[0]
        else:
            payload = copy.deepcopy(dict(update))
            if "update_id" not in payload:
                payload["update_id"] = self._last_update_id + 1
            errors = self.spec.validate_value("Update", payload, "update")
            if errors:
                raise ValueError("invalid Update: " + "; ".join(errors))
            self._last_update_id = max(self._last_update_id, payload["update_id"])
            self._register_update(payload)
        headers = {"Content-Type": "application/json"}
        if self.webhook_secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook_secret
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        async with self._session.post(
            url or self.webhook_url, data=json.dumps(payload), headers=headers
        ) as resp:
            await resp.read()
            status = resp.status
            reason = resp.reason or ""
        self.webhook_deliveries.append((payload, status))
        if 200 <= status < 300:
            if update is None and self._updates and self._updates[0] is payload:
                self._updates.pop(0)
        else:
            self._webhook_info["last_error_date"] = int(time.time())
            self._webhook_info["last_error_message"] = (
                f"Wrong response from the webhook: {status} {reason}".strip()
            )
        self._notify()
        return status

    # ---- internals: waiting -------------------------------------------------------------

    #: called after every change (the sandbox's page follows the fake live); add with
    #: ``fake.listeners = (*fake.listeners, callback)``
    listeners: tuple[Callable[[], None], ...] = ()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()
        for listener in self.listeners:
            listener()

    async def _wait_changed(self, seconds: float) -> None:
        """Sleep until the next state change or for ``seconds``, whichever comes first."""
        event = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), seconds)

    async def _wait_until(
        self, predicate: Callable[[], T | None], seconds: float, describe: Callable[[], str]
    ) -> T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            result = predicate()
            if result is not None:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(describe())
            await self._wait_changed(remaining)

    # ---- internals: HTTP ----------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path.startswith("/file/bot"):
            return self._serve_file(path[len("/file/bot") :])
        received = self._clock()
        token, sep, method = path[len("/bot") :].partition("/")
        if not path.startswith("/bot") or not sep or not method or "/" in method:
            return self._respond(_Reply.error(404, "Not Found"))
        body_error: str | None = None
        try:
            raw = await self._read_params(request)
        except ValueError as exc:
            raw, body_error = {}, str(exc)
        call = Call(
            method=method,
            params=dict(raw),
            time=received,
            http_method=request.method,
            raw_params=raw,
        )
        self.calls.append(call)
        try:
            reply = await self._process(call, token, body_error)
        except asyncio.CancelledError:
            call.status = 499  # the client went away before the answer was ready
            raise
        call.status = reply.status
        call.response = reply.payload
        if reply.status == 429:
            self.count_429 += 1
        self._notify()
        if reply.delay > 0:
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._closing.wait(), reply.delay)
            except asyncio.CancelledError:
                # a slow call took effect, but the client stopped waiting for its answer
                call.status = 499
                raise
        return self._respond(reply)

    @staticmethod
    def _respond(reply: _Reply) -> web.StreamResponse:
        if reply.payload is None:
            return web.Response(
                status=reply.status, text=reply.text or "", content_type="text/html"
            )
        return web.Response(
            status=reply.status,
            text=json.dumps(reply.payload, ensure_ascii=False),
            content_type="application/json",
        )

    async def _read_params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        ctype = request.content_type
        if ctype == "application/json":
            body = await request.read()
            if body.strip():
                try:
                    data = json.loads(body)
                except ValueError as exc:
                    raise ValueError(f"can't parse JSON body: {exc}") from exc
                if not isinstance(data, dict):
                    raise ValueError("the JSON body must be an object")
                params.update(data)
        elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    params[key] = UploadedFile(
                        field_name=key,
                        filename=value.filename,
                        content_type=value.content_type,
                        data=value.file.read(),
                    )
                elif isinstance(value, bytes | bytearray):
                    params[key] = bytes(value).decode("utf-8", "replace")
                else:
                    params[key] = value
        return params

    async def _process(self, call: Call, token: str, body_error: str | None) -> _Reply:
        if token != self.token:
            self.errors.append(f"{call.method}: 401 Unauthorized (wrong token {token!r})")
            return _Reply.error(401, "Unauthorized")
        if body_error is not None:
            return self._violation(call, [f"{call.method}: {body_error}"])
        ms = self.spec.find_method(call.method)
        if ms is None:
            message = f"{call.method}: unknown method {call.method!r}"
            call.violations.append(message)
            self.violations.append(message)
            return _Reply.error(404, "Not Found")
        call.method = ms.name
        decoded, violations = self.spec.decode_call(ms.name, call.raw_params)
        call.params = decoded
        if violations:
            return self._violation(call, violations)
        handler = self._handlers.get(ms.name)
        if handler is None:
            return self._violation(
                call, [f"{ms.name}: method {ms.name} is not implemented by FakeTelegram"]
            )
        delay = 0.0
        fault = self._pick_fault(ms.name, decoded)
        if fault is not None:
            call.fault = fault.kind
            if fault.kind == "slow":
                delay = fault.delay
            else:
                return _fault_reply(fault)
        if self.enforce_rate_limits and ms.name in self.rate_limited_methods:
            retry = self._check_rate_limit(decoded.get("chat_id"))
            if retry is not None:
                return _Reply.error(
                    429, f"Too Many Requests: retry after {retry}", {"retry_after": retry}
                )
        try:
            result = await handler(decoded)
        except _ApiError as exc:
            self.errors.append(f"{ms.name}: {exc.status} {exc.description}")
            reply = _Reply.error(exc.status, exc.description, exc.parameters)
        else:
            reply = _Reply.ok(result)
        reply.delay = delay
        return reply

    def _violation(self, call: Call, violations: list[str]) -> _Reply:
        call.violations.extend(violations)
        self.violations.extend(violations)
        details = "; ".join(v.partition(": ")[2] or v for v in violations)
        return _Reply.error(400, f"Bad Request: {details}")

    def _pick_fault(self, method: str, params: Mapping[str, Any]) -> Fault | None:
        chat_id = params.get("chat_id")
        for fault in self._faults:
            if fault.matches(method, chat_id):
                fault.hits += 1
                return fault
        if (
            self._random_rate > 0
            and method in self._random_methods
            and self._random.random() < self._random_rate
        ):
            template = self._random_template
            kind = self._random.choice(self._random_kinds)
            delay = template.delay
            if kind == "slow" and self._random_max_delay is not None:
                delay = self._random.uniform(template.delay, self._random_max_delay)
            return Fault(
                kind=kind,
                method=method,
                retry_after=template.retry_after,
                delay=delay,
                status=template.status,
                hits=1,
            )
        return None

    def _check_rate_limit(self, chat_id: Any) -> int | None:
        if self._limiter is None or self._limiter.limits != self.rate_limits:
            self._limiter = _RateLimiter(self.rate_limits)
        key: int | str | None
        if isinstance(chat_id, int):
            key = chat_id
        elif isinstance(chat_id, str):
            found = self._find_chat_by_username(chat_id)
            key = found["id"] if found else chat_id
        else:
            key = None
        is_group = isinstance(key, int) and key < 0
        return self._limiter.acquire(key, is_group, self._clock())

    def _serve_file(self, rest: str) -> web.StreamResponse:
        token, _, file_path = rest.partition("/")
        if token != self.token:
            return web.Response(status=401, text="Unauthorized")
        file_id = file_path.rpartition("/")[2]
        upload = self.files.get(file_id)
        if upload is None:
            return web.Response(status=404, text="Not Found")
        return web.Response(
            body=upload.data, content_type=upload.content_type or "application/octet-stream"
        )

    # ---- internals: state ---------------------------------------------------------------

    def _drop_unwanted_updates(self) -> None:
        """Drop queued updates whose type the bot did not ask for (``allowed_updates``)."""
        allowed = set(self.allowed_updates or ())
        keep: list[JSONDict] = []
        for upd in self._updates:
            kind = next((k for k in upd if k != "update_id"), "")
            wanted = kind in allowed if allowed else kind not in _NOT_DELIVERED_BY_DEFAULT
            (keep if wanted else self.dropped_updates).append(upd)
        if len(keep) != len(self._updates):
            self._updates = keep
            self._notify()

    def _register_update(self, upd: Mapping[str, Any]) -> None:
        for key in ("message", "edited_message", "channel_post", "edited_channel_post"):
            msg = upd.get(key)
            if isinstance(msg, dict):
                chat = msg.get("chat")
                if isinstance(chat, dict) and isinstance(chat.get("id"), int):
                    self._chats.setdefault(chat["id"], copy.deepcopy(chat))
                    self._user_messages[(chat["id"], msg["message_id"])] = msg
                    self._next_message_id[chat["id"]] = max(
                        self._next_message_id.get(chat["id"], 1), msg["message_id"] + 1
                    )
        query = upd.get("callback_query")
        if isinstance(query, dict) and isinstance(query.get("id"), str):
            self._callback_queries[query["id"]] = query

    def _push_message(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        entities: list[JSONDict],
        *,
        chat_type: str | None,
        first_name: str,
        last_name: str | None,
        username: str | None,
        language_code: str | None,
        title: str | None,
        reply_to_message_id: int | None = None,
    ) -> JSONDict:
        kind = chat_type or (
            self._chats[chat_id]["type"] if chat_id in self._chats else _infer_chat_type(chat_id)
        )
        if kind == "private":
            chat = self.add_chat(chat_id, "private", first_name=first_name, username=username)
        else:
            chat = self.add_chat(chat_id, kind, title=title)
        message: JSONDict = {
            "message_id": self._take_message_id(chat_id),
            "date": int(time.time()),
            "chat": copy.deepcopy(chat),
            "from": _user(user_id, first_name, last_name, username, language_code),
            "text": text,
        }
        if entities:
            message["entities"] = entities
        if reply_to_message_id is not None:
            target = self._find_any_message(chat_id, reply_to_message_id)
            if target is None:
                raise ValueError(f"message {reply_to_message_id} not found in chat {chat_id}")
            message["reply_to_message"] = _without_reply(target)
        return self.push_update({"message": message})

    def _take_message_id(self, chat_id: int) -> int:
        mid = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = mid + 1
        return mid

    def _find_chat_by_username(self, name: str) -> JSONDict | None:
        wanted = name.lstrip("@").lower()
        for chat in self._chats.values():
            if str(chat.get("username", "")).lower() == wanted:
                return chat
        return None

    def _resolve_chat(self, chat_id: Any) -> JSONDict:
        if isinstance(chat_id, int):
            chat = self._chats.get(chat_id)
            if chat is not None:
                return chat
            if chat_id > 0:  # a user's private chat exists once they wrote to the bot
                raise _ApiError(403, _CANT_INITIATE)
            return self.add_chat(chat_id)
        if isinstance(chat_id, str):
            found = self._find_chat_by_username(chat_id)
            if found is not None:
                return found
        raise _ApiError(400, "Bad Request: chat not found")

    def _find_any_message(self, chat_id: int, message_id: int) -> JSONDict | None:
        sent = self._messages.get((chat_id, message_id))
        if sent is not None and not sent.deleted:
            return sent.message
        return self._user_messages.get((chat_id, message_id))

    def _new_bot_message(self, chat: JSONDict, params: Mapping[str, Any]) -> JSONDict:
        reply_to: JSONDict | None = None
        rp = params.get("reply_parameters")
        if isinstance(rp, dict) and isinstance(rp.get("message_id"), int):
            target_chat = rp.get("chat_id", chat["id"])
            target_id = self._resolve_chat(target_chat)["id"]
            reply_to = self._find_any_message(target_id, rp["message_id"])
            if reply_to is None and not rp.get("allow_sending_without_reply"):
                raise _ApiError(400, "Bad Request: message to be replied not found")
        message: JSONDict = {
            "message_id": self._take_message_id(chat["id"]),
            "date": int(time.time()),
            "chat": copy.deepcopy(chat),
            "from": dict(self.bot_user),
        }
        if isinstance(params.get("message_thread_id"), int):
            message["message_thread_id"] = params["message_thread_id"]
        if reply_to is not None:
            message["reply_to_message"] = _without_reply(reply_to)
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = copy.deepcopy(markup)
        return message

    def _record_sent(
        self,
        method: str,
        message: JSONDict,
        params: dict[str, Any],
        *,
        text: str | None,
        parse_mode: str | None,
        formatted: FormattedText | None,
        upload: UploadedFile | None = None,
        file_id: str | None = None,
    ) -> JSONDict:
        markup = params.get("reply_markup")
        sent = SentMessage(
            method=method,
            chat_id=message["chat"]["id"],
            message_id=message["message_id"],
            text=text,
            parse_mode=parse_mode,
            reply_markup=markup if isinstance(markup, dict) else None,
            plain_text=formatted.text if formatted else None,
            entities=list(formatted.entities) if formatted else [],
            params=params,
            time=self._clock(),
            file=upload,
            file_id=file_id,
            message=message,
        )
        self._messages[(sent.chat_id, sent.message_id)] = sent
        self._sent.append(sent)
        return copy.deepcopy(message)

    def _store_file(self, upload: UploadedFile | str, kind: str) -> JSONDict:
        """File metadata for an upload or an already known file_id / URL."""
        if isinstance(upload, str) and upload in self.files:
            upload_obj: UploadedFile | None = self.files[upload]
            file_id = upload
        elif isinstance(upload, UploadedFile):
            self._file_counter += 1
            file_id = f"FAKE{kind.upper()}{self._file_counter:06d}"
            self.files[file_id] = upload
            upload_obj = upload
        else:
            self._file_counter += 1
            file_id = (
                upload
                if not upload.startswith(("http://", "https://"))
                else (f"FAKEURL{self._file_counter:06d}")
            )
            upload_obj = None
        meta: JSONDict = {"file_id": file_id, "file_unique_id": f"U{file_id[-12:]}"}
        if upload_obj is not None:
            meta["file_size"] = upload_obj.size
            if kind == "document":
                if upload_obj.filename:
                    meta["file_name"] = upload_obj.filename
                if upload_obj.content_type:
                    meta["mime_type"] = upload_obj.content_type
        return meta

    def _caption(self, message: JSONDict, params: Mapping[str, Any]) -> FormattedText | None:
        caption = params.get("caption")
        if not isinstance(caption, str):
            return None
        formatted = parse_formatted(
            caption, params.get("parse_mode"), params.get("caption_entities")
        )
        if formatted.text:
            message["caption"] = formatted.text
        if formatted.entities:
            message["caption_entities"] = formatted.entities
        return formatted

    def _stored_for_edit(self, params: Mapping[str, Any]) -> SentMessage:
        chat = self._resolve_chat(params.get("chat_id"))
        sent = self._messages.get((chat["id"], params.get("message_id", 0)))
        if sent is None or sent.deleted:
            raise _ApiError(400, "Bad Request: message to edit not found")
        return sent

    # ---- method handlers ----------------------------------------------------------------

    async def _get_me(self, params: dict[str, Any]) -> Any:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: dict[str, Any]) -> Any:
        if self.webhook_url:
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.get("offset")
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        if isinstance(params.get("allowed_updates"), list):
            self.allowed_updates = list(params["allowed_updates"])
        if isinstance(offset, int) and offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif isinstance(offset, int) and offset < 0:
            self._updates = self._updates[offset:]
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()  # an older pending poll is terminated with 409
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                raise _ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            self._drop_unwanted_updates()
            if self._updates or self._closing.is_set():
                break
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            await self._wait_changed(remaining)
        return copy.deepcopy(self._updates[:limit])

    async def _set_webhook(self, params: dict[str, Any]) -> Any:
        url = params.get("url") or ""
        if params.get("drop_pending_updates"):
            self._updates.clear()
        if not url:
            return await self._delete_webhook({})
        self.webhook_url = url
        self.webhook_secret = params.get("secret_token")
        self._webhook_info = {}
        if "max_connections" in params:
            self._webhook_info["max_connections"] = params["max_connections"]
        if isinstance(params.get("allowed_updates"), list):
            self.allowed_updates = list(params["allowed_updates"])
        self._notify()
        return True

    async def _delete_webhook(self, params: dict[str, Any]) -> Any:
        self.webhook_url = None
        self.webhook_secret = None
        self._webhook_info = {}
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self._notify()
        return True

    async def _get_webhook_info(self, params: dict[str, Any]) -> Any:
        info: JSONDict = {
            "url": self.webhook_url or "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook_url:
            info.update(self._webhook_info)
            if self.allowed_updates is not None:
                info["allowed_updates"] = list(self.allowed_updates)
        return info

    @staticmethod
    def _scope_key(params: Mapping[str, Any]) -> tuple[str, str]:
        scope = params.get("scope")
        if not isinstance(scope, dict) or scope.get("type") == "default":
            key = "default"
        else:
            key = json.dumps(scope, sort_keys=True)
        return key, str(params.get("language_code") or "")

    async def _set_my_commands(self, params: dict[str, Any]) -> Any:
        commands = [dict(c) for c in params["commands"]]
        key = self._scope_key(params)
        self.commands_by_scope[key] = commands
        if key == ("default", ""):
            self.commands = commands
        return True

    async def _get_my_commands(self, params: dict[str, Any]) -> Any:
        return copy.deepcopy(self.commands_by_scope.get(self._scope_key(params), []))

    async def _delete_my_commands(self, params: dict[str, Any]) -> Any:
        key = self._scope_key(params)
        self.commands_by_scope.pop(key, None)
        if key == ("default", ""):
            self.commands = []
        return True

    async def _send_message(self, params: dict[str, Any]) -> Any:
        chat = self._resolve_chat(params["chat_id"])
        formatted = parse_formatted(
            params["text"], params.get("parse_mode"), params.get("entities")
        )
        message = self._new_bot_message(chat, params)
        message["text"] = formatted.text
        if formatted.entities:
            message["entities"] = formatted.entities
        return self._record_sent(
            "sendMessage",
            message,
            params,
            text=params["text"],
            parse_mode=params.get("parse_mode"),
            formatted=formatted,
        )

    async def _send_document(self, params: dict[str, Any]) -> Any:
        chat = self._resolve_chat(params["chat_id"])
        message = self._new_bot_message(chat, params)
        meta = self._store_file(params["document"], "document")
        message["document"] = meta
        formatted = self._caption(message, params)
        upload = params["document"] if isinstance(params["document"], UploadedFile) else None
        return self._record_sent(
            "sendDocument",
            message,
            params,
            text=params.get("caption"),
            parse_mode=params.get("parse_mode"),
            formatted=formatted,
            upload=upload,
            file_id=meta["file_id"],
        )

    async def _send_photo(self, params: dict[str, Any]) -> Any:
        chat = self._resolve_chat(params["chat_id"])
        message = self._new_bot_message(chat, params)
        meta = self._store_file(params["photo"], "photo")
        small = {**meta, "file_unique_id": meta["file_unique_id"] + "s", "width": 90, "height": 60}
        small["file_id"] = meta["file_id"] + "_s"
        message["photo"] = [small, {**meta, "width": 1280, "height": 853}]
        formatted = self._caption(message, params)
        upload = params["photo"] if isinstance(params["photo"], UploadedFile) else None
        return self._record_sent(
            "sendPhoto",
            message,
            params,
            text=params.get("caption"),
            parse_mode=params.get("parse_mode"),
            formatted=formatted,
            upload=upload,
            file_id=meta["file_id"],
        )

    async def _edit_message_text(self, params: dict[str, Any]) -> Any:
        if params.get("inline_message_id"):
            return True
        sent = self._stored_for_edit(params)
        message = sent.message
        if "text" not in message:
            raise _ApiError(400, "Bad Request: there is no text in the message to edit")
        text = params.get("text")
        if not isinstance(text, str):
            raise _ApiError(400, "Bad Request: rich messages are not supported by FakeTelegram")
        formatted = parse_formatted(text, params.get("parse_mode"), params.get("entities"))
        markup = params.get("reply_markup")
        new_markup = markup if isinstance(markup, dict) and "inline_keyboard" in markup else None
        self._apply_edit(sent, params, "text", "entities", formatted, new_markup)
        return copy.deepcopy(message)

    async def _edit_message_caption(self, params: dict[str, Any]) -> Any:
        if params.get("inline_message_id"):
            return True
        sent = self._stored_for_edit(params)
        if "text" in sent.message:
            raise _ApiError(400, "Bad Request: there is no caption in the message to edit")
        formatted = parse_formatted(
            params.get("caption") or "", params.get("parse_mode"), params.get("caption_entities")
        )
        markup = params.get("reply_markup")
        new_markup = markup if isinstance(markup, dict) and "inline_keyboard" in markup else None
        self._apply_edit(sent, params, "caption", "caption_entities", formatted, new_markup)
        return copy.deepcopy(sent.message)

    async def _edit_message_reply_markup(self, params: dict[str, Any]) -> Any:
        if params.get("inline_message_id"):
            return True
        sent = self._stored_for_edit(params)
        message = sent.message
        markup = params.get("reply_markup")
        new_markup = markup if isinstance(markup, dict) and markup.get("inline_keyboard") else None
        if new_markup == message.get("reply_markup"):
            raise _ApiError(400, _NOT_MODIFIED)
        if new_markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = copy.deepcopy(new_markup)
        message["edit_date"] = int(time.time())
        sent.edits.append(params)
        return copy.deepcopy(message)

    def _apply_edit(
        self,
        sent: SentMessage,
        params: dict[str, Any],
        text_key: str,
        entities_key: str,
        formatted: FormattedText,
        new_markup: JSONDict | None,
    ) -> None:
        message = sent.message
        if (
            formatted.text == message.get(text_key, "")
            and formatted.entities == message.get(entities_key, [])
            and new_markup == message.get("reply_markup")
        ):
            raise _ApiError(400, _NOT_MODIFIED)
        for key, value in ((text_key, formatted.text), (entities_key, formatted.entities)):
            if value:
                message[key] = value
            else:
                message.pop(key, None)
        if new_markup is None:
            message.pop("reply_markup", None)  # editing without reply_markup removes it
        else:
            message["reply_markup"] = copy.deepcopy(new_markup)
        message["edit_date"] = int(time.time())
        sent.edits.append(params)

    async def _delete_message(self, params: dict[str, Any]) -> Any:
        chat = self._resolve_chat(params["chat_id"])
        key = (chat["id"], params["message_id"])
        sent = self._messages.get(key)
        if sent is not None and not sent.deleted:
            sent.deleted = True
            return True
        if self._user_messages.pop(key, None) is not None:
            return True
        raise _ApiError(400, "Bad Request: message to delete not found")

    async def _answer_callback_query(self, params: dict[str, Any]) -> Any:
        query_id = params["callback_query_id"]
        if query_id not in self._callback_queries or query_id in self.callback_answers:
            raise _ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self.callback_answers[query_id] = params
        return True

    async def _send_chat_action(self, params: dict[str, Any]) -> Any:
        self._resolve_chat(params["chat_id"])
        return True

    async def _get_chat(self, params: dict[str, Any]) -> Any:
        chat = self._resolve_chat(params["chat_id"])
        return {
            **copy.deepcopy(chat),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def _get_file(self, params: dict[str, Any]) -> Any:
        file_id = params["file_id"]
        upload = self.files.get(file_id)
        if upload is None:
            raise _ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": f"U{file_id[-12:]}",
            "file_size": upload.size,
            "file_path": f"files/{file_id}",
        }


_NOT_DELIVERED_BY_DEFAULT: Final = frozenset(
    {"chat_member", "message_reaction", "message_reaction_count"}
)
_CANT_INITIATE: Final = "Forbidden: bot can't initiate conversation with a user"
_NOT_MODIFIED: Final = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


def _infer_chat_type(chat_id: int) -> str:
    if chat_id > 0:
        return "private"
    return "supergroup" if chat_id <= SUPERGROUP_ID_BASE else "group"


def _user(
    user_id: int,
    first_name: str,
    last_name: str | None,
    username: str | None,
    language_code: str | None,
) -> JSONDict:
    user: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name}
    if last_name:
        user["last_name"] = last_name
    if username:
        user["username"] = username
    if language_code:
        user["language_code"] = language_code
    return user


def _without_reply(message: Mapping[str, Any]) -> JSONDict:
    copied = copy.deepcopy(dict(message))
    copied.pop("reply_to_message", None)
    return copied


def _fault_reply(fault: Fault) -> _Reply:
    kind = fault.kind
    if kind == "retry_after":
        return _Reply.error(
            429,
            f"Too Many Requests: retry after {fault.retry_after}",
            {"retry_after": fault.retry_after},
        )
    if kind == "server_error":
        if fault.status == 502:
            return _Reply(502, None, text=_NGINX_502)
        try:
            phrase = HTTPStatus(fault.status).phrase
        except ValueError:
            phrase = "Internal Server Error"
        return _Reply.error(fault.status, phrase)
    if kind == "chat_not_found":
        return _Reply.error(400, "Bad Request: chat not found")
    if kind == "blocked":
        return _Reply.error(403, "Forbidden: bot was blocked by the user")
    if kind == "kicked":
        return _Reply.error(403, "Forbidden: bot was kicked from the group chat")
    raise ValueError(f"unknown fault kind {kind!r}")
