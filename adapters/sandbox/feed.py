"""What the page is told: a numbered log of events, replayed to each new reader, then live.

An event is a JSON object with a `type`: `message` (a message as it now stands, new or
changed; the page keeps the last one per `id`), `clock`, `violation` or `toast`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

Event = dict[str, Any]


class Feed:
    """The sandbox's event log and the readers following it."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._changed = asyncio.Event()  # set, and replaced, at each change
        self._closed = False

    def publish(self, event: Event) -> Event:
        """Append an event (numbered `seq`, from 1) and wake the readers."""
        event = {**event, "seq": len(self.events) + 1}
        self.events.append(event)
        self._wake()
        return event

    def _wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def close(self) -> None:
        """End every reader's stream."""
        self._closed = True
        self._wake()

    async def follow(self, after: int = 0) -> AsyncIterator[Event]:
        """The events after `after`, then each new one as it comes, until closed."""
        seen = after
        while not self._closed:
            changed = self._changed
            while seen < len(self.events):
                seen += 1
                yield self.events[seen - 1]
            if seen >= len(self.events) and not self._closed:
                await changed.wait()


def sse(event: Event) -> bytes:
    """One server-sent event: its number as the id (a reconnecting page resumes after it)."""
    data = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
    return f"id: {event['seq']}\nevent: {event['type']}\ndata: {data}\n\n".encode()
