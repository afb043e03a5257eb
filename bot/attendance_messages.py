"""Texts and buttons after a meetup ("Did you attend?", the recap offer, the recap itself):
written for scheduled jobs and the outbox sender as well as for handlers, so they live here."""

from datetime import datetime
from enum import StrEnum
from html import escape
from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from babel.dates import format_date

from bot.messages import fit, start_link
from bot.schedules import zone
from bot.services.attendance import Attendance, FollowUp, RecapPost
from bot.services.members import pick_locale

RECAP_PAYLOAD = "recap_{meetup_id}"  # deep link from the group to the recap dialog


class Attended(StrEnum):
    YES = "y"
    NO = "n"


class AttendCb(CallbackData, prefix="ma"):
    """An answer to "Did you attend?": checked against who was asked about which meetup."""

    m: int  # meetup
    a: Attended


class RecapCb(CallbackData, prefix="mr"):
    """Post a recap of the meetup: checked against the presser's rights, live."""

    m: int  # meetup


def local_day(moment: datetime, timezone: str, locale: str) -> str:
    """The day of `moment` in `timezone`, as `locale` writes dates (15 dic 2026)."""
    return format_date(moment.astimezone(zone(timezone)).date(), "medium", locale=locale)


def attend_text(title: str, day: str, attended: bool | None = None) -> str:
    text = _("Did you attend <b>{title}</b> ({day})?").format(
        title=escape(title, quote=False), day=day
    )
    if attended is True:
        text += "\n\n" + _("✅ Noted: you were there. Tap the other button if that is wrong.")
    elif attended is False:
        text += "\n\n" + _("Noted: you could not make it. Tap the other button if that is wrong.")
    return text


def attend_keyboard(meetup_id: int, attended: bool | None = None) -> InlineKeyboardMarkup:
    def button(text: str, answer: Attended, chosen: bool) -> InlineKeyboardButton:
        data = AttendCb(m=meetup_id, a=answer).pack()
        return InlineKeyboardButton(text=("• " if chosen else "") + text, callback_data=data)

    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                button(_("Yes, I was there"), Attended.YES, attended is True),
                button(_("No, I missed it"), Attended.NO, attended is False),
            ]
        ]
    )


def follow_up_message(i18n: I18n, follow_up: FollowUp) -> tuple[str, dict[str, Any] | None]:
    """A member asked whether they attended, a moderator offered to post the recap (privately,
    in their language), or the group's moderators in the group (the button leads a moderator
    to the private chat, where the recap is written)."""
    meetup, community, member = follow_up.meetup, follow_up.community, follow_up.member
    locale = (
        pick_locale(member.language, member.telegram_language, community.language)
        if member is not None
        else community.language
    )
    with i18n.context(), i18n.use_locale(locale):
        day = local_day(meetup.starts_at, community.timezone, locale)
        title = escape(meetup.title, quote=False)
        if follow_up.kind == "ask":
            markup = attend_keyboard(meetup.id)
            return attend_text(meetup.title, day), markup.model_dump(exclude_none=True)
        if member is None:
            text = _(
                "<b>{title}</b> is over. Moderators: would one of you post a short recap for "
                "those who missed it? The button opens our private chat."
            ).format(title=title)
        else:
            text = _(
                "<b>{title}</b> ({day}) in {group} is over. Would you post a short recap for the "
                "group? You can also keep it in the FAQ."
            ).format(title=title, day=day, group=escape(community.title, quote=False))
        button = InlineKeyboardButton(
            text=_("📝 Post a recap"), callback_data=RecapCb(m=meetup.id).pack()
        )
        markup = InlineKeyboardMarkup(inline_keyboard=[[button]])
        return text, markup.model_dump(exclude_none=True)


def recap_link(bot_username: str, meetup_id: int) -> str:
    """Opens the recap dialog in the private chat (from a button pressed in the group)."""
    return start_link(bot_username, RECAP_PAYLOAD.format(meetup_id=meetup_id))


def recap_post(i18n: I18n, post: RecapPost, around: tuple[str, ...] = ()) -> tuple[str, str]:
    """The recap as the group reads it, and the FAQ question it is kept under, both in the
    group's language. `around`: lines shown with it (a preview's), counted against the limit."""
    meetup = post.meetup
    with i18n.context(), i18n.use_locale(meetup.language):
        day = local_day(meetup.starts_at, meetup.timezone, meetup.language)
        header = _("📝 <b>Recap: {title}</b> ({day})").format(
            title=escape(meetup.title, quote=False), day=day
        )
        question = _("Meetup recap: {title} ({day})").format(title=meetup.title, day=day)
    return f"{header}\n\n{fit(post.text, [*around, header, ''])}", question


def figures_line(figures: Attendance) -> str:
    if not figures.asked:
        return _("Attendance: nobody could be asked whether they came.")
    return _(
        "Attendance: {asked} asked; {yes} came, {no} did not, {unanswered} have not answered."
    ).format(asked=figures.asked, yes=figures.yes, no=figures.no, unanswered=figures.unanswered)
