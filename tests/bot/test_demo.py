"""The sample operation is typed through the real dispatcher and leaves a coherent picture."""

from __future__ import annotations

from bot.clock import FakeClock
from bot.demo import DEMO_OPERATION, PROGRESS, SETUP, seed_demo
from bot.dispatcher import Dispatcher
from tests.bot.helpers import db_state
from tests.conftest import Person


async def test_demo_loads_and_reads_back(
    admin: Person, dispatcher: Dispatcher, clock: FakeClock
) -> None:
    result = await seed_demo(dispatcher, clock)
    assert result.loaded, result.message
    assert result.commands == len(SETUP) + len(PROGRESS)
    text = await admin.says(f"summary {DEMO_OPERATION}")
    assert "7 agencies" in text
    assert "Needs attention" in text
    assert "Phase 2 started" in text
    state = await db_state(dispatcher.sessions)
    assert state.counts["agency"] == 7
    assert state.counts["task"] == 7
    assert state.audit_chain >= result.commands


async def test_demo_twice_stops_at_the_first_line_and_changes_nothing(
    admin: Person, dispatcher: Dispatcher, clock: FakeClock
) -> None:
    await seed_demo(dispatcher, clock)
    before = await db_state(dispatcher.sessions)
    again = await seed_demo(dispatcher, clock)
    assert not again.loaded
    assert again.commands == 0
    assert "already exists" in again.message
    assert await db_state(dispatcher.sessions) == before
