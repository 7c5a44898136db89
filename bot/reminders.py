"""The reminder sweep: APScheduler is the clock, the database says what is due and what fired."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from datetime import datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import holding, notify
from bot.anchors import send_anchors
from bot.clock import Clock
from bot.context import Defaults, Reader
from bot.reply import Button, Item, Reply
from operations.events import Event, EventKind
from operations.inbound import service as inbound_service
from operations.member import service as member_service
from operations.member.models import Member
from operations.operation.models import Operation
from operations.reminder import acks as ack_chase
from operations.reminder import service as reminder_service
from operations.reminder.service import TaskReminder
from operations.summary import service as summary_service

log = logging.getLogger(__name__)
DEFAULT_OFFSETS = (timedelta(hours=24), timedelta(hours=1))
DEFAULT_ACK_CHASE = timedelta(minutes=30)  # JOINTOPS_ACK_CHASE
CHUNK = 50  # reminders per transaction
CHUNK_PAUSE = 0.1  # seconds between chunks of a backlog
DIGEST_WINDOW = timedelta(hours=6)  # a digest missed by more than this (bot down) is skipped
# this process's stages (JOINTOPS_REMINDER_OFFSETS)
_stages: dict[str, tuple[timedelta, ...]] = {"offsets": DEFAULT_OFFSETS}


def use_offsets(offsets: Sequence[timedelta]) -> None:
    """Set the stages before a due time that this process reminds at (the runtime, from the
    settings); `reminders` lists the next stage with them."""
    _stages["offsets"] = tuple(offsets)


def stage_offsets() -> tuple[timedelta, ...]:
    """The stages before a due time this process reminds at."""
    return tuple(_stages["offsets"])


def reminder_event(item: TaskReminder) -> Event:
    """A task reminder as an event: the assignee hears of it, as the knowing policy allows.
    What it says of the time left is worked out when it is rendered (bot.views.due_in)."""
    detail = {"stage": item.kind.split(":")[0]}
    if item.notes:
        detail["notes"] = json.dumps(list(item.notes), ensure_ascii=False)
    task = item.task
    return Event(EventKind.TASK_REMINDER, task.operation, item.key, task=task, detail=detail)


def end_event(operation: Operation, open_tasks: int) -> Event:
    """The lead agency told that the operation's planned end has passed."""
    key = f"operation:{operation.id}:ends_passed"
    return Event(EventKind.ENDS_PASSED, operation, key, detail={"open": str(open_tasks)})


