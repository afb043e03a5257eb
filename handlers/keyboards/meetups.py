"""Buttons of the /meetup dialog (user input: each press is checked against the dialog's
current step and the message that showed it)."""

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

# Deep link from the group's /meetup to the private chat, where the dialog runs for that group.
NEW_PAYLOAD = "meetupnew_{community_id}_{thread_id}"


class MeetupStepCb(CallbackData, prefix="md"):
    step: str  # description, link, public, repeat, confirm
    v: str  # skip; zoom; yes, no; none, weekly, monthly; create, cancel


def _rows(step: str, *choices: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=text, callback_data=MeetupStepCb(step=step, v=v).pack())]
            for text, v in choices
        ]
    )


def skip_keyboard() -> InlineKeyboardMarkup:
    return _rows("description", (_("Skip"), "skip"))


def zoom_keyboard() -> InlineKeyboardMarkup:
    return _rows("link", (_("Create a Zoom meeting"), "zoom"))


def public_keyboard() -> InlineKeyboardMarkup:
    return _rows(
        "public",
        (_("Private: only to Going and Maybe"), "no"),
        (_("Public: shown in the group"), "yes"),
    )


def repeat_keyboard() -> InlineKeyboardMarkup:
    return _rows(
        "repeat",
        (_("Once"), "none"),
        (_("Every week"), "weekly"),
        (_("Every month (same weekday)"), "monthly"),
    )


def confirm_keyboard() -> InlineKeyboardMarkup:
    return _rows("confirm", (_("✅ Create and invite"), "create"), (_("Cancel"), "cancel"))
