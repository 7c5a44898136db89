"""Helpers for the inbox tests: a dispatcher whose commands can be held before they run (a slow
command, or a process that stops before running what it accepted), and the inbox's records."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.commands import REGISTRY
from bot.context import Invocation
from bot.dispatcher import Defaults, Dispatcher
from bot.reply import Reply
from operations.inbound.models import InboundEvent
from operations.task.models import Task


class HoldingDispatcher(Dispatcher):
    """The real dispatcher, except that a command whose text was `hold`-ed waits for its event
    before it runs (outside any transaction, as a slow platform call would)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        super().__init__(sessions, REGISTRY, clock=clock, defaults=Defaults())
        self.holds: dict[str, asyncio.Event] = {}
        self.waiting: list[str] = []  # texts held right now, in the order they arrived

    def hold(self, text: str) -> asyncio.Event:
        return self.holds.setdefault(text, asyncio.Event())

    async def dispatch(self, invocation: Invocation) -> Reply:
        event = self.holds.get(invocation.text)
        if event is not None:
            self.waiting.append(invocation.text)
            try:
                await event.wait()
            finally:
                self.waiting.remove(invocation.text)
        return await super().dispatch(invocation)


async def wait_until_held(dispatcher: HoldingDispatcher, count: int = 1) -> None:
    """Until `count` commands wait at their hold (they were accepted and are running); fails
    after 10 s, like the fakes' waits."""
    for _ in range(1000):
        if len(dispatcher.waiting) >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{count} commands held expected, {dispatcher.waiting!r} are")


async def states(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    """The inbox records' states, oldest first."""
    async with sessions() as s:
        return list(await s.scalars(select(InboundEvent.state).order_by(InboundEvent.id)))


async def tasks(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(Task)) or 0)
