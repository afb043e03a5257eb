"""The bot joining or leaving groups, members joining and leaving, chat migrations."""

import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import JOIN_TRANSITION, LEAVE_TRANSITION, ChatMemberUpdatedFilter
from aiogram.types import ChatMemberUpdated, Message
from aiogram.utils.i18n import I18n

from bot.messages import group_welcome, profile_button
from bot.middlewares import identity_of
from bot.services.communities import CommunitiesService
from bot.services.members import MembersService
from bot.welcome import welcome_now
from handlers.filters import groups, private, service_messages, where

log = logging.getLogger(__name__)


async def on_bot_added(
    event: ChatMemberUpdated, bot: Bot, communities: CommunitiesService, i18n: I18n
) -> None:
    language = event.from_user.language_code if event.from_user else None
    community = await communities.bot_added(
        event.chat.id,
        event.chat.title or "",
        is_forum=bool(event.chat.is_forum),
        language=language if language in i18n.available_locales else None,
    )
    me = await bot.me()
    with i18n.use_locale(community.language):
        text, keyboard = group_welcome(community.title), profile_button(me.username, community.id)
    try:
        await bot.send_message(event.chat.id, text, reply_markup=keyboard)
    except TelegramAPIError as error:
        log.warning("group welcome to %s not posted: %s", event.chat.id, error)


async def on_bot_removed(event: ChatMemberUpdated, communities: CommunitiesService) -> None:
    await communities.bot_removed(event.chat.id)


async def on_private_status(event: ChatMemberUpdated, members: MembersService) -> None:
    """The member blocked (kicked) or unblocked the bot in their private chat."""
    available = event.new_chat_member.status == "member"
    await members.set_dm_available(event.chat.id, available)


async def on_member_joined(
    event: ChatMemberUpdated, bot: Bot, communities: CommunitiesService, i18n: I18n
) -> None:
    user = event.new_chat_member.user
    if not user.is_bot and await communities.member_joined(event.chat.id, identity_of(user)):
        await welcome_now(bot, i18n, communities, event.chat.id)


async def on_member_left(event: ChatMemberUpdated, communities: CommunitiesService) -> None:
    await communities.member_left(event.chat.id, event.new_chat_member.user.id)


async def on_new_chat_members(
    message: Message, bot: Bot, communities: CommunitiesService, i18n: I18n
) -> None:
    me = await bot.me()
    joined = False
    for user in message.new_chat_members:
        if not user.is_bot and user.id != me.id:
            joined |= await communities.member_joined(message.chat.id, identity_of(user))
    if joined:
        await welcome_now(bot, i18n, communities, message.chat.id)


async def on_left_chat_member(message: Message, bot: Bot, communities: CommunitiesService) -> None:
    if message.left_chat_member.id == (await bot.me()).id:
        await communities.bot_removed(message.chat.id)
    else:
        await communities.member_left(message.chat.id, message.left_chat_member.id)


async def on_migrated(message: Message, communities: CommunitiesService) -> None:
    await communities.chat_migrated(message.chat.id, message.migrate_to_chat_id)


def setup() -> Router:
    router = Router(name=__name__)
    router.my_chat_member.register(on_bot_added, groups, ChatMemberUpdatedFilter(JOIN_TRANSITION))
    router.my_chat_member.register(
        on_bot_removed, groups, ChatMemberUpdatedFilter(LEAVE_TRANSITION)
    )
    router.my_chat_member.register(on_private_status, private)
    router.chat_member.register(on_member_joined, groups, ChatMemberUpdatedFilter(JOIN_TRANSITION))
    router.chat_member.register(on_member_left, groups, ChatMemberUpdatedFilter(LEAVE_TRANSITION))
    router.message.filter(service_messages)  # ordinary messages pass this router in one check
    router.message.register(on_new_chat_members, groups, where(F.new_chat_members))
    router.message.register(on_left_chat_member, groups, where(F.left_chat_member))
    router.message.register(on_migrated, where(F.migrate_to_chat_id))
    return router
