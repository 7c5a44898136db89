"""The delivery worker: sends what the outbox holds, within each platform's limits.

At least once: a row is claimed with a lease before it is sent and completed after; a process
that dies in between leaves the row to be taken over when the lease runs out. Live workers
renew their leases, so a slow fan-out is never sent twice by two workers.
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiolimiter import AsyncLimiter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import notify
from bot.clock import Clock
from bot.delivery import FailureKind, Sender, SendFailure
from bot.reply import from_json
from operations.delivery import service as delivery_service
from operations.delivery.models import Delivery
from operations.events import Event, EventKind
from operations.operation.models import Operation

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Limits:
    """A platform's sending limits as the smallest gap between two messages, in seconds:
    overall, to one chat, to one group chat."""

    overall: float | None
    per_chat: float
    per_group: float | None = None


# Telegram: about 30 messages/s overall, 1/s per chat, 20/min per group. Slack: about 1/s
# per channel. Paced evenly and slightly under: a bucket that lets a burst through and then
# refills at the full rate would put twice the limit into one window.
PLATFORM_LIMITS: dict[str, Limits] = {
    "telegram": Limits(overall=1 / 29, per_chat=1.05, per_group=3.05),
    "slack": Limits(overall=None, per_chat=1.05),
}


class RateLimiter:
    """Even pacing per platform, per chat and per group chat (aiolimiter, one slot each)."""

    def __init__(self, limits: Mapping[str, Limits] = PLATFORM_LIMITS) -> None:
        self.limits = limits
        self._buckets: dict[tuple[str, ...], AsyncLimiter] = {}

    def _bucket(self, key: tuple[str, ...], gap: float) -> AsyncLimiter:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = AsyncLimiter(1, gap)
        return bucket

    async def acquire(self, platform: str, chat_id: str) -> None:
        limits = self.limits.get(platform)
        if limits is None:
            return
        await self._bucket((platform, "chat", chat_id), limits.per_chat).acquire()
        if limits.per_group and platform == "telegram" and chat_id.startswith("-"):
            await self._bucket((platform, "group", chat_id), limits.per_group).acquire()
        if limits.overall:
            await self._bucket((platform,), limits.overall).acquire()


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with jitter for transient failures, and when to give up."""

    base: float = 2.0
    cap: float = 600.0
    max_attempts: int = 8

    def delay(self, attempts: int) -> timedelta:
        seconds = min(self.cap, self.base * 2 ** max(0, attempts - 1))
        return timedelta(seconds=seconds * random.uniform(0.5, 1.5))


