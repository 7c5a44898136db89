"""Parsing and formatting of user-typed times ("WHEN") and durations.

Pure functions: standard library and zoneinfo only.  Every parsed moment is returned as an
aware datetime in UTC; wall-clock times are resolved in the caller's IANA zone with zoneinfo.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "WhenError",
    "format_duration",
    "format_when",
    "is_valid_timezone",
    "load_timezone",
    "parse_duration",
    "parse_when",
]

MAX_DURATION = timedelta(days=365)
MIN_YEAR, MAX_YEAR = 2000, 2100
DEFAULT_TIME = time(9, 0)
_MINUTE = timedelta(minutes=1)
_HINT = "try 2026-12-01 18:00, in 2h, tomorrow 09:00, monday 9am"
_DURATION_HINT = "try 90m, 2h, 1h30m, 3d"

_UNIT_MINUTES: dict[str, int] = {
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), 1),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 60),
    **dict.fromkeys(("d", "day", "days"), 24 * 60),
    **dict.fromkeys(("w", "week", "weeks"), 7 * 24 * 60),
}
_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAYS: dict[str, int] = {
    **{name: i for i, name in enumerate(_DAY_NAMES)},
    **{name[:3]: i for i, name in enumerate(_DAY_NAMES)},
    **{"tues": 1, "thur": 3, "thurs": 3},
}

_DURATION_RE = re.compile(r"(?:[0-9]+ ?[a-z]+ ?)+")
_DURATION_PART_RE = re.compile(r"([0-9]+) ?([a-z]+)")
_CLOCK_RE = re.compile(r"([0-9]{1,2}):([0-9]{2})")
_TWELVE_HOUR_RE = re.compile(r"([0-9]{1,2})(?::([0-9]{2}))?(am|pm)")
_SPACED_MERIDIEM_RE = re.compile(r"\b([0-9]{1,2}(?::[0-9]{2})?) (am|pm)\b")  # "9 am" -> "9am"
_NAMED_CLOCKS = {"noon": time(12, 0), "midday": time(12, 0), "midnight": time(0, 0)}
_ISO_RE = re.compile(
    r"(?P<y>[0-9]{4})-(?P<mo>[0-9]{1,2})-(?P<d>[0-9]{1,2})"
    r"(?:[t ](?P<clock>(?P<h>[0-9]{1,2}):(?P<mi>[0-9]{2})(?::(?P<s>[0-9]{2})(?:\.(?P<f>[0-9]+))?)?)"
    r" ?(?P<off>z|(?P<sign>[+-])(?P<oh>[0-9]{2})(?::?(?P<om>[0-9]{2}))?)?)?"
)


class WhenError(ValueError):
    """A WHEN or duration that cannot be understood or is impossible.

    `reason` is a short English phrase for the user; it is also the str() of the exception.
    """

    reason: str

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _quote(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return f'"{text[:limit]}…"' if len(text) > limit else f'"{text}"'


def parse_duration(text: str) -> timedelta:
    """Parse '90m', '2h', '3d', '1w', '1h30m', '1h 30m', '45 min', '2 hours' into a timedelta.

    Units: m/min/mins/minute(s), h/hr/hrs/hour(s), d/day(s), w/week(s); case-insensitive.
    The total must be positive and at most 365 days, otherwise WhenError.
    """
    s = " ".join(text.lower().split())
    if not _DURATION_RE.fullmatch(s):
        raise WhenError(f"unknown duration {_quote(text)} ({_DURATION_HINT})")
    minutes = 0
    for number, unit in _DURATION_PART_RE.findall(s):
        if unit not in _UNIT_MINUTES:
            raise WhenError(f"unknown duration {_quote(text)} ({_DURATION_HINT})")
        if (
            len(number.lstrip("0")) > 9
        ):  # far beyond the limit; also keeps int() and timedelta() safe
            raise WhenError("duration too long: at most 365 days")
        minutes += int(number) * _UNIT_MINUTES[unit]
    if minutes <= 0:
        raise WhenError("duration must be positive")
    if minutes > MAX_DURATION // _MINUTE:
        raise WhenError("duration too long: at most 365 days")
    return timedelta(minutes=minutes)


def _is_gap(wall: datetime, tz: ZoneInfo) -> bool:
    """True if the naive wall-clock time `wall` does not exist in tz (spring-forward gap)."""
    back = wall.replace(tzinfo=tz, fold=0).astimezone(UTC).astimezone(tz)
    return back.replace(tzinfo=None) != wall


def _localize(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """Wall-clock day+clock in tz -> UTC; first occurrence if ambiguous, WhenError if in a gap."""
    wall = datetime.combine(day, clock)
    if _is_gap(wall, tz):
        raise WhenError(f"no such local time in {tz.key}: {wall:%Y-%m-%d %H:%M} (clock change)")
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC)


def _clock(token: str) -> time | None:
    """'9:05', '09:05', '9am', '9:30pm', 'noon', 'midnight' -> time; None if not clock-shaped;
    WhenError if out of range."""
    if token in _NAMED_CLOCKS:
        return _NAMED_CLOCKS[token]
    twelve = _TWELVE_HOUR_RE.fullmatch(token)
    if twelve is not None:
        hour, minute = int(twelve[1]), int(twelve[2] or 0)
        if not 1 <= hour <= 12 or minute > 59:
            raise WhenError(f"no such time: {token}")
        return time(hour % 12 + (12 if twelve[3] == "pm" else 0), minute)
    m = _CLOCK_RE.fullmatch(token)
    if m is None:
        return None
    hour, minute = int(m[1]), int(m[2])
    if hour > 23 or minute > 59:
        raise WhenError(f"no such time: {token}")
    return time(hour, minute)


def _parse_iso(m: re.Match[str], tz: ZoneInfo) -> datetime:
    year, month, day = int(m["y"]), int(m["mo"]), int(m["d"])
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise WhenError(f"year out of range: {year} (use {MIN_YEAR}..{MAX_YEAR})")
    try:
        the_date = date(year, month, day)
    except ValueError:
        raise WhenError(f"no such date: {year:04d}-{month:02d}-{day:02d}") from None
    if m["clock"] is None:
        return _localize(the_date, time(0, 0), tz)
    hour, minute, second = int(m["h"]), int(m["mi"]), int(m["s"] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise WhenError(f"no such time: {m['clock']}")
    micro = int((m["f"] or "0")[:6].ljust(6, "0"))
    clock = time(hour, minute, second, micro)
    if m["off"] is None:
        return _localize(the_date, clock, tz)
    offset = timedelta(0)
    if m["off"] != "z":
        oh, om = int(m["oh"]), int(m["om"] or 0)
        if oh > 23 or om > 59:
            raise WhenError(f"no such UTC offset: {m['off'].upper()}")
        offset = timedelta(hours=oh, minutes=om) * (-1 if m["sign"] == "-" else 1)
    return datetime.combine(the_date, clock, tzinfo=timezone(offset)).astimezone(UTC)


def _next_occurrence(clock: time, now: datetime, tz: ZoneInfo) -> datetime:
    """The first instant strictly after `now` whose wall clock in tz reads `clock`."""
    now_utc = now.astimezone(UTC)
    local_now = now_utc.astimezone(tz)
    today = local_now.date()
    wall = datetime.combine(today, clock)
    if _is_gap(wall, tz):
        if wall > local_now.replace(tzinfo=None):  # still ahead on the clock, but skipped
            _localize(today, clock, tz)  # raises the clock-change error
    else:
        for fold in (0, 1):  # on a fall-back day the second occurrence may still be ahead
            instant = wall.replace(tzinfo=tz, fold=fold).astimezone(UTC)
            if instant > now_utc:
                return instant
    return _localize(today + timedelta(days=1), clock, tz)


def parse_when(text: str, *, now: datetime, tz: ZoneInfo) -> datetime:
    """Parse a WHEN as typed by a user into an aware UTC datetime.

    Accepted (case-insensitive, extra whitespace ignored):

    * ISO 8601 with offset: '2026-12-01T18:00Z', '2026-12-01 18:00+05:30' -> that instant
      (tz is ignored).  Seconds and fractions are accepted.
    * ISO 8601 without offset: '2026-12-01T18:00', '2026-12-01 18:00' -> wall clock in tz.
      A date alone ('2026-12-01') means 00:00 (start of that day) in tz.
    * 'in <duration>' ('in 90m', 'in 1h30m', 'in 2 hours') -> now + elapsed time.
    * 'today HH:MM', 'tomorrow HH:MM', 'tomorrow' (= 09:00) -> that wall clock in tz.
    * 'HH:MM' / 'H:MM' alone -> next occurrence in tz (today if strictly ahead, else tomorrow).
    * '[next] <weekday> [TIME]' ('monday 09:00', 'next fri') -> next such day, never today;
      09:00 default.
    * A time of day may also read '9am', '9:30 pm', 'noon' or 'midnight' (12am is 00:00).

    Wall-clock times falling in a DST gap raise WhenError; ambiguous ones (fall-back overlap)
    take the first occurrence.  Years must be within 2000..2100.  Past moments are NOT
    rejected: that is for the caller to decide.
    """
    if now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    s = " ".join(text.lower().split())
    if not s:
        raise WhenError(f"no time given ({_HINT})")
    if s.startswith("in "):
        return now.astimezone(UTC) + parse_duration(s[3:])
    iso = _ISO_RE.fullmatch(s)
    if iso is not None:
        return _parse_iso(iso, tz)

    tokens = _SPACED_MERIDIEM_RE.sub(r"\1\2", s).split(" ")
    if tokens[0] == "next" and len(tokens) > 1 and tokens[1] in _WEEKDAYS:
        tokens = tokens[1:]  # "next monday" is the next Monday, as "monday" is
    if len(tokens) == 1 and (clock := _clock(tokens[0])) is not None:
        return _next_occurrence(clock, now, tz)
    word = tokens[0]
    if len(tokens) <= 2 and (word in ("today", "tomorrow") or word in _WEEKDAYS):
        clock = _clock(tokens[1]) if len(tokens) == 2 else None
        if len(tokens) == 2 and clock is None:
            raise WhenError(f"unknown time format {_quote(text)} ({_HINT})")
        today = now.astimezone(tz).date()
        if word == "today":
            if clock is None:
                raise WhenError("give a time, e.g. today 18:00")
            return _localize(today, clock, tz)
        ahead = 1 if word == "tomorrow" else (_WEEKDAYS[word] - today.weekday() - 1) % 7 + 1
        return _localize(
            today + timedelta(days=ahead), DEFAULT_TIME if clock is None else clock, tz
        )
    raise WhenError(f"unknown time format {_quote(text)} ({_HINT})")


def format_when(moment: datetime, tz: ZoneInfo) -> str:
    """'2026-11-27 06:00 CET': the aware moment shown in tz with zoneinfo's abbreviation."""
    if moment.utcoffset() is None:
        raise ValueError("format_when needs an aware datetime")
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")


def format_duration(delta: timedelta) -> str:
    """Compact form truncated to whole minutes: '1d 2h', '2h 30m', '45m', '0m' ('-' if negative)."""
    minutes, rest = divmod(delta, _MINUTE)
    if minutes < 0 and rest:
        minutes += 1  # truncate toward zero
    sign, minutes = ("-" if minutes < 0 else ""), abs(minutes)
    days, rem = divmod(minutes, 24 * 60)
    hours, mins = divmod(rem, 60)
    parts = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (mins, "m")) if n]
    return sign + (" ".join(parts) or "0m")


def is_valid_timezone(name: str) -> bool:
    """True if `name` is an IANA zone that zoneinfo can load (case-sensitive, e.g. 'Asia/Tokyo')."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def load_timezone(name: str) -> ZoneInfo:
    """Load an IANA zone, or raise WhenError with a user-facing reason."""
    if not is_valid_timezone(name):
        raise WhenError(f'unknown timezone "{name}" (use an IANA name such as Europe/Paris)')
    return ZoneInfo(name)
