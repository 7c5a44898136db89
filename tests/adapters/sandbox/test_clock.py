"""The sandbox's clock runs with the real time and only jumps forward."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.sandbox.clock import SandboxClock


def test_it_runs_with_the_real_time_plus_what_the_visitor_added() -> None:
    clock = SandboxClock()
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=1)
    moved = clock.advance(timedelta(days=1))
    assert abs(moved - (datetime.now(UTC) + timedelta(days=1))) < timedelta(seconds=1)
    assert clock.now().tzinfo is not None


def test_it_never_goes_back() -> None:
    clock = SandboxClock()
    with pytest.raises(ValueError):
        clock.advance(timedelta(hours=-1))
    with pytest.raises(ValueError):
        clock.advance(timedelta(0))
    assert clock.offset == timedelta(0)
