"""Per-update plumbing: one DB session and this update's services; the member; the locale."""

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Chat, TelegramObject, Update, User
from aiogram.utils.i18n import I18n

from bot.clock import Clock
from bot.config import Settings
from bot.services.factory import build_services
from bot.services.members import GroupInfo, Identity
from storage.db import Database, commit_if_needed

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
GROUP_TYPES = frozenset({"group", "supergroup"})


def identity_of(user: User) -> Identity:
    return Identity(
        user_id=user.id,
        first_name=user.first_name,
        last_name=user.last_name,
        username=user.username,
        language_code=user.language_code,
    )


def _interaction_chat(update: Update) -> Chat | None:
    """The chat a member wrote in, for messages and button presses only: join/leave events
    and chat-member updates are handled by their own handlers."""
    message = update.message or update.edited_message
    if message is not None:
        if message.new_chat_members or message.left_chat_member or message.migrate_to_chat_id:
            return None
        return message.chat
    if update.callback_query is not None and update.callback_query.message is not None:
        return update.callback_query.message.chat
    return None


class DbSessionMiddleware(BaseMiddleware):
    """Opens the update's session, builds its services and records who wrote.

    Services end their own short transactions; whatever is left is committed on success and
    rolled back on error.
    """

    def __init__(self, db: Database, clock: Clock, settings: Settings) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with self.db.light_session() as session:
            services = build_services(session, self.clock, self.settings, self.db.cache)
            data.update(services.as_data())
            members = services.members
            data["locale"] = self.settings.default_language
            user: User | None = data.get("event_from_user")
            if isinstance(event, Update) and user is not None and not user.is_bot:
                chat = _interaction_chat(event)
                group = (
                    GroupInfo(chat.id, chat.title or "", bool(chat.is_forum))
                    if chat is not None and chat.type in GROUP_TYPES
                    else None
                )
                private = chat is not None and chat.type == "private"
                actor = await members.seen(identity_of(user), group, private=private)
                data["actor"] = actor
                data["locale"] = actor.locale
                data["group_id"] = actor.community_id
            elif isinstance(event, Update) and (chat := _interaction_chat(event)) is not None:
                # Nobody to record (an administrator posting as the group): the group is known.
                community = (
                    await members.community_of_chat(chat.id) if chat.type in GROUP_TYPES else None
                )
                if community is not None:
                    data["group_id"] = community.id
                    data["locale"] = community.language
            try:
                result = await handler(event, data)
            except BaseException:
                await session.rollback()
                raise
            await commit_if_needed(session)
            return result


class LocaleMiddleware(BaseMiddleware):
    """Runs the rest of the update in the member's locale (set by DbSessionMiddleware)."""

    def __init__(self, i18n: I18n) -> None:
        self.i18n = i18n

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        data["i18n"] = self.i18n
        with self.i18n.context(), self.i18n.use_locale(data.get("locale", "en")):
            return await handler(event, data)
