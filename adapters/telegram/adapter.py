"""Telegram: every registry command as /command, buttons as inline keyboards, polling or webhook.

Every update that carries a command is recorded in the inbox (bot.inbox) before Telegram is
told it arrived: the webhook answers 200, and the polling loop asks for the next offset, only
once the update is in the database. The command then runs in its chat's lane and is answered
from the record (`prepare`, `answer`), so a crash loses nothing Telegram was told we have.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import Sequence
from datetime import timedelta
from urllib.parse import urlsplit

from aiohttp import web
from telegram import BotCommand, CallbackQuery, Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, filters

from adapters.http import HttpServer
from adapters.telegram.private import PrivateChats
from adapters.telegram.render import CALLBACK_LIMIT
from adapters.telegram.sender import TelegramSender
from bot import bidi
from bot.context import Invocation
from bot.dispatcher import Dispatcher
from bot.i18n import LANGUAGES, Translator
from bot.inbox import GRACE_S, LEASE, Accepted, Entry, Inbox
from bot.reply import Reply, Tone

log = logging.getLogger(__name__)
PLATFORM = "telegram"
WORKSPACE = "telegram"  # Telegram has no workspaces: user and chat ids are global
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query"]
# the messages that are commands: any text in a private chat, a /command in a group
COMMANDS = filters.TEXT & (filters.COMMAND | filters.ChatType.PRIVATE)
POLL_PAUSE_MAX_S = 30.0  # polling that fails waits 1 s, then twice as long each time, up to this


def file_base_url(base_url: str) -> str:
    """python-telegram-bot's file URL beside a Bot API base URL ending in /bot."""
    if base_url.endswith("/bot"):
        return base_url[: -len("/bot")] + "/file/bot"
    return base_url.rstrip("/") + "/file/bot"


def _alert(reply: Reply, *, title_only: bool = False) -> str:
    """A reply as a button's alert text (at most 200 characters), marked right to left for a
    right-to-left reader (bot.bidi)."""
    shown = bidi.directed(reply)
    text = (shown.title if title_only else " ".join(shown.text_lines())) or "OK"
    return (bidi.mark(text) if reply.rtl else text)[:200]


def menu(dispatcher: Dispatcher, language: str) -> list[BotCommand]:
    """The Telegram command menu in `language`, from the registry (names and descriptions
    within limits)."""
    tr = Translator(language)
    commands = []
    for name in dispatcher.registry.names():
        group = dispatcher.registry.group(name)
        if len(group) == 1 and group[0].sub is None:
            description = tr.gettext(group[0].summary)
        else:
            description = ", ".join(c.sub or name for c in group)
        commands.append(BotCommand(name[:32], description[:256]))
    return commands[:100]


