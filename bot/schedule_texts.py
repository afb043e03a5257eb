"""A weekly schedule as the reader reads it, in the current gettext locale: a phrase for replies
('lun, jue a las 09:00') and an expression the reader may type back ('lun,jue 09:00').
Weekly.text stays the stored, canonical (English) form."""

from datetime import time

from aiogram.utils.i18n import gettext as _

from bot.schedule_words import EVERY_DAY, WEEKDAYS, WEEKENDS
from bot.schedules import Weekly


def N_(text: str) -> str:
    return text


# Index is datetime.weekday(). Each translation must be a day name bot.schedule_words knows
# in that language, so an expression built from them parses back (tests check every locale).
DAY_LABELS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
# Words typed in an expression ('daily 18:30'): also known to bot.schedule_words.
KEYWORD_WORDS = (
    (EVERY_DAY, N_("daily")),
    (WEEKDAYS, N_("weekdays")),
    (WEEKENDS, N_("weekends")),
)
# What a bad expression is answered with: Mondays and Thursdays at 09:00.
EXAMPLE = Weekly(frozenset({0, 3}), time(9, 0))


def describe(schedule: Weekly) -> str:
    """'Mon, Thu at 09:00', 'every day at 18:30', 'weekdays at 08:15', 'weekends at 10:00'."""
    at = f"{schedule.at:%H:%M}"
    if schedule.days == EVERY_DAY:
        return _("every day at {time}").format(time=at)
    if schedule.days == WEEKDAYS:
        return _("weekdays at {time}").format(time=at)
    if schedule.days == WEEKENDS:
        return _("weekends at {time}").format(time=at)
    days = ", ".join(_(DAY_LABELS[day]) for day in sorted(schedule.days))
    return _("{days} at {time}").format(days=days, time=at)


def expression(schedule: Weekly) -> str:
    """The schedule as the reader would type it ('lun,jue 09:00', 'diario 18:30')."""
    keyword = next((_(word) for days, word in KEYWORD_WORDS if days == schedule.days), None)
    days = keyword or ",".join(_(DAY_LABELS[day]) for day in sorted(schedule.days))
    return f"{days.lower()} {schedule.at:%H:%M}"


def keywords() -> str:
    """'daily, weekdays, weekends' in the reader's words."""
    return ", ".join(_(word) for _days, word in KEYWORD_WORDS)
