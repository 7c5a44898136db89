"""The one wording of time left or overdue (bot.views.due_in): within a minute of the truth
under a day, the nearest hour under three days, the nearest day beyond; in each working
language."""

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


# each language's words for the units (bot/locale/*/jointops.po): "h"/"min", or Arabic's
UNITS = {"en": ("h", "min"), "fr": ("h", "min"), "es": ("h", "min"), "ar": ("س", "د")}
AHEAD_BEHIND = {
    "en": ("due in ", "overdue by "),
    "fr": ("échéance dans ", "en retard de "),
    "es": ("vence en ", "vencida hace "),
    "ar": ("يحين موعدها خلال ", "متأخرة بمقدار "),
}


@pytest.mark.parametrize(
    ("language", "left", "text"),
    [
        ("fr", timedelta(hours=2, minutes=55), "échéance dans 2 h 55 min"),
        ("fr", timedelta(minutes=30), "échéance dans 30 min"),
        ("fr", -timedelta(days=3, hours=2), "en retard de 3 jours"),
        ("fr", -timedelta(days=1, hours=6), "en retard de 1 jour 6 h"),
        ("fr", timedelta(seconds=10), "échéance immédiate"),
        ("es", timedelta(hours=2, minutes=55), "vence en 2 h 55 min"),
        ("es", -timedelta(days=3, hours=2), "vencida hace 3 días"),
        ("es", -timedelta(days=1), "vencida hace 1 día"),
        ("es", timedelta(seconds=10), "vence ahora"),
        # numbers are isolated (FSI ... PDI) in a right-to-left line
        (
            "ar",
            timedelta(hours=2, minutes=55),
            "يحين موعدها خلال \u20682\u2069 س و\u206855\u2069 د",
        ),
        ("ar", timedelta(minutes=30), "يحين موعدها خلال \u206830\u2069 د"),
        ("ar", -timedelta(days=3, hours=2), "متأخرة بمقدار \u20683\u2069 أيام"),
        ("ar", -timedelta(days=1), "متأخرة بمقدار يوم واحد"),
        ("ar", -timedelta(days=2), "متأخرة بمقدار يومان"),
        ("ar", -timedelta(days=12, hours=1), "متأخرة بمقدار \u206812\u2069 يومًا"),
        ("ar", timedelta(seconds=10), "حان موعدها الآن"),
    ],
)
def test_due_in_in_the_readers_language(language: str, left: timedelta, text: str) -> None:
    reader = Reader(timezone="UTC", language=language, now=NOW)
    assert due_in(reader, NOW + left) == text


def _local_minutes(text: str, language: str) -> int:
    hour, minute = UNITS[language]
    number = "\u2068?(\\d+)\u2069?"  # isolated (FSI ... PDI) in a right-to-left line
    hours = re.search(rf"{number} {hour}(?!\w)", text)
    minutes = re.search(rf"{number} {minute}(?!\w)", text)
    return (int(hours[1]) * 60 if hours else 0) + (int(minutes[1]) if minutes else 0)


@pytest.mark.parametrize("language", ["fr", "es", "ar"])
@given(seconds=st.integers(min_value=31, max_value=24 * 3600 - 31))
def test_in_every_language_the_wording_is_within_a_minute_of_the_truth(
    language: str, seconds: int
) -> None:
    reader = Reader(timezone="UTC", language=language, now=NOW)
    left = timedelta(seconds=seconds)
    for sign, words in zip((1, -1), AHEAD_BEHIND[language], strict=True):
        text = due_in(reader, NOW + sign * left)
        assert text.startswith(words), text
        assert abs(_local_minutes(text, language) * 60 - seconds) <= 30, text
