"""Parsing and formatting of user-typed times ("WHEN") and durations.

Pure functions: standard library, zoneinfo and Babel's locale data (and `N_`, which marks the
reasons of errors for translation).  Every parsed moment is returned as an aware datetime in UTC;
wall-clock times are resolved in the caller's IANA zone with zoneinfo.  The four working
languages are all understood, whatever the reader's: `dans 2h`, `mañana 09:00`, `غدًا 09:00`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Self, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_skeleton, format_time

from bot.i18n import N_

__all__ = [
    "Reason",
    "WhenError",
    "format_day",
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
_HOUR, _DAY, _WEEK = 60, 24 * 60, 7 * 24 * 60  # in minutes

# The words of the four working languages as they are written; reading ignores case, accents,
# hamza and vowel marks (mañana is manana, الإثنين is الاثنين).  No word of one language
# means something else in another, so all are understood whatever the reader's language.
_IN_WORDS = ("in", "dans", "en", "بعد", "خلال")  # "in 2h", "dans 2h", "en 2h", "بعد 2h"
_UNITS = {  # minutes per unit after a number: "90 min", "2 heures", "3 días", "3 أيام"
    1: ("m", "min", "mins", "minute", "minutes", "minuto", "minutos", "دقيقة", "دقائق"),
    _HOUR: ("h", "hr", "hrs", "hour", "hours", "heure", "heures", "hora", "horas", "ساعة", "ساعات"),
    _DAY: ("d", "day", "days", "j", "jour", "jours", "día", "días", "يوم", "أيام"),
    _WEEK: ("w", "week", "weeks", "semaine", "semaines", "semana", "semanas", "أسبوع", "أسابيع"),
}
_COUNTED_UNITS = {  # Arabic words that carry their number: "بعد ساعة" (an hour), "بعد ساعتين" (two)
    1: ("دقيقة",),
    2: ("دقيقتين", "دقيقتان"),
    _HOUR: ("ساعة",),
    2 * _HOUR: ("ساعتين", "ساعتان"),
    _DAY: ("يوم",),
    2 * _DAY: ("يومين", "يومان"),
    _WEEK: ("أسبوع",),
    2 * _WEEK: ("أسبوعين", "أسبوعان"),
}
_DAY_WORDS = {  # days ahead: "tomorrow 09:00", "demain", "hoy 18:00", "غدًا"
    0: ("today", "aujourd'hui", "aujourdhui", "hoy", "اليوم"),
    1: ("tomorrow", "demain", "mañana", "غدًا", "بكرة"),
}
_WEEKDAY_NAMES = (  # Monday first, as date.weekday() counts; Arabic names also without ال
    ("monday", "mon", "lundi", "lunes", "الاثنين"),
    ("tuesday", "tue", "tues", "mardi", "martes", "الثلاثاء"),
    ("wednesday", "wed", "mercredi", "miércoles", "الأربعاء"),
    ("thursday", "thu", "thur", "thurs", "jeudi", "jueves", "الخميس"),
    ("friday", "fri", "vendredi", "viernes", "الجمعة"),
    ("saturday", "sat", "samedi", "sábado", "السبت"),
    ("sunday", "sun", "dimanche", "domingo", "الأحد"),
)
# Beside a weekday these change nothing (a weekday is always the next one, never today):
# "next monday", "lundi prochain", "el próximo lunes", "يوم الاثنين القادم".
_BESIDE_WEEKDAY = ("next", "prochain", "el", "próximo", "يوم", "القادم", "المقبل")
_BEFORE_CLOCK = ("at", "à", "a", "las", "la", "الساعة")  # "demain à 9h", "mañana a las 09:00"
_NAMED_CLOCKS = {
    time(12, 0): ("noon", "midday", "midi", "mediodía"),
    time(0, 0): ("midnight", "minuit", "medianoche"),
}

_NO_TIME = N_("no time given (try 2026-12-01 18:00, in 2h, tomorrow 09:00, monday 9am)")
_UNKNOWN_TIME = N_(
    'unknown time format "{value}" (try 2026-12-01 18:00, in 2h, tomorrow 09:00, monday 9am)'
)
_UNKNOWN_DURATION = N_('unknown duration "{value}" (try 90m, 2h, 1h30m, 3d)')
_TOO_LONG = N_("duration too long: at most 365 days")
_NO_SUCH_TIME = N_("no such time: {value}")

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "0123456789" * 2)  # Arabic-Indic, Eastern
_SAME = str.maketrans({"\u2019": "'", "\u02bc": "'", "ة": "ه", "\u0640": None})  # ـ tatweel
_T = TypeVar("_T")


def _normalize(text: str) -> str:
    """Text as the word tables read it: lower case, ASCII digits, no accents, hamza or vowel
    marks, ta marbuta as heh, typographic apostrophes as ', one space between words."""
    text = unicodedata.normalize("NFD", text.translate(_DIGITS).lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.translate(_SAME).split())


