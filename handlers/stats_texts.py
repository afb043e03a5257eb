"""What /stats and /export say: the summary (short HTML, numbers in the reader's locale), the
chart's labels, the refusals."""

from collections.abc import Sequence
from datetime import timedelta
from html import escape

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from babel.dates import format_skeleton
from babel.numbers import format_decimal, format_percent

from bot.services.stats import PERIODS, StatsReport, Week
from bot.stats_chart import ChartLabels

DEFAULT_PERIOD = "week"


def locale() -> str:
    current = I18n.get_current(no_error=True)
    return current.current_locale if current is not None else "en"


def number(value: int) -> str:
    return format_decimal(value, locale=locale())


def period_of(args: str | None) -> str | None:
    """The period a command names (week when none); None for one we don't know."""
    word = (args or "").strip().lower() or DEFAULT_PERIOD
    return word if word in PERIODS else None


def bad_period(args: str | None) -> str:
    return _(
        "I don't know the period “{period}”. Say /stats week (the last 7 days, the default), "
        "/stats month (the last 30 days) or /stats all."
    ).format(period=escape((args or "").strip()[:40], quote=False))


def not_a_moderator() -> str:
    return _("Only the group's administrators can see its statistics and export its data.")


def no_group_moderated() -> str:
    return _(
        "Only a group's administrators can see its statistics and export its data, and I know "
        "no group where you are one. (If you are, write something in the group first.)"
    )


def period_name(period: str) -> str:
    names = {"week": _("the last 7 days"), "month": _("the last 30 days"), "all": _("all time")}
    return names[period]


def duration(wait: timedelta) -> str:
    minutes = round(wait.total_seconds() / 60)
    if minutes < 60:
        return _("{minutes} min").format(minutes=number(minutes))
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return _("{hours} h {minutes} min").format(hours=number(hours), minutes=minutes)
    days, hours = divmod(hours, 24)
    return _("{days} d {hours} h").format(days=number(days), hours=hours)


def _rate(report: StatsReport) -> str:
    rate = report.answer_rate
    return format_percent(rate, locale=locale()) if rate is not None else "—"


def summary(report: StatsReport) -> str:
    lines = [
        _("<b>{title}</b>: statistics for {period}").format(
            title=escape(report.title, quote=False), period=period_name(report.period)
        ),
        _("Questions asked: {asked}; answered: {answered} ({rate})").format(
            asked=number(report.asked), answered=number(report.answered), rate=_rate(report)
        ),
    ]
    if report.asked == 0:
        lines.append(_("No questions were asked in this period."))
    if report.median_first_answer is not None:
        wait = duration(report.median_first_answer)
        lines.append(_("Median time to the first answer: {wait}").format(wait=wait))
    lines.append(
        _("Active members (asked, answered or voted): {count}").format(
            count=number(report.active_members)
        )
    )
    lines += _helpers(report)
    lines += _network(report)
    lines += _activities(report)
    return "\n".join(lines)


def _helpers(report: StatsReport) -> list[str]:
    if not report.top_helpers:
        return []
    lines = [_("<b>Top helpers</b> ({count} answers in all):").format(count=number(report.answers))]
    for helper in report.top_helpers:
        line = _("{name}: answers {answers}, accepted {accepted}").format(
            name=escape(helper.name, quote=False),
            answers=number(helper.answers),
            accepted=number(helper.accepted),
        )
        lines.append("• " + line)
    return lines


def _network(report: StatsReport) -> list[str]:
    net = report.network
    if net.pairs == 0:
        return []
    return [
        _("<b>Peer learning</b>"),
        _("Helper → asker pairs: {pairs}").format(pairs=number(net.pairs)),
        _("Sustained contacts (two months or more): {sustained} of {contacts}").format(
            sustained=number(net.sustained), contacts=number(net.contacts)
        ),
        _("Pairs who helped each other both ways: {count}").format(count=number(net.reciprocal)),
        _("Members who both asked and answered: {count}").format(
            count=number(net.both_ways_members)
        ),
    ]


def _activities(report: StatsReport) -> list[str]:
    lines = []
    if report.prompt_posts:
        lines.append(
            _("Discussion prompts posted: {posts}; replies: {replies}").format(
                posts=number(report.prompt_posts), replies=number(report.prompt_replies)
            )
        )
    meetups = report.meetups
    if meetups.count:
        line = _("Meetups: {count}; going {going}, maybe {maybe}, can't {cant}").format(
            count=number(meetups.count),
            going=number(meetups.going),
            maybe=number(meetups.maybe),
            cant=number(meetups.cant),
        )
        if meetups.attended is not None:
            line += "; " + _("attended {count}").format(count=number(meetups.attended))
        lines.append(line)
    return lines


def chart_labels(title: str, weeks: Sequence[Week]) -> ChartLabels:
    chosen = locale()
    return ChartLabels(
        title=_("Questions per week: {title}").format(title=title),
        asked=_("Asked"),
        answered=_("Answered"),
        rate=_("Answer rate (%)"),
        weeks=[format_skeleton("MMMd", w.start, locale=chosen) for w in weeks],
    )


def export_caption(title: str, rows: int) -> str:
    return _(
        "The data of {title}: {rows} rows in CSV files. It names members: share it only with "
        "those who need it."
    ).format(title=escape(title, quote=False), rows=number(rows))
