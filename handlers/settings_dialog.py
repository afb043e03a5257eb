"""The settings that are typed (timezone, quiet hours, welcome text): asked for in the
moderator's private chat, whichever chat the menu is in, one message, /cancel to leave. The
rights are asked of Telegram again when the value comes; a bad value is explained and changes
nothing; once saved, the private chat shows the menu, and the menu the button was under (in the
group, say) is refreshed."""

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import BaseStorage, StorageKey
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.rights import Rights
from bot.services.availability import AvailabilityError
from bot.services.communities import CommunitiesService
from bot.services.members import Actor
from bot.services.settings import BadChoice, SettingError, SettingsService
from handlers.keyboards.settings import menu_keyboard
from handlers.rights import dialog_community
from handlers.settings_texts import (
    ask_text,
    asked_privately,
    bad_value,
    menu_text,
    no_private_chat,
    not_a_moderator,
    saved,
)

log = logging.getLogger(__name__)
TYPED = ("tz", "quiet", "wel")


class SettingInput(StatesGroup):
    value = State()  # data: community_id, which, and the menu to refresh (chat, message, topic)


async def ask(
    query: CallbackQuery,
    bot: Bot,
    storage: BaseStorage,
    service: SettingsService,
    community_id: int,
    which: str,
    in_topic: bool,
) -> None:
    """The typed settings are asked for in the private chat, whichever chat the menu is in."""
    view = await service.view(community_id)
    if which not in TYPED or view is None:
        raise BadChoice()
    user_id = query.from_user.id
    try:
        await bot.send_message(user_id, ask_text(which, view))
    except TelegramAPIError:
        await query.answer(no_private_chat(), show_alert=True)
        return
    state = FSMContext(storage, StorageKey(bot_id=bot.id, chat_id=user_id, user_id=user_id))
    await state.clear()
    await state.set_state(SettingInput.value)
    menu = query.message
    await state.update_data(
        community_id=community_id,
        which=which,
        menu_chat=menu.chat.id if menu else None,
        menu_message=menu.message_id if menu else None,
        in_topic=in_topic,
    )
    private_menu = menu is not None and menu.chat.id == user_id
    await query.answer(None if private_menu else asked_privately())


async def st_value(
    message: Message,
    bot: Bot,
    state: FSMContext,
    actor: Actor,
    rights: Rights,
    communities: CommunitiesService,
    community_settings: SettingsService,
) -> None:
    data = await state.get_data()
    community = await dialog_community(
        bot, rights, communities, state, actor.user_id, not_a_moderator()
    )
    if community is None:
        return
    text, which = message.text or "", data["which"]
    try:
        if which == "tz":
            view = await community_settings.set_timezone(community.id, text, actor.member_id)
        elif which == "quiet":
            view = await community_settings.set_quiet(community.id, text, actor.member_id)
        else:
            view = await community_settings.set_welcome(community.id, text, actor.member_id)
    except (AvailabilityError, SettingError) as error:
        await message.answer(bad_value(error))
        return
    await state.clear()
    await message.answer(
        saved() + "\n\n" + menu_text(view), reply_markup=menu_keyboard(view, in_topic=False)
    )
    if data.get("menu_chat") not in (None, message.chat.id):  # the group's menu shows it too
        try:
            await bot.edit_message_text(
                menu_text(view),
                chat_id=data["menu_chat"],
                message_id=data["menu_message"],
                reply_markup=menu_keyboard(view, in_topic=bool(data.get("in_topic"))),
            )
        except TelegramAPIError as error:
            log.warning("settings menu in chat %s not refreshed: %s", data["menu_chat"], error)


async def st_not_text(message: Message) -> None:
    await message.answer(_("Please send it as a text message, or /cancel."))
