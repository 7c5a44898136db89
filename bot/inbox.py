"""Durable inbound commands: recorded before the platform hears they arrived, run once, answered.

An adapter turns each platform update into an `Accepted` (the invocation, and where and how to
answer it) and gives it to `Inbox.accept` BEFORE it acknowledges the update (Telegram's webhook
200 or polling offset, Slack's ack). The inbox records it (operations.inbound), then runs it in
its chat's lane (bot.lanes: chats at once, each chat in order): the dispatcher marks the record
RAN with its reply in the command's own transaction, so a crash after that resends the stored
reply and never runs the command again. The adapter says how to answer (`Answerer.answer`);
then the record is ANSWERED.

A record whose process stopped or died is taken over: at start (`open`) and every few seconds,
each unanswered record nobody holds, or whose holder's lease ran out, is run and answered once
(`FOR UPDATE SKIP LOCKED` across replicas). A stopping process hands back what it holds at once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.context import InboxClaim, Invocation
from bot.delivery import FailureKind, SendFailure
from bot.dispatcher import Dispatcher
from bot.lanes import Lanes
from bot.reply import Reply, from_json, to_json
from operations.inbound import service as inbound_service
from operations.inbound.models import HELD

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=30)  # a record is taken over this long after its process went silent
GRACE_S = 2.0  # on stop, commands in flight get this long before they are handed back
CONCURRENCY = 64  # commands running at once (each chat one at a time)
MAX_ATTEMPTS = 6  # runs of a record (first one, take-overs, answers tried again) before giving up
BATCH = 100  # records taken over in one transaction
RETRY_S = 2.0  # a transiently failed answer is tried again after this, doubled each time
RETRY_MAX_S = 300.0


@dataclass(frozen=True, slots=True)
class Accepted:
    """A command an adapter received: `key` is unique per platform event (a redelivery has
    the same key); `route` (JSON-able) tells the adapter later where and how to answer."""

    key: str
    invocation: Invocation
    route: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Entry:
    """A recorded command on its way through this process."""

    id: int
    invocation: Invocation
    route: Mapping[str, Any]
    received_at: datetime
    attempts: int = 1
    reply: Reply | None = None  # stored: the command ran (or was held), only the answer is due
    held: bool = False


class Answerer(Protocol):
    """The platform's part: what to run, and how to answer."""

    async def prepare(self, entry: Entry) -> Invocation | Reply:
        """The invocation to run (the recorded one, or completed), or a reply to give instead
        of running the command (it is then held: it never runs)."""
        ...

    async def answer(self, entry: Entry, reply: Reply, *, held: bool) -> None:
        """Send the answer; raise SendFailure when it could not go out (a transient failure
        is tried again later, a permanent one is given up)."""
        ...


def encode_invocation(invocation: Invocation) -> str:
    data = asdict(invocation)
    del data["inbox"]
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def decode_invocation(text: str) -> Invocation:
    return Invocation(**json.loads(text))


def lane(invocation: Invocation) -> str:
    """The lane of a command: its chat (one chat's commands run in order)."""
    return f"{invocation.workspace}:{invocation.chat_id}"


