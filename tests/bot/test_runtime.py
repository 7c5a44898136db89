"""The runtime the CLI builds: a migrated database, the local administrator, the dispatcher."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.clock import FakeClock
from bot.config import Settings
from bot.context import Invocation
from bot.runtime import LOCAL_ADMIN, Runtime, upgrade_database


def settings_for(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'jointops.db'}",
        timezone="Asia/Singapore",
        language="en",
    )


def as_local_admin(text: str) -> Invocation:
    platform, workspace, user = LOCAL_ADMIN
    return Invocation(platform, workspace, "console", user, "Local administrator", text)


async def test_open_migrates_and_the_local_admin_can_work(tmp_path: Path) -> None:
    runtime = await Runtime.open(
        settings_for(tmp_path), clock=FakeClock(datetime(2026, 11, 26, 10, tzinfo=UTC))
    )
    try:
        await runtime.ensure_local_admin()
        await runtime.ensure_local_admin()  # idempotent
        reply = await runtime.dispatcher.dispatch(as_local_admin("whoami"))
        fields = {f.label: f.value for f in reply.fields}
        assert (fields["Role"], fields["Timezone"]) == ("admin", "Asia/Singapore")
        reply = await runtime.dispatcher.dispatch(
            as_local_admin('agency add SG-SPF "Singapore Police" --country SG --tz Asia/Singapore')
        )
        assert reply.title == "Agency SG-SPF added."
        verification = await runtime.verify_audit()
        assert verification.ok
        assert verification.checked == 2  # the bootstrap of the admin, the agency
    finally:
        await runtime.close()


async def test_upgrade_database_reports_the_revisions(tmp_path: Path) -> None:
    before, after = await upgrade_database(settings_for(tmp_path))
    assert before is None
    assert after is not None
    assert await upgrade_database(settings_for(tmp_path)) == (after, after)
