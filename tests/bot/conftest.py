"""A small joint operation, typed through the real dispatcher, that the command tests share.

Agencies: FR-OCLCTIC (Europe/Paris, fr), ES-UCO (Europe/Madrid, es), AE-DXB (Asia/Dubai, ar),
US-FDA (America/New_York, en).
PANGEA-18: active, led by FR-OCLCTIC with ES-UCO; #1 "Raid warehouse 4" to FR-OCLCTIC due
tomorrow 06:00 UTC, #2 "Trace payment processor" to ES-UCO.
SECRET-9: planned, US-FDA alone, #1 "Watch the port" to US-FDA; FR-OCLCTIC may not know of it.
Members are made on demand with `await world.member(role, agency)`, on Telegram (the console
cannot receive updates, so chats are linked from there); `await world.admin_on_telegram()` is
the local administrator's own Telegram account.

On SQLite the world is typed once per session and each test gets a copy of that file (fast);
on PostgreSQL it is typed for each test. Either way it went through the real dispatcher.
"""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import FakeClock
from bot.commands import REGISTRY
from bot.context import Invocation
from bot.dispatcher import Dispatcher
from bot.reply import Tone
from bot.runtime import LOCAL_ADMIN, LOCAL_ADMIN_NAME
from operations import db
from operations.agency.models import Agency
from operations.member import service as member_service
from operations.models import Base
from tests.conftest import PG_URL, START, Chat, Person

SETUP = [
    'agency add FR-OCLCTIC "Office central (OCLCTIC)" --country FR --tz Europe/Paris --lang fr',
    'agency add ES-UCO "Guardia Civil UCO" --country ES --tz Europe/Madrid --lang es',
    'agency add AE-DXB "Dubai Police" --country AE --tz Asia/Dubai --lang ar',
    'agency add US-FDA "FDA Office of Criminal Investigations" --country US --tz America/New_York',
    'op new PANGEA-18 "Illicit online pharmacies" --lead FR-OCLCTIC',
    "op join PANGEA-18 ES-UCO",
    "op start PANGEA-18",
    'task add PANGEA-18 "Raid warehouse 4" --to FR-OCLCTIC --due 2026-11-27T06:00Z',
    'task add PANGEA-18 "Trace payment processor" --to ES-UCO',
    'op new SECRET-9 "Closed circle" --lead US-FDA',
    'task add SECRET-9 "Watch the port" --to US-FDA',
]


@dataclass
class World:
    chat: Chat
    admin: Person
    clock: FakeClock
    members: dict[tuple[str, str], Person] = field(default_factory=dict)

    def on_telegram(self, user_id: str, name: str) -> Person:
        """Someone on Telegram, typing in their private chat with the bot."""
        return self.chat.person(
            user_id, name, platform="telegram", workspace="tg", chat_id=f"dm-{user_id}"
        )

    async def member(self, role: str, agency: str, *, reads: str | None = None) -> Person:
        """A member of `agency` with `role`, invited by the admin (made once). They read their
        agency's language (FR-OCLCTIC French, ES-UCO Spanish, AE-DXB Arabic) unless `reads`
        sets their own (`me lang`): tests that check English words ask for English."""
        key = (role, agency)
        if key not in self.members:
            person = self.on_telegram(f"{role}-{agency}".lower(), f"{role.title()} of {agency}")
            out = await person.joins_with_invite_from(self.admin, agency, role)
            assert person.reply.tone == Tone.OK, out
            if reads is not None:
                out = await person.says(f"me lang {reads}")
                assert person.reply.tone == Tone.OK, out
            self.members[key] = person
        return self.members[key]

    async def admin_on_telegram(self) -> Person:
        """The local administrator's Telegram account, linked with `connect`."""
        key = ("admin", "telegram")
        if key not in self.members:
            code = (await self.admin.says("connect")).split("join ")[-1].split()[0]
            person = self.on_telegram("admin-tg", "Local administrator")
            out = await person.says(f"join {code}")
            assert person.reply.tone == Tone.OK, out
            self.members[key] = person
        return self.members[key]

    def stranger(self, user_id: str = "stranger-1", name: str = "Sam Stranger") -> Person:
        """Someone the bot does not know."""
        return self.chat.person(user_id, name)


async def _type_setup(engine: AsyncEngine) -> None:
    """The local administrator types SETUP at START."""
    sessions = db.create_session_factory(engine)
    clock = FakeClock(START)
    platform, workspace, user = LOCAL_ADMIN
    async with sessions() as session, session.begin():
        await member_service.ensure_admin(
            session,
            platform=platform,
            workspace=workspace,
            external_id=user,
            display_name=LOCAL_ADMIN_NAME,
            now=clock.now(),
        )
    dispatcher = Dispatcher(sessions, REGISTRY, clock=clock)
    for line in SETUP:
        reply = await dispatcher.dispatch(
            Invocation(platform, workspace, "console", user, LOCAL_ADMIN_NAME, line)
        )
        assert reply.tone != Tone.ERROR, f"{line}: {reply.title}"


@pytest.fixture(scope="session")
def world_template(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """On SQLite the world is typed once, then each test starts from a copy of the file."""
    if PG_URL:
        return None
    path = tmp_path_factory.mktemp("world") / "world.db"

    async def build() -> None:
        engine = db.create_engine(f"sqlite+aiosqlite:///{path}")
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        await _type_setup(engine)
        await engine.dispose()

    asyncio.run(build())
    return path


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if PG_URL:
        return PG_URL
    path = tmp_path / "test.db"
    if "world_template" in request.fixturenames:  # the test uses the `world` below
        shutil.copyfile(request.getfixturevalue("world_template"), path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
async def world(
    world_template: Path | None, chat: Chat, admin: Person, clock: FakeClock, engine: AsyncEngine
) -> World:
    async with chat.dispatcher.sessions() as session:
        typed = await session.scalar(select(func.count()).select_from(Agency))
    if not typed:  # PostgreSQL, or a fresh SQLite file
        await _type_setup(engine)
    return World(chat, admin, clock)
