"""Weekly schedules ('mon,thu 09:00') and meetup dates, read as wall time in a community's
timezone and turned into UTC instants. Pure: no database, no Telegram, no clock of its own."""

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import schedule_words

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index is datetime.weekday()
_KEYWORDS = {
    "daily": frozenset(range(7)),
    "weekdays": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
}
_SCHEDULE = re.compile(r"(?P<days>.+?)\s+(?P<time>\S+)")
_TIME = re.compile(r"(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2})")
# Day first, as our es/id/ru locales write dates: '03/04/2026' is 3 April, never 4 March.
_DATE_FORMATS = (
    re.compile(r"(?P<year>[0-9]{4})-(?P<month>[0-9]{1,2})-(?P<day>[0-9]{1,2})"),
    re.compile(r"(?P<day>[0-9]{1,2})\.(?P<month>[0-9]{1,2})\.(?P<year>[0-9]{4})"),
    re.compile(r"(?P<day>[0-9]{1,2})/(?P<month>[0-9]{1,2})/(?P<year>[0-9]{4})"),
)

ScheduleProblem = Literal["shape", "days", "time"]
DateTimeProblem = Literal["format", "date", "time", "past", "gap"]


class BadSchedule(Exception):
    """`reason`: 'shape' (not '<days> <time>'), 'days' (unknown, repeated or mixed day names)
    or 'time' (not H:MM within 00:00-23:59). The handler words it, with an example."""

    def __init__(self, reason: ScheduleProblem) -> None:
        super().__init__(reason)
        self.reason = reason


class BadDateTime(Exception):
    """`reason`: 'format', 'date' (no such day, e.g. 31.02), 'time' (e.g. 24:00), 'past' (not
    after now) or 'gap' (the clocks skip that wall time that day)."""

    def __init__(self, reason: DateTimeProblem) -> None:
        super().__init__(reason)
        self.reason = reason


