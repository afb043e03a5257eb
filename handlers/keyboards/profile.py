"""Buttons of the profile dialog and their callback data."""

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.config import SUPPORTED_LANGUAGES
from bot.services.communities import CommunityView
from bot.services.profiles import TagChoice

LANGUAGE_NAMES = {"en": "English", "es": "Español", "ru": "Русский", "id": "Bahasa Indonesia"}


class Act(StrEnum):
    TOGGLE_TAG = "t"
    TAGS_DONE = "td"
    TOGGLE_LANG = "l"
    LANGS_DONE = "ld"
    SKIP_BIO = "sb"
    EDIT_TAGS = "et"
    EDIT_LANGS = "el"
    EDIT_BIO = "eb"
    UI_MENU = "um"
    UI_SET = "us"
    PICK_COMMUNITY = "pc"


class ProfileCb(CallbackData, prefix="pf"):
    act: Act
    id: int = 0
    code: str = ""


def _button(text: str, act: Act, *, id: int = 0, code: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=ProfileCb(act=act, id=id, code=code).pack()
    )


def tags_keyboard(choices: list[TagChoice], selected: set[int]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for choice in choices:
        mark = "✅ " if choice.id in selected else ""
        builder.add(_button(f"{mark}{choice.label}", Act.TOGGLE_TAG, id=choice.id))
    builder.adjust(2)
    builder.row(_button(_("Done ✔"), Act.TAGS_DONE))
    return builder.as_markup()


def languages_keyboard(selected: set[str]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code in SUPPORTED_LANGUAGES:
        mark = "✅ " if code in selected else ""
        builder.add(_button(f"{mark}{LANGUAGE_NAMES[code]}", Act.TOGGLE_LANG, code=code))
    builder.adjust(2)
    builder.row(_button(_("Done ✔"), Act.LANGS_DONE))
    return builder.as_markup()


def bio_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[_button(_("Skip"), Act.SKIP_BIO)]])


def profile_keyboard(community_id: int | None) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if community_id is not None:
        builder.add(_button(_("Edit topics"), Act.EDIT_TAGS, id=community_id))
    builder.add(_button(_("Edit languages"), Act.EDIT_LANGS, id=community_id or 0))
    builder.add(_button(_("Edit bio"), Act.EDIT_BIO, id=community_id or 0))
    builder.add(_button(_("Bot language"), Act.UI_MENU))
    builder.adjust(2)
    return builder.as_markup()


def ui_language_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code in SUPPORTED_LANGUAGES:
        builder.add(_button(LANGUAGE_NAMES[code], Act.UI_SET, code=code))
    builder.adjust(2)
    return builder.as_markup()


def communities_keyboard(communities: list[CommunityView], purpose: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for community in communities[:50]:
        label = community.title[:60] or str(community.chat_id)
        builder.row(_button(label, Act.PICK_COMMUNITY, id=community.id, code=purpose))
    return builder.as_markup()
