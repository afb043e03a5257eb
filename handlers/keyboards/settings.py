"""The /settings menu's buttons and their callback data (user input: every press is checked
again, live, against the presser's rights in that community, and its value against the values
offered)."""

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.services.communities import CommunityView
from bot.services.settings import ESCALATION_HOURS, FANOUTS, LANGUAGES, SettingsView

LANGUAGE_NAMES = {"en": "English", "es": "Español", "ru": "Русский", "id": "Bahasa Indonesia"}


class SetAct(StrEnum):
    PICK = "p"  # a group picked in the private chat: its menu
    MENU = "m"  # back to the menu
    CHOOSE = "c"  # the choices of a setting (v: lang, fan, esc, wel)
    LANGUAGE = "l"
    FANOUT = "f"
    ESCALATION = "e"
    OPEN = "o"  # open answering: v is 1 or 0
    VERIFY = "v"  # FAQ verification: v is 1 or 0
    ASK = "a"  # typed in the private chat: v is tz, quiet, wel
    DEFAULT_WELCOME = "w"
    HERE = "h"  # v: prompts or meetups, to the topic the menu is in
    CLEAR = "x"  # v: prompts or meetups, back to where each was made


class SettingsCb(CallbackData, prefix="se"):
    act: SetAct
    c: int  # community
    v: str = ""


def _button(text: str, act: SetAct, community_id: int, value: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=SettingsCb(act=act, c=community_id, v=value).pack()
    )


def pick_keyboard(communities: list[CommunityView]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[_button(c.title, SetAct.PICK, c.id)] for c in communities]
    )


def _on_off(enabled: bool) -> str:
    return _("on") if enabled else _("off")


def menu_keyboard(view: SettingsView, *, in_topic: bool) -> InlineKeyboardMarkup:
    """`in_topic`: the menu is shown in a forum topic, which can become prompts' or meetups'."""
    c = view.id
    rows = [
        [
            _button(_("🌐 Language"), SetAct.CHOOSE, c, "lang"),
            _button(_("🕒 Timezone"), SetAct.ASK, c, "tz"),
        ],
        [
            _button(_("👥 Peers asked"), SetAct.CHOOSE, c, "fan"),
            _button(_("⏱ Escalation"), SetAct.CHOOSE, c, "esc"),
        ],
        [
            _button(_("🌙 Quiet hours"), SetAct.ASK, c, "quiet"),
            _button(_("👋 Welcome text"), SetAct.CHOOSE, c, "wel"),
        ],
        [
            _button(
                _("Open answering: {state}").format(state=_on_off(view.open_answering)),
                SetAct.OPEN,
                c,
                "0" if view.open_answering else "1",
            )
        ],
        [
            _button(
                _("FAQ verification: {state}").format(state=_on_off(view.faq_verification)),
                SetAct.VERIFY,
                c,
                "0" if view.faq_verification else "1",
            )
        ],
    ]
    if in_topic:
        rows.append(
            [
                _button(_("Post prompts here"), SetAct.HERE, c, "prompts"),
                _button(_("Post meetups here"), SetAct.HERE, c, "meetups"),
            ]
        )
    clear = []
    if view.prompt_thread_id is not None:
        clear.append(_button(_("Prompts: any topic"), SetAct.CLEAR, c, "prompts"))
    if view.meetup_thread_id is not None:
        clear.append(_button(_("Meetups: any topic"), SetAct.CLEAR, c, "meetups"))
    if clear:
        rows.append(clear)
    return InlineKeyboardMarkup(inline_keyboard=rows)


def choices_keyboard(view: SettingsView, which: str) -> InlineKeyboardMarkup | None:
    """The values offered for `which` (lang, fan, esc, wel), with a way back; None: unknown."""
    c = view.id
    rows: list[list[InlineKeyboardButton]]
    if which == "lang":
        rows = [[_button(LANGUAGE_NAMES[code], SetAct.LANGUAGE, c, code)] for code in LANGUAGES]
    elif which == "fan":
        buttons = [_button(str(n), SetAct.FANOUT, c, str(n)) for n in FANOUTS]
        rows = [buttons[:5], buttons[5:]]
    elif which == "esc":
        label = _("{hours} h")
        rows = [
            [_button(label.format(hours=h), SetAct.ESCALATION, c, str(h)) for h in ESCALATION_HOURS]
        ]
    elif which == "wel":
        rows = [
            [_button(_("✏️ Write a new one"), SetAct.ASK, c, "wel")],
            [_button(_("↩️ Use the default"), SetAct.DEFAULT_WELCOME, c)],
        ]
    else:
        return None
    rows.append([_button(_("« Back"), SetAct.MENU, c)])
    return InlineKeyboardMarkup(inline_keyboard=rows)
