"""The delivery worker: sends what the outbox holds, each chat at its own pace.

One claimer takes due rows of chats that nobody holds and gives each chat a task of its own,
which sends that chat's rows in order and, when they are done, takes the chat's next due rows;
so no chat waits for another, slow or throttled, and a backlog drains at the platforms'
limits (which the senders keep: bot.limits). At most `max_chats` chats are held at a time.

At least once: a row is claimed with a lease before it is sent and completed after; a process
that dies in between leaves the row to be taken over when the lease runs out. Live workers
renew the leases of every row they hold, so a long queue is never sent twice by two workers.
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import notify
from bot.clock import Clock
from bot.delivery import FailureKind, Sender, SendFailure, Withdrawn
from bot.reply import from_json
from operations.delivery import service as delivery_service
from operations.delivery.models import Delivery
from operations.events import Event, EventKind
from operations.operation.models import Operation

log = logging.getLogger(__name__)
ChatKey = tuple[str, str, str]  # platform, workspace, chat id
_RENEW_CHUNK = 500
# The least time between two claims. A claim reads the due rows of every chat, those of chats
# already in hand too (a backlog paced at 20 a minute per group), so under load, woken by
# every commit that queued something, the claimer spent half the bot's CPU claiming: 10 claims
# a second take new chats soon enough, since those in hand take their own next rows.
CLAIM_GAP = 0.1


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with jitter for transient failures, and when to give up."""

    base: float = 2.0
    cap: float = 600.0
    max_attempts: int = 8

    def delay(self, attempts: int) -> timedelta:
        seconds = min(self.cap, self.base * 2 ** max(0, attempts - 1))
        return timedelta(seconds=seconds * random.uniform(0.5, 1.5))


@dataclass(eq=False)
class _Chat:
    """One chat's rows in hand, oldest first, and the task that sends them."""

    rows: deque[Delivery] = field(default_factory=deque)
    sending: Delivery | None = None
    task: asyncio.Task[None] | None = None
    more: bool = False  # its last claim was cut at `per_chat` rows: more may be due


