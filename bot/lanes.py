"""Concurrency with order: each chat's commands one after another, in the order they came,
different chats at the same time (at most `limit` commands at once), so that a slow command
holds back its own chat only."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)
Job = Callable[[], Awaitable[None]]


class Lanes:
    """One lane (a FIFO of jobs) per key, run by a task that exists while the lane has work."""

    def __init__(self, limit: int = 64) -> None:
        if limit < 1:
            raise ValueError("lanes need room for at least one job at a time")
        self._slots = asyncio.Semaphore(limit)
        self._lanes: dict[str, deque[Job]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False

    def submit(self, key: str, job: Job) -> bool:
        """Queue `job` behind the jobs of the same key; False once the lanes are closed."""
        if self._closed:
            return False
        lane = self._lanes.get(key)
        if lane is not None:
            lane.append(job)
            return True
        self._lanes[key] = deque([job])
        task = asyncio.create_task(self._drain(key))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    @property
    def busy(self) -> int:
        """How many lanes have work."""
        return len(self._lanes)

    async def _drain(self, key: str) -> None:
        lane = self._lanes[key]
        try:
            while lane:
                async with self._slots:
                    try:
                        await lane[0]()
                    except Exception:  # a job handles its own failures; this is a bug
                        log.exception("a queued command failed")
                lane.popleft()
        finally:
            del self._lanes[key]

    async def close(self, grace: float) -> None:
        """Take no more jobs; give those running `grace` seconds, then cancel what is left
        (queued jobs are dropped)."""
        self._closed = True
        if not self._tasks:
            return
        _, pending = await asyncio.wait(set(self._tasks), timeout=grace)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
