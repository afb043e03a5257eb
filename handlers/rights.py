"""Who may do what in a community: checked on every admin action, in that community."""

from aiogram import Bot
from aiogram.types import Message

from bot.config import Settings
from bot.telegram import chat_member


async def is_moderator(bot: Bot, message: Message, settings: Settings) -> bool:
    """An administrator of the group `message` was sent in (an anonymous one posts as the
    group), or one of the bot's owners."""
    if message.sender_chat is not None and message.sender_chat.id == message.chat.id:
        return True
    user = message.from_user
    if user is None:
        return False
    if user.id in settings.bot_admins:
        return True
    member = await chat_member(bot, message.chat.id, user.id)
    return member is not None and member.status in ("creator", "administrator")
