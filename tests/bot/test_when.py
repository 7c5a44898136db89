from __future__ import annotations

import copy
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bot.i18n import LANGUAGES, Translator
from bot.when import (
    WhenError,
    format_day,
    format_when,
    is_valid_timezone,
    load_timezone,
    parse_duration,
    parse_when,
)

PARIS = ZoneInfo("Europe/Paris")
BUENOS_AIRES = ZoneInfo("America/Argentina/Buenos_Aires")
SINGAPORE = ZoneInfo("Asia/Singapore")
NEW_YORK = ZoneInfo("America/New_York")
ZONES = [
    PARIS,
    BUENOS_AIRES,
    SINGAPORE,
    NEW_YORK,
    ZoneInfo("Australia/Lord_Howe"),  # 30-minute DST shift
    ZoneInfo("Asia/Kolkata"),
    ZoneInfo("UTC"),
]

# Friday 2026-11-27 10:00 in Paris (CET, UTC+1) == 09:00 UTC.
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=PARIS)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def when(text: str, now: datetime = NOW, tz: ZoneInfo = PARIS) -> datetime:
    result = parse_when(text, now=now, tz=tz)
    assert result.tzinfo is UTC
    return result


# --- ISO 8601 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01T18:00Z", utc(2026, 12, 1, 18, 0)),
        ("2026-12-01t18:00z", utc(2026, 12, 1, 18, 0)),
        ("2026-12-01T18:00:00+01:00", utc(2026, 12, 1, 17, 0)),
        ("2026-12-01 18:00+05:30", utc(2026, 12, 1, 12, 30)),
        ("2026-12-01 18:00 -0300", utc(2026, 12, 1, 21, 0)),
        ("2026-12-01T18:00:30.250Z", datetime(2026, 12, 1, 18, 0, 30, 250000, tzinfo=UTC)),
    ],
)
def test_iso_with_offset_ignores_tz(text: str, expected: datetime) -> None:
    for tz in (PARIS, SINGAPORE, BUENOS_AIRES):
        assert when(text, tz=tz) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01T18:00", utc(2026, 12, 1, 17, 0)),
        ("2026-12-01 18:00", utc(2026, 12, 1, 17, 0)),
        ("  2026-12-01   18:00 ", utc(2026, 12, 1, 17, 0)),
        ("2026-12-01 18:00:45", utc(2026, 12, 1, 17, 0, 45)),
        ("2026-12-01", utc(2026, 11, 30, 23, 0)),  # date alone = 00:00 local
        ("2026-07-01 18:00", utc(2026, 7, 1, 16, 0)),  # CEST
        ("2026-7-1 8:05", utc(2026, 7, 1, 6, 5)),
    ],
)
def test_iso_without_offset_is_local(text: str, expected: datetime) -> None:
    assert when(text) == expected


# --- relative ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("in 90m", timedelta(minutes=90)),
        ("in 2h", timedelta(hours=2)),
        ("IN 3d", timedelta(days=3)),
        ("in 1w", timedelta(weeks=1)),
        ("in 1h30m", timedelta(minutes=90)),
        ("in 2 hours", timedelta(hours=2)),
        ("in 45 minutes", timedelta(minutes=45)),
        ("in 1 day", timedelta(days=1)),
    ],
)
def test_relative(text: str, delta: timedelta) -> None:
    assert when(text) == utc(2026, 11, 27, 9, 0) + delta


def test_relative_is_elapsed_time_across_dst() -> None:
    # Saturday before spring-forward: 'in 1d' is 24 real hours, i.e. 13:00 CEST next day.
    now = datetime(2026, 3, 28, 12, 0, tzinfo=PARIS)
    result = when("in 1d", now=now)
    assert result == utc(2026, 3, 29, 11, 0)
    assert format_when(result, PARIS) == "29 Mar 2026, 13:00 CEST"


def test_relative_bad_duration() -> None:
    with pytest.raises(WhenError, match="duration must be positive"):
        when("in 0m")
    with pytest.raises(WhenError, match="unknown duration"):
        when("in soon")


