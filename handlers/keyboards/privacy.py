"""The /forgetme confirmation's buttons and their callback data."""

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _


class ForgetAct(StrEnum):
    YES = "y"
    NO = "n"


class ForgetCb(CallbackData, prefix="pv"):
    act: ForgetAct
    member_id: int  # whose confirmation it is: a press by anyone else changes nothing


def forget_keyboard(member_id: int) -> InlineKeyboardMarkup:
    yes = ForgetCb(act=ForgetAct.YES, member_id=member_id).pack()
    no = ForgetCb(act=ForgetAct.NO, member_id=member_id).pack()
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=_("Yes, forget me"), callback_data=yes),
                InlineKeyboardButton(text=_("Cancel"), callback_data=no),
            ]
        ]
    )
