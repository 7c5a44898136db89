"""What a handler receives."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands import REGISTRY
from bot.context import Context, Invocation
from bot.i18n import Translator
from operations.actor import Actor
from operations.enums import Role


def context(session: AsyncSession, actor: Actor | None) -> Context:
    return Context(
        session=session,
        invocation=Invocation("console", "local", "c", "u", "U", "whoami"),
        actor=actor,
        now=datetime(2026, 11, 26, 10, 0, tzinfo=UTC),
        tz=ZoneInfo("Asia/Singapore"),
        tr=Translator("en"),
        registry=REGISTRY,
    )


async def test_when_is_shown_in_the_readers_timezone_or_as_a_dash(session: AsyncSession) -> None:
    ctx = context(session, None)
    assert ctx.when(datetime(2026, 11, 26, 10, 0, tzinfo=UTC)) == "26 Nov 2026, 18:00 +08"
    assert ctx.when(None) == "—"


async def test_translation_fills_values(session: AsyncSession) -> None:
    assert context(session, None)._("Task {ref} added.", ref="P-1#1") == "Task P-1#1 added."


async def test_member_is_the_actor_and_never_none(session: AsyncSession) -> None:
    actor = Actor(1, "Ann", Role.LIAISON, 2, "FR-OCLCTIC", "console")
    assert context(session, actor).member is actor
    with pytest.raises(RuntimeError):
        _ = context(session, None).member


def test_the_languages_date_formats_are_read_at_start_not_by_the_first_command() -> None:
    """Babel reads a locale's CLDR data on first use (160 ms for the first date written in a
    language); `jointops run` reads all four before it serves. In a fresh interpreter: this
    one has formatted dates already."""
    script = (
        "from datetime import UTC, datetime\n"
        "from babel import localedata\n"
        "from bot.context import load_languages\n"
        "before = set(localedata._cache)\n"
        "load_languages(datetime(2026, 12, 3, tzinfo=UTC))\n"
        "print(sorted(before), sorted(localedata._cache))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    before, after = out.stdout.split("] [")
    assert "en_GB" not in before
    assert all(f"'{locale}'" in after for locale in ("ar", "en_GB", "es", "fr")), out.stdout
