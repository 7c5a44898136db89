"""The one wording of time left or overdue (bot.views.due_in): within a minute of the truth
under a day, the nearest hour under three days, the nearest day beyond."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.context import Reader
from bot.views import due_in, span

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
READER = Reader(timezone="UTC", language="en", now=NOW)
S = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("left", "text"),
    [
        (timedelta(hours=2, minutes=55), "due in 2 h 55 min"),
        (timedelta(hours=3), "due in 3 h"),
        (timedelta(minutes=30), "due in 30 min"),
        (timedelta(minutes=29, seconds=31), "due in 30 min"),
        (timedelta(seconds=20), "due now"),
        (-timedelta(seconds=29), "due now"),
        (timedelta(hours=23, minutes=59, seconds=45), "due in 1 day"),
        (timedelta(days=1, hours=6, minutes=20), "due in 1 day 6 h"),
        (-timedelta(days=3, hours=2), "overdue by 3 days"),
        (-timedelta(days=2, hours=23, minutes=50), "overdue by 3 days"),
        (-timedelta(days=1), "overdue by 1 day"),
        (-timedelta(minutes=70), "overdue by 1 h 10 min"),
        (-timedelta(days=12, hours=13), "overdue by 13 days"),
    ],
)
def test_due_in_says_the_time_left_as_people_say_it(left: timedelta, text: str) -> None:
    assert due_in(READER, NOW + left) == text


def _minutes(text: str) -> int:
    hours = re.search(r"(\d+) h", text)
    minutes = re.search(r"(\d+) min", text)
    return (int(hours[1]) * 60 if hours else 0) + (int(minutes[1]) if minutes else 0)


@given(st.integers(min_value=31, max_value=24 * 3600 - 31))
def test_under_a_day_the_wording_is_within_a_minute_of_the_truth(seconds: int) -> None:
    left = timedelta(seconds=seconds)
    for sign, word in ((1, "due in "), (-1, "overdue by ")):
        text = due_in(READER, NOW + sign * left)
        assert text.startswith(word), text
        if "day" not in text:
            assert abs(_minutes(text) * 60 - seconds) <= 30, text


@given(st.integers(min_value=0, max_value=365 * 24 * 60))
def test_a_span_is_never_off_by_more_than_half_its_unit(minutes: int) -> None:
    text = span(READER, timedelta(minutes=minutes))
    days = re.search(r"(\d+) days?", text)
    told = (int(days[1]) * 24 * 60 if days else 0) + _minutes(text)
    unit = 1 if minutes < 24 * 60 else (60 if minutes < 3 * 24 * 60 else 24 * 60)
    assert abs(told - minutes) <= unit / 2 + 1, text
