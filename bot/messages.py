"""Texts and buttons that both handlers and scheduled jobs send (so they live below handlers)."""

from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.services.communities import Newcomer

PROFILE_PAYLOAD = "profile_{community_id}"


def start_link(bot_username: str, payload: str) -> str:
    return f"https://t.me/{bot_username}?start={payload}"


def profile_button(bot_username: str, community_id: int) -> InlineKeyboardMarkup:
    link = start_link(bot_username, PROFILE_PAYLOAD.format(community_id=community_id))
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=_("Set up my profile"), url=link)]]
    )


def mention(user_id: int, name: str) -> str:
    return f'<a href="tg://user?id={user_id}">{escape(name, quote=False)}</a>'


def group_welcome(title: str) -> str:
    return _(
        "👋 Hello, <b>{title}</b>! I help this group learn from each other.\n\n"
        "• <b>Ask</b>: /ask followed by your question. I find the members who know the topic "
        "and ask them privately, then bring their answers back here.\n"
        "• <b>Search</b>: /search followed by a few words finds answers given before.\n"
        "• <b>Your profile</b>: tell me which topics you know, so questions reach you. "
        "Tap the button below to set it up in our private chat.\n\n"
        "Admins: make me an administrator so I can greet new members."
    ).format(title=escape(title, quote=False))


def newcomers_welcome(newcomers: list[Newcomer], custom_text: str | None) -> str:
    names = ", ".join(mention(n.user_id, n.first_name) for n in newcomers)
    if custom_text:
        return f"{names}\n\n{escape(custom_text, quote=False)}"
    return _(
        "Welcome, {names}! 👋 In this group we answer each other's questions. "
        "Tap the button to tell me what you know, and ask with /ask."
    ).format(names=names)


def apology() -> str:
    return _("Sorry, something went wrong on my side. Please try again in a moment.")
