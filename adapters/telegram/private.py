"""Private replies to commands typed in a Telegram group go to the asker's private chat.

In Telegram a person's private chat with the bot has the person's user id as its chat id, and
the bot may write there only once the person has opened it (pressed Start); before that the
Bot API answers 403 "Forbidden: bot can't initiate conversation with a user".
"""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.constants import ChatAction
from telegram.error import Forbidden, TelegramError

from adapters.telegram.sender import TelegramSender
from bot.delivery import SendFailure
from bot.i18n import Translator
from bot.reply import Reply, Tone

log = logging.getLogger(__name__)


class PrivateChats:
    """Reaches people in their private chat with the bot, and says so in the group."""

    def __init__(self, bot: Bot, sender: TelegramSender, tr: Translator) -> None:
        self.bot = bot
        self.sender = sender
        self.tr = tr
        self.username = ""  # the bot's, for a t.me link; known once logged in

    async def is_open(self, user_id: int) -> bool:
        """Whether the bot may write to this person (probed with a "typing…" action)."""
        try:
            await self.bot.send_chat_action(chat_id=user_id, action=ChatAction.TYPING)
        except Forbidden:
            return False
        except TelegramError as error:  # cannot tell: act as if closed, so nothing is shown
            log.warning("private chat of telegram user %s not probed: %s", user_id, error)
            return False
        return True

    async def send(self, user_id: int, reply: Reply) -> bool:
        """Send the reply to the person's private chat; False when it could not be sent."""
        try:
            await self.sender.send(str(user_id), reply)
        except SendFailure as failure:
            log.info("private reply to telegram user %s not sent: %s", user_id, failure)
            return False
        return True

    async def answer(self, user_id: int, reply: Reply) -> Reply:
        """Send a private reply to a group command in private; returns what the group sees."""
        if await self.send(user_id, reply):
            return self.answered()
        if reply.tone == Tone.ERROR:
            # The person has no private chat with the bot. An error holds no code and no
            # personal detail, and answers a command everyone in the group already saw:
            # answering it there beats leaving the person without an answer.
            return reply
        return self.ask_to_open()

    def answered(self) -> Reply:
        """The neutral line left in the group."""
        return self.tr.addressed(
            Reply(title=self.tr.gettext("I answered you in private."), tone=Tone.INFO)
        )

    def ask_to_open(self) -> Reply:
        """All the group is told when the person has no private chat with the bot."""
        _ = self.tr.gettext
        if self.username:
            how = _(
                "Open a private chat with me ({link}), press Start, then send the command there.",
                link=f"https://t.me/{self.username}",
            )
        else:
            how = _("Open a private chat with me, press Start, then send the command there.")
        return self.tr.addressed(
            Reply(title=_("I answer this in private only."), lines=[how], tone=Tone.INFO)
        )