# --- today / tomorrow / clock / weekday -------------------------------------------------------


def test_today_and_tomorrow() -> None:
    assert when("today 18:00") == utc(2026, 11, 27, 17, 0)
    assert when("Today 8:30") == utc(2026, 11, 27, 7, 30)  # past moments are not rejected
    assert when("tomorrow 09:00") == utc(2026, 11, 28, 8, 0)
    assert when("TOMORROW") == utc(2026, 11, 28, 8, 0)


def test_today_alone_needs_a_time() -> None:
    with pytest.raises(WhenError) as info:
        when("today")
    assert info.value.reason == "give a time, e.g. today 18:00"
    assert str(info.value) == info.value.reason


def test_clock_alone_is_next_occurrence() -> None:
    assert when("18:00") == utc(2026, 11, 27, 17, 0)  # still ahead today
    assert when("9:15") == utc(2026, 11, 28, 8, 15)  # already passed -> tomorrow
    assert when("10:00") == utc(2026, 11, 28, 9, 0)  # exactly now -> tomorrow


def test_weekdays() -> None:
    # NOW is a Friday.
    assert when("monday 09:00") == utc(2026, 11, 30, 8, 0)
    assert when("mon") == utc(2026, 11, 30, 8, 0)
    assert when("fri 17:30") == utc(2026, 12, 4, 16, 30)  # never today
    assert when("Saturday 7:00") == utc(2026, 11, 28, 6, 0)
    assert when("thurs") == utc(2026, 12, 3, 8, 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # NOW is Friday 2026-11-27 10:00 in Paris (09:00 UTC)
        ("next monday 09:00", utc(2026, 11, 30, 8, 0)),
        ("next monday", utc(2026, 11, 30, 8, 0)),
        ("Next Fri 17:30", utc(2026, 12, 4, 16, 30)),  # never today, as "fri 17:30"
        ("monday 9am", utc(2026, 11, 30, 8, 0)),
        ("monday 9 AM", utc(2026, 11, 30, 8, 0)),
        ("9:30pm", utc(2026, 11, 27, 20, 30)),
        ("9:30 pm", utc(2026, 11, 27, 20, 30)),
        ("9am", utc(2026, 11, 28, 8, 0)),  # already passed today: tomorrow
        ("12am", utc(2026, 11, 27, 23, 0)),  # midnight starting Saturday
        ("12pm", utc(2026, 11, 27, 11, 0)),
        ("noon", utc(2026, 11, 27, 11, 0)),
        ("midnight", utc(2026, 11, 27, 23, 0)),
        ("tomorrow noon", utc(2026, 11, 28, 11, 0)),
        ("today 6pm", utc(2026, 11, 27, 17, 0)),
        ("in 1 hour", utc(2026, 11, 27, 10, 0)),
        ("in 90 minutes", utc(2026, 11, 27, 10, 30)),
    ],
)
def test_common_ways_of_writing_a_time(text: str, expected: datetime) -> None:
    assert when(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"), [("13pm", "13pm"), ("0am", "0am"), ("9:75am", "9:75am")]
)
def test_twelve_hour_times_out_of_range(text: str, reason: str) -> None:
    with pytest.raises(WhenError) as info:
        when(text)
    assert info.value.reason == f"no such time: {reason}"


def test_day_word_uses_local_date_not_utc_date() -> None:
    # 23:30 UTC on Nov 27 is already Nov 28 in Singapore.
    now = utc(2026, 11, 27, 23, 30)
    assert when("today 18:00", now=now, tz=SINGAPORE) == utc(2026, 11, 28, 10, 0)
    assert when("tomorrow", now=now, tz=SINGAPORE) == utc(2026, 11, 29, 1, 0)


# --- DST in Europe/Paris ----------------------------------------------------------------------


def test_tomorrow_across_spring_forward() -> None:
    now = datetime(2026, 3, 28, 10, 0, tzinfo=PARIS)  # CET, clocks go forward tonight
    result = when("tomorrow 09:00", now=now)
    assert result == utc(2026, 3, 29, 7, 0)  # 09:00 CEST, only 23h later
    assert format_when(result, PARIS) == "29 Mar 2026, 09:00 CEST"