class UnknownTimezone(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


@dataclass(frozen=True, slots=True)
class Weekly:
    """Fires on `days` (Monday is 0) at the wall time `at` of whatever timezone it is used in."""

    days: frozenset[int]
    at: time

    def __post_init__(self) -> None:
        # An empty set would make next_firing search forever.
        if not self.days or not self.days <= _KEYWORDS["daily"]:
            raise ValueError(f"days must be a non-empty subset of 0..6, not {set(self.days)}")
        # Whole minutes, naive: what an expression can say, so `text` reads back the same.
        if self.at.second or self.at.microsecond or self.at.tzinfo is not None:
            raise ValueError(f"at must be a naive whole minute, not {self.at!r}")

    @property
    def text(self) -> str:
        """The canonical expression, which parse_weekly reads back to an equal Weekly."""
        names = next((k for k, v in _KEYWORDS.items() if v == self.days), None)
        names = names or ",".join(DAY_NAMES[d] for d in sorted(self.days))
        return f"{names} {self.at:%H:%M}"


def parse_weekly(text: str) -> Weekly:
    """'Mon, thu 9:00', 'daily 18:30', 'weekdays 08:15': day names or one keyword, then a
    24-hour time. Days and keywords may be written in English, Spanish, Russian or Indonesian
    ('lun,jue 09:00', 'пн,чт 9:00', 'akhir pekan 10:00'; see bot.schedule_words)."""
    shape = _SCHEDULE.fullmatch(text.strip())
    # 'todos los días' alone has a space, yet no time.
    if shape is None or fold(text) in _KEYWORD_ALIASES:
        raise BadSchedule("shape")
    at = _parse_time(shape["time"])
    if at is None:
        raise BadSchedule("time")
    return Weekly(_parse_days(shape["days"]), at)


def _parse_time(text: str) -> time | None:
    found = _TIME.fullmatch(text)
    if found is None or int(found["hour"]) > 23 or int(found["minute"]) > 59:
        return None
    return time(int(found["hour"]), int(found["minute"]))


def fold(word: str) -> str:
    """How a day name or keyword is compared: case, accents and spacing aside ('Sáb' is
    'sab', 'fines  de semana' is 'fines de semana')."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.split())


def _aliases() -> tuple[dict[str, int], dict[str, frozenset[int]]]:
    days = {
        fold(name): day
        for table in schedule_words.DAYS.values()
        for day, names in enumerate(table)
        for name in names
    }
    keywords = {
        fold(name): chosen
        for table in schedule_words.KEYWORDS.values()
        for chosen, names in table
        for name in names
    }
    return days, keywords


_DAY_ALIASES, _KEYWORD_ALIASES = _aliases()


def _parse_days(text: str) -> frozenset[int]:
    names = [fold(name) for name in text.split(",")]
    if len(names) == 1 and names[0] in _KEYWORD_ALIASES:
        return _KEYWORD_ALIASES[names[0]]
    if any(name not in _DAY_ALIASES for name in names):
        raise BadSchedule("days")
    days = [_DAY_ALIASES[name] for name in names]
    # 'mon,mon' (or 'mon,lunes') is more likely a typo for another day than a wish to fire twice.
    if len(set(days)) != len(days):
        raise BadSchedule("days")
    return frozenset(days)


def zone(name: str) -> ZoneInfo:
    """The IANA timezone `name` ('Europe/Berlin'), exactly as spelled."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # unknown, malformed, a directory
        raise UnknownTimezone(name) from None


def next_firing(schedule: Weekly, timezone: str, after: datetime) -> datetime:
    """The first firing strictly after `after` (aware), as an aware UTC datetime."""
    tz = zone(timezone)
    # The day before too, in case a DST gap pushed its firing past midnight.
    day = _aware(after).astimezone(tz).date() - timedelta(days=1)
    while True:  # days is non-empty, so this ends within eight days
        if day.weekday() in schedule.days:
            firing = _firing_on(day, schedule.at, tz)
            if firing > after:
                return firing
        day += timedelta(days=1)


def firings_between(
    schedule: Weekly, timezone: str, start: datetime, end: datetime
) -> list[datetime]:
    """Every firing in (start, end], oldest first: the ones missed while the bot was down."""
    tz = zone(timezone)
    day = _aware(start).astimezone(tz).date() - timedelta(days=1)
    last = _aware(end).astimezone(tz).date()
    found: list[datetime] = []
    while day <= last:
        if day.weekday() in schedule.days:
            firing = _firing_on(day, schedule.at, tz)
            if start < firing <= end:
                found.append(firing)
        day += timedelta(days=1)
    return found


def parse_local_datetime(text: str, timezone: str, now: datetime) -> datetime:
    """A meetup's start, '2026-12-15 18:00', '15.12.2026 18:00' or '15/12/2026 18:00' in
    `timezone`, as an aware UTC datetime after `now`. A wall time the clocks pass twice is
    the first of the two."""
    tz = zone(timezone)
    parts = text.split()
    if len(parts) != 2 or _TIME.fullmatch(parts[1]) is None:
        raise BadDateTime("format")
    day = _parse_date(parts[0])
    at = _parse_time(parts[1])
    if at is None:
        raise BadDateTime("time")
    try:
        instant = _instant(datetime.combine(day, at), tz)
    except OverflowError:  # year 1 or 9999 pushed out of range by the offset
        raise BadDateTime("date") from None
    if instant is None:
        raise BadDateTime("gap")
    if instant <= _aware(now):
        raise BadDateTime("past")
    return instant


def _parse_date(text: str) -> date:
    for pattern in _DATE_FORMATS:
        found = pattern.fullmatch(text)
        if found is not None:
            try:
                return date(int(found["year"]), int(found["month"]), int(found["day"]))
            except ValueError:
                raise BadDateTime("date") from None
    raise BadDateTime("format")


def _aware(moment: datetime) -> datetime:
    # A naive datetime would silently be read as the server's local time.
    if moment.utcoffset() is None:
        raise ValueError("expected a timezone-aware datetime")
    return moment


def _instant(wall: datetime, tz: ZoneInfo) -> datetime | None:
    """The UTC instant the clocks in `tz` first read the naive `wall`; None in a DST gap."""
    instant = wall.replace(tzinfo=tz).astimezone(UTC)  # fold=0: the earlier of two readings
    return instant if instant.astimezone(tz).replace(tzinfo=None) == wall else None


def _firing_on(day: date, at: time, tz: ZoneInfo) -> datetime:
    wall = datetime.combine(day, at)
    instant = _instant(wall, tz)
    if instant is not None:
        return instant
    # In a gap fold=0 reads `wall` with the offset from before it, landing after the jump,
    # and fold=1 with the offset from after it, landing before: fire when the clocks jump.
    later = wall.replace(tzinfo=tz).astimezone(UTC)
    earlier = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    return _jump(earlier, later, tz)


def _jump(before: datetime, after: datetime, tz: ZoneInfo) -> datetime:
    """The first whole second in (before, after] with a different UTC offset from `before`'s."""
    offset = before.astimezone(tz).utcoffset()
    low, high = int(before.timestamp()), int(after.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, tz).utcoffset() == offset:
            low = middle
        else:
            high = middle
    return datetime.fromtimestamp(high, UTC)
