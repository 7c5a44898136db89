"""The clock every command reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.clock import FakeClock, SystemClock


def test_system_clock_is_aware_utc() -> None:
    assert SystemClock().now().tzinfo is UTC


def test_fake_clock_stands_still_until_moved() -> None:
    clock = FakeClock(datetime(2026, 11, 26, 11, 0, tzinfo=timezone(timedelta(hours=1))))
    assert clock.now() == datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    assert clock.now().tzinfo is UTC
    assert clock.advance(timedelta(hours=73)) == datetime(2026, 11, 29, 11, 0, tzinfo=UTC)
    clock.set(datetime(2027, 1, 1, tzinfo=UTC))
    assert clock.now().year == 2027


def test_fake_clock_refuses_naive_times() -> None:
    with pytest.raises(ValueError):
        FakeClock(datetime(2026, 11, 26, 10, 0))
