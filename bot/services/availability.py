"""When a member may be asked: their time zone and quiet hours, read from what they type.

Routing (`bot.services.questions.in_quiet_hours`) reads `members.timezone` with ZoneInfo, so
only names ZoneInfo knows are stored: IANA names (canonical spelling), and for typed offsets
the fixed `Etc/GMT±h` zones. Those exist for whole hours only; an offset such as +05:30 is
stored as the zone of the place that keeps it all year (Asia/Kolkata), and the reply names it.
"""

import re
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

UTC_NAMES = frozenset({"utc", "gmt", "z", "zulu", "etc/utc", "etc/gmt", "universal"})
# Offsets that are not whole hours, in minutes east of UTC: a place that uses it.
PART_HOUR_ZONES = {
    -570: "Pacific/Marquesas",
    -210: "America/St_Johns",
    210: "Asia/Tehran",
    270: "Asia/Kabul",
    330: "Asia/Kolkata",
    345: "Asia/Kathmandu",
    390: "Asia/Yangon",
    525: "Australia/Eucla",
    570: "Australia/Darwin",
    630: "Australia/Lord_Howe",
    765: "Pacific/Chatham",
}
# The buttons of the time zone step: where our members mostly are.
COMMON_ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Madrid",
    "Europe/Moscow",
    "America/Mexico_City",
    "America/Bogota",
    "America/Lima",
    "America/Sao_Paulo",
    "Africa/Nairobi",
    "Asia/Kolkata",
    "Asia/Jakarta",
    "Asia/Manila",
)
OFF_WORDS = frozenset(
    {"off", "none", "no", "-", "apagado", "ninguno", "нет", "выкл", "tidak", "mati"}
)
_REGIONS = ("Africa/", "America/", "Antarctica/", "Asia/", "Atlantic/", "Australia/", "Europe/")
_NOT_ZONES = frozenset({"Factory", "localtime", "posixrules"})
_OFFSET = re.compile(r"(?:(?:utc|gmt)\s*)?([+\-−])\s*(\d{1,2})(?:[:.]?(\d{2}))?", re.I | re.A)
_TIME = r"(\d{1,2})(?:[:.h](\d{2})|h)?"
_QUIET = re.compile(rf"{_TIME}\s*(?:[-–—‒−]|to)\s*{_TIME}", re.I | re.A)
DAY = 24 * 60


class AvailabilityError(Exception):
    """Bad input for the time zone or quiet hours step; nothing was changed."""


class UnknownTimezone(AvailabilityError):
    pass


class BadOffset(AvailabilityError):
    """An offset beyond UTC−12…UTC+14, or minutes no place uses (+02:20)."""


class BadQuietFormat(AvailabilityError):
    pass


class BadQuietTime(AvailabilityError):
    """An hour past 23 or a minute past 59."""


class EmptyQuietHours(AvailabilityError):
    """Start and end are the same time."""


@cache
def _zones() -> dict[str, str]:
    """Every zone name ZoneInfo can load, by its case-folded spelling; bare city names too
    (`lima`, `new york`) where only one zone ends with them."""
    names = {n for n in available_timezones() if n not in _NOT_ZONES}
    found = {n.casefold(): n for n in names}
    cities: dict[str, list[str]] = {}
    for name in names:
        if name.startswith(_REGIONS):
            cities.setdefault(name.rsplit("/", 1)[1].casefold(), []).append(name)
    for city, zones in cities.items():
        # A city beats an old country-wide alias (`singapore`: Asia/Singapore, not Singapore).
        if len(zones) == 1 and "/" not in found.get(city, ""):
            found[city] = zones[0]
    return found


def parse_timezone(text: str) -> str:
    """The zone name to store for `text`: an IANA name in any case (`america/lima`), a city
    (`Madrid`), UTC, or an offset (`UTC+3`, `GMT-5`, `+05:30`)."""
    cleaned = "_".join(text.split())
    if not cleaned or len(cleaned) > 64:
        raise UnknownTimezone()
    if cleaned.casefold() in UTC_NAMES:
        return "UTC"
    offset = _OFFSET.fullmatch(cleaned.replace("_", ""))
    if offset is not None:
        return _offset_zone(*offset.groups())
    name = _zones().get(cleaned.casefold())
    if name is None:
        raise UnknownTimezone()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:  # a broken tz database
        raise UnknownTimezone() from error
    return name


def _offset_zone(sign: str, hours: str, minutes: str | None) -> str:
    if int(minutes or 0) >= 60:
        raise BadOffset()
    total = int(hours) * 60 + int(minutes or 0)
    east = -total if sign in "-−" else total
    if total % 60:
        if east not in PART_HOUR_ZONES:
            raise BadOffset()
        return PART_HOUR_ZONES[east]
    if not -12 * 60 <= east <= 14 * 60:
        raise BadOffset()
    if east == 0:
        return "UTC"
    # POSIX sign convention: Etc/GMT-3 is three hours east of Greenwich.
    return f"Etc/GMT{'-' if east > 0 else '+'}{abs(east) // 60}"


def zone_label(name: str | None) -> str:
    """How a stored zone reads to members: `Etc/GMT-3` is shown as UTC+3."""
    if name is None:
        return "UTC"
    hours = name.removeprefix("Etc/GMT")
    if hours != name and hours[1:].isdigit():
        east = -int(hours)
        return f"UTC{'+' if east > 0 else '-'}{abs(east)}" if east else "UTC"
    return name


# A member's `off`: quiet hours from a minute to the same minute, i.e. never (parse_quiet_hours
# refuses that range), unlike none set, where the community's default quiet hours apply.
NEVER_QUIET = (0, 0)


def parse_quiet_hours(text: str) -> tuple[int, int] | None:
    """Quiet hours as (from, to) minutes after midnight, or None for `off`; `22-07`,
    `22:00-07:30`, `23:30–06:00`. From after to spans midnight; an end of 24:00 is midnight."""
    cleaned = text.strip()
    if cleaned.casefold() in OFF_WORDS:
        return None
    found = _QUIET.fullmatch(cleaned)
    if found is None:
        raise BadQuietFormat()
    start_h, start_m, end_h, end_m = found.groups()
    start = _minute(start_h, start_m, end=False)
    end = _minute(end_h, end_m, end=True)
    if start == end:
        raise EmptyQuietHours()
    return start, end


def _minute(hours: str, minutes: str | None, *, end: bool) -> int:
    h, m = int(hours), int(minutes or 0)
    if end and h == 24 and m == 0:
        return 0
    if h > 23 or m > 59:
        raise BadQuietTime()
    return h * 60 + m


def clock_time(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
