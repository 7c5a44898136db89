"""The bot's process-wide pieces: database, dispatcher, and what the CLI asks of them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import Clock, SystemClock
from bot.commands import REGISTRY
from bot.config import Settings
from bot.dispatcher import Defaults, Dispatcher
from operations import db, migrate
from operations.audit import service as audit_service
from operations.audit.service import Verification
from operations.member import service as member_service

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
        if upgrade:
            await migrate.upgrade(engine)
        sessions = db.create_session_factory(engine)
        dispatcher = Dispatcher(
            sessions,
            REGISTRY,
            clock=clock or SystemClock(),
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

    async def verify_audit(self) -> Verification:
        """Check the whole audit chain."""
        async with self.sessions() as session:
            return await audit_service.verify(session)


async def upgrade_database(settings: Settings) -> tuple[str | None, str | None]:
    """Apply pending migrations; returns the revisions before and after."""
    engine = db.create_engine(settings.database_url)
    try:
        before = await migrate.current_revision(engine)
        await migrate.upgrade(engine)
        return before, await migrate.current_revision(engine)
    finally:
        await engine.dispose()