class DeliveryWorker:
    """Claims due deliveries and sends them through the platforms' senders."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        senders: Mapping[str, Sender],
        clock: Clock,
        *,
        batch: int = 100,
        lease: timedelta = timedelta(seconds=30),
        backoff: Backoff | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.sessions = sessions
        self.senders = dict(senders)
        self.clock = clock
        self.batch = batch
        self.lease = lease
        self.backoff = backoff or Backoff()
        self.limiter = limiter or RateLimiter()
        self.name = f"worker-{secrets.token_hex(4)}"
        self.wake = asyncio.Event()

    async def run_once(self) -> int:
        """Claim one batch and send it (chats in parallel, each chat in order); how many."""
        if not self.senders:
            return 0
        async with self.sessions() as session, session.begin():
            rows = await delivery_service.claim(
                session,
                now=self.clock.now(),
                limit=self.batch,
                lease=self.lease,
                worker=self.name,
                platforms=sorted(self.senders),
            )
        if not rows:
            return 0
        by_chat: dict[tuple[str, str, str], list[Delivery]] = defaultdict(list)
        for row in rows:
            by_chat[(row.platform, row.workspace, row.chat_id)].append(row)
        renewer = asyncio.create_task(self._renew_leases())
        try:
            await asyncio.gather(*(self._send_chat(chat) for chat in by_chat.values()))
        finally:
            renewer.cancel()
        return len(rows)

    async def run(self, stop: asyncio.Event, *, idle: float = 1.0, grace: float = 3.0) -> None:
        """Send until `stop` is set; sleeps `idle` seconds (or until woken) when nothing is due.

        On stop, the batch in flight gets `grace` seconds to finish its current sends; what it
        has not sent is handed back at once (no lease to wait out) for another replica or the
        next start.
        """
        try:
            while not stop.is_set():
                batch = asyncio.create_task(self.run_once())
                stopping = asyncio.create_task(stop.wait())
                await asyncio.wait({batch, stopping}, return_when=asyncio.FIRST_COMPLETED)
                stopping.cancel()
                if not batch.done():
                    await asyncio.wait({batch}, timeout=grace)
                    batch.cancel()
                    await asyncio.gather(batch, return_exceptions=True)
                    return
                try:
                    sent = batch.result()
                except Exception:
                    log.exception("delivery batch failed; retrying shortly")
                    sent = 0
                if sent == 0:
                    await self._idle(stop, idle)
        finally:
            await self._release()

    async def _idle(self, stop: asyncio.Event, idle: float) -> None:
        self.wake.clear()
        waiters = [asyncio.create_task(stop.wait()), asyncio.create_task(self.wake.wait())]
        await asyncio.wait(waiters, timeout=idle, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()

    async def _release(self) -> None:
        try:
            async with self.sessions() as session, session.begin():
                handed = await delivery_service.release(session, worker=self.name)
        except Exception:
            log.exception("could not hand back the deliveries in hand")
            return
        if handed:
            log.info("stopping: %d deliveries handed back", handed)

    async def _renew_leases(self) -> None:
        while True:
            await asyncio.sleep(max(0.5, self.lease.total_seconds() / 3))
            async with self.sessions() as session, session.begin():
                await delivery_service.renew_leases(
                    session, worker=self.name, until=self.clock.now() + self.lease
                )

    async def _send_chat(self, rows: list[Delivery]) -> None:
        for index, row in enumerate(rows):
            await self.limiter.acquire(row.platform, row.chat_id)
            if not await self._still_ours(row):
                continue  # cancelled (unlink, op remove, member remove) while it waited
            try:
                sent = await self.senders[row.platform].send(row.chat_id, from_json(row.payload))
            except SendFailure as failure:
                await self._failed(row, failure)
                if failure.kind == FailureKind.RETRY_AFTER:
                    # the chat is throttled: put the rest of its batch back, untouched
                    await self._put_back(rows[index + 1 :], failure)
                    return
                continue
            except Exception as error:  # a bug or an unexpected library error: retry later
                log.exception("sending delivery %s failed", row.id)
                await self._failed(row, SendFailure(FailureKind.TRANSIENT, type(error).__name__))
                continue
            async with self.sessions() as session, session.begin():
                await delivery_service.complete(
                    session,
                    delivery_id=row.id,
                    worker=self.name,
                    message_id=sent.message_id,
                    now=self.clock.now(),
                )

    async def _still_ours(self, row: Delivery) -> bool:
        async with self.sessions() as session, session.begin():
            return await delivery_service.still_claimed(
                session, delivery_id=row.id, worker=self.name
            )

    async def _put_back(self, rows: list[Delivery], failure: SendFailure) -> None:
        at = self.clock.now() + timedelta(seconds=failure.retry_after or 1)
        async with self.sessions() as session, session.begin():
            for row in rows:
                await delivery_service.retry_later(
                    session,
                    delivery_id=row.id,
                    worker=self.name,
                    error="throttled",
                    at=at,
                    count_attempt=False,
                )

    async def _failed(self, row: Delivery, failure: SendFailure) -> None:
        now = self.clock.now()
        async with self.sessions() as session, session.begin():
            if failure.kind == FailureKind.RETRY_AFTER:
                await delivery_service.retry_later(
                    session,
                    delivery_id=row.id,
                    worker=self.name,
                    error=failure.reason,
                    at=now + timedelta(seconds=failure.retry_after or 1),
                    count_attempt=False,
                )
                return
            if (
                failure.kind == FailureKind.TRANSIENT
                and row.attempts + 1 < self.backoff.max_attempts
            ):
                await delivery_service.retry_later(
                    session,
                    delivery_id=row.id,
                    worker=self.name,
                    error=failure.reason,
                    at=now + self.backoff.delay(row.attempts + 1),
                )
                return
            failed = await delivery_service.fail(
                session, delivery_id=row.id, worker=self.name, error=failure.reason, now=now
            )
            if failed is not None:
                log.warning(
                    "delivery %s to %s failed for good: %s", row.id, row.platform, failure.reason
                )
                await self._tell_coordinators(session, failed, failure, now)

    async def _tell_coordinators(
        self, session: AsyncSession, row: Delivery, failure: SendFailure, now: datetime
    ) -> None:
        """A delivery that will never arrive is reported to the lead agency's chats."""
        if row.operation_id is None or row.kind == "delivery_failed":
            return
        operation = await session.get(Operation, row.operation_id)
        if operation is None:
            return

        detail = {"platform": row.platform, "chat": row.chat_id, "reason": failure.reason}
        event = Event(EventKind.DELIVERY_FAILED, operation, f"failed:{row.id}", detail=detail)
        await notify.publish(
            session, [event], now=now, skip=(row.platform, row.workspace, row.chat_id)
        )
