"""What an adapter's sender promises: send a reply to a chat, or say how it failed."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.reply import Reply


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


@dataclass(frozen=True, slots=True)
class Sent:
    """The platform's id of the (last) message sent."""

    message_id: str


class Sender(Protocol):
    """An adapter's outgoing side for one platform."""

    platform: str

    async def send(self, chat_id: str, reply: Reply) -> Sent:
        """Send a reply to a chat; raises SendFailure."""
        ...
