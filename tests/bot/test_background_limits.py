"""`jointops run` gives every sender (the worker's deliveries and the adapters' replies use
the same sender objects) the bot's shared limiter: slots in the database, or in Redis when
JOINTOPS_REDIS_URL is set."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Settings
from bot.delivery import Ready, Sent
from bot.limits import Limiter, local_limiter
from bot.reply import Reply
from bot.runtime import Background, Runtime
from bot.slots import DatabaseSlots, RedisSlots
from tests.bot.test_limits import redis_url


class Recorder:
    """A sender: what the bot layer sees of an adapter's."""

    def __init__(self, platform: str) -> None:
        self.platform = platform
        self.limiter: Limiter = local_limiter()

    async def send(self, chat_id: str, reply: Reply, *, ready: Ready | None = None) -> Sent:
        await self.limiter.acquire(self.platform, chat_id)
        return Sent("1")


@pytest.mark.parametrize(("redis", "kind"), [(False, DatabaseSlots), (True, RedisSlots)])
async def test_every_sender_takes_its_turns_from_the_shared_slots(
    tmp_path: Path, redis: bool, kind: type
) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'jointops.db'}",
        redis_url=redis_url() if redis else None,
    )
    runtime = await Runtime.open(settings)
    senders = {"telegram": Recorder("telegram"), "slack": Recorder("slack")}
    try:
        background = Background(runtime, senders)
        assert isinstance(background.limiter.slots, kind)
        assert all(s.limiter is background.limiter for s in senders.values())
        await senders["telegram"].send("-100", Reply(title="x"))  # a slot is really taken
        start, now = await background.limiter.slots.reserve("telegram:chat:-100", 1.0)
        assert start > now
        await background.limiter.close()
    finally:
        await runtime.close()
