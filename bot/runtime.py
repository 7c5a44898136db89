"""The bot's process-wide pieces: database, dispatcher, and what the CLI asks of them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import Clock, SystemClock
from bot.commands import REGISTRY
from bot.config import Settings
from bot.delivery import Sender
from bot.dispatcher import Defaults, Dispatcher
from bot.reminders import ReminderSweeper, use_offsets
from bot.slots import shared_limiter
from bot.worker import DeliveryWorker
from operations import db, migrate
from operations.audit import service as audit_service
from operations.audit import startup as audit_startup
from operations.audit.chain import Anchor as Anchor  # the CLI names anchors
from operations.audit.service import Verification
from operations.member import service as member_service

log = logging.getLogger(__name__)
LOCAL_ADMIN = ("console", "local", "admin")
LOCAL_ADMIN_NAME = "Local administrator"


@dataclass
class Runtime:
    """An open database and the dispatcher every adapter shares."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    dispatcher: Dispatcher

    @classmethod
    async def open(
        cls, settings: Settings, *, clock: Clock | None = None, upgrade: bool = True
    ) -> Runtime:
        """Connect, bring the schema to head (unless told not to) and build the dispatcher."""
        engine = db.create_engine(settings.database_url)
        sessions = db.create_session_factory(engine)
        clock = clock or SystemClock()
        if upgrade:
            await _upgrade(engine, sessions, clock.now())
        dispatcher = Dispatcher(
            sessions,
            REGISTRY,
            clock=clock,
            defaults=Defaults(timezone=settings.timezone, language=settings.language),
        )
        return cls(settings, engine, sessions, dispatcher)

    async def close(self) -> None:
        await self.engine.dispose()

    async def ensure_local_admin(self) -> None:
        """The console's user is the built-in local administrator."""
        platform, workspace, user = LOCAL_ADMIN
        async with self.sessions() as session, session.begin():
            await member_service.ensure_admin(
                session,
                platform=platform,
                workspace=workspace,
                external_id=user,
                display_name=LOCAL_ADMIN_NAME,
                now=self.dispatcher.clock.now(),
            )

    async def verify_audit(self, anchor: Anchor | None = None) -> Verification:
        """Check the whole audit chain (that it extends `anchor`, when given) and the rows."""
        async with self.sessions() as session:
            return await audit_service.verify(session, anchor=anchor)

    async def audit_head(self) -> Anchor:
        """The chain's head, to write down elsewhere as an anchor."""
        async with self.sessions() as session:
            return await audit_service.head(session)


async def upgrade_database(settings: Settings) -> tuple[str | None, str | None]:
    """Apply pending migrations; returns the revisions before and after."""
    engine = db.create_engine(settings.database_url)
    try:
        before = await _upgrade(engine, db.create_session_factory(engine), datetime.now(UTC))
        return before, await migrate.current_revision(engine)
    finally:
        await engine.dispose()


async def _upgrade(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], now: datetime
) -> str | None:
    """Bring the schema to head, then repair the audit chain's head row if it is missing
    (reported); returns the revision before."""
    before = await migrate.current_revision(engine)
    await migrate.upgrade(engine)
    async with sessions() as session, session.begin():
        repaired = await audit_startup.repair(session, now=now, upgraded_from=before)
    if repaired.head is not None:
        log.warning(
            "audit head row was missing: rebuilt from the chain at %s; "
            "check it with jointops audit verify --anchor <the last anchor you kept>",
            repaired.head,
        )
    if repaired.baseline:
        log.warning("audit baseline: %d existing rows recorded as they are", repaired.baseline)
    return before


class Background:
    """The delivery worker and the reminder sweep (APScheduler's clock) of one process."""

    def __init__(self, runtime: Runtime, senders: Mapping[str, Sender]) -> None:
        settings = runtime.settings
        clock = runtime.dispatcher.clock
        # the bot's limits, shared by every replica and by replies and deliveries alike
        redis_url = settings.redis_url.get_secret_value() if settings.redis_url else None
        self.limiter = shared_limiter(runtime.sessions, redis_url)
        for sender in senders.values():
            sender.limiter = self.limiter
        self.worker = DeliveryWorker(
            runtime.sessions,
            senders,
            clock,
            lease=timedelta(seconds=settings.delivery_lease_seconds),
        )
        use_offsets(settings.offsets)  # `reminders` lists the stages this process sends
        self.sweeper = ReminderSweeper(
            runtime.sessions,
            clock,
            offsets=settings.offsets,
            ack_chase=settings.ack_chase_after,
            default_timezone=settings.timezone,
            default_language=settings.language,
        )
        logging.getLogger("apscheduler").setLevel(logging.WARNING)  # not two lines a sweep
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self.scheduler.add_job(
            self._sweep,
            "interval",
            seconds=settings.sweep_seconds,
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(UTC),
        )
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        runtime.dispatcher.on_queued = self.worker.wake.set

    async def _sweep(self) -> None:
        try:
            if await self.sweeper.sweep() + await self.sweeper.anchors():
                self.worker.wake.set()
        except Exception:
            log.exception("reminder sweep failed")

    def start(self) -> None:
        self.scheduler.start()
        self._task = asyncio.create_task(self.worker.run(self._stop))

    async def stop(self) -> None:
        self.scheduler.shutdown(wait=False)
        self._stop.set()
        if self._task is not None:
            await self._task
        await self.limiter.close()
