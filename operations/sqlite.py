"""SQLite for the async engine, one statement at a time on the event loop's own thread.

aiosqlite runs every driver call (cursor, execute, fetch, close) in a worker thread and wakes
the event loop for each answer: about four thread hand-offs per statement, 0.4-0.6 ms on a
small VM, against a few microseconds for the statement itself. A command is about ten
statements, so those hand-offs were most of a command's time (benchmarks/RESULTS.md).

This driver runs the standard library's sqlite3 directly where SQLAlchemy's async engine
drives it (inside its greenlet, on the loop's thread). A local SQLite statement is shorter
than the hand-off that aiosqlite would spend on it, so nothing is gained by a thread.

The one wait that can be long is the write lock, held by another connection or process. The
driver does not let SQLite wait for it (busy_timeout 0, which would block the loop): on
SQLITE_BUSY it sleeps on the event loop, so other coroutines run, and tries again with a
growing pause until `busy_timeout_s` has passed, then raises "database is locked" like SQLite.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import pool
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError
from sqlalchemy.util import await_only
from sqlalchemy.util.concurrency import in_greenlet

DRIVER = "jointops"
BUSY_TIMEOUT_S = 5.0
# `?synchronous=` in the URL. In WAL mode NORMAL syncs at checkpoints, not at every commit: a
# committed transaction survives the bot crashing or being killed, and a power cut or kernel
# crash may undo the last transactions (whole ones: the database stays consistent). FULL also
# survives those, at the price of an fsync per command (about 2 ms on this project's VMs).
SYNCHRONOUS = {"normal": "NORMAL", "full": "FULL", "extra": "EXTRA"}
DEFAULT_SYNCHRONOUS = "normal"
_FIRST_PAUSE_S = 0.001
_LONGEST_PAUSE_S = 0.05

T = TypeVar("T")


def _is_busy(error: sqlite3.OperationalError) -> bool:
    """SQLITE_BUSY and its extended codes: another connection holds the lock, retry later.
    (SQLITE_LOCKED is a conflict inside one connection, which waiting does not solve.)"""
    return error.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY


def _patiently(call: Callable[[], T], timeout_s: float) -> T:
    """Run a driver call inside SQLAlchemy's greenlet (the async engine's `await` points
    expect one); outside it (no caller in jointops), run it once."""
    if not in_greenlet():
        return call()
    return await_only(_until_not_busy(call, timeout_s))


async def _until_not_busy(call: Callable[[], T], timeout_s: float) -> T:
    """The call, again while SQLite answers "busy", sleeping on the loop between tries."""
    deadline: float | None = None
    pause = _FIRST_PAUSE_S
    while True:
        try:
            return call()
        except sqlite3.OperationalError as error:
            if not _is_busy(error):
                raise
            now = time.monotonic()
            if deadline is None:
                deadline = now + timeout_s
            if now >= deadline:
                raise
            await asyncio.sleep(min(pause, deadline - now))
            pause = min(pause * 2, _LONGEST_PAUSE_S)


class InlineCursor(sqlite3.Cursor):
    """A sqlite3 cursor whose statements wait for the write lock without blocking the loop."""

    def execute(self, sql: str, parameters: Any = (), /) -> InlineCursor:
        timeout = self.connection.busy_timeout_s  # type: ignore[attr-defined]
        _patiently(lambda: super(InlineCursor, self).execute(sql, parameters), timeout)
        return self

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> InlineCursor:
        rows = list(seq_of_parameters)  # a generator could not be replayed after "busy"
        timeout = self.connection.busy_timeout_s  # type: ignore[attr-defined]
        _patiently(lambda: super(InlineCursor, self).executemany(sql, rows), timeout)
        return self

    async def _async_soft_close(self) -> None:
        """Called by SQLAlchemy's AsyncConnection after execute: aiosqlite's cursor drops its
        thread-side state there. A sqlite3 cursor keeps its rows until read or closed."""


class InlineConnection(sqlite3.Connection):
    """A sqlite3 connection whose cursors are InlineCursors."""

    busy_timeout_s: float = BUSY_TIMEOUT_S

    def cursor(self, factory: Any = InlineCursor) -> Any:
        return super().cursor(factory)

    def commit(self) -> None:
        _patiently(super().commit, self.busy_timeout_s)


class InlineSQLiteDialect(SQLiteDialect_pysqlite):
    """`sqlite+jointops://`: the pysqlite dialect, declared async, on InlineConnection."""

    driver = DRIVER
    is_async = True
    supports_statement_cache = True

    def create_connect_args(self, url: URL) -> Any:
        try:
            synchronous = synchronous_of(url)
        except ValueError as error:
            raise ArgumentError(str(error)) from None
        cargs, cparams = super().create_connect_args(url.difference_update_query(["synchronous"]))
        cparams["synchronous"] = synchronous
        return cargs, cparams

    @classmethod
    def get_pool_class(cls, url: URL) -> type[pool.Pool]:
        if cls._is_url_file_db(url):
            return pool.AsyncAdaptedQueuePool
        return pool.StaticPool

    def connect(self, *cargs: Any, **cparams: Any) -> Any:
        busy_timeout_s = float(cparams.pop("busy_timeout_s", BUSY_TIMEOUT_S))
        synchronous = cparams.pop("synchronous", DEFAULT_SYNCHRONOUS)
        cparams["factory"] = InlineConnection
        # SQLite does not wait for locks itself (that would block the loop): see _patiently
        cparams["timeout"] = 0
        # the pool may close a connection from another thread (engine disposal at exit)
        cparams["check_same_thread"] = False
        # transactions are ours (do_begin): sqlite3's implicit BEGIN comes only at the first
        # write, too late for the reads that decide it
        cparams["isolation_level"] = None
        connection = super().connect(*cargs, **cparams)
        connection.busy_timeout_s = busy_timeout_s
        filename = str(cargs[0]) if cargs else ""
        if filename != ":memory:" and "mode=memory" not in filename:
            connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA foreign_keys=ON")
        connection.execute(f"PRAGMA synchronous={SYNCHRONOUS[synchronous]}")
        return connection

    def do_begin(self, dbapi_connection: Any) -> None:
        """SQLite has no SELECT ... FOR UPDATE: take the write lock when the transaction
        starts, so read-then-write sequences (invite redemption, task numbering, the audit
        chain head) are serialised as they are on PostgreSQL."""
        cursor = dbapi_connection.cursor()
        cursor.execute("BEGIN IMMEDIATE")
        cursor.close()


def synchronous_of(url: URL) -> str:
    """The `?synchronous=` a SQLite URL asks for (normal when it does not say)."""
    value = url.query.get("synchronous", DEFAULT_SYNCHRONOUS)
    synchronous = (value if isinstance(value, str) else value[-1]).lower()
    if synchronous not in SYNCHRONOUS:
        raise ValueError(
            f"synchronous={synchronous} in the SQLite URL: use one of {', '.join(SYNCHRONOUS)}"
        )
    return synchronous


def inline_url(url: URL) -> URL:
    """The same SQLite database, on this driver (any other URL is returned unchanged)."""
    if url.get_backend_name() != "sqlite":
        return url
    return url.set(drivername=f"sqlite+{DRIVER}")