def test_tomorrow_across_fall_back() -> None:
    now = datetime(2026, 10, 24, 10, 0, tzinfo=PARIS)  # CEST, clocks go back tonight
    result = when("tomorrow 09:00", now=now)
    assert result == utc(2026, 10, 25, 8, 0)  # 09:00 CET, 25h later
    assert format_when(result, PARIS) == "25 Oct 2026, 09:00 CET"


def test_spring_forward_gap_is_an_error() -> None:
    with pytest.raises(WhenError) as info:
        when("2026-03-29 02:30")
    assert info.value.reason == (
        "no such local time in Europe/Paris: 2026-03-29 02:30 (clock change)"
    )
    with pytest.raises(WhenError, match="clock change"):
        when("tomorrow 02:30", now=datetime(2026, 3, 28, 12, 0, tzinfo=PARIS))
    with pytest.raises(WhenError, match="clock change"):  # 02:30 still ahead on the clock
        when("02:30", now=datetime(2026, 3, 29, 1, 0, tzinfo=PARIS))
    # Once the clock has passed 02:30, '02:30' simply means tomorrow.
    assert when("02:30", now=datetime(2026, 3, 29, 3, 10, tzinfo=PARIS)) == utc(2026, 3, 30, 0, 30)


def test_fall_back_overlap_takes_first_occurrence() -> None:
    assert when("2026-10-25 02:30") == utc(2026, 10, 25, 0, 30)  # 02:30 CEST
    # Clock alone during the repeated hour: the second 02:30 is the next occurrence.
    now = datetime(2026, 10, 25, 2, 45, tzinfo=PARIS)  # first pass, CEST
    assert when("02:30", now=now) == utc(2026, 10, 25, 1, 30)  # 02:30 CET


# --- other zones ------------------------------------------------------------------------------


def test_buenos_aires() -> None:
    now = datetime(2026, 11, 27, 10, 0, tzinfo=BUENOS_AIRES)
    assert when("tomorrow 09:00", now=now, tz=BUENOS_AIRES) == utc(2026, 11, 28, 12, 0)
    assert when("2026-07-01 18:00", now=now, tz=BUENOS_AIRES) == utc(2026, 7, 1, 21, 0)
    assert format_when(utc(2026, 7, 1, 21, 0), BUENOS_AIRES) == "1 Jul 2026, 18:00 -03"


def test_singapore() -> None:
    assert when("2026-12-01 18:00", tz=SINGAPORE) == utc(2026, 12, 1, 10, 0)
    assert when("18:00", tz=SINGAPORE) == utc(2026, 11, 27, 10, 0)  # NOW is 17:00 there
    assert when("16:00", tz=SINGAPORE) == utc(2026, 11, 28, 8, 0)
    assert format_when(utc(2026, 12, 1, 10, 0), SINGAPORE) == "1 Dec 2026, 18:00 +08"


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2026-02-30", "no such date: 2026-02-30"),
        ("2026-02-30 10:00", "no such date: 2026-02-30"),
        ("2026-13-01", "no such date: 2026-13-01"),
        ("25:00", "no such time: 25:00"),
        ("12:60", "no such time: 12:60"),
        ("tomorrow 24:00", "no such time: 24:00"),
        ("2026-12-01 25:00", "no such time: 25:00"),
        ("2026-12-01 18:00+25:00", "no such UTC offset: +25:00"),
        ("1999-12-31 18:00", "year out of range: 1999 (use 2000..2100)"),
        ("2101-01-01", "year out of range: 2101 (use 2000..2100)"),
    ],
)
def test_impossible_values(text: str, reason: str) -> None:
    with pytest.raises(WhenError) as info:
        when(text)
    assert info.value.reason == reason