class TelegramAdapter:
    """Feeds Telegram updates, through the inbox, to the dispatcher; python-telegram-bot's Bot
    talks to the Bot API (its Application only builds it: the update loop is ours)."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        *,
        token: str,
        base_url: str,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        http: HttpServer | None = None,
        poll_timeout: int = 30,
        lease: timedelta = LEASE,
        grace: float = GRACE_S,
    ) -> None:
        if webhook_url and (not webhook_secret or http is None):
            raise ValueError("webhook mode needs a secret and the HTTP server")
        self.dispatcher = dispatcher
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret or ""
        self.http = http
        self.poll_timeout = poll_timeout
        self.application: Application = (  # type: ignore[type-arg]
            ApplicationBuilder()
            .token(token)
            .base_url(base_url)
            .base_file_url(file_base_url(base_url))
            .updater(None)
            .build()
        )
        self.bot = self.application.bot
        self.bot_key = token.partition(":")[0]  # the bot's id: update ids are per bot
        self.sender = TelegramSender(self.bot)
        self.private = PrivateChats(self.bot, self.sender, Translator(dispatcher.defaults.language))
        self.inbox = Inbox(dispatcher, PLATFORM, self, lease=lease, grace=grace)
        self.username = ""
        self._accepting = False
        self._offset: int | None = None  # polling: the next update id to ask for
        self._poller: asyncio.Task[None] | None = None
        if webhook_url and http is not None:
            http.add_post(urlsplit(webhook_url).path or "/telegram", self._on_webhook)

    async def start(self) -> None:
        """Log in (getMe), publish the command menu, take over the commands an earlier process
        left unanswered, then poll or register the webhook.

        In webhook mode the HTTP server should already listen (the route was added when the
        adapter was made), so that Telegram's first delivery finds it.
        """
        await self.application.initialize()
        self.username = (self.bot.username or "").lower()
        self.private.username = self.bot.username or ""
        # the menu for users whose Telegram is in none of the four languages, then each one's
        await self.bot.set_my_commands(menu(self.dispatcher, self.dispatcher.defaults.language))
        for language in LANGUAGES:
            await self.bot.set_my_commands(menu(self.dispatcher, language), language_code=language)
        await self.inbox.open()
        self._accepting = True
        if self.webhook_url:
            await self.bot.set_webhook(
                self.webhook_url, secret_token=self.webhook_secret, allowed_updates=ALLOWED_UPDATES
            )
        else:
            await self.bot.delete_webhook()
            self._poller = asyncio.create_task(self._poll())

    async def stop(self) -> None:
        """Take no more updates; the commands in flight get a moment to finish, the rest is
        handed back (to another replica, or the next start)."""
        self._accepting = False
        if self._poller is not None:
            self._poller.cancel()
            await asyncio.gather(self._poller, return_exceptions=True)
            self._poller = None
            await self._confirm()
        await self.inbox.close()
        await self.application.shutdown()

    def command_text(self, text: str) -> str | None:
        """`/task@Bot add x` -> `task add x`; None when addressed to another bot."""
        stripped = text.strip()
        if not stripped.startswith("/"):
            return stripped
        head, _, rest = stripped[1:].partition(" ")
        name, _, target = head.partition("@")
        if target and self.username and target.lower() != self.username:
            return None
        return f"{name} {rest}".strip()

    # ---- receiving: updates into the inbox ----------------------------------------------

    async def _poll(self) -> None:
        """Long polling: a batch is recorded in one transaction, and only then is the next
        offset asked for (which tells Telegram the batch arrived)."""
        pause = 0.0
        while True:
            try:
                updates = await self.bot.get_updates(
                    offset=self._offset,
                    timeout=self.poll_timeout,
                    allowed_updates=ALLOWED_UPDATES,
                )
                await self._take(updates)
            except Exception as error:  # Telegram or the database unreachable: try again
                pause = min(POLL_PAUSE_MAX_S, max(1.0, pause * 2))
                log.warning(
                    "telegram polling failed (%s); again in %.0f s", type(error).__name__, pause
                )
                await asyncio.sleep(pause)
                continue
            pause = 0.0
            if updates:
                self._offset = updates[-1].update_id + 1

    async def _take(self, updates: Sequence[Update]) -> None:
        """Record the commands among these updates, then start them in their chats' lanes."""
        items = [item for update in updates if (item := await self._read(update)) is not None]
        for entry in await self.inbox.accept(items):
            self.inbox.start(entry)

    async def _confirm(self) -> None:
        """Tell Telegram that the updates taken so far arrived (they are recorded), so that
        the next start is not handed them again."""
        if self._offset is None:
            return
        with contextlib.suppress(TelegramError, TimeoutError):
            async with asyncio.timeout(1):
                await self.bot.get_updates(
                    offset=self._offset, timeout=0, limit=1, allowed_updates=ALLOWED_UPDATES
                )

    async def _on_webhook(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.webhook_secret.encode()):
            self.dispatcher.metrics.refuse(PLATFORM, "secret")
            return web.Response(status=403, text="forbidden")
        body = await request.read()  # beyond the server's size limit: 413
        update = self._update(body)
        if update is None:
            self.dispatcher.metrics.refuse(PLATFORM, "malformed")
            return web.Response(status=400, text="bad update")
        if not self._accepting:  # stopping: Telegram delivers it again, elsewhere or later
            return web.Response(status=503, text="stopping")
        try:
            await self._take([update])
        except Exception as error:  # not recorded: Telegram must deliver it again
            log.warning("telegram update not recorded (%s); answered 503", type(error).__name__)
            return web.Response(status=503, text="unavailable")
        return web.Response(text="ok")

    def _update(self, body: bytes) -> Update | None:
        """The update a webhook body holds; None for anything that is not an update object."""
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):  # not JSON, not UTF-8, nested too deep
            return None
        update_id = data.get("update_id") if isinstance(data, dict) else None
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            return None
        try:
            return Update.de_json(data, self.bot)
        except Exception:  # python-telegram-bot raises many kinds on a malformed field
            return None

    async def _read(self, update: Update) -> Accepted | None:
        """The command an update carries, with where to answer it; None for anything else
        (a stale button is told so at once: nothing to run)."""
        key = f"{self.bot_key}:{update.update_id}"
        if update.callback_query is not None:
            return await self._read_button(key, update.callback_query)
        message, user, chat = update.effective_message, update.effective_user, update.effective_chat
        if not COMMANDS.check_update(update) or message is None or message.text is None:
            return None
        if user is None or chat is None or user.is_bot:
            return None
        text = self.command_text(message.text)
        if text is None:
            return None
        in_group = chat.type != chat.PRIVATE
        invocation = Invocation(
            platform=PLATFORM,
            workspace=WORKSPACE,
            chat_id=str(chat.id),
            user_id=str(user.id),
            user_name=user.full_name,
            text=text,
            chat_title=chat.title or user.full_name,
            private_chat=not in_group,
        )
        route = {
            "chat": chat.id,
            "user": user.id,
            "group": in_group,
            "reply_to": message.message_id if in_group else None,
        }
        return Accepted(key, invocation, route)

    async def _read_button(self, key: str, query: CallbackQuery) -> Accepted | None:
        chat = query.message.chat if query.message is not None else None
        data = query.data or ""
        if chat is None or not data or len(data.encode()) > CALLBACK_LIMIT:
            tr = Translator(self.dispatcher.defaults.language)
            await self._answer_button(
                query.id, tr.gettext("This button is no longer valid."), alert=True
            )
            return None
        user = query.from_user
        in_group = chat.type != chat.PRIVATE
        invocation = Invocation(
            platform=PLATFORM,
            workspace=WORKSPACE,
            chat_id=str(chat.id),
            user_id=str(user.id),
            user_name=user.full_name,
            text=data,
            chat_title=chat.title or user.full_name,
            private_chat=not in_group,
            via_button=True,
        )
        route = {"chat": chat.id, "user": user.id, "group": in_group, "query": query.id}
        return Accepted(key, invocation, route)

    # ---- answering: the inbox asks --------------------------------------------------------

    async def prepare(self, entry: Entry) -> Invocation | Reply:
        """A command typed in a group and answered in private does not run when the person
        has no private chat with the bot: a code made now could only be shown to the group."""
        route = entry.route
        if (
            route["group"]
            and self.dispatcher.answers_privately(entry.invocation.text)
            and not await self.private.is_open(route["user"])
        ):
            return self.private.ask_to_open()
        return entry.invocation

    async def answer(self, entry: Entry, reply: Reply, *, held: bool) -> None:
        """Answer in the chat (a group's private answers in the person's private chat); a
        button press also gets its short answer. Raises SendFailure."""
        route = entry.route
        chat, user, group = route["chat"], route["user"], route["group"]
        query = route.get("query")
        if query is None:
            if group and reply.private and not held:
                reply = await self.private.answer(user, reply)
            await self.sender.send(str(chat), reply, reply_to=route.get("reply_to"))
        elif held:
            await self._answer_button(query, _alert(reply), alert=True)
        elif reply.tone == Tone.ERROR:  # an alert is seen by the person who pressed alone
            await self._answer_button(query, _alert(reply, title_only=True), alert=True)
        elif group and reply.private:
            sent = await self.private.send(user, reply)
            told = self.private.answered() if sent else self.private.ask_to_open()
            await self._answer_button(query, _alert(told), alert=not sent)
        else:
            await self._answer_button(query, _alert(reply, title_only=True))
            await self.sender.send(str(chat), reply)

    async def _answer_button(self, query_id: str, text: str, *, alert: bool = False) -> None:
        """The short answer to a button press (an old press, answered after a restart, may
        no longer take one: the chat's answer still goes out)."""
        try:
            await self.bot.answer_callback_query(query_id, text=text, show_alert=alert)
        except TelegramError as error:
            log.info("telegram button press not answered: %s", error.message)
