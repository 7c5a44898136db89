"""What a handler receives."""

from __future__ import annotations

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
