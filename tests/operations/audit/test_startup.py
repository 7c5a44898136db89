"""Start-up: a missing head row is rebuilt from the chain and reported, not a crash; a database
from before row digests gets a one-time baseline."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from bot.clock import FakeClock
from bot.config import Settings
from bot.context import Invocation
from bot.reply import Tone
from bot.runtime import LOCAL_ADMIN, Runtime
from operations import db, migrate
from operations.audit import service
from operations.audit.chain import CHAINED, Anchor, event_hash
from operations.audit.models import AuditEvent
from operations.audit.queries import GENESIS
from operations.member import service as member_service
from tests.operations.factories import make_agency

NOW = datetime(2026, 11, 26, 10, tzinfo=UTC)


def settings_for(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'jointops.db'}",
    )


def as_local_admin(line: str) -> Invocation:
    platform, workspace, user = LOCAL_ADMIN
    return Invocation(platform, workspace, "console", user, "Local administrator", line)


async def open_runtime(tmp_path: Path) -> Runtime:
    return await Runtime.open(settings_for(tmp_path), clock=FakeClock(NOW))


async def delete_head(runtime: Runtime) -> None:
    async with runtime.sessions() as s, s.begin():
        await s.execute(text("DELETE FROM audit_head"))


async def test_a_missing_head_row_is_rebuilt_at_start_up_and_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    runtime = await open_runtime(tmp_path)
    await runtime.ensure_local_admin()
    await runtime.dispatcher.dispatch(
        as_local_admin('agency add FR-PN "PN" --country FR --tz Europe/Paris')
    )
    head = await runtime.audit_head()
    await delete_head(runtime)
    await runtime.close()
    with caplog.at_level(logging.WARNING):
        runtime = await open_runtime(tmp_path)
    try:
        reported = [r.getMessage() for r in caplog.records if "audit head" in r.getMessage()]
        assert reported == [
            f"audit head row was missing: rebuilt from the chain at {head}; "
            "check it with jointops audit verify --anchor <the last anchor you kept>"
        ]
        reply = await runtime.dispatcher.dispatch(as_local_admin("agency list"))
        assert reply.tone != Tone.ERROR, reply.title
        reply = await runtime.dispatcher.dispatch(
            as_local_admin('agency add DE-BKA "BKA" --country DE --tz Europe/Berlin')
        )
        assert reply.tone == Tone.OK, reply.title
        result = await runtime.verify_audit(head)
        assert result.ok and result.checked == 3
    finally:
        await runtime.close()


async def test_a_head_row_deleted_while_running_does_not_stop_commands(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    runtime = await open_runtime(tmp_path)
    try:
        await runtime.ensure_local_admin()
        await delete_head(runtime)
        with caplog.at_level(logging.WARNING):
            reply = await runtime.dispatcher.dispatch(
                as_local_admin('agency add FR-PN "PN" --country FR --tz Europe/Paris')
            )
        assert reply.tone == Tone.OK, reply.title
        assert any("audit head row missing" in r.getMessage() for r in caplog.records)
        assert (await runtime.verify_audit()).ok
    finally:
        await runtime.close()


async def test_a_fresh_database_needs_no_repair(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        runtime = await open_runtime(tmp_path)
    try:
        assert not [r for r in caplog.records if "audit" in r.getMessage()]
        assert await runtime.audit_head() == Anchor(GENESIS, 0)
    finally:
        await runtime.close()


async def test_a_database_from_before_row_digests_gets_a_baseline_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Rows and events as the previous version left them (no digests); upgrading records
    every row once, in `audit.baseline` events, and verify passes."""
    engine = db.create_engine(settings_for(tmp_path).database_url)
    await migrate.upgrade(engine, "0006")
    sessions = db.create_session_factory(engine)
    async with sessions() as s, s.begin():
        await member_service.ensure_admin(
            s, platform="console", workspace="local", external_id="admin", display_name="A", now=NOW
        )
    async with sessions() as s, s.begin():
        resolved = await member_service.resolve(
            s, platform="console", workspace="local", external_id="admin", now=NOW
        )
        assert resolved is not None
        await make_agency(s, resolved[0], "FR-PN")
    async with sessions() as s, s.begin():  # as the previous version wrote them
        prev = GENESIS
        for event in await s.scalars(select(AuditEvent).order_by(AuditEvent.seq)):
            details = json.loads(event.details)
            details.pop("digests")
            event.details, event.prev_hash = json.dumps(details, sort_keys=True), prev
            event.hash = prev = event_hash({name: getattr(event, name) for name in CHAINED})
        await s.execute(text("UPDATE audit_head SET hash = :hash"), {"hash": prev})
    async with sessions() as s:
        assert {r.reason for r in (await service.verify(s)).rows} == {"unrecorded"}
    await engine.dispose()
    with caplog.at_level(logging.WARNING):
        runtime = await open_runtime(tmp_path)
    try:
        assert any("3 existing rows" in r.getMessage() for r in caplog.records)
        result = await runtime.verify_audit()
        assert result.ok and result.checked == 5  # two events, a baseline event per kind
    finally:
        await runtime.close()
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        runtime = await open_runtime(tmp_path)
    await runtime.close()
    assert not caplog.records  # once
