"""Telegram: every registry command as /command, buttons as inline keyboards, polling or webhook."""

from __future__ import annotations

import hmac
import json
import logging
from urllib.parse import urlsplit

from aiohttp import web
from telegram import BotCommand, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from adapters.http import HttpServer
from adapters.telegram.private import PrivateChats
from adapters.telegram.render import CALLBACK_LIMIT
from adapters.telegram.sender import TelegramSender
from bot.context import Invocation
from bot.delivery import SendFailure
from bot.dispatcher import Dispatcher
from bot.i18n import Translator
from bot.reply import Reply, Tone

log = logging.getLogger(__name__)
PLATFORM = "telegram"
WORKSPACE = "telegram"  # Telegram has no workspaces: user and chat ids are global
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query"]


def file_base_url(base_url: str) -> str:
    """python-telegram-bot's file URL beside a Bot API base URL ending in /bot."""
    if base_url.endswith("/bot"):
        return base_url[: -len("/bot")] + "/file/bot"
    return base_url.rstrip("/") + "/file/bot"


def _alert(reply: Reply, *, title_only: bool = False) -> str:
    """A reply as a button's alert text (at most 200 characters)."""
    text = reply.title if title_only else " ".join(reply.text_lines())
    return (text or "OK")[:200]


def menu(dispatcher: Dispatcher) -> list[BotCommand]:
    """The Telegram command menu, from the registry (names and descriptions within limits)."""
    tr = Translator(dispatcher.defaults.language)
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
    """Runs a python-telegram-bot Application that feeds the dispatcher."""

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
    ) -> None:
        if webhook_url and (not webhook_secret or http is None):
            raise ValueError("webhook mode needs a secret and the HTTP server")
        self.dispatcher = dispatcher
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret or ""
        self.http = http
        self.poll_timeout = poll_timeout
        builder = (
            ApplicationBuilder()
            .token(token)
            .base_url(base_url)
            .base_file_url(file_base_url(base_url))
        )
        if webhook_url:
            builder = builder.updater(None)
        self.application: Application = builder.build()  # type: ignore[type-arg]
        self.application.add_handler(
            MessageHandler(
                filters.TEXT & (filters.COMMAND | filters.ChatType.PRIVATE), self._on_message
            )
        )
        self.application.add_handler(CallbackQueryHandler(self._on_callback))
        self.application.add_error_handler(self._on_error)
        self.sender = TelegramSender(self.application.bot)
        self.private = PrivateChats(
            self.application.bot, self.sender, Translator(dispatcher.defaults.language)
        )
        self.username = ""
        if webhook_url and http is not None:
            http.add_post(urlsplit(webhook_url).path or "/telegram", self._on_webhook)

    async def start(self) -> None:
        """Log in (getMe), publish the command menu, then poll or register the webhook.

        In webhook mode the HTTP server should already listen (the route was added when the
        adapter was made), so that Telegram's first delivery finds it.
        """
        app = self.application
        await app.initialize()
        self.username = (app.bot.username or "").lower()
        self.private.username = app.bot.username or ""
        await app.bot.set_my_commands(menu(self.dispatcher))
        await app.start()
        if self.webhook_url:
            await app.bot.set_webhook(
                self.webhook_url, secret_token=self.webhook_secret, allowed_updates=ALLOWED_UPDATES
            )
        else:
            assert app.updater is not None
            await app.bot.delete_webhook()
            await app.updater.start_polling(
                timeout=self.poll_timeout, allowed_updates=ALLOWED_UPDATES, poll_interval=0
            )

    async def stop(self) -> None:
        app = self.application
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()

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

    async def _on_message(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user, chat = update.effective_message, update.effective_user, update.effective_chat
        if message is None or message.text is None or user is None or chat is None or user.is_bot:
            return
        text = self.command_text(message.text)
        if text is None:
            return
        in_group = chat.type != chat.PRIVATE
        reply_to = message.message_id if in_group else None
        if in_group and not await self._may_answer(user.id, text):
            # nothing runs: a code made now could only be shown to the whole group
            await self._send(chat.id, self.private.ask_to_open(), reply_to=reply_to)
            return
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
        reply = await self.dispatcher.dispatch(invocation)
        if in_group and reply.private:
            reply = await self.private.answer(user.id, reply)
        await self._send(chat.id, reply, reply_to=reply_to)

    async def _on_callback(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        chat = query.message.chat if query.message is not None else None
        data = query.data or ""
        if chat is None or not data or len(data.encode()) > CALLBACK_LIMIT:
            await query.answer(
                Translator(self.dispatcher.defaults.language).gettext(
                    "This button is no longer valid."
                ),
                show_alert=True,
            )
            return
        user = query.from_user
        in_group = chat.type != chat.PRIVATE
        if in_group and not await self._may_answer(user.id, data):
            await query.answer(_alert(self.private.ask_to_open()), show_alert=True)
            return
        reply = await self.dispatcher.dispatch(
            Invocation(
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
        )
        if reply.tone == Tone.ERROR:  # an alert is seen by the person who pressed alone
            await query.answer(_alert(reply, title_only=True), show_alert=True)
        elif in_group and reply.private:
            sent = await self.private.send(user.id, reply)
            told = self.private.answered() if sent else self.private.ask_to_open()
            await query.answer(_alert(told), show_alert=not sent)
        else:
            await query.answer(_alert(reply, title_only=True))
            await self._send(chat.id, reply)

    async def _may_answer(self, user_id: int, text: str) -> bool:
        """Whether a command typed in a group may run: yes, unless it is answered in private
        and the person has no private chat with the bot."""
        return not self.dispatcher.answers_privately(text) or await self.private.is_open(user_id)

    async def _send(self, chat_id: int, reply: Reply, *, reply_to: int | None = None) -> None:
        try:
            await self.sender.send(str(chat_id), reply, reply_to=reply_to)
        except SendFailure as failure:
            log.warning("reply to telegram chat %s not sent: %s", chat_id, failure)

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
        key = f"{self.application.bot.id}:{update.update_id}"
        if await self.dispatcher.accept_once(PLATFORM, key):
            await self.application.update_queue.put(update)
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
            return Update.de_json(data, self.application.bot)
        except Exception:  # python-telegram-bot raises many kinds on a malformed field
            return None

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error(
            "telegram handler failed: %s", type(context.error).__name__, exc_info=context.error
        )
