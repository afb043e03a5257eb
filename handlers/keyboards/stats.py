"""The group picker of /stats and /export in the private chat, and its callback data (user
input: every press is checked again, live, against the presser's rights in that group)."""

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.services.communities import CommunityView


class StatsAct(StrEnum):
    STATS = "s"
    EXPORT = "e"


class StatsPickCb(CallbackData, prefix="sx"):
    """The community a /stats or /export typed in the private chat is for."""

    act: StatsAct
    c: int  # community
    p: str = ""  # the period, for /stats


def pick_keyboard(
    communities: list[CommunityView], act: StatsAct, period: str = ""
) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=c.title, callback_data=StatsPickCb(act=act, c=c.id, p=period).pack()
                )
            ]
            for c in communities
        ]
    )