@pytest.mark.parametrize(
    "text",
    ["next week", "garbage", "", "   ", "in", "next 9am", "tomorrow 9", "18h00", "20261201"],
)
def test_garbage(text: str) -> None:
    with pytest.raises(WhenError) as info:
        when(text)
    assert "try 2026-12-01 18:00, in 2h, tomorrow 09:00" in info.value.reason


def test_unknown_format_reason_quotes_input() -> None:
    with pytest.raises(WhenError) as info:
        when("  next   fortnight ")
    assert info.value.reason.startswith('unknown time format "next fortnight"')


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_when("in 2h", now=datetime(2026, 1, 1), tz=PARIS)


# --- durations --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("90m", timedelta(minutes=90)),
        ("2h", timedelta(hours=2)),
        ("3d", timedelta(days=3)),
        ("1w", timedelta(weeks=1)),
        ("1h30m", timedelta(minutes=90)),
        ("1h 30m", timedelta(minutes=90)),
        ("45 min", timedelta(minutes=45)),
        ("2 Hours", timedelta(hours=2)),
        ("1 hr 5 mins", timedelta(minutes=65)),
        ("2 weeks 1 day", timedelta(days=15)),
        ("1 minute", timedelta(minutes=1)),
        ("365d", timedelta(days=365)),
        ("52w 1d", timedelta(days=365)),
    ],
)
def test_parse_duration(text: str, delta: timedelta) -> None:
    assert parse_duration(text) == delta


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("0m", "duration must be positive"),
        ("0h 0m", "duration must be positive"),
        ("366d", "duration too long: at most 365 days"),
        ("53w", "duration too long: at most 365 days"),
        ("99999999999999999999999999m", "duration too long: at most 365 days"),
        ("-5m", 'unknown duration "-5m" (try 90m, 2h, 1h30m, 3d)'),
        ("", 'unknown duration "" (try 90m, 2h, 1h30m, 3d)'),
        ("90", 'unknown duration "90" (try 90m, 2h, 1h30m, 3d)'),
        ("5 fortnights", 'unknown duration "5 fortnights" (try 90m, 2h, 1h30m, 3d)'),
        ("1.5h", 'unknown duration "1.5h" (try 90m, 2h, 1h30m, 3d)'),
    ],
)
def test_parse_duration_errors(text: str, reason: str) -> None:
    with pytest.raises(WhenError) as info:
        parse_duration(text)
    assert info.value.reason == reason


@given(st.integers(min_value=1, max_value=365 * 24 * 60))
def test_duration_round_trip(minutes: int) -> None:
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    written = " ".join(f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (mins, "m")) if n)
    assert parse_duration(written) == timedelta(minutes=minutes)


# --- the four working languages --------------------------------------------------------------

