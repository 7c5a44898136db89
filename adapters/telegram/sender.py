"""Send replies to Telegram chats within the bot's limits, and classify failures for the
delivery worker."""

from __future__ import annotations

import warnings
from datetime import timedelta

from telegram import Bot, InputFile, LinkPreviewOptions, Message, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from adapters.telegram.render import render
from bot.delivery import SEND_TIMEOUT, FailureKind, Ready, SendFailure, Sent, Withdrawn
from bot.limits import Limiter, local_limiter
from bot.reply import Reply

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def chat_ref(chat_id: str) -> int | str:
    """Telegram chat ids are integers; @channel names stay strings."""
    return int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id


def classify(error: TelegramError) -> SendFailure:
    """Retry-after, transient or permanent, from python-telegram-bot's exception."""
    if isinstance(error, RetryAfter):
        with warnings.catch_warnings():  # PTB 22 warns that the type will become timedelta
            warnings.simplefilter("ignore")
            wait = error.retry_after
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        return SendFailure(FailureKind.RETRY_AFTER, "flood control", retry_after=seconds)
    if isinstance(error, ChatMigrated):
        return SendFailure(FailureKind.PERMANENT, f"chat migrated to {error.new_chat_id}")
    if isinstance(error, Forbidden | InvalidToken):
        return SendFailure(FailureKind.PERMANENT, error.message)
    if isinstance(error, BadRequest):
        return SendFailure(FailureKind.PERMANENT, error.message)
    if isinstance(error, TimedOut | NetworkError):
        return SendFailure(FailureKind.TRANSIENT, error.message)
    return SendFailure(FailureKind.TRANSIENT, error.message)


class TelegramSender:
    """Outgoing messages through the Bot API, each in its turn under the bot's limits."""

    platform = "telegram"

    def __init__(
        self, bot: Bot, *, limiter: Limiter | None = None, timeout: float = SEND_TIMEOUT
    ) -> None:
        self.bot = bot
        self.limiter = limiter or local_limiter()
        self.timeout = timeout

    async def send(
        self,
        chat_id: str,
        reply: Reply,
        *,
        ready: Ready | None = None,
        reply_to: int | None = None,
    ) -> Sent:
        """Send every part of the reply (the keyboard with the last); raises SendFailure, or
        Withdrawn when `ready`, asked as the first part's turn nears, says no."""
        rendered = render(reply)
        last: Message | None = None
        for index, text in enumerate(rendered.messages):
            final = index == len(rendered.messages) - 1
            asked = ready if index == 0 else None
            if not await self.limiter.acquire(self.platform, chat_id, ready=asked):
                raise Withdrawn()
            try:
                last = await self.bot.send_message(
                    chat_id=chat_ref(chat_id),
                    text=text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=rendered.keyboard if final else None,
                    link_preview_options=NO_PREVIEW,
                    reply_parameters=(
                        ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)
                        if reply_to and index == 0
                        else None
                    ),
                    # a slow answer is waited for, not taken for a lost message
                    read_timeout=self.timeout,
                    write_timeout=self.timeout,
                    connect_timeout=self.timeout,
                    pool_timeout=self.timeout,
                )
            except TelegramError as error:
                failure = classify(error)
                if failure.kind == FailureKind.RETRY_AFTER and failure.retry_after:
                    await self.limiter.defer(self.platform, chat_id, failure.retry_after)
                raise failure from error
        assert last is not None
        if reply.attachment is not None:
            last = await self._document(chat_id, reply)
        return Sent(message_id=str(last.message_id))

    async def _document(self, chat_id: str, reply: Reply) -> Message:
        """The reply's file (sendDocument), after its text."""
        assert reply.attachment is not None
        file = reply.attachment
        await self.limiter.acquire(self.platform, chat_id)
        try:
            return await self.bot.send_document(
                chat_id=chat_ref(chat_id),
                document=InputFile(file.data, filename=file.filename, attach=True),
                disable_content_type_detection=True,
                read_timeout=self.timeout,
                write_timeout=self.timeout,
                connect_timeout=self.timeout,
                pool_timeout=self.timeout,
            )
        except TelegramError as error:
            failure = classify(error)
            if failure.kind == FailureKind.RETRY_AFTER and failure.retry_after:
                await self.limiter.defer(self.platform, chat_id, failure.retry_after)
            raise failure from error
