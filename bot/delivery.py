"""What an adapter's sender promises: send a reply to a chat, within the bot's limits, or say
how it failed."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.limits import Limiter
from bot.limits import Ready as Ready  # a sender's `ready`, decided with the limits
from bot.reply import Reply

# How long a sender waits for the platform's answer to one message. A slow answer is waited
# for: giving up early would send again a message the platform may have taken. Only a send
# that got no answer at all in this time is tried again (and may then arrive twice).
SEND_TIMEOUT = 30.0


class FailureKind(StrEnum):
    """How a failed send should be treated."""

    RETRY_AFTER = "retry_after"  # the platform said when to try again
    TRANSIENT = "transient"  # try again later, with backoff
    PERMANENT = "permanent"  # the chat is gone or the bot was removed: do not retry


class SendFailure(Exception):
    """A send that did not go through; `reason` is the platform's own short description."""

    def __init__(self, kind: FailureKind, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(f"{kind}: {reason}")
        self.kind = kind
        self.reason = reason
        self.retry_after = retry_after


class Withdrawn(Exception):
    """The message was no longer wanted when its turn came (`ready` said so): nothing sent."""


@dataclass(frozen=True, slots=True)
class Sent:
    """The platform's id of the (last) message sent."""

    message_id: str


class Sender(Protocol):
    """An adapter's outgoing side for one platform. Each message it posts to a chat first
    waits for its turn under `limiter`, the bot's limits that every sender shares."""

    platform: str
    limiter: Limiter

    async def send(self, chat_id: str, reply: Reply, *, ready: Ready | None = None) -> Sent:
        """Send a reply to a chat; raises SendFailure, or Withdrawn when `ready` says no."""
        ...
