"""Instants as a reader sees them: in a community's (or member's) time zone, in the locale's
own formats (Babel's CLDR data), with the zone named so nobody has to guess."""

from datetime import datetime

from aiogram.utils.i18n import I18n
from babel.dates import format_skeleton, get_datetime_format

from bot.schedules import zone


def _locale(locale: str | None) -> str:
    """The given locale, else the one the current update's gettext uses, else English."""
    if locale is not None:
        return locale
    current = I18n.get_current(no_error=True)
    return current.current_locale if current is not None else "en"


def local_date(instant: datetime, timezone: str, locale: str | None = None) -> str:
    """E.g. "Tue, Mar 3, 2026" / "mar, 3 mar 2026" / "вт, 3 мар. 2026 г."."""
    return format_skeleton("yMMMEd", instant, tzinfo=zone(timezone), locale=_locale(locale))


def local_time(instant: datetime, timezone: str, locale: str | None = None) -> str:
    """24-hour clock time, e.g. "18:00" (Indonesian: "18.00")."""
    return format_skeleton("Hm", instant, tzinfo=zone(timezone), locale=_locale(locale))


def local_datetime(
    instant: datetime, timezone: str, locale: str | None = None, *, with_zone: bool = True
) -> str:
    """Date and time in the locale's order, then the zone: "Tue, Mar 3, 2026, 18:00
    (Europe/Berlin)" (without it, `with_zone=False`, where the text names the zone already)."""
    chosen = _locale(locale)
    pattern = get_datetime_format("medium", locale=chosen)
    joined = pattern.replace("{1}", local_date(instant, timezone, chosen)).replace(
        "{0}", local_time(instant, timezone, chosen)
    )
    return f"{joined} ({timezone})" if with_zone else joined
