"""Buttons of the moderators' FAQ commands and their callback data (user input: every press is
checked again, live, against the presser's rights in that community)."""

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.messages import start_link
from bot.services.communities import CommunityView

# Deep links from the group to the private chat, where the dialogs run for that group.
ADD_PAYLOAD = "faqadd_{community_id}"
EDIT_PAYLOAD = "faqedit_{community_id}_{entry_id}"


class FaqAct(StrEnum):
    ADD = "a"
    EDIT = "e"
    DELETE = "d"
    RESTORE = "r"
    VERIFY = "v"
    STALE = "s"


class FaqPickCb(CallbackData, prefix="fp"):
    """The community a command typed in the private chat is for."""

    act: FaqAct
    c: int  # community
    e: int = 0  # entry, for edit, delete, restore and verify


class Part(StrEnum):
    QUESTION = "q"
    ANSWER = "a"
    TAGS = "t"
    REVIEW = "r"
    CLEAR_REVIEW = "x"


class FaqEditCb(CallbackData, prefix="fe"):
    part: Part
    c: int  # community
    e: int  # entry


class FaqSkipCb(CallbackData, prefix="fk"):
    """Skip an optional step of /faq_add (tags, review date)."""

    step: str


def pick_keyboard(
    communities: list[CommunityView], act: FaqAct, entry_id: int = 0
) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=c.title, callback_data=FaqPickCb(act=act, c=c.id, e=entry_id).pack()
                )
            ]
            for c in communities
        ]
    )


def edit_keyboard(community_id: int, entry_id: int, *, has_review: bool) -> InlineKeyboardMarkup:
    def button(text: str, part: Part) -> InlineKeyboardButton:
        data = FaqEditCb(part=part, c=community_id, e=entry_id).pack()
        return InlineKeyboardButton(text=text, callback_data=data)

    rows = [
        [button(_("Question"), Part.QUESTION), button(_("Answer"), Part.ANSWER)],
        [button(_("Topics"), Part.TAGS), button(_("Review date"), Part.REVIEW)],
    ]
    if has_review:
        rows.append([button(_("Clear the review date"), Part.CLEAR_REVIEW)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def skip_keyboard(step: str) -> InlineKeyboardMarkup:
    data = FaqSkipCb(step=step).pack()
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=_("Skip"), callback_data=data)]]
    )


def private_chat_button(bot_username: str, payload: str, text: str) -> InlineKeyboardMarkup:
    link = start_link(bot_username, payload)
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=text, url=link)]])