# NOW is Friday 2026-11-27 10:00 in Paris (09:00 UTC); a weekday is never today.
MONDAY_9 = utc(2026, 11, 30, 8, 0)
TOMORROW_9 = utc(2026, 11, 28, 8, 0)
TODAY_18 = utc(2026, 11, 27, 17, 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dans 2h", utc(2026, 11, 27, 11, 0)),
        ("dans 90 minutes", utc(2026, 11, 27, 10, 30)),
        ("Dans 1 heure", utc(2026, 11, 27, 10, 0)),
        ("dans 2 heures", utc(2026, 11, 27, 11, 0)),
        ("dans 45 min", utc(2026, 11, 27, 9, 45)),
        ("dans 1h30", utc(2026, 11, 27, 10, 30)),
        ("dans 3 jours", utc(2026, 11, 30, 9, 0)),
        ("dans 1 jour", utc(2026, 11, 28, 9, 0)),
        ("dans 2j", utc(2026, 11, 29, 9, 0)),
        ("dans 1 semaine", utc(2026, 12, 4, 9, 0)),
        ("dans 2 semaines", utc(2026, 12, 11, 9, 0)),
        ("demain 09:00", TOMORROW_9),
        ("demain", TOMORROW_9),
        ("Demain 9h", TOMORROW_9),
        ("demain à 9h", TOMORROW_9),
        ("demain 18h30", utc(2026, 11, 28, 17, 30)),
        ("demain midi", utc(2026, 11, 28, 11, 0)),
        ("aujourd'hui 18:00", TODAY_18),
        ("aujourd\u2019hui 18:00", TODAY_18),  # the apostrophe phones type
        ("aujourdhui 18:00", TODAY_18),
        ("aujourd'hui 18h", TODAY_18),
        ("lundi", MONDAY_9),
        ("lundi 09:00", MONDAY_9),
        ("lundi 9h", MONDAY_9),
        ("lundi prochain 09:00", MONDAY_9),
        ("mardi 18h30", utc(2026, 12, 1, 17, 30)),
        ("mercredi", utc(2026, 12, 2, 8, 0)),
        ("jeudi", utc(2026, 12, 3, 8, 0)),
        ("vendredi 17:30", utc(2026, 12, 4, 16, 30)),  # never today
        ("samedi", utc(2026, 11, 28, 8, 0)),
        ("dimanche 10:00", utc(2026, 11, 29, 9, 0)),
        ("midi", utc(2026, 11, 27, 11, 0)),
        ("minuit", utc(2026, 11, 27, 23, 0)),
    ],
)
def test_french(text: str, expected: datetime) -> None:
    assert when(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("en 2h", utc(2026, 11, 27, 11, 0)),
        ("en 90 minutos", utc(2026, 11, 27, 10, 30)),
        ("en 1 minuto", utc(2026, 11, 27, 9, 1)),
        ("en 1 hora", utc(2026, 11, 27, 10, 0)),
        ("en 2 horas", utc(2026, 11, 27, 11, 0)),
        ("en 3 días", utc(2026, 11, 30, 9, 0)),
        ("en 1 dia", utc(2026, 11, 28, 9, 0)),
        ("en 1 semana", utc(2026, 12, 4, 9, 0)),
        ("en 2 semanas", utc(2026, 12, 11, 9, 0)),
        ("mañana 09:00", TOMORROW_9),
        ("manana 09:00", TOMORROW_9),
        ("MAÑANA", TOMORROW_9),
        ("mañana a las 09:00", TOMORROW_9),
        ("mañana mediodía", utc(2026, 11, 28, 11, 0)),
        ("hoy 18:00", TODAY_18),
        ("lunes", MONDAY_9),
        ("lunes 09:00", MONDAY_9),
        ("el próximo lunes", MONDAY_9),
        ("próximo lunes 09:00", MONDAY_9),
        ("el proximo lunes", MONDAY_9),
        ("martes", utc(2026, 12, 1, 8, 0)),
        ("miércoles 10:00", utc(2026, 12, 2, 9, 0)),
        ("miercoles 10:00", utc(2026, 12, 2, 9, 0)),
        ("jueves", utc(2026, 12, 3, 8, 0)),
        ("viernes", utc(2026, 12, 4, 8, 0)),
        ("sábado", utc(2026, 11, 28, 8, 0)),
        ("sabado 7:00", utc(2026, 11, 28, 6, 0)),
        ("domingo 9:30", utc(2026, 11, 29, 8, 30)),
        ("mediodía", utc(2026, 11, 27, 11, 0)),
        ("mediodia", utc(2026, 11, 27, 11, 0)),
        ("medianoche", utc(2026, 11, 27, 23, 0)),
    ],
)
def test_spanish(text: str, expected: datetime) -> None:
    assert when(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("بعد 2h", utc(2026, 11, 27, 11, 0)),
        ("خلال 2h", utc(2026, 11, 27, 11, 0)),
        ("بعد 3 ساعات", utc(2026, 11, 27, 12, 0)),
        ("بعد 12 ساعة", utc(2026, 11, 27, 21, 0)),
        ("بعد ساعة", utc(2026, 11, 27, 10, 0)),  # "an hour"
        ("بعد ساعتين", utc(2026, 11, 27, 11, 0)),  # "two hours"
        ("بعد 10 دقائق", utc(2026, 11, 27, 9, 10)),
        ("بعد 15 دقيقة", utc(2026, 11, 27, 9, 15)),
        ("بعد دقيقتين", utc(2026, 11, 27, 9, 2)),
        ("بعد 3 أيام", utc(2026, 11, 30, 9, 0)),
        ("بعد يومين", utc(2026, 11, 29, 9, 0)),
        ("بعد أسبوع", utc(2026, 12, 4, 9, 0)),
        ("بعد 2 أسابيع", utc(2026, 12, 11, 9, 0)),
        ("غدا", TOMORROW_9),
        ("غدًا", TOMORROW_9),
        ("غداً 09:00", TOMORROW_9),
        ("غدا الساعة 09:00", TOMORROW_9),
        ("اليوم 18:00", TODAY_18),
        ("الاثنين", MONDAY_9),
        ("الإثنين 09:00", MONDAY_9),
        ("الأثنين", MONDAY_9),
        ("اثنين", MONDAY_9),
        ("يوم الاثنين", MONDAY_9),
        ("الاثنين القادم 09:00", MONDAY_9),
        ("الثلاثاء", utc(2026, 12, 1, 8, 0)),
        ("الأربعاء", utc(2026, 12, 2, 8, 0)),
        ("الاربعاء", utc(2026, 12, 2, 8, 0)),
        ("أربعاء", utc(2026, 12, 2, 8, 0)),
        ("الخميس 10:00", utc(2026, 12, 3, 9, 0)),
        ("الجمعة", utc(2026, 12, 4, 8, 0)),  # never today
        ("جمعة", utc(2026, 12, 4, 8, 0)),
        ("الجمعه", utc(2026, 12, 4, 8, 0)),
        ("السبت", utc(2026, 11, 28, 8, 0)),
        ("سبت", utc(2026, 11, 28, 8, 0)),
        ("الأحد", utc(2026, 11, 29, 8, 0)),
        ("الاحد", utc(2026, 11, 29, 8, 0)),
        ("أحد", utc(2026, 11, 29, 8, 0)),
    ],
)
def test_arabic(text: str, expected: datetime) -> None:
    assert when(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("٢٠٢٦-١٢-٠١ ١٨:٠٠", utc(2026, 12, 1, 17, 0)),  # Arabic-Indic digits
        ("۲۰۲۶-۱۲-۰۱ ۱۸:۰۰", utc(2026, 12, 1, 17, 0)),  # Eastern Arabic-Indic digits
        ("٢٠٢٦-١٢-٠١T١٨:٠٠Z", utc(2026, 12, 1, 18, 0)),
        ("١٨:٠٠", TODAY_18),
        ("غدًا ٠٩:٣٠", utc(2026, 11, 28, 8, 30)),
        ("الاثنين ۰۹:۰۰", MONDAY_9),
        ("بعد ٢ ساعة", utc(2026, 11, 27, 11, 0)),
        ("بعد ۹۰ دقيقة", utc(2026, 11, 27, 10, 30)),
        ("in ٢h", utc(2026, 11, 27, 11, 0)),
        ("demain ٩h", TOMORROW_9),
    ],
)
def test_arabic_indic_digits(text: str, expected: datetime) -> None:
    assert when(text) == expected


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("2 heures", timedelta(hours=2)),
        ("1h30", timedelta(minutes=90)),
        ("2h05", timedelta(minutes=125)),
        ("3 jours", timedelta(days=3)),
        ("1 semaine 2 jours", timedelta(days=9)),
        ("90 minutos", timedelta(minutes=90)),
        ("3 días 2 horas", timedelta(days=3, hours=2)),
        ("2 semanas", timedelta(weeks=2)),
        ("2 ساعات", timedelta(hours=2)),
        ("ساعتين", timedelta(hours=2)),
        ("أسبوعين", timedelta(weeks=2)),
        ("٩٠ دقيقة", timedelta(minutes=90)),
        ("۳ أيام", timedelta(days=3)),
        ("٤h", timedelta(hours=4)),
    ],
)
def test_durations_in_every_language(text: str, delta: timedelta) -> None:
    assert parse_duration(text) == delta


