"""Meetup texts, buttons and calendar files that both the handlers and the scheduled jobs send:
the group's invitation with live RSVP counts, the join link and reminders members get
privately, and what the group is told. Private texts are in the member's language, the
group's in the group's; times in the community's timezone, written the locale's way."""

from datetime import datetime, timedelta
from html import escape
from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from babel.dates import format_datetime

from bot.calendar import CalendarMeetup, meetup_ics
from bot.clock import Clock
from bot.messages import mention
from bot.schedules import zone
from bot.services.meetups import LINKED, Counts, Letter, Notice
from bot.services.members import pick_locale
from bot.services.outbox import CAPTION_LIMIT
from storage.models import Community, Meetup

CALENDAR_FILE = "meetup.ics"
LINK_PAYLOAD = "meetup_{meetup_id}"  # /start from a toast: the link, once the chat is open


class MeetupCb(CallbackData, prefix="mt"):
    """An RSVP button of a group's invitation (user input: checked again on every press)."""

    a: str  # going, maybe, cant
    m: int  # meetup


def rsvp_markup(meetup_id: int, counts: Counts) -> InlineKeyboardMarkup:
    def button(text: str, answer: str, count: int) -> InlineKeyboardButton:
        data = MeetupCb(a=answer, m=meetup_id).pack()
        return InlineKeyboardButton(text=f"{text} · {count}", callback_data=data)

    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                button(_("✅ Going"), "going", counts.going),
                button(_("🤔 Maybe"), "maybe", counts.maybe),
                button(_("❌ Can't"), "cant", counts.cant),
            ]
        ]
    )


def local_time(moment: datetime, timezone: str, locale: str) -> str:
    """'Tue 15 Dec 2026, 18:00 (America/Lima)', in the locale's words."""
    local = moment.astimezone(zone(timezone))
    return f"{format_datetime(local, 'EEE d MMM y, HH:mm', locale=locale)} ({timezone})"


def invitation_text(meetup: Meetup, timezone: str, locale: str) -> str:
    """The group's invitation (or its state, once moved or cancelled), in `locale` (the
    caller's gettext locale too)."""
    when = local_time(meetup.starts_at, timezone, locale)
    lines = []
    if meetup.status == "cancelled":
        lines.append(_("❌ <b>Cancelled</b>"))
    elif meetup.sequence > 0:
        lines.append(_("🕒 <b>Moved to a new time</b>"))
    lines.append("📅 <b>" + escape(meetup.title, quote=False) + "</b>")
    lines.append(_("🕒 {when}, {minutes} min").format(when=when, minutes=meetup.duration_minutes))
    if meetup.recurrence == "weekly":
        lines.append(_("🔁 Every week"))
    elif meetup.recurrence == "monthly":
        lines.append(_("🔁 Every month, on the same weekday of the month"))
    if meetup.description:
        lines += ["", escape(meetup.description, quote=False)]
    if meetup.status != "cancelled":
        lines.append("")
        if meetup.public_link:
            lines.append(_("🔗 {link}").format(link=escape(meetup.join_url)))
        lines.append(_("Going or maybe? Tap a button: I send you the link privately."))
    return "\n".join(lines)


def calendar_file(
    meetup: Meetup, community: Community, now: datetime, *, with_link: bool
) -> tuple[str, str]:
    """The .ics file of `meetup` (cancelled ones say so); the join link only `with_link`."""
    event = CalendarMeetup(
        id=meetup.id,
        title=meetup.title,
        start=meetup.starts_at,
        duration=timedelta(minutes=meetup.duration_minutes),
        timezone=community.timezone,
        description=meetup.description,
        sequence=meetup.sequence,
        cancelled=meetup.status == "cancelled",
    )
    ics = meetup_ics(event, now=now, join_url=meetup.join_url if with_link else None)
    return CALENDAR_FILE, ics.decode()


class MeetupWriter:
    """The `Write` of bot.services.meetups: each notice in its reader's language."""

    def __init__(self, i18n: I18n, clock: Clock) -> None:
        self.i18n, self.clock = i18n, clock

    def __call__(self, notice: Notice) -> str | Letter:
        member = notice.member
        if member is not None:
            default = self.i18n.default_locale
            locale = pick_locale(member.language, member.telegram_language, default)
        else:
            locale = notice.community.language
        with self.i18n.context(), self.i18n.use_locale(locale):
            return self._write(notice, locale)

    def _write(self, notice: Notice, locale: str) -> str | Letter:
        meetup, community = notice.meetup, notice.community
        private = notice.member is not None
        # Members who answered Going or Maybe get the link; the group only when it is public,
        # and never in its calendar file (a file is forwarded further than a message).
        linked = notice.answer in LINKED if notice.answer else private
        with_link = linked if private else meetup.public_link
        title = escape(meetup.title, quote=False)
        when = local_time(meetup.starts_at, community.timezone, locale)
        link = escape(meetup.join_url)
        kind = notice.kind
        if kind == "invitation":
            markup = rsvp_markup(meetup.id, Counts()).model_dump(exclude_none=True)
            text = invitation_text(meetup, community.timezone, locale)
            return Letter(text, reply_markup=markup)
        ics = calendar_file(meetup, community, self.clock.now(), with_link=linked and private)
        if kind == "calendar":
            text = _("📅 {title}: open the file to add it to your calendar.").format(title=title)
            return Letter(text, document=ics)
        if kind == "link":
            text = _(
                "🔗 The link to <b>{title}</b> ({when}):\n{link}\n\nThe file adds the meetup "
                "to your calendar, link included."
            ).format(title=title, when=when, link=link)
            return _with_file(text, ics)
        if kind == "moved":
            text = _("🕒 <b>{title}</b> is moved to {when}.").format(title=title, when=when)
        elif kind == "cancelled":
            text = _("❌ <b>{title}</b> ({when}) is cancelled.").format(title=title, when=when)
        elif kind == "reminder_day":
            text = _("⏰ Reminder: <b>{title}</b> starts {when}.").format(title=title, when=when)
        else:
            text = _("⏰ <b>{title}</b> starts within the hour: {when}.").format(
                title=title, when=when
            )
        if with_link and kind != "cancelled":
            text += "\n" + _("🔗 {link}").format(link=link)
        if notice.unreachable:
            names = ", ".join(mention(m.user_id, m.first_name) for m in notice.unreachable)
            text += "\n" + _(
                "{names}: I can't message you privately. Open a chat with me and tap Start, "
                "then answer again to get the link."
            ).format(names=names)
        if kind in ("moved", "cancelled"):
            return _with_file(text, ics)
        return text


def invitation_markup(meetup: Meetup, counts: Counts) -> dict[str, Any] | None:
    """The invitation's buttons as they are now: none once it is cancelled."""
    if meetup.status == "cancelled":
        return None
    return rsvp_markup(meetup.id, counts).model_dump(exclude_none=True)


def _with_file(text: str, ics: tuple[str, str]) -> Letter:
    # A caption holds 1,024 characters: a text longer than that (a long title full of
    # characters HTML escapes) goes without the file rather than not at all.
    return Letter(text, document=ics if len(text) <= CAPTION_LIMIT else None)