def _table(groups: Mapping[_T, tuple[str, ...]]) -> dict[str, _T]:
    """Each word, as read, to the meaning of its group."""
    return {_normalize(word): meaning for meaning, words in groups.items() for word in words}


_IN = frozenset(map(_normalize, _IN_WORDS))
_UNIT_MINUTES = _table(_UNITS)
_COUNTED_MINUTES = _table(_COUNTED_UNITS)
_DAYS_AHEAD = _table(_DAY_WORDS)
_WEEKDAYS = {
    form: day
    for day, names in enumerate(_WEEKDAY_NAMES)
    for name in map(_normalize, names)
    for form in (name, name.removeprefix("ال"))
}
_SKIPPED_BESIDE_WEEKDAY = frozenset(map(_normalize, _BESIDE_WEEKDAY))
_SKIPPED_BEFORE_CLOCK = frozenset(map(_normalize, _BEFORE_CLOCK))
_CLOCK_WORDS = _table(_NAMED_CLOCKS)

_DURATION_PART_RE = re.compile(r"([0-9]+)? ?([^\W\d_]+) ?")  # "90m", "2 hours ", "ساعتين"
_HOURS_MINUTES_RE = re.compile(r"\b([0-9]+) ?h([0-9]{2})\b")  # "1h30" is 1h30m
_CLOCK_RE = re.compile(r"([0-9]{1,2}):([0-9]{2})")
_HOUR_CLOCK_RE = re.compile(r"([0-9]{1,2})h([0-9]{2})?")  # "9h", "18h30", after a day only
_TWELVE_HOUR_RE = re.compile(r"([0-9]{1,2})(?::([0-9]{2}))?(am|pm)")
_SPACED_MERIDIEM_RE = re.compile(r"\b([0-9]{1,2}(?::[0-9]{2})?) (am|pm)\b")  # "9 am" -> "9am"
_ISO_RE = re.compile(
    r"(?P<y>[0-9]{4})-(?P<mo>[0-9]{1,2})-(?P<d>[0-9]{1,2})"
    r"(?:[t ](?P<clock>(?P<h>[0-9]{1,2}):(?P<mi>[0-9]{2})(?::(?P<s>[0-9]{2})(?:\.(?P<f>[0-9]+))?)?)"
    r" ?(?P<off>z|(?P<sign>[+-])(?P<oh>[0-9]{2})(?::?(?P<om>[0-9]{2}))?)?)?"
)


class Reason(str):
    """A reason as English text that keeps its msgid and values, to be shown in any language:
    `Translator.gettext(reason.message, **reason.values)`."""

    message: str
    values: dict[str, str]

    def __new__(cls, message: str, **values: str) -> Self:
        reason = super().__new__(cls, message.format(**values))
        reason.message, reason.values = message, values
        return reason

    def __getnewargs_ex__(self) -> tuple[tuple[str], dict[str, str]]:  # copy and pickle
        return (self.message,), self.values


class WhenError(ValueError):
    """A WHEN or duration that cannot be understood or is impossible.

    `reason` says why for the user: English text (also the str() of the exception) that keeps
    its msgid and values, so that it can be shown in the reader's language.
    """

    reason: Reason

    def __init__(self, message: str, **values: str) -> None:
        self.reason = Reason(message, **values)
        super().__init__(self.reason)


def _shown(text: str, limit: int = 40) -> str:
    """The text as typed, for a reason: on one line, cut at `limit` characters."""
    text = " ".join(text.split())
    return f"{text[:limit]}…" if len(text) > limit else text


