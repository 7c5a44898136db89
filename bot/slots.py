"""Rate-limit slots every replica shares: in the database (the default) or in Redis."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.limits import Limiter, Slots
from operations.ratelimit import service as slots_service


@dataclass(frozen=True, slots=True)
class _Asked:
    key: str
    gap: float
    slot: asyncio.Future[tuple[float, float]]


class DatabaseSlots:
    """One row per limit; slots are taken with one INSERT ... ON CONFLICT DO UPDATE ...
    RETURNING on the database's clock.

    Slots asked for while a reservation is on its way are taken together by the next one:
    when a fan-out starts, its hundreds of chats then take their slots in a few statements
    instead of queueing one transaction each for the connection pool (ahead of the platform's
    overall slot, which every message needs next)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self._asked: list[_Asked] = []
        self._taking: asyncio.Task[None] | None = None

    async def reserve(self, key: str, gap: float) -> tuple[float, float]:
        asked = _Asked(key, gap, asyncio.get_running_loop().create_future())
        self._asked.append(asked)
        if self._taking is None or self._taking.done():
            self._taking = asyncio.create_task(self._take_asked())
        return await asked.slot

    async def _take_asked(self) -> None:
        """Reserve what was asked, a round at a time (a key asked twice waits a round)."""
        while self._asked:
            round_: dict[str, _Asked] = {}
            later: list[_Asked] = []
            for asked in self._asked:
                if asked.key in round_:
                    later.append(asked)
                else:
                    round_[asked.key] = asked
            self._asked = later
            taking = [a for a in round_.values() if not a.slot.done()]  # cancelled meanwhile
            if not taking:
                continue
            try:
                async with self.sessions() as session, session.begin():
                    slots = await slots_service.reserve(session, [(a.key, a.gap) for a in taking])
            except Exception as error:
                for a in taking:
                    if not a.slot.done():
                        a.slot.set_exception(error)
                continue
            for a, slot in zip(taking, slots, strict=True):
                if not a.slot.done():
                    a.slot.set_result(slot)

    async def defer(self, key: str, seconds: float) -> None:
        async with self.sessions() as session, session.begin():
            await slots_service.defer(session, key=key, seconds=seconds)

    async def close(self) -> None:
        return None


# KEYS[1]: the limit; ARGV[1]: the gap (reserve) or the wait (defer), in seconds. Times are
# Redis's own clock (TIME), so that replicas agree whatever their clocks say. Numbers are
# returned as strings: Redis would cut a Lua number to an integer.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local gap = tonumber(ARGV[1])
local start = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
redis.call('SET', KEYS[1], string.format('%.6f', start + gap),
           'PX', math.ceil((start + gap - now) * 1000) + 60000)
return {string.format('%.6f', start), string.format('%.6f', now)}
"""
_DEFER = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local wait = tonumber(ARGV[1])
local until_ = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now + wait)
redis.call('SET', KEYS[1], string.format('%.6f', until_),
           'PX', math.ceil((until_ - now) * 1000) + 60000)
return 1
"""


class RedisSlots:
    """One key per limit (expiring once its slot is long past), moved by a Lua script: one
    atomic step in Redis per slot taken."""

    def __init__(self, url: str, *, prefix: str = "jointops:slot:") -> None:
        self.redis: Redis = Redis.from_url(url)
        self.prefix = prefix
        self._reserve: Any = self.redis.register_script(_RESERVE)
        self._defer: Any = self.redis.register_script(_DEFER)

    async def reserve(self, key: str, gap: float) -> tuple[float, float]:
        start, now = await self._reserve(keys=[self.prefix + key], args=[repr(gap)])
        return float(start), float(now)

    async def defer(self, key: str, seconds: float) -> None:
        await self._defer(keys=[self.prefix + key], args=[repr(seconds)])

    async def close(self) -> None:
        await self.redis.aclose()


def shared_limiter(
    sessions: async_sessionmaker[AsyncSession], redis_url: str | None = None
) -> Limiter:
    """The bot's limiter: slots in Redis when a URL is given, else in the database."""
    slots: Slots = RedisSlots(redis_url) if redis_url else DatabaseSlots(sessions)
    return Limiter(slots)
