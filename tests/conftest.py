"""Shared fixtures: a real database (SQLite file, or PostgreSQL when asked), a fake clock,
the real dispatcher, and a conversation helper that types commands as chat users."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from adapters.console.adapter import render
from bot.clock import FakeClock
from bot.commands import REGISTRY
from bot.context import Invocation
from bot.dispatcher import Defaults, Dispatcher
from bot.reply import Reply
from bot.runtime import LOCAL_ADMIN, LOCAL_ADMIN_NAME
from operations import db
from operations.models import Base

# Set by .ci/run for the PostgreSQL pass, e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test
PG_URL = os.environ.get("JOINTOPS_TEST_DATABASE_URL", "")
START = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return PG_URL or f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"


# PostgreSQL: each test process works in its own schema, so parallel runs cannot collide.
PG_SCHEMA = f"jointops_test_{os.getpid()}"


def make_engine(url: str) -> AsyncEngine:
    """An engine on the test database (on PostgreSQL, confined to this process's schema)."""
    if url.startswith("postgresql"):
        return db.create_engine(url, connect_args={"server_settings": {"search_path": PG_SCHEMA}})
    return db.create_engine(url)


async def empty_schema(engine: AsyncEngine) -> None:
    """Drop everything: on PostgreSQL recreate this process's schema; SQLite files are new."""
    if engine.dialect.name == "postgresql":
        async with engine.begin() as conn:
            await conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
            await conn.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))


async def reset_schema(engine: AsyncEngine) -> None:
    """An empty schema with every table of the models, nothing else."""
    await empty_schema(engine)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = make_engine(database_url)
    await reset_schema(eng)
    yield eng
    if eng.dialect.name == "postgresql":
        async with eng.begin() as conn:
            await conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
    await eng.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return db.create_session_factory(engine)


@pytest.fixture
async def session(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessions() as s:
        yield s


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def dispatcher(sessions: async_sessionmaker[AsyncSession], clock: FakeClock) -> Dispatcher:
    return Dispatcher(sessions, REGISTRY, clock=clock, defaults=Defaults())


@dataclass
class Person:
    """Someone typing in a chat; `says` returns the rendered reply, `reply` the last Reply."""

    chat: Chat
    user_id: str
    name: str
    platform: str = "console"
    workspace: str = "local"
    chat_id: str = "console"
    private_chat: bool = True  # False: typing in a group chat, read by the chat's agency
    replies: list[Reply] = field(default_factory=list)

    async def says(self, text: str) -> str:
        reply = await self.chat.dispatcher.dispatch(
            Invocation(
                platform=self.platform,
                workspace=self.workspace,
                chat_id=self.chat_id,
                user_id=self.user_id,
                user_name=self.name,
                text=text,
                chat_title=self.chat_id,
                private_chat=self.private_chat,
            )
        )
        self.replies.append(reply)
        return render(reply)

    @property
    def reply(self) -> Reply:
        return self.replies[-1]

    async def joins_with_invite_from(self, inviter: Person, agency: str, role: str) -> str:
        """The inviter makes a code for this person, who redeems it."""
        invite = await inviter.says(f"invite {agency} --role {role}")
        match = re.search(r"join ([A-Z0-9-]+)", invite)
        assert match, invite
        return await self.says(f"join {match[1]}")


@dataclass
class Chat:
    """A dispatcher shared by several people."""

    dispatcher: Dispatcher

    def person(self, user_id: str, name: str, **kwargs: str) -> Person:
        return Person(self, user_id, name, **kwargs)


@pytest.fixture
async def chat(
    dispatcher: Dispatcher, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> Chat:
    from operations.member import service as member_service

    platform, workspace, user = LOCAL_ADMIN
    async with sessions() as s, s.begin():
        await member_service.ensure_admin(
            s,
            platform=platform,
            workspace=workspace,
            external_id=user,
            display_name=LOCAL_ADMIN_NAME,
            now=clock.now(),
        )
    return Chat(dispatcher)


@pytest.fixture
def admin(chat: Chat) -> Person:
    """The built-in local administrator at the console."""
    return chat.person(LOCAL_ADMIN[2], LOCAL_ADMIN_NAME)
