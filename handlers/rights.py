"""Who may do what in a community: checked on every admin action, in that community."""

from aiogram import Bot, Router
from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.rights import Rights
from bot.services.communities import CommunitiesService, CommunityView
from bot.services.profiles import ProfilesService
from handlers.filters import mentions_bot, replies_to_bot

MAX_ID = 2**31 - 1  # database ids and question numbers fit a 32-bit integer


async def is_moderator(bot: Bot, message: Message, rights: Rights) -> bool:
    """An administrator of the group `message` was sent in (an anonymous one posts as the
    group), or one of the bot's owners."""
    if message.sender_chat is not None and message.sender_chat.id == message.chat.id:
        return True
    user = message.from_user
    return user is not None and await moderates(bot, rights, message.chat.id, user.id)


async def moderates(bot: Bot, rights: Rights, chat_id: int, user_id: int) -> bool:
    """The user administers the group `chat_id` (as Telegram said within the last minutes,
    or told us since), or owns the bot: checked for every action, wherever it is taken (the
    private chat, a button), in the community it acts on."""
    return await rights.administers(bot, chat_id, user_id)


async def moderated_community(
    bot: Bot, rights: Rights, communities: CommunitiesService, user_id: int, community_id: int
) -> CommunityView | None:
    """The community, when the user administers its group."""
    community = await communities.by_id(community_id) if 0 < community_id <= MAX_ID else None
    if community is None or not await moderates(bot, rights, community.chat_id, user_id):
        return None
    return community


async def dialog_community(
    bot: Bot,
    rights: Rights,
    communities: CommunitiesService,
    state: FSMContext,
    user_id: int,
    refusal: str,
) -> CommunityView | None:
    """The community a moderator's dialog is for, when they still administer it; otherwise
    the dialog ends, and they are told `refusal` (nothing was changed)."""
    community_id = (await state.get_data()).get("community_id")
    community = (
        await moderated_community(bot, rights, communities, user_id, community_id)
        if isinstance(community_id, int)
        else None
    )
    if community is None:
        await state.clear()
        await bot.send_message(user_id, refusal)
    return community


async def moderated_by(
    bot: Bot, rights: Rights, profiles: ProfilesService, user_id: int
) -> list[CommunityView]:
    """The member's groups that they administer."""
    return [
        c
        for c in await profiles.communities_of(user_id)
        if await moderates(bot, rights, c.chat_id, user_id)
    ]


# What an administrator posting as the group can still use: nothing there needs to know who
# is writing (the group is enough), or it is for moderators anyway.
AS_THE_GROUP = frozenset(
    {"why", "accept", "close", "open", "answering", "help", "profile", "expertise", "start"}
    | {"faq_add", "faq_edit", "faq_delete", "faq_restore", "faq_verify", "faq_stale"}
    | {"faq_verification"}
    | {"prompt_add", "prompts", "prompt_delete", "prompt_schedule"}
    | {"stats"}
    | {"meetup", "meetups", "meetup_cancel", "meetup_move"}
    | {"digest", "digest_schedule"}
    | {"hide", "unhide", "suspend", "unsuspend", "audit"}
    | {"settings", "topics"}
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
