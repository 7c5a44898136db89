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


async def test_demo_twice_says_it_is_already_loaded_and_changes_nothing(
    admin: Person, dispatcher: Dispatcher, clock: FakeClock
) -> None:
    await seed_demo(dispatcher, clock)
    before = await db_state(dispatcher.sessions)
    again = await seed_demo(dispatcher, clock)
    assert again.loaded and again.already
    assert again.commands == 0
    assert again.message == f"demo already loaded: operation {DEMO_OPERATION}"
    assert await db_state(dispatcher.sessions) == before


async def test_demo_over_colliding_data_stops_at_once_and_says_why(
    admin: Person, dispatcher: Dispatcher, clock: FakeClock
) -> None:
    await admin.says('agency add INTERPOL-GS "GS" --country FR --tz Europe/Paris')
    before = await db_state(dispatcher.sessions)
    result = await seed_demo(dispatcher, clock)
    assert not result.loaded and result.commands == 0
    assert result.message == "demo not loaded: Agency INTERPOL-GS already exists."
    assert await db_state(dispatcher.sessions) == before
