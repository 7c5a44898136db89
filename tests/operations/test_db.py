"""Column types and engine set-up shared by every model."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from operations.agency.models import Agency
from operations.db import UTCDateTime
from operations.enums import Language, Role
from operations.member.models import Member
from operations.models import Base

Sessions = async_sessionmaker[AsyncSession]


def agency(code: str, created_at: datetime) -> Agency:
    return Agency(
        code=code,
        name=code,
        country="FR",
        timezone="Europe/Paris",
        language=Language.FR,
        created_at=created_at,
    )


async def stored_time(sessions: Sessions, code: str) -> datetime:
    """Read back in a fresh session, so the value comes from the database, not the identity map."""
    async with sessions() as s:
        value = await s.scalar(select(Agency.created_at).where(Agency.code == code))
    assert value is not None
    return value


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 11, 26, 10, 0, tzinfo=UTC),
        datetime(2026, 11, 26, 11, 30, 15, 123456, tzinfo=ZoneInfo("Europe/Paris")),
        datetime(2026, 3, 29, 1, 59, 59, tzinfo=ZoneInfo("Europe/Paris")),  # just before DST
        datetime(2026, 11, 26, 23, 0, tzinfo=timezone(timedelta(hours=-3))),  # another day in UTC
        datetime(2026, 11, 26, 7, 0, tzinfo=ZoneInfo("Asia/Kolkata")),
    ],
)
async def test_utc_datetime_round_trips_as_aware_utc(sessions: Sessions, moment: datetime) -> None:
    async with sessions() as s, s.begin():
        s.add(agency("AA", moment))
    value = await stored_time(sessions, "AA")
    assert value == moment
    assert value.tzinfo is not None and value.utcoffset() == timedelta(0)
    assert value.tzinfo == UTC
    # the wall-clock reading is UTC's, to the microsecond
    assert value.replace(tzinfo=None) == moment.astimezone(UTC).replace(tzinfo=None)


async def test_utc_datetime_refuses_naive_datetimes(sessions: Sessions) -> None:
    with pytest.raises(StatementError) as caught:
        async with sessions() as s, s.begin():
            s.add(agency("AA", datetime(2026, 11, 26, 10, 0)))
    assert isinstance(caught.value.orig, ValueError)
    assert "naive" in str(caught.value.orig)
    async with sessions() as s:
        assert await s.scalar(select(Agency.id)) is None


async def test_utc_datetime_refuses_naive_datetimes_in_queries(sessions: Sessions) -> None:
    with pytest.raises(StatementError):
        async with sessions() as s:
            await s.scalar(select(Agency).where(Agency.created_at < datetime(2026, 1, 1)))


async def test_utc_datetime_compares_in_queries_whatever_the_offset_given(
    sessions: Sessions,
) -> None:
    async with sessions() as s, s.begin():
        s.add(agency("AA", datetime(2026, 11, 26, 10, 0, tzinfo=UTC)))
        s.add(agency("BB", datetime(2026, 11, 26, 12, 0, tzinfo=UTC)))
    paris_11h30 = datetime(2026, 11, 26, 12, 30, tzinfo=ZoneInfo("Europe/Paris"))  # 11:30 UTC
    async with sessions() as s:
        earlier = await s.scalars(select(Agency.code).where(Agency.created_at < paris_11h30))
        assert list(earlier) == ["AA"]


def test_utc_datetime_type_passes_none_and_converts_to_utc(engine: AsyncEngine) -> None:
    column = UTCDateTime()
    dialect = engine.dialect
    assert column.process_bind_param(None, dialect) is None
    assert column.process_result_value(None, dialect) is None
    with pytest.raises(ValueError, match="naive"):
        column.process_bind_param(datetime(2026, 1, 1), dialect)
    paris = datetime(2026, 7, 1, 12, 0, tzinfo=ZoneInfo("Europe/Paris"))
    bound = column.process_bind_param(paris, dialect)
    assert bound is not None and bound.replace(tzinfo=UTC) == paris
    assert bound.hour == 10
    read = column.process_result_value(datetime(2026, 7, 1, 10, 0), dialect)
    assert read == paris and read.tzinfo == UTC


async def test_enums_are_stored_as_their_values(sessions: Sessions) -> None:
    async with sessions() as s, s.begin():
        s.add(Member(display_name="Ana", role=Role.COORDINATOR, created_at=datetime.now(UTC)))
    async with sessions() as s:
        assert await s.scalar(text("SELECT role FROM member")) == "coordinator"


async def test_foreign_keys_are_enforced(sessions: Sessions) -> None:
    with pytest.raises(IntegrityError):
        async with sessions() as s, s.begin():
            s.add(
                Member(
                    display_name="Ana",
                    role=Role.LIAISON,
                    agency_id=999,
                    created_at=datetime.now(UTC),
                )
            )


def test_constraints_follow_the_naming_convention() -> None:
    names = {
        constraint.name
        for table in Base.metadata.tables.values()
        for constraint in table.constraints
    }
    assert {"pk_agency", "uq_agency_code", "uq_identity_platform_workspace_external_id"} <= names
    assert "fk_member_agency_id_agency" in names
