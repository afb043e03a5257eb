"""/settings: a group's settings as a menu of buttons, for its moderators. In the group it is
that group's (in a forum topic it can also send prompts or meetups there); in the private chat
it is for a group the moderator administers, picked with buttons when several. A button proves
nothing: every press asks Telegram again whether the presser administers that group, and its
value must be one the menu offers. What has to be typed (timezone, quiet hours, welcome text)
is asked for in the private chat (handlers.settings_dialog)."""

import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, StateFilter
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import CallbackQuery, InaccessibleMessage, Message
from aiogram.utils.i18n import gettext as _

from bot.rights import Rights
from bot.services.communities import CommunitiesService
from bot.services.members import Actor
from bot.services.profiles import ProfilesService
from bot.services.settings import BadChoice, SettingError, SettingsService, SettingsView
from handlers import settings_dialog as dialog
from handlers.filters import groups, private, private_or_commands, where
from handlers.keyboards.settings import (
    SetAct,
    SettingsCb,
    choices_keyboard,
    menu_keyboard,
    pick_keyboard,
)
from handlers.rights import is_moderator, moderated_by, moderated_community
from handlers.settings_texts import (
    bad_button,
    choices_text,
    menu_text,
    not_a_moderator,
    saved,
)

log = logging.getLogger(__name__)


async def cmd_settings_group(
    message: Message,
    bot: Bot,
    rights: Rights,
    community_settings: SettingsService,
    group_id: int | None = None,
) -> None:
    view = await community_settings.view(group_id) if group_id is not None else None
    if view is None or not await is_moderator(bot, message, rights):
        await message.reply(not_a_moderator())
        return
    in_topic = bool(message.is_topic_message and message.chat.is_forum)
    await message.reply(menu_text(view), reply_markup=menu_keyboard(view, in_topic=in_topic))


async def cmd_settings_private(
    message: Message,
    bot: Bot,
    actor: Actor,
    rights: Rights,
    profiles: ProfilesService,
    community_settings: SettingsService,
) -> None:
    mine = await moderated_by(bot, rights, profiles, actor.user_id)
    if not mine:
        await message.answer(not_a_moderator())
    elif len(mine) > 1:
        await message.answer(_("Which group's settings?"), reply_markup=pick_keyboard(mine))
    elif (view := await community_settings.view(mine[0].id)) is not None:
        await message.answer(menu_text(view), reply_markup=menu_keyboard(view, in_topic=False))


async def cb_settings(
    query: CallbackQuery,
    callback_data: SettingsCb,
    bot: Bot,
    rights: Rights,
    communities: CommunitiesService,
    community_settings: SettingsService,
    fsm_storage: BaseStorage,
    actor: Actor | None = None,
) -> None:
    message = query.message
    community = await moderated_community(
        bot, rights, communities, query.from_user.id, callback_data.c
    )
    in_group = message is not None and message.chat.type != "private"
    if (
        message is None
        or isinstance(message, InaccessibleMessage)
        or community is None
        or (
            in_group and community.chat_id != message.chat.id  # a menu of another group's
        )
    ):
        await query.answer(not_a_moderator(), show_alert=True)
        return
    in_topic = in_group and bool(message.is_topic_message and message.chat.is_forum)
    act, value = callback_data.act, callback_data.v
    actor_id = actor.member_id if actor else None
    try:
        if act == SetAct.ASK:
            await dialog.ask(
                query, bot, fsm_storage, community_settings, community.id, value, in_topic
            )
            return
        if act == SetAct.CHOOSE:
            await _choices(query, community_settings, community.id, value)
            return
        topic = message.message_thread_id if in_topic else None
        view = await _change(community_settings, community.id, act, value, actor_id, topic)
    except (SettingError, ValueError):
        await query.answer(bad_button(), show_alert=True)
        return
    await query.answer(saved() if act not in (SetAct.PICK, SetAct.MENU) else None)
    await _show(message, view, in_topic)


async def _change(
    service: SettingsService,
    community_id: int,
    act: SetAct,
    value: str,
    actor_id: int | None,
    topic: int | None,
) -> SettingsView:
    """The change a button makes (BadChoice or ValueError for a value not offered)."""
    if act in (SetAct.OPEN, SetAct.VERIFY) and value not in ("0", "1"):
        raise BadChoice()
    if act == SetAct.LANGUAGE:
        return await service.set_language(community_id, value, actor_id)
    if act == SetAct.FANOUT:
        return await service.set_fanout(community_id, int(value), actor_id)
    if act == SetAct.ESCALATION:
        return await service.set_escalation(community_id, int(value), actor_id)
    if act == SetAct.OPEN:
        return await service.set_open_answering(community_id, value == "1", actor_id)
    if act == SetAct.VERIFY:
        return await service.set_faq_verification(community_id, value == "1", actor_id)
    if act == SetAct.DEFAULT_WELCOME:
        return await service.set_welcome(community_id, None, actor_id)
    if act == SetAct.HERE and topic is None:
        raise BadChoice()  # only a menu shown in a forum topic offers it
    if act in (SetAct.HERE, SetAct.CLEAR):
        thread_id = topic if act == SetAct.HERE else None
        return await service.set_topic(community_id, value, thread_id, actor_id)
    view = await service.view(community_id)  # PICK, MENU
    if view is None:
        raise BadChoice()
    return view


async def _choices(
    query: CallbackQuery, service: SettingsService, community_id: int, which: str
) -> None:
    view = await service.view(community_id)
    keyboard = choices_keyboard(view, which) if view is not None else None
    if keyboard is None:
        raise BadChoice()
    await query.answer()
    try:
        await query.message.edit_text(choices_text(which), reply_markup=keyboard)  # type: ignore[union-attr]
    except TelegramAPIError as error:
        log.warning("settings choices not shown: %s", error)


async def _show(message: Message, view: SettingsView, in_topic: bool) -> None:
    try:
        await message.edit_text(
            menu_text(view), reply_markup=menu_keyboard(view, in_topic=in_topic)
        )
    except TelegramAPIError as error:  # unchanged, or too old to edit
        log.info("settings menu not edited: %s", error)


def setup() -> Router:
    router = Router(name=__name__)
    router.message.filter(private_or_commands)
    router.message.register(cmd_settings_group, Command("settings"), groups)
    router.message.register(cmd_settings_private, Command("settings"), private)
    typing = StateFilter(dialog.SettingInput.value)
    text, not_command = where(F.text), where(~F.text.startswith("/"))
    router.message.register(dialog.st_value, typing, private, text, not_command)
    router.message.register(dialog.st_not_text, typing, private, where(~F.text))
    router.callback_query.register(cb_settings, SettingsCb.filter())
    return router
