"""The inline SQLite driver: settings from the URL, and waiting for the write lock on the loop.

These tests open their own SQLite files, so they run in the PostgreSQL pass too: the driver is
what every embedded installation uses.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from operations import db
from operations.sqlite import inline_url


async def pragma(engine: AsyncEngine, name: str) -> object:
    async with engine.connect() as conn:
        return (await conn.execute(text(f"PRAGMA {name}"))).scalar()


@pytest.fixture
async def path(tmp_path: Path) -> AsyncIterator[Path]:
    file = tmp_path / "inline.db"
    engine = db.create_engine(f"sqlite:///{file}")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (n INTEGER PRIMARY KEY, who TEXT NOT NULL)"))
    await engine.dispose()
    yield file


@pytest.mark.parametrize("scheme", ["sqlite", "sqlite+aiosqlite"])
async def test_sqlite_urls_run_on_the_inline_driver_in_wal_with_normal_sync(
    path: Path, scheme: str
) -> None:
    engine = db.create_engine(f"{scheme}:///{path}")
    try:
        assert engine.dialect.driver == "jointops"
        assert await pragma(engine, "journal_mode") == "wal"
        assert await pragma(engine, "foreign_keys") == 1
        assert await pragma(engine, "synchronous") == 1  # NORMAL
    finally:
        await engine.dispose()


@pytest.mark.parametrize(("value", "level"), [("full", 2), ("FULL", 2), ("extra", 3)])
async def test_synchronous_is_chosen_in_the_url(path: Path, value: str, level: int) -> None:
    engine = db.create_engine(f"sqlite:///{path}?synchronous={value}")
    try:
        assert await pragma(engine, "synchronous") == level
    finally:
        await engine.dispose()


@pytest.mark.parametrize("value", ["off", "fast", "1"])
def test_an_unknown_synchronous_value_is_refused_by_name(path: Path, value: str) -> None:
    with pytest.raises(ArgumentError, match=r"synchronous=.*normal, full, extra"):
        db.create_engine(f"sqlite:///{path}?synchronous={value}")


def test_other_databases_keep_their_driver() -> None:
    url = make_url("postgresql+asyncpg://postgres@127.0.0.1/test")
    assert inline_url(url) is url


class Ticker:
    """Counts how often the event loop ran something else while a test waits."""

    def __init__(self) -> None:
        self.ticks = 0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(0.005)
            self.ticks += 1

    def __enter__(self) -> Ticker:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()


async def test_a_transaction_waits_for_the_write_lock_without_blocking_the_loop(
    path: Path,
) -> None:
    holder = db.create_engine(f"sqlite:///{path}")
    waiter = db.create_engine(f"sqlite:///{path}")
    try:
        async with holder.begin() as held:
            await held.execute(text("INSERT INTO t (who) VALUES ('holder')"))

            async def write() -> float:
                async with waiter.begin() as conn:
                    await conn.execute(text("INSERT INTO t (who) VALUES ('waiter')"))
                return time.monotonic()

            with Ticker() as ticker:
                attempt = asyncio.create_task(write())
                await asyncio.sleep(0.3)
                assert not attempt.done()  # the lock is held: it waits...
                assert ticker.ticks >= 10  # ...while the loop goes on serving others
                released = time.monotonic()
        finished = await asyncio.wait_for(attempt, 5)
        assert finished >= released
        async with waiter.connect() as conn:
            rows = (await conn.execute(text("SELECT who FROM t ORDER BY n"))).scalars().all()
        assert rows == ["holder", "waiter"]
    finally:
        await holder.dispose()
        await waiter.dispose()


async def test_a_lock_held_too_long_fails_as_locked_and_changes_nothing(path: Path) -> None:
    holder = db.create_engine(f"sqlite:///{path}")
    waiter = db.create_engine(f"sqlite:///{path}", connect_args={"busy_timeout_s": 0.3})
    try:
        async with holder.begin() as held:
            await held.execute(text("INSERT INTO t (who) VALUES ('holder')"))
            started = time.monotonic()
            with Ticker() as ticker, pytest.raises(OperationalError, match="locked"):
                async with waiter.begin() as conn:
                    await conn.execute(text("INSERT INTO t (who) VALUES ('waiter')"))
            assert time.monotonic() - started >= 0.3
            assert ticker.ticks >= 10
        # the lock is free again, and the same engine carries on
        async with waiter.begin() as conn:
            await conn.execute(text("INSERT INTO t (who) VALUES ('after')"))
        async with waiter.connect() as conn:
            rows = (await conn.execute(text("SELECT who FROM t ORDER BY n"))).scalars().all()
        assert rows == ["holder", "after"]
    finally:
        await holder.dispose()
        await waiter.dispose()


async def test_every_transaction_takes_the_write_lock_when_it_begins(path: Path) -> None:
    """BEGIN IMMEDIATE: SQLite has no SELECT ... FOR UPDATE, so a transaction that only read so
    far already keeps other writers out (read-then-write sequences stay serialised)."""
    reader = db.create_engine(f"sqlite:///{path}")
    writer = db.create_engine(f"sqlite:///{path}", connect_args={"busy_timeout_s": 0.2})
    try:
        async with reader.begin() as held:
            await held.execute(text("SELECT count(*) FROM t"))
            with pytest.raises(OperationalError, match="locked"):
                async with writer.begin() as conn:
                    await conn.execute(text("INSERT INTO t (who) VALUES ('writer')"))
    finally:
        await reader.dispose()
        await writer.dispose()