def parse_duration(text: str) -> timedelta:
    """Parse '90m', '2h', '3d', '1w', '1h30m', '1h30', '1h 30m', '45 min', '2 hours',
    '2 heures', '3 días', '2 ساعات', 'ساعتين' into a timedelta.

    Units (case-insensitive, any of the four languages): see _UNITS; Arabic-Indic digits are
    read as digits.  The total must be positive and at most 365 days, otherwise WhenError.
    """
    s = _HOURS_MINUTES_RE.sub(r"\1h\2m", _normalize(text))
    parts = list(_DURATION_PART_RE.finditer(s))
    if not parts or "".join(part[0] for part in parts) != s:
        raise WhenError(_UNKNOWN_DURATION, value=_shown(text))
    minutes = 0
    for number, unit in (part.groups() for part in parts):
        if number is None and unit in _COUNTED_MINUTES:
            minutes += _COUNTED_MINUTES[unit]
        elif number is None or unit not in _UNIT_MINUTES:
            raise WhenError(_UNKNOWN_DURATION, value=_shown(text))
        elif len(number.lstrip("0")) > 9:  # far beyond the limit; keeps int() and timedelta safe
            raise WhenError(_TOO_LONG)
        else:
            minutes += int(number) * _UNIT_MINUTES[unit]
    if minutes <= 0:
        raise WhenError(N_("duration must be positive"))
    if minutes > MAX_DURATION // _MINUTE:
        raise WhenError(_TOO_LONG)
    return timedelta(minutes=minutes)


def _is_gap(wall: datetime, tz: ZoneInfo) -> bool:
    """True if the naive wall-clock time `wall` does not exist in tz (spring-forward gap)."""
    back = wall.replace(tzinfo=tz, fold=0).astimezone(UTC).astimezone(tz)
    return back.replace(tzinfo=None) != wall


def _localize(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """Wall-clock day+clock in tz -> UTC; first occurrence if ambiguous, WhenError if in a gap."""
    wall = datetime.combine(day, clock)
    if _is_gap(wall, tz):
        raise WhenError(
            N_("no such local time in {zone}: {time} (clock change)"),
            zone=tz.key,
            time=f"{wall:%Y-%m-%d %H:%M}",
        )
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC)


def _clock(token: str, *, hour_word: bool = False) -> time | None:
    """'9:05', '09:05', '9am', '9:30pm', 'noon', 'midi', 'medianoche' -> time (and '9h',
    '18h30' if `hour_word`); None if not clock-shaped; WhenError if out of range."""
    if token in _CLOCK_WORDS:
        return _CLOCK_WORDS[token]
    twelve = _TWELVE_HOUR_RE.fullmatch(token)
    if twelve is not None:
        hour, minute = int(twelve[1]), int(twelve[2] or 0)
        if not 1 <= hour <= 12 or minute > 59:
            raise WhenError(_NO_SUCH_TIME, value=token)
        return time(hour % 12 + (12 if twelve[3] == "pm" else 0), minute)
    m = _CLOCK_RE.fullmatch(token) or (_HOUR_CLOCK_RE.fullmatch(token) if hour_word else None)
    if m is None:
        return None
    hour, minute = int(m[1]), int(m[2] or 0)
    if hour > 23 or minute > 59:
        raise WhenError(_NO_SUCH_TIME, value=token)
    return time(hour, minute)


