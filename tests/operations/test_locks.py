"""The lock helpers of operations.db: what they compile to, and which refusals are transient."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError

from operations import db
from operations.operation.models import Operation
from operations.operation.queries import _visible_by_code


def compiled(stmt: object, dialect: object) -> str:
    return str(stmt.compile(dialect=dialect))  # type: ignore[attr-defined]


def test_a_change_lock_is_for_no_key_update_on_postgresql_and_nothing_on_sqlite() -> None:
    stmt = db.change_lock(select(Operation).where(Operation.code == "X"), Operation)
    assert compiled(stmt, postgresql.dialect()).endswith("FOR NO KEY UPDATE OF operation")
    assert "FOR" not in compiled(stmt, sqlite.dialect()).split("WHERE")[-1]


def test_the_operation_lock_is_a_change_lock() -> None:
    assert compiled(_visible_by_code(False, True), postgresql.dialect()).endswith(
        "FOR NO KEY UPDATE OF operation"
    )


class DriverError(Exception):
    def __init__(self, sqlstate: str | None) -> None:
        super().__init__("refused")
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("sqlstate", "expected"), [("40P01", True), ("40001", True), ("23505", False), (None, False)]
)
def test_deadlocks_and_serialization_failures_are_transient(
    sqlstate: str | None, expected: bool
) -> None:
    assert db.transient(DBAPIError("SELECT 1", None, DriverError(sqlstate))) is expected


def test_the_cause_of_a_wrapped_driver_error_is_looked_at() -> None:
    wrapped = Exception("deadlock detected")
    wrapped.__cause__ = DriverError("40P01")
    assert db.transient(DBAPIError("SELECT 1", None, wrapped))
    assert not db.transient(IntegrityError("INSERT", None, DriverError("23505")))
    assert not db.transient(ValueError("40P01"))