class Inbox:
    """One platform's inbound commands in this process."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        platform: str,
        answerer: Answerer,
        *,
        lease: timedelta = LEASE,
        grace: float = GRACE_S,
        concurrency: int = CONCURRENCY,
        every: float | None = None,
    ) -> None:
        self.dispatcher = dispatcher
        self.platform = platform
        self.answerer = answerer
        self.lease = lease
        self.grace = grace
        self.every = every if every is not None else min(5.0, lease.total_seconds() / 3)
        self.holder = f"{platform}-{secrets.token_hex(6)}"
        self.lanes = Lanes(concurrency)
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._in_hand: set[int] = set()  # records queued or running here (their leases kept)

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        return self.dispatcher.sessions

    def now(self) -> datetime:
        return self.dispatcher.clock.now()

    async def accept(self, items: Sequence[Accepted]) -> list[Entry]:
        """Record the commands in one transaction, in order, held by this process; returns the
        new ones (an event recorded before, here or on another replica, is left out). Only
        once this returned may the platform be told the updates arrived."""
        if not items:
            return []
        now = self.now()
        incoming = [
            inbound_service.Incoming(
                key=item.key,
                command=encode_invocation(item.invocation),
                route=json.dumps(dict(item.route), separators=(",", ":")),
            )
            for item in items
        ]
        async with self.sessions() as session, session.begin():
            records = await inbound_service.record(
                session,
                platform=self.platform,
                items=incoming,
                now=now,
                holder=self.holder,
                lease_until=now + self.lease,
            )
        return [
            Entry(record.id, item.invocation, item.route, record.received_at)
            for item, record in zip(items, records, strict=True)
            if record is not None
        ]

    def start(self, entry: Entry) -> None:
        """Run and answer the command in its chat's lane (after the ones before it)."""
        if self.lanes.submit(lane(entry.invocation), lambda: self._handle(entry)):
            self._in_hand.add(entry.id)

    async def open(self) -> int:
        """Take over and start what earlier processes left unanswered, then keep doing so (and
        keep this process's leases) every few seconds; returns how many were taken over."""
        recovered = await self.recover()
        self._task = asyncio.create_task(self._maintain())
        return recovered

    async def close(self) -> None:
        """Stop: the commands in flight get the grace period, then everything this process
        still holds is handed back, to be taken over at once."""
        self._stop.set()
        if self._task is not None:
            await self._task
            self._task = None
        await self.lanes.close(self.grace)
        try:
            async with self.sessions() as session, session.begin():
                handed = await inbound_service.release(session, holder=self.holder)
        except Exception:
            log.exception("could not hand back the %s commands in hand", self.platform)
            return
        if handed:
            log.info("stopping: %d %s commands handed back", handed, self.platform)

    async def recover(self) -> int:
        """Take over every unanswered record nobody holds, oldest first, and start them."""
        total = 0
        while True:
            now = self.now()
            async with self.sessions() as session, session.begin():
                records = await inbound_service.claim_stale(
                    session,
                    platforms=[self.platform],
                    now=now,
                    holder=self.holder,
                    lease_until=now + self.lease,
                    limit=BATCH,
                    max_attempts=MAX_ATTEMPTS,
                )
            for record in records:
                self.start(self._entry(record))
            total += len(records)
            if len(records) < BATCH:
                break
        if total:
            log.info("recovered %d commands on %s", total, self.platform)
        return total

    async def _maintain(self) -> None:
        while not self._stop.is_set():
            try:
                await asyncio.wait_for(self._stop.wait(), self.every)
                return
            except TimeoutError:
                pass
            try:
                if self._in_hand:
                    async with self.sessions() as session, session.begin():
                        await inbound_service.renew(
                            session,
                            holder=self.holder,
                            ids=sorted(self._in_hand),
                            until=self.now() + self.lease,
                        )
                await self.recover()
            except Exception:
                log.exception("inbox upkeep on %s failed; trying again shortly", self.platform)

    @staticmethod
    def _entry(record: inbound_service.Record) -> Entry:
        return Entry(
            id=record.id,
            invocation=decode_invocation(record.command),
            route=json.loads(record.route),
            received_at=record.received_at,
            attempts=record.attempts,
            reply=from_json(record.reply) if record.reply is not None else None,
            held=record.state == HELD,
        )

    async def _handle(self, entry: Entry) -> None:
        """Run the command unless it ran already, answer, mark it answered (or hand it back
        to be tried again later); a record left in hand by a failure here is no longer
        renewed, so it is taken over once its lease runs out."""
        try:
            await self._process(entry)
        finally:
            self._in_hand.discard(entry.id)

    async def _process(self, entry: Entry) -> None:
        try:
            reply, held = entry.reply, entry.held
            if reply is None:
                reply, held = await self._run(entry)
            await self.answerer.answer(entry, reply, held=held)
        except inbound_service.Superseded:
            return  # another process took it over: it answers
        except SendFailure as failure:
            if failure.kind != FailureKind.PERMANENT:
                await self._later(entry, failure.retry_after, failure.reason)
                return
            log.info("answer on %s not sent: %s", self.platform, failure.reason)
        except Exception:
            log.exception("command on %s not answered; trying again later", self.platform)
            await self._later(entry, None, "failed")
            return
        async with self.sessions() as session, session.begin():
            await inbound_service.mark_answered(session, record_id=entry.id, holder=self.holder)

    async def _run(self, entry: Entry) -> tuple[Reply, bool]:
        prepared = await self.answerer.prepare(entry)
        if isinstance(prepared, Reply):
            async with self.sessions() as session, session.begin():
                await inbound_service.mark_ran(
                    session,
                    record_id=entry.id,
                    holder=self.holder,
                    reply=to_json(prepared),
                    held=True,
                )
            return prepared, True
        claim = InboxClaim(record_id=entry.id, holder=self.holder)
        return await self.dispatcher.dispatch(replace(prepared, inbox=claim)), False

    async def _later(self, entry: Entry, retry_after: float | None, reason: str) -> None:
        """Hand the record back to be answered again later (by any process), or give up."""
        async with self.sessions() as session, session.begin():
            if entry.attempts >= MAX_ATTEMPTS:
                log.warning(
                    "gave up answering a command on %s after %d attempts: %s",
                    self.platform,
                    entry.attempts,
                    reason,
                )
                await inbound_service.mark_answered(session, record_id=entry.id, holder=self.holder)
                return
            wait = min(RETRY_MAX_S, RETRY_S * 2 ** (entry.attempts - 1)) * random.uniform(1, 1.5)
            at = self.now() + timedelta(seconds=max(wait, retry_after or 0))
            await inbound_service.retry_later(
                session, record_id=entry.id, holder=self.holder, at=at
            )