class ReminderSweeper:
    """One sweep: task reminders, custom reminders, status cadence, daily digests."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        offsets: Sequence[timedelta] | None = None,
        ack_chase: timedelta = DEFAULT_ACK_CHASE,
        default_timezone: str = "UTC",
        default_language: str = "en",
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.offsets = tuple(offsets) if offsets is not None else stage_offsets()
        self.ack_chase = ack_chase
        self.default_timezone = default_timezone
        self.default_language = default_language

    async def sweep(self) -> int:
        """Fire every reminder that is due and has not fired; returns how many fired.

        Work is committed in small chunks: a backlog (after downtime) never holds the database
        long enough to make commands wait. Task reminders come newest stage first, and only
        tasks whose next reminder instant has come are read (operations.reminder.schedule).
        What is due for one task goes out as one message.
        """
        now = self.clock.now()
        fired = 0
        async with self.sessions() as session, session.begin():
            due = await reminder_service.due_task_reminders(session, now=now, offsets=self.offsets)
            due += await reminder_service.due_custom_reminders(session, now=now)
        due = reminder_service.one_per_task(due)
        for start in range(0, len(due), CHUNK):
            if start:
                await asyncio.sleep(CHUNK_PAUSE)  # let waiting commands take the database
            async with self.sessions() as session, session.begin():
                chunk = due[start : start + CHUNK]
                for item in chunk:
                    if await reminder_service.record_fired(session, key=item.key, now=now):
                        for key in item.covers:
                            await reminder_service.record_fired(session, key=key, now=now)
                        if not item.silent:
                            await self._task_reminder(session, item, now)
                            fired += 1
                await reminder_service.advance(session, chunk)
        async with self.sessions() as session, session.begin():
            for operation, open_tasks in await reminder_service.due_end_notices(session, now=now):
                await notify.publish(session, [end_event(operation, open_tasks)], now=now)
                fired += 1
            for cadence in await reminder_service.due_cadence_reminders(session, now=now):
                if await reminder_service.record_fired(session, key=cadence.key, now=now):
                    silent = str(int(cadence.silent_for.total_seconds()))
                    event = Event(
                        EventKind.CADENCE_DUE,
                        cadence.operation,
                        cadence.key,
                        detail={"silent": silent},
                    )
                    await notify.publish(session, [event], now=now)
                    fired += 1
            fired += await self._ack_chases(session, now)
            defaults = Defaults(self.default_timezone, self.default_language)
            fired += await holding.expire(session, now=now, defaults=defaults)
            fired += await self._digests(session, now)
            await inbound_service.forget_old(session, now=now)
        if fired:
            log.info("reminder sweep: %d sent", fired)
        return fired

    async def anchors(self) -> int:
        """Today's audit anchor to each admin whose time has come (bot.anchors), in a
        transaction of its own; returns how many admins it went to."""
        async with self.sessions() as session, session.begin():
            return await send_anchors(
                session,
                now=self.clock.now(),
                default_timezone=self.default_timezone,
                default_language=self.default_language,
            )

    async def _task_reminder(
        self, session: AsyncSession, item: TaskReminder, now: datetime
    ) -> None:
        await notify.publish(session, [reminder_event(item)], now=now)

    async def _ack_chases(self, session: AsyncSession, now: datetime) -> int:
        """Agencies that have not acknowledged an update reminded once; the lead told later."""
        events = [
            Event(
                EventKind.ACK_CHASE,
                chase.operation,
                chase.key,
                status=chase.update,
                addressee=chase.agency_id,
            )
            for chase in await ack_chase.due_chases(session, now=now, after=self.ack_chase)
        ]
        events += [
            Event(
                EventKind.ACK_MISSING,
                missing.operation,
                missing.key,
                status=missing.update,
                detail={"missing": " ".join(missing.agencies)},
            )
            for missing in await ack_chase.due_missing(session, now=now, after=self.ack_chase)
        ]
        if events:
            await notify.publish(session, events, now=now)
        return len(events)

    async def _digests(self, session: AsyncSession, now: datetime) -> int:
        sent = 0
        for member in await reminder_service.digest_members(session):
            reader = notify.person_reader(
                member,
                member.agency,
                now=now,
                default_timezone=self.default_timezone,
                default_language=self.default_language,
            )
            local = now.astimezone(reader.tz)
            hour, minute = (int(x) for x in str(member.digest_at).split(":"))
            start = datetime.combine(local.date(), time(hour, minute), tzinfo=reader.tz)
            if not start <= local < start + DIGEST_WINDOW:
                continue
            key = f"digest:{member.id}:{local.date().isoformat()}"
            if not await reminder_service.record_fired(session, key=key, now=now):
                continue
            await self._digest(session, member, reader, now, key)
            sent += 1
        return sent

    async def _digest(
        self, session: AsyncSession, member: Member, reader: Reader, now: datetime, key: str
    ) -> None:
        agency = member.agency
        actor = member_service.actor_for(member, agency, platform="digest")
        lines = await summary_service.overview(session, actor=actor, now=now)

        def build(r: Reader) -> Reply:
            reply = Reply(
                title=r._("Daily digest — {date}", date=r.day(now)),
                private=True,
            )
            for line in lines:
                c = line.counts
                reply.items.append(
                    Item(
                        r._(
                            "{code} — {name}: {open} open, {blocked} blocked, {overdue} overdue, "
                            "{done} done; last update {when}",
                            code=line.operation.code,
                            name=line.operation.name,
                            open=c["open"] + c["in_progress"],
                            blocked=c["blocked"],
                            overdue=c["overdue"],
                            done=c["done"],
                            when=r.when(line.last_update),
                        ),
                        buttons=[Button(r._("Summary"), f"summary {line.operation.code}")],
                        key=line.operation.code,
                    )
                )
            if not lines:
                reply.lines.append(r._("No active operation."))
            return reply

        await notify.to_person(
            session,
            reader=reader,
            member=member,
            agency=agency,
            build=build,
            kind="digest",
            key=key,
            now=now,
        )
