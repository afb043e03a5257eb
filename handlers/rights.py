"""Who may do what in a community: checked on every admin action, in that community."""

from aiogram import Bot, Router
from aiogram.filters import Filter
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.config import Settings
from bot.telegram import chat_member
from handlers.filters import mentions_bot, replies_to_bot


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


# What an administrator posting as the group can still use: nothing there needs to know who
# is writing (the group is enough), or it is for moderators anyway.
AS_THE_GROUP = frozenset(
    {"why", "accept", "close", "open", "answering", "help", "profile", "expertise", "start"}
)


class _AsTheGroup(Filter):
    """A command (or a message for the bot) from an administrator posting as the group that
    needs a member behind it: nobody can be recorded as asking or answering."""

    async def __call__(self, message: Message, bot: Bot) -> bool:
        sender = message.sender_chat
        if sender is None or sender.id != message.chat.id:
            return False
        text = message.text or message.caption or ""
        if text.startswith("/"):
            words = text[1:].split(maxsplit=1)
            command, _at, target = (words[0] if words else "").partition("@")
            if target and target.lower() != ((await bot.me()).username or "").lower():
                return False  # for another bot
            return command.lower() not in AS_THE_GROUP
        return replies_to_bot(message, bot) or await mentions_bot(message, bot)


async def as_the_group(message: Message) -> None:
    await message.reply(
        _(
            "You are posting as the group, so I can't tell who is asking or answering. Post "
            "as yourself for that (turn off “Remain anonymous” in your administrator rights)."
        )
    )


def setup_as_the_group() -> Router:
    router = Router(name=f"{__name__}.as_the_group")
    router.message.register(as_the_group, _AsTheGroup())
    return router
