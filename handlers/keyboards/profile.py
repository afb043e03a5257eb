"""Buttons of the profile dialog and their callback data."""

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.config import SUPPORTED_LANGUAGES
from bot.services.availability import COMMON_ZONES, zone_label
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
    TZ_MENU = "tz"
    TZ_SET = "ts"
    QUIET_MENU = "qm"
    QUIET_OFF = "qo"
    PAUSE = "pa"
    FAQ_MENU = "fm"


class ProfileCb(CallbackData, prefix="pf"):
    act: Act
    id: int = 0
    code: str = ""


def _button(text: str, act: Act, *, id: int = 0, code: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=ProfileCb(act=act, id=id, code=code).pack()
    )


def _rows(buttons: list[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    """`width` buttons a row. (aiogram's InlineKeyboardBuilder deep-copies every button on
    each call; a profile keyboard cost ~10 ms of CPU that way.)"""
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


def tags_keyboard(choices: list[TagChoice], selected: set[int]) -> InlineKeyboardMarkup:
    toggles = [
        _button(f"{'✅ ' if c.id in selected else ''}{c.label}", Act.TOGGLE_TAG, id=c.id)
        for c in choices
    ]
    done = _button(_("Done ✔"), Act.TAGS_DONE)
    return InlineKeyboardMarkup(inline_keyboard=[*_rows(toggles, 2), [done]])


def languages_keyboard(selected: set[str]) -> InlineKeyboardMarkup:
    toggles = [
        _button(
            f"{'✅ ' if code in selected else ''}{LANGUAGE_NAMES[code]}", Act.TOGGLE_LANG, code=code
        )
        for code in SUPPORTED_LANGUAGES
    ]
    done = _button(_("Done ✔"), Act.LANGS_DONE)
    return InlineKeyboardMarkup(inline_keyboard=[*_rows(toggles, 2), [done]])


def bio_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[_button(_("Skip"), Act.SKIP_BIO)]])


def profile_keyboard(community_id: int | None, *, paused: bool = False) -> InlineKeyboardMarkup:
    buttons = []
    if community_id is not None:
        buttons.append(_button(_("Edit topics"), Act.EDIT_TAGS, id=community_id))
    card = community_id or 0  # the card to show again after the step
    buttons += [
        _button(_("Edit languages"), Act.EDIT_LANGS, id=card),
        _button(_("Edit bio"), Act.EDIT_BIO, id=card),
        _button(_("Bot language"), Act.UI_MENU),
        _button(_("🌍 Time zone"), Act.TZ_MENU, id=card),
        _button(_("🌙 Quiet hours"), Act.QUIET_MENU, id=card),
        _button(_("📚 My answers in the FAQ"), Act.FAQ_MENU),
    ]
    pause = (
        _button(_("▶️ Resume questions"), Act.PAUSE, id=card, code="0")
        if paused
        else _button(_("⏸ Pause questions to me"), Act.PAUSE, id=card, code="1")
    )
    return InlineKeyboardMarkup(inline_keyboard=[*_rows(buttons, 2), [pause]])


def timezone_keyboard() -> InlineKeyboardMarkup:
    buttons = [_button(zone_label(zone), Act.TZ_SET, code=zone) for zone in COMMON_ZONES]
    return InlineKeyboardMarkup(inline_keyboard=_rows(buttons, 2))


def quiet_keyboard(community_id: int | None, *, has_timezone: bool) -> InlineKeyboardMarkup:
    rows = [[_button(_("No quiet hours"), Act.QUIET_OFF)]]
    if not has_timezone:  # back to quiet hours once the zone is set ("q")
        rows.append([_button(_("🌍 Set time zone"), Act.TZ_MENU, id=community_id or 0, code="q")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def ui_language_keyboard() -> InlineKeyboardMarkup:
    buttons = [_button(LANGUAGE_NAMES[code], Act.UI_SET, code=code) for code in SUPPORTED_LANGUAGES]
    return InlineKeyboardMarkup(inline_keyboard=_rows(buttons, 2))


def communities_keyboard(communities: list[CommunityView], purpose: str) -> InlineKeyboardMarkup:
    buttons = [
        _button(c.title[:60] or str(c.chat_id), Act.PICK_COMMUNITY, id=c.id, code=purpose)
        for c in communities[:50]
    ]
    return InlineKeyboardMarkup(inline_keyboard=_rows(buttons, 1))