@pytest.mark.parametrize(
    "text",
    [
        # French
        "dans longtemps",
        "bientôt",
        "demain matin",
        "demain 9",
        "lundi lundi",
        "18h",  # alone it could be a duration: "dans 18h" or "aujourd'hui 18h" say which
        "18h00",
        "prochain",
        "demain à",
        # Spanish
        "en un rato",
        "pronto",
        "mañana tarde",
        "el lunes martes",
        "el 09:00",
        "a las 09:00",
        # Arabic
        "بعد قليل",
        "قريبا",
        "غدا مساء",
        "الاثنين الثلاثاء",
        "بعد",
    ],
)
def test_nonsense_in_every_language_is_refused(text: str) -> None:
    with pytest.raises(WhenError) as info:
        when(text)
    assert info.value.reason.startswith(("unknown time format", "unknown duration"))


@pytest.mark.parametrize("text", ["aujourd'hui", "hoy", "اليوم"])
def test_today_alone_needs_a_time_in_every_language(text: str) -> None:
    with pytest.raises(WhenError) as info:
        when(text)
    assert info.value.reason == "give a time, e.g. today 18:00"


@pytest.mark.parametrize(("text", "value"), [("lundi 25h", "25h"), ("demain 9h75", "9h75")])
def test_french_hours_out_of_range(text: str, value: str) -> None:
    with pytest.raises(WhenError) as info:
        when(text)
    assert info.value.reason == f"no such time: {value}"


