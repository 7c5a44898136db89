"""The platforms' sending limits, shared by every sender of the bot (deliveries and replies).

A limit is a slot that moves on: each message takes the next free slot under its chat, then
under its platform overall, and waits for it (even pacing, never a burst: a bucket that lets a
burst through and then refills at the full rate would put twice the limit into one window).
Where the slots are kept decides who shares them: in memory (one process), in the database
or in Redis (every replica of the bot: the limits are the bot token's, not a process's).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Limits:
    """A platform's limits as the smallest gap between two messages, in seconds: overall, to
    one chat, to one group chat."""

    overall: float | None
    per_chat: float
    per_group: float | None = None

    def gap(self, *, group: bool) -> float:
        return max(self.per_chat, self.per_group or 0.0) if group else self.per_chat


# Telegram: about 30 messages/s overall, 1/s per chat, 20/min per group. Slack: about 1/s
# per channel. Paced evenly and under: a message reaches the platform a little later or
# sooner than its slot (the network, a busy moment of the process), and 30 in any second is
# what Telegram counts; at 27.5/s, 30 messages span 1.09 s, so a message may be up to 90 ms
# later than the one 30 slots after it without the platform seeing 31 in one second.
PLATFORM_LIMITS: dict[str, Limits] = {
    "telegram": Limits(overall=1 / 27.5, per_chat=1.05, per_group=3.05),
    "slack": Limits(overall=None, per_chat=1.05),
}


# A message woken more than this after its slot (the process paused: the machine, a garbage
# collection) gives the slot up and takes a new one: sent now, it would go out together with
# every other message whose slot passed meanwhile, a burst over the limit.
LATE = 0.03

# A message's `ready` check (is it still wanted?) is asked this long before its slot, while
# the wait runs out: its answer (a database round trip) then never stands between the slot
# and the send, where it would make the sends uneven (late ones bunching with on-time ones).
READY_LEAD = 0.25

# Asked as a message's turn nears: False if it is no longer wanted (cancelled, or taken
# over by another worker, while it waited), and then nothing is sent.
Ready = Callable[[], Awaitable[bool]]


class Slots(Protocol):
    """Where the next free slot of each limit is kept."""

    async def reserve(self, key: str, gap: float) -> tuple[float, float]:
        """Take the next free slot under `key`, move it on by `gap` seconds; returns when the
        slot taken begins and when it was taken, in seconds on the store's own clock."""
        ...

    async def defer(self, key: str, seconds: float) -> None:
        """No slot under `key` begins before `seconds` from now."""
        ...

    async def close(self) -> None: ...


class MemorySlots:
    """Slots of this process alone."""

    def __init__(self) -> None:
        self._next: dict[str, float] = {}

    async def reserve(self, key: str, gap: float) -> tuple[float, float]:
        now = time.monotonic()
        start = max(self._next.get(key, now), now)
        self._next[key] = start + gap
        return start, now

    async def defer(self, key: str, seconds: float) -> None:
        until = time.monotonic() + seconds
        self._next[key] = max(self._next.get(key, until), until)

    async def close(self) -> None:
        return None


class Limiter:
    """Waits for a message's turn under its platform's limits.

    Every sender calls `acquire` before each message it posts to a chat, so replies to
    commands and deliveries share one budget. If the shared slots cannot be reached (the
    database or Redis down), this process paces itself alone until they answer again, and
    says so in the log at most once a minute.
    """

    def __init__(self, slots: Slots, limits: Mapping[str, Limits] = PLATFORM_LIMITS) -> None:
        self.slots = slots
        self.limits = limits
        self._local = MemorySlots()
        self._warned_at = -1e9
        self._clock = _StoreClock()
        self._turns: dict[str, asyncio.Lock] = {}

    async def acquire(self, platform: str, chat_id: str, *, ready: Ready | None = None) -> bool:
        """Return when a message to this chat may be posted: True, or False when `ready`,
        asked as the message's turn nears, says it is no longer wanted."""
        limits = self.limits.get(platform)
        if limits is None:
            return await ready() if ready is not None else True
        group = platform == "telegram" and chat_id.startswith("-")
        chat = f"{platform}:chat:{chat_id}"
        if not limits.overall:
            return await self._take(chat, limits.gap(group=group), ready)
        await self._take(chat, limits.gap(group=group))
        return await self._take(f"{platform}:all", limits.overall, ready)

    async def defer(self, platform: str, chat_id: str, seconds: float) -> None:
        """The platform said to wait `seconds` before writing to this chat again."""
        await self._defer(f"{platform}:chat:{chat_id}", seconds)

    async def close(self) -> None:
        await self.slots.close()

    async def _defer(self, key: str, seconds: float) -> None:
        try:
            await self.slots.defer(key, seconds)
        except Exception as error:
            self._warn(error)
            await self._local.defer(key, seconds)

    async def _take(self, key: str, gap: float, ready: Ready | None = None) -> bool:
        """Take the next slot under `key` and wait for it, asking `ready` meanwhile; a slot
        missed by more than LATE (or half the gap, for a wide one) is given up for a new one,
        once. False when `ready` said no."""
        late = max(LATE, gap / 2)
        for attempt in range(2):
            at = await self._reserve(key, gap)
            if ready is not None:
                await _until(at - READY_LEAD)
                wanted, _ = await asyncio.gather(ready(), _until(at))
                if not wanted:
                    return False
                ready = None
            await _until(at)
            if attempt or time.monotonic() - at <= late:
                return True
        return True

    async def _reserve(self, key: str, gap: float) -> float:
        """The next slot under `key`, on this process's monotonic clock."""
        turn = self._turns.get(key)
        if turn is None:
            turn = self._turns[key] = asyncio.Lock()
        async with turn:  # one at a time per key here: a crowd woken at once queues here
            try:
                start, now = await self.slots.reserve(key, gap)
                return self._clock.local(start, now)
            except Exception as error:  # the shared store is down: pace this process alone
                self._warn(error)
                at, _ = await self._local.reserve(key, gap)
                return at

    def _warn(self, error: Exception) -> None:
        now = time.monotonic()
        if now - self._warned_at >= 60:
            self._warned_at = now
            log.warning(
                "rate-limit slots not reachable (%s): pacing this process alone meanwhile",
                type(error).__name__,
            )


async def _until(moment: float) -> None:
    """Sleep until `moment` on this process's monotonic clock (at once if it has passed)."""
    wait = moment - time.monotonic()
    if wait > 0:
        await asyncio.sleep(wait)


class _StoreClock:
    """Turns the store's times into this process's monotonic clock.

    The offset between the two is taken as the smallest seen, over the last few seconds,
    between the store's "now" and the moment its answer arrived here: the delays of one
    answer (the network, a busy event loop, a garbage collection) then do not move its slot
    later, where it would bunch with the next ones; and a step of either clock is followed
    within those few seconds.
    """

    WINDOW = 5.0

    def __init__(self) -> None:
        self._seen: deque[tuple[float, float]] = deque()  # (arrived, offset), offsets rising

    def local(self, start: float, now: float) -> float:
        arrived = time.monotonic()
        offset = arrived - now  # the true offset plus this answer's delay
        seen = self._seen
        while seen and seen[-1][1] >= offset:
            seen.pop()
        seen.append((arrived, offset))
        while seen[0][0] < arrived - self.WINDOW:
            seen.popleft()
        return start + seen[0][1]


def local_limiter() -> Limiter:
    """Limits kept by this process alone (a sender made without the bot's shared limiter)."""
    return Limiter(MemorySlots())
