"""Declarative base, column types and engine/session factories."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from sqlalchemy import DateTime, Enum, MetaData, Table
from sqlalchemy.dialects import registry
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql.selectable import GenerativeSelect
from sqlalchemy.types import TypeDecorator

from operations import sqlite
from operations.errors import Conflict

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every model; shares one MetaData with a naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


@asynccontextmanager
async def unique(session: AsyncSession, kind: str, key: str) -> AsyncIterator[None]:
    """Flush what the block adds in a savepoint; a unique-constraint clash (two people creating
    the same thing at the same moment) becomes a Conflict instead of a crash."""
    try:
        async with session.begin_nested():
            yield
            await session.flush()
    except IntegrityError:
        raise Conflict(kind, key) from None


# Row locks: one order for every command, so that no two transactions wait on each other.
#
#   1. the operation row   operation.queries.visible_by_code(lock=True): task add (numbering),
#                          op join/start/.../remove, reminder changes
#   2. rows under it       a task (task.queries.by_number(lock=True)), invites, link codes,
#                          members, deliveries (the worker's claims)
#   3. the audit head      audit.queries.lock_head, through audit.service.record: always last.
#                          A service audits after its change, and after the head is taken a
#                          command only inserts (its events, deliveries), never locks a row.
#
# A command never locks a row of a level above one it already holds. Every lock is
# `change_lock` (FOR NO KEY UPDATE on PostgreSQL): the locked rows' keys never change, and
# the inserts of other commands that refer to them (a task's operation_id, a delivery's)
# take FOR KEY SHARE on them, which FOR UPDATE would block and FOR NO KEY UPDATE does not.
# What is left (a serialization failure, a deadlock with a path outside this order) is
# `transient`: the dispatcher runs the whole command again in a new transaction.
# SQLite has no row locks: each transaction takes the write lock when it begins
# (operations.sqlite), and SQLAlchemy compiles no FOR clause for it.

_S = TypeVar("_S", bound=GenerativeSelect)
TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})  # deadlock_detected, serialization_failure


def change_lock(stmt: _S, *of: Any) -> _S:
    """The statement, locking the rows it reads (of `of`'s tables) until the transaction ends
    against other changes, not against inserts that refer to them (FOR NO KEY UPDATE)."""
    return stmt.with_for_update(key_share=True, of=list(of) or None)


def transient(error: BaseException) -> bool:
    """Whether the database refused a transaction only because of concurrent ones (a deadlock
    or a serialization failure): the same transaction run again may succeed."""
    if not isinstance(error, DBAPIError):
        return False
    cause: BaseException | None = error.orig
    while cause is not None:
        code = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
        if code in TRANSIENT_SQLSTATES:
            return True
        cause = cause.__cause__
    return False


registry.register(f"sqlite.{sqlite.DRIVER}", "operations.sqlite", "InlineSQLiteDialect")


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create an async engine. SQLite (any sqlite URL, the default `sqlite+aiosqlite://` too)
    runs on the inline driver of operations.sqlite: WAL mode, foreign keys, and transactions
    that take the write lock when they begin."""
    return create_async_engine(sqlite.inline_url(make_url(url)), **kwargs)


def table(model: type[Base]) -> Table:
    """A model's table, for the plain INSERT and UPDATE statements of hot paths."""
    return cast(Table, model.__table__)


def check_url(url: str) -> None:
    """ValueError naming what is wrong with a database URL's options (before connecting)."""
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise ValueError(str(error)) from None
    if parsed.get_backend_name() == "sqlite":
        sqlite.synchronous_of(parsed)


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """A session factory whose objects stay usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def enum_type(enum_cls: type[Any], length: int = 16) -> Enum:
    """A portable VARCHAR enum storing the members' values."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def utcnow() -> datetime:
    """The current time, aware, in UTC (services get `now` passed; this is for defaults)."""
    return datetime.now(UTC)