def test_a_reason_is_a_message_the_reader_reads_in_their_language() -> None:
    with pytest.raises(WhenError) as info:
        when("bientôt")
    reason = info.value.reason
    assert reason.message.startswith('unknown time format "{value}"')
    assert reason.values == {"value": "bientôt"}
    assert Translator("fr").gettext(reason.message, **reason.values) == (
        "format d'heure non reconnu « bientôt » "
        "(essayez 2026-12-01 18:00, dans 2h, demain 09:00, lundi 9h)"
    )
    with pytest.raises(WhenError) as info:
        when("2026-02-30")
    reason = info.value.reason
    assert Translator("es").gettext(reason.message, **reason.values) == (
        "esa fecha no existe: 2026-02-30"
    )


def _examples(shown: str) -> list[str]:
    """The examples a hint such as 'unknown ... (try 90m, 2h, 3d)' offers, in any language."""
    hint = shown.rsplit("(", 1)[1].removesuffix(")")
    first, *others = re.split("[,\u060c] ", hint)
    return [first.split(" ", 1)[1], *others]  # the first follows "try", "essayez", "جرّب"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_examples_a_reader_is_shown_are_understood(language: str) -> None:
    tr = Translator(language)
    for parse, nonsense in ((when, "someday"), (when, ""), (parse_duration, "soon")):
        with pytest.raises(WhenError) as info:
            parse(nonsense)
        reason = info.value.reason
        examples = _examples(tr.gettext(reason.message, **reason.values))
        assert len(examples) >= 4, examples
        for example in examples:
            parse(example)  # no WhenError


# --- format_when / timezones ------------------------------------------------------------------


def test_format_when_paris_winter_and_summer() -> None:
    assert format_when(utc(2026, 11, 27, 5, 0), PARIS) == "27 Nov 2026, 06:00 CET"
    assert format_when(utc(2026, 7, 14, 8, 0), PARIS) == "14 Jul 2026, 10:00 CEST"
    assert format_when(datetime(2026, 7, 14, 10, 0, tzinfo=PARIS), NEW_YORK) == (
        "14 Jul 2026, 04:00 EDT"
    )


@pytest.mark.parametrize(
    ("locale", "shown", "day"),
    [
        ("en_GB", "27 Nov 2026, 18:30 CET", "Fri, 27 Nov 2026"),
        ("fr", "27 nov. 2026 18:30 CET", "ven. 27 nov. 2026"),
        ("es", "27 nov 2026, 18:30 CET", "vie, 27 nov 2026"),
        ("ar", "27 نوفمبر 2026، 18:30 CET", "الجمعة، 27 نوفمبر 2026"),
    ],
)
def test_moments_and_days_as_each_locale_writes_them(locale: str, shown: str, day: str) -> None:
    """Day first in every working language, the 24-hour clock, the zone's abbreviation."""
    moment = utc(2026, 11, 27, 17, 30)
    assert format_when(moment, PARIS, locale) == shown
    assert format_day(moment.date(), locale) == day