class DeliveryWorker:
    """Claims due deliveries and sends them through the platforms' senders, chat by chat."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        senders: Mapping[str, Sender],
        clock: Clock,
        *,
        batch: int = 100,
        per_chat: int = 10,
        max_chats: int = 500,
        lease: timedelta = timedelta(seconds=30),
        backoff: Backoff | None = None,
    ) -> None:
        self.sessions = sessions
        self.senders = dict(senders)
        self.clock = clock
        self.batch = batch
        self.per_chat = per_chat
        self.max_chats = max_chats
        self.lease = lease
        self.backoff = backoff or Backoff()
        self.name = f"worker-{secrets.token_hex(4)}"
        self.wake = asyncio.Event()
        self._chats: dict[ChatKey, _Chat] = {}
        self._stopping = False
        self._claimed = 0

    async def run_once(self) -> int:
        """Claim what is due now and send it, each chat until nothing of it is due; returns
        how many rows were claimed."""
        self._claimed = 0
        renewer = asyncio.create_task(self._renew_leases())
        try:
            await self._claim_new()
            while self._chats:
                await asyncio.wait([c.task for c in self._chats.values() if c.task is not None])
        finally:
            renewer.cancel()
            await asyncio.gather(renewer, return_exceptions=True)
        return self._claimed

    async def run(
        self,
        stop: asyncio.Event,
        *,
        idle: float = 1.0,
        grace: float = 3.0,
        claim_gap: float = CLAIM_GAP,
    ) -> None:
        """Send until `stop` is set; claims again when woken (a commit that wrote deliveries,
        a chat done) or after `idle` seconds (retries coming due), never sooner than
        `claim_gap` after the last claim.

        On stop, the sends in flight get `grace` seconds to finish; what is not sent then is
        handed back at once (no lease to wait out) for another replica or the next start.
        """
        renewer = asyncio.create_task(self._renew_leases())
        try:
            while not stop.is_set():
                self.wake.clear()
                try:
                    claimed = await self._claim_new()
                except Exception:
                    log.exception("claiming deliveries failed; trying again shortly")
                    claimed = 0
                if claimed == 0:
                    await self._idle(stop, idle)
                await self._idle(stop, claim_gap, woken=False)
        finally:
            await self._wind_down(grace)
            renewer.cancel()
            await asyncio.gather(renewer, return_exceptions=True)
            await self._release()

    async def _claim_new(self) -> int:
        """Claim due rows of chats nobody holds, as many chats as there is room for."""
        room = self.max_chats - len(self._chats)
        if room <= 0 or not self.senders:
            return 0
        rows = await self._claim(chats=room)
        self._take(rows)
        return len(rows)

    async def _claim(
        self, *, chat: ChatKey | None = None, chats: int | None = None
    ) -> list[Delivery]:
        async with self.sessions() as session, session.begin():
            rows = await delivery_service.claim(
                session,
                now=self.clock.now(),
                limit=self.batch if chat is None else self.per_chat,
                lease=self.lease,
                worker=self.name,
                platforms=sorted(self.senders),
                chat=chat,
                per_chat=self.per_chat,
                chats=chats,
            )
        self._claimed += len(rows)
        return rows

    def _take(self, rows: list[Delivery]) -> None:
        """Give claimed rows to their chats' tasks, starting a task for a chat without one."""
        counts: dict[ChatKey, int] = {}
        for row in sorted(rows, key=lambda r: r.id):
            key = (row.platform, row.workspace, row.chat_id)
            chat = self._chats.get(key)
            if chat is None:
                chat = self._chats[key] = _Chat()
                chat.task = asyncio.create_task(self._drain(key, chat))
            chat.rows.append(row)
            counts[key] = counts.get(key, 0) + 1
        for key, count in counts.items():
            self._chats[key].more = count >= self.per_chat

    async def _drain(self, key: ChatKey, chat: _Chat) -> None:
        """Send a chat's rows in order, then its next due rows, until none is due."""
        try:
            while not self._stopping:
                while chat.rows and not self._stopping:
                    row = chat.rows.popleft()
                    chat.sending = row
                    try:
                        wait = await self._deliver(row)
                    finally:
                        chat.sending = None
                    if wait is not None:  # throttled: the chat and its rows wait, together
                        held = [row.id, *(r.id for r in chat.rows)]
                        chat.rows.clear()
                        await self._throttled(key, held, wait)
                        return
                if self._stopping or not chat.more:
                    return  # what comes due later, the claimer takes
                more = await self._claim(chat=key)
                chat.more = len(more) >= self.per_chat
                chat.rows.extend(more)
                if not chat.rows:
                    return
        except Exception:
            log.exception("delivering to a %s chat failed; its rows wait for their lease", key[0])
            chat.rows.clear()  # no longer renewed: taken over (by anyone) once the lease ends
        finally:
            if self._chats.get(key) is chat:
                del self._chats[key]
            if chat.rows and not self._stopping:
                self._take(list(chat.rows))  # claimed for this chat while it was ending
            if len(self._chats) == self.max_chats - 1:
                self.wake.set()  # room for a chat again: the claimer may take one

    async def _deliver(self, row: Delivery) -> float | None:
        """Send one row and record how it went; the seconds the platform asked to wait, if it
        did (the row is then still held)."""
        sender = self.senders[row.platform]

        async def ready() -> bool:  # its turn has come: not cancelled or taken over meanwhile?
            async with self.sessions() as session, session.begin():
                return await delivery_service.still_claimed(
                    session, delivery_id=row.id, worker=self.name
                )

        try:
            sent = await sender.send(row.chat_id, from_json(row.payload), ready=ready)
        except Withdrawn:
            return None
        except SendFailure as failure:
            if failure.kind == FailureKind.RETRY_AFTER:
                return failure.retry_after or 1.0
            await self._failed(row, failure)
            return None
        except Exception as error:  # a bug or an unexpected library error: retry later
            log.exception("sending delivery %s failed", row.id)
            await self._failed(row, SendFailure(FailureKind.TRANSIENT, type(error).__name__))
            return None
        async with self.sessions() as session, session.begin():
            await delivery_service.complete(
                session,
                delivery_id=row.id,
                worker=self.name,
                message_id=sent.message_id,
                now=self.clock.now(),
            )
        return None

    async def _throttled(self, key: ChatKey, ids: list[int], seconds: float) -> None:
        until = self.clock.now() + timedelta(seconds=seconds)
        async with self.sessions() as session, session.begin():
            await delivery_service.throttled(
                session, chat=key, worker=self.name, ids=ids, until=until, error="throttled"
            )

    async def _idle(self, stop: asyncio.Event, idle: float, *, woken: bool = True) -> None:
        """Wait `idle` seconds, or less if stopped (or, with `woken`, woken)."""
        waiters = [asyncio.create_task(stop.wait())]
        if woken:
            waiters.append(asyncio.create_task(self.wake.wait()))
        await asyncio.wait(waiters, timeout=idle, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()

    async def _wind_down(self, grace: float) -> None:
        """No chat takes its next row; the sends in flight get `grace` seconds."""
        self._stopping = True
        tasks = [c.task for c in self._chats.values() if c.task is not None]
        if not tasks:
            return
        _, late = await asyncio.wait(tasks, timeout=grace)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)

    async def _release(self) -> None:
        try:
            async with self.sessions() as session, session.begin():
                handed = await delivery_service.release(session, worker=self.name)
        except Exception:
            log.exception("could not hand back the deliveries in hand")
            return
        if handed:
            log.info("stopping: %d deliveries handed back", handed)

    def _held(self) -> list[int]:
        ids: list[int] = []
        for chat in self._chats.values():
            ids.extend(r.id for r in chat.rows)
            if chat.sending is not None:
                ids.append(chat.sending.id)
        return ids

    async def _renew_leases(self) -> None:
        """Every third of a lease, extend the lease of every row in hand (only those: a row
        whose chat task died is left to run out, and be taken over)."""
        while True:
            await asyncio.sleep(max(0.5, self.lease.total_seconds() / 3))
            held = self._held()
            try:
                for start in range(0, len(held), _RENEW_CHUNK):
                    async with self.sessions() as session, session.begin():
                        await delivery_service.renew_leases(
                            session,
                            worker=self.name,
                            ids=held[start : start + _RENEW_CHUNK],
                            until=self.clock.now() + self.lease,
                        )
            except Exception:
                log.exception("could not renew the leases of the deliveries in hand")

    async def _failed(self, row: Delivery, failure: SendFailure) -> None:
        now = self.clock.now()
        async with self.sessions() as session, session.begin():
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
