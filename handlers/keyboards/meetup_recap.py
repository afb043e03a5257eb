"""Buttons of the recap dialog: its callback data says which step, nothing the presser could
use elsewhere (the meetup is kept in the dialog's state)."""

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _


class Step(StrEnum):
    POST = "p"
    SAVE = "f"  # post, and keep it in the FAQ
    CANCEL = "c"


class RecapStepCb(CallbackData, prefix="ms"):
    act: Step


def review_keyboard() -> InlineKeyboardMarkup:
    def button(text: str, act: Step) -> InlineKeyboardButton:
        return InlineKeyboardButton(text=text, callback_data=RecapStepCb(act=act).pack())

    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button(_("📣 Post in the group"), Step.POST)],
            [button(_("📣 Post and save to the FAQ"), Step.SAVE)],
            [button(_("Cancel"), Step.CANCEL)],
        ]
    )