def test_format_when_rejects_naive() -> None:
    with pytest.raises(ValueError):
        format_when(datetime(2026, 1, 1), PARIS)


def test_timezones() -> None:
    assert is_valid_timezone("Europe/Paris")
    assert is_valid_timezone("America/Argentina/Buenos_Aires")
    for bad in ("Europe", "Mars/Olympus", "", "../etc/passwd", "/etc/passwd", "a\x00b"):
        assert not is_valid_timezone(bad)
    assert load_timezone("Asia/Singapore") == SINGAPORE
    with pytest.raises(WhenError) as info:
        load_timezone("Paris")
    assert info.value.reason == 'unknown timezone "Paris" (use an IANA name such as Europe/Paris)'


# --- properties -------------------------------------------------------------------------------

_nows = st.datetimes(
    min_value=datetime(2001, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
)
_zones = st.sampled_from(ZONES)
_texty = st.one_of(
    st.text(),
    st.text(alphabet="0123456789-:+ tTzZinhmdw", max_size=30),
    st.from_regex(
        r"(in |today |tomorrow |fri |)[0-9]{1,4}([-:][0-9]{1,2}){0,2}"
        r"([ t][0-9]{1,2}:[0-9]{2}(:[0-9]{2})?)?( ?(z|[+-][0-9]{2}(:?[0-9]{2})?))?",
        fullmatch=True,
    ),
)


@given(text=_texty, now=_nows, tz=_zones)
def test_parse_when_returns_utc_or_raises_when_error(
    text: str, now: datetime, tz: ZoneInfo
) -> None:
    try:
        result = parse_when(text, now=now.astimezone(tz), tz=tz)
    except WhenError as exc:
        assert exc.reason
        assert str(exc) == exc.reason
    else:
        assert result.tzinfo is UTC


_WORDS = (
    "in dans en بعد خلال today demain mañana غدًا اليوم hoy aujourd'hui next prochain el próximo "
    "يوم القادم at à a las الساعة lundi lunes الاثنين fri midi noon medianoche 9h 18h30 9:30 "
    "٠٩:٣٠ 25h 9am 2 ٢ h heures días ساعتين ساعة"
)


@given(words=st.lists(st.sampled_from(_WORDS.split()), max_size=5), now=_nows, tz=_zones)
def test_any_words_of_the_tables_give_a_time_or_a_reason(
    words: list[str], now: datetime, tz: ZoneInfo
) -> None:
    try:
        result = parse_when(" ".join(words), now=now.astimezone(tz), tz=tz)
    except WhenError as exc:
        assert exc.reason
    else:
        assert result.tzinfo is UTC


def test_a_reason_survives_a_copy() -> None:
    with pytest.raises(WhenError) as info:
        when("{0} {value}")
    reason = copy.deepcopy(info.value.reason)
    assert reason == info.value.reason
    assert (reason.message, reason.values) == (
        info.value.reason.message,
        {"value": "{0} {value}"},
    )


@given(text=st.text())
def test_is_valid_timezone_never_raises(text: str) -> None:
    assert isinstance(is_valid_timezone(text), bool)


@given(moment=_nows, tz=_zones)
def test_a_written_local_time_reads_back_as_the_moment(moment: datetime, tz: ZoneInfo) -> None:
    local = moment.astimezone(tz)
    assume(local.replace(fold=1 - local.fold).utcoffset() == local.utcoffset())  # not ambiguous
    written = local.strftime("%Y-%m-%d %H:%M")  # as a reader types it back
    parsed = parse_when(written, now=moment, tz=tz)
    assert parsed == moment.replace(second=0, microsecond=0)
