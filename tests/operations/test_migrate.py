"""The migrations build exactly the models' schema, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from operations import migrate
from operations.models import Base
from tests.conftest import empty_schema, make_engine


@pytest.fixture
async def bare_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url)
    await empty_schema(engine)
    yield engine
    await empty_schema(engine)
    await engine.dispose()


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_migrations_produce_the_models_schema(bare_engine: AsyncEngine) -> None:
    await migrate.upgrade(bare_engine)
    async with bare_engine.connect() as conn:
        diff = await conn.run_sync(_diff)
    assert diff == []


async def test_upgrade_reaches_head_and_is_idempotent(bare_engine: AsyncEngine) -> None:
    assert await migrate.current_revision(bare_engine) is None
    await migrate.upgrade(bare_engine)
    head = migrate.head_revision()
    assert head is not None
    assert await migrate.current_revision(bare_engine) == head
    await migrate.upgrade(bare_engine)
    assert await migrate.current_revision(bare_engine) == head


async def test_migrated_tables_are_the_models_tables(bare_engine: AsyncEngine) -> None:
    await migrate.upgrade(bare_engine)
    async with bare_engine.connect() as conn:
        tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert tables == set(Base.metadata.tables) | {"alembic_version"}
