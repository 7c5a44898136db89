"""Rate-limit slots every replica shares: in the database (the default) or in Redis."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.limits import Limiter, Slots
from operations.ratelimit import service as slots_service


class DatabaseSlots:
    """One row per limit; a slot is taken with one INSERT ... ON CONFLICT DO UPDATE ...
    RETURNING on the database's clock."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def reserve(self, key: str, gap: float) -> tuple[float, float]:
        async with self.sessions() as session, session.begin():
            return await slots_service.reserve(session, key=key, gap=gap)

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