def _parse_iso(m: re.Match[str], tz: ZoneInfo) -> datetime:
    year, month, day = int(m["y"]), int(m["mo"]), int(m["d"])
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise WhenError(
            N_("year out of range: {year} (use {first}..{last})"),
            year=str(year),
            first=str(MIN_YEAR),
            last=str(MAX_YEAR),
        )
    try:
        the_date = date(year, month, day)
    except ValueError:
        raise WhenError(
            N_("no such date: {value}"), value=f"{year:04d}-{month:02d}-{day:02d}"
        ) from None
    if m["clock"] is None:
        return _localize(the_date, time(0, 0), tz)
    hour, minute, second = int(m["h"]), int(m["mi"]), int(m["s"] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise WhenError(_NO_SUCH_TIME, value=m["clock"])
    micro = int((m["f"] or "0")[:6].ljust(6, "0"))
    clock = time(hour, minute, second, micro)
    if m["off"] is None:
        return _localize(the_date, clock, tz)
    offset = timedelta(0)
    if m["off"] != "z":
        oh, om = int(m["oh"]), int(m["om"] or 0)
        if oh > 23 or om > 59:
            raise WhenError(N_("no such UTC offset: {value}"), value=m["off"].upper())
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

    Accepted (case-insensitive, extra whitespace ignored; the words of any of the four
    working languages, from the tables above; Arabic-Indic digits read as digits):

    * ISO 8601 with offset: '2026-12-01T18:00Z', '2026-12-01 18:00+05:30' -> that instant
      (tz is ignored).  Seconds and fractions are accepted.
    * ISO 8601 without offset: '2026-12-01T18:00', '2026-12-01 18:00' -> wall clock in tz.
      A date alone ('2026-12-01') means 00:00 (start of that day) in tz.
    * 'in <duration>' ('in 90m', 'dans 1h30', 'en 2 horas', 'بعد ساعتين') -> now + elapsed time.
    * 'today TIME', 'tomorrow TIME', 'tomorrow' (= 09:00) -> that wall clock in tz
      ('aujourd'hui 18:00', 'demain', 'mañana 09:00', 'غدًا 09:00').
    * 'HH:MM' / 'H:MM' alone -> next occurrence in tz (today if strictly ahead, else tomorrow).
    * '[next] <weekday> [TIME]' ('monday 09:00', 'next fri', 'lundi prochain 9h',
      'el próximo lunes', 'الاثنين 09:00') -> next such day, never today; 09:00 default.
    * A time of day may also read '9am', '9:30 pm', 'noon', 'midnight' (12am is 00:00),
      'midi', 'minuit', 'mediodía', 'medianoche'; after a day, also '9h', '18h30' and a word
      such as 'at', 'à', 'a las' before it ('demain à 9h').  '18h' alone is refused: it
      could be read as a duration.

    Wall-clock times falling in a DST gap raise WhenError; ambiguous ones (fall-back overlap)
    take the first occurrence.  Years must be within 2000..2100.  Past moments are NOT
    rejected: that is for the caller to decide.
    """
    if now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    s = _normalize(text)
    if not s:
        raise WhenError(_NO_TIME)
    first, _, rest = s.partition(" ")
    if first in _IN and rest:
        return now.astimezone(UTC) + parse_duration(text.split(None, 1)[1])
    iso = _ISO_RE.fullmatch(s)
    if iso is not None:
        return _parse_iso(iso, tz)

    words = _SPACED_MERIDIEM_RE.sub(r"\1\2", s).split(" ")
    if any(word in _WEEKDAYS for word in words):
        words = [word for word in words if word not in _SKIPPED_BESIDE_WEEKDAY]
    if len(words) == 1 and (clock := _clock(words[0])) is not None:
        return _next_occurrence(clock, now, tz)
    day, *after = words
    while len(after) > 1 and after[0] in _SKIPPED_BEFORE_CLOCK:
        after = after[1:]
    if (day not in _DAYS_AHEAD and day not in _WEEKDAYS) or len(after) > 1:
        raise WhenError(_UNKNOWN_TIME, value=_shown(text))
    clock = _clock(after[0], hour_word=True) if after else None
    if after and clock is None:
        raise WhenError(_UNKNOWN_TIME, value=_shown(text))
    today = now.astimezone(tz).date()
    ahead = _DAYS_AHEAD.get(day)
    if ahead == 0 and clock is None:
        raise WhenError(N_("give a time, e.g. today 18:00"))
    if ahead is None:
        ahead = (_WEEKDAYS[day] - today.weekday() - 1) % 7 + 1
    return _localize(today + timedelta(days=ahead), DEFAULT_TIME if clock is None else clock, tz)


def format_when(moment: datetime, tz: ZoneInfo, locale: str = "en_GB") -> str:
    """The aware moment in tz, as the locale writes a date, on the 24-hour clock operations
    use everywhere, with zoneinfo's abbreviation: '27 Nov 2026, 06:00 CET' (en_GB),
    '27 nov. 2026 06:00 CET' (fr), '27 nov 2026, 06:00 CET' (es)."""
    if moment.utcoffset() is None:
        raise ValueError("format_when needs an aware datetime")
    local = moment.astimezone(tz)
    day = format_skeleton("yMMMd", local, locale=locale)
    clock = f"{format_time(local, 'HH:mm', locale=locale)} {local.strftime('%Z')}"
    return str(Locale.parse(locale).datetime_formats["short"]).format(clock, day)


def format_day(day: date, locale: str = "en_GB") -> str:
    """A calendar day with its weekday, as the locale writes it: 'Fri, 27 Nov 2026'."""
    return format_skeleton("yMMMEd", day, locale=locale)


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
        raise WhenError(
            N_('unknown timezone "{value}" (use an IANA name such as Europe/Paris)'), value=name
        )
    return ZoneInfo(name)
